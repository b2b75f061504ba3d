// The typical alarm bundle of the validator benches: a response centre's alarm (DetectedIssue +
// Encounter + Composition + Device, about 4.6 KB) built by the SDK, with fixed identifiers so
// that every bench (and bench/medplum, which reads the file vft_bench_validator_compare writes)
// times the same bytes.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "vft/messages/alarm.hpp"

inline std::string typical_alarm() {
    using namespace std::chrono_literals;
    const vft::Time a0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h;
    vft::AlarmReport a;
    a.identifier = "urn:uuid:7d1c6a0e-3f4b-4c55-9a1e-2b8f6d0c4e31";
    a.encounter_id = "urn:uuid:c2b7e9a4-58d1-4f3a-8e6b-91d0a4f2c7b5";
    a.patient = {"12854812341", "Kåre Nordmann Testesen"};
    a.alert_code = "3";
    a.severity = "30";
    a.triage = "Y";
    a.identified = a0;
    a.device = {"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm"};
    a.response = {a0 + 1min, a0 + 12min};
    a.participants = {{"2", a.device, {a0 + 1min, a0 + 4min}, std::nullopt}};
    a.note.date = a0 + 15min;
    a.note.author = {"9144900", "", "Operatør"};
    a.note.events = {{"0", a0}, {"1", a0 + 1min}, {"8", a0 + 2min}, {"3", a0 + 12min}};
    a.note.sections = {{"1.2", "Hendelse", "Brukeren trykket på alarmen."},
                       {"1.1", "Oppfølging", "Toveis tale, alt i orden."}};
    auto m = vft::build_alarm(a);
    return m ? m->body : std::string();
}
