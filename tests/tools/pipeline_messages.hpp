// The messages of the pipeline kill test ([pipeline_kill]), built the same way by the sender
// process (tests/tools/pipeline_sender.cpp) and the test that checks the journal: message i is a
// VKP alarm (even i) or a JFT medication transaction (odd i) for one of two synthetic patients.
// The JFT message is built the way a vendor resends after a crash: from the single-resource
// form read back, so its Bundle.identifier must come out the same on every rebuild.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include "vft/client/pipeline.hpp"
#include "vft/core/uuid.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/messages/medication.hpp"

namespace vft::test {

struct KillMessage {
    client::Api api;
    Message message;
    std::string ordering_key;
};

inline KillMessage kill_message(unsigned i) {
    using namespace std::chrono_literals;
    const Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 6h;
    const Patient patient = i % 4 < 2 ? Patient{"12854812341", "Kåre Nordmann Testesen"}
                                      : Patient{"03913945688", "Olga Ødegård"};
    const Time at = t0 + std::chrono::minutes(i);
    if (i % 2 == 0) {
        AlarmReport r;
        r.identifier = name_uuid_urn("pipeline-kill-alarm-" + std::to_string(i));
        r.encounter_id = name_uuid_urn("pipeline-kill-encounter-" + std::to_string(i));
        r.patient = patient;
        r.alert_code = "3";
        r.severity = "30";
        r.triage = "Y";
        r.identified = at;
        r.device = {"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
        r.response = {at + 1min, at + 15min};
        r.participants = {{"2", r.device, {at + 1min, at + 3min}, std::nullopt}};
        r.note.date = at + 20min;
        r.note.author = {"9144900", "", "Operatør Ødegård"};
        r.note.events = {{"0", at}, {"1", at + 1min}};
        r.note.sections = {{"1.2", "Hendelse", "Brukeren trykket på alarmen."}};
        auto m = build_alarm(r);
        if (!m) throw std::runtime_error(m.error().to_string());
        return {client::Api::vkp, *m, patient.id};
    }
    MedicationDispensed d;
    d.identifier = name_uuid_urn("pipeline-kill-dose-" + std::to_string(i));
    d.patient = patient;
    d.event = "1.1";
    d.handed_over = at;
    d.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                   "Evondos E300"};
    auto single = build_medication_dispense(d);
    if (!single) throw std::runtime_error(single.error().to_string());
    auto stored = read_medication_dispensed(single->body);  // what the vendor kept
    if (!stored) throw std::runtime_error(stored.error().to_string());
    auto m = build_medication_jft_transaction(*stored);
    if (!m) throw std::runtime_error(m.error().to_string());
    return {client::Api::jft, *m, patient.id};
}

}  // namespace vft::test
