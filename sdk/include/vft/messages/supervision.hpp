// Supervision report (digitalt/fysisk tilsyn, domain §2.1, §2.4): VkpEncounter with an optional
// journal note. Without a note the Bundle is a collection; with one it is a document (note
// first). Free functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/messages/journal_note.hpp"
#include "vft/model/types.hpp"

namespace vft {

struct SupervisionReport {
    std::string identifier;    // Bundle.identifier (urn:uuid); generated when empty
    std::string encounter_id;  // Encounter.identifier (urn:uuid); generated when empty
    Patient patient;
    bool digital = true;  // class VR (virtual); false = physical visit, class HH (home health)
    std::string reason =
        "1";        // vkp-encounter-reason-v090: 1 planlagt tilsyn, 2 hendelsesbasert tilsyn
    Period period;  // start and end (end alone when the start is unknown)
    std::vector<Participant> participants;  // at least one: device + mode
    std::string location;
    std::optional<JournalNote> note;
    std::vector<Extension> extensions;  // other Encounter extensions, kept on read → write
    bool operator==(const SupervisionReport&) const = default;
};

[[nodiscard]] Result<Message> build_supervision(const SupervisionReport& report);
[[nodiscard]] Result<SupervisionReport> read_supervision(std::string_view json);

}  // namespace vft
