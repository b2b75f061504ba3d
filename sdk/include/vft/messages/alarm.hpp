// Alarm report (domain §2.1, §2.3): DetectedIssue (the alarm) + Encounter (the follow-up) +
// Composition (the journal note) in one document Bundle. The medication alert (alert code 1.x) is
// the same message. Free functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/messages/journal_note.hpp"
#include "vft/model/types.hpp"

namespace vft {

struct AlarmReport {
    std::string identifier;  // Bundle.identifier (urn:uuid); generated when empty — reuse on resend
    std::string encounter_id;  // Encounter.identifier (urn:uuid); generated when empty
    Patient patient;
    std::string alert_code;  // vkp-alert-code-v090, e.g. "3" Trygghetsalarm, "4.1" Fall, "1.1" Ikke
                             // utlevert
    std::string severity;    // vkp-severity-level-v090 (0, 10, 20, 30, 40); empty = not sent
    std::string triage;      // vkp-triage-v090 (R, O, Y, G, B, BL, NR): checked, but not
                             // written (no published extension carries it; read back from a
                             // message with vft's former extension …/vkp-triage-v090)
    std::string detail;      // free text, e.g. "yellow"
    Time identified{};       // when the device raised the alarm
    Device device;           // the device that raised it
    Period response;         // the encounter: start and end of the response
    std::string reason = "2";  // vkp-encounter-reason-v090: 1 planlagt, 2 hendelsesbasert
    std::vector<Participant> participants;  // devices used in the response, with mode
    std::string location;                   // "[rom] @ [stednavn]"
    JournalNote note;
    std::vector<Extension> extensions;  // other DetectedIssue extensions, kept on read → write
    bool operator==(const AlarmReport&) const = default;
};

// Builds the document Bundle. Errors: VFT-BUILD-0701..0706 naming the field.
[[nodiscard]] Result<Message> build_alarm(const AlarmReport& report);
// As build_alarm, and also requires an alert code under 1 (Elektronisk medisineringsstøtte).
[[nodiscard]] Result<Message> build_medication_alert(const AlarmReport& report);
// Reads an alarm Bundle back. Errors: VFT-READ-0801..0803.
[[nodiscard]] Result<AlarmReport> read_alarm(std::string_view json);

}  // namespace vft
