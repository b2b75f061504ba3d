// Builder and reader throughput on one core: messages built + serialized per second and parsed
// into typed values per second, for the alarm bundle and the single MedicationDispense.
// Usage: vft_bench_messages [seconds-per-measurement]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench_util.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/messages/medication.hpp"

using Clock = std::chrono::steady_clock;
using vft::bench::rate;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    const vft::Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h;
    vft::AlarmReport a;
    a.identifier = "urn:uuid:0b6f3a52-8f0e-4c8a-9d59-3b7b1c2d4e5f";
    a.encounter_id = "urn:uuid:1c7e4b63-9a1f-4d9b-8e6a-4c8c2d3e5f60";
    a.patient = {"12854812341", "Kåre Nordmann Testesen"};
    a.alert_code = "4.1";
    a.severity = "30";
    a.triage = "O";
    a.identified = t0;
    a.device = {"https://fhir.trygghet.example/serial", "SENSOR-1", "Fallsensor"};
    a.response = {t0 + 1min, t0 + 12min};
    a.participants = {{"1", a.device, {t0 + 1min, t0 + 2min}, std::nullopt}};
    a.note.date = t0 + 15min;
    a.note.author = {"9144900", "", "Operatør"};
    a.note.events = {{"0", t0}, {"1", t0 + 1min}, {"3", t0 + 12min}};
    a.note.sections = {{"1.2", "Hendelse", "Fall registrert på soverommet."},
                       {"1.1", "Oppfølging", "Hjemmetjenesten rykket ut."}};

    vft::MedicationDispensed m;
    m.identifier = "urn:uuid:4fab7e96-2d4c-4ace-9b9d-7fbf5a618293";
    m.patient = a.patient;
    m.handed_over = t0;
    m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                   "Evondos E300"};

    const std::string alarm_json = vft::build_alarm(a)->body;
    const std::string dose_json = vft::build_medication_dispense(m)->body;
    std::printf("alarm bundle %zu bytes, medication dispense %zu bytes\n", alarm_json.size(),
                dose_json.size());
    std::printf("build+serialize alarm bundle:      %9.0f /s\n",
                rate(seconds, [&] { (void)vft::build_alarm(a); }));
    std::printf("parse alarm bundle to typed value: %9.0f /s\n",
                rate(seconds, [&] { (void)vft::read_alarm(alarm_json); }));
    std::printf("build+serialize medication:        %9.0f /s\n",
                rate(seconds, [&] { (void)vft::build_medication_dispense(m); }));
    std::printf("parse medication to typed value:   %9.0f /s\n",
                rate(seconds, [&] { (void)vft::read_medication_dispensed(dose_json); }));
    return 0;
}
