// Builders and readers of the VKP/JFT use cases: every builder output validates strictly, reads
// back to the same values, and is byte-identical when built again with the same identifiers;
// every invalid input returns its documented error code.
#include <catch2/catch.hpp>

#include <chrono>

#include "../support/validator.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/uuid.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/search.hpp"
#include "vft/messages/supervision.hpp"
#include "vft/validate/validator.hpp"

using namespace vft;
using namespace std::chrono_literals;

using vft::test::validator;

namespace {

// Strict validity with no issue at all (no warnings either).
void require_clean(const Message& m) {
    const auto r = validator().validate(m.json);
    INFO(m.json);
    INFO(r.to_operation_outcome());
    CHECK(r.issues.empty());
    CHECK(r.valid());
}

const Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h + 15min;
const Patient kare{"12854812341", "Kåre Nordmann Testesen"};
const Patient dnr_person{"52854812335", "Piotr Kowalski"};
const Device alarm_button{"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
const Device camera{"https://fhir.trygghet.example/serial", "CAM-7", "Kamera rom 24"};
const Practitioner operator_{"9144900", "", "Operatør Ødegård"};

JournalNote note() {
    JournalNote n;
    n.date = t0 + 20min;
    n.author = operator_;
    n.events = {{"0", t0}, {"1", t0 + 1min}, {"8", t0 + 2min}, {"3", t0 + 15min}};
    n.sections = {{"1.2", "Hendelse", "Brukeren trykket på alarmen.\nFall på badet."},
                  {"1.1", "Oppfølging", "Toveis tale, hjemmetjenesten varslet <akutt> & sendt."}};
    return n;
}

AlarmReport alarm() {
    AlarmReport r;
    r.identifier = "urn:uuid:0b6f3a52-8f0e-4c8a-9d59-3b7b1c2d4e5f";
    r.encounter_id = "urn:uuid:1c7e4b63-9a1f-4d9b-8e6a-4c8c2d3e5f60";
    r.patient = kare;
    r.alert_code = "3";
    r.severity = "30";
    r.detail = "yellow";
    r.identified = t0;
    r.device = alarm_button;
    r.response = {t0 + 1min, t0 + 15min};
    r.participants = {{"2", alarm_button, {t0 + 1min, t0 + 3min}, std::nullopt},
                      {"1", camera, {t0 + 2min, t0 + 4min}, std::nullopt}};
    r.location = "rom24 @ sykehjem";
    r.note = note();
    return r;
}

}  // namespace

TEST_CASE("alarm: builds strictly valid, reads back equal, rebuilds byte-identical",
          "[messages][alarm]") {
    const AlarmReport r = alarm();
    auto m = build_alarm(r);
    REQUIRE(m.ok());
    CHECK(m->identifier == r.identifier);
    require_clean(*m);
    auto back = read_alarm(m->json);
    REQUIRE(back.ok());
    CHECK(*back == r);
    CHECK(build_alarm(*back)->json == m->json);
}

TEST_CASE("alarm: a generated identifier is a UUID and is kept by the reader",
          "[messages][alarm]") {
    AlarmReport r = alarm();
    r.identifier.clear();
    auto m = build_alarm(r);
    REQUIRE(m.ok());
    CHECK(is_uuid_urn(m->identifier));
    CHECK(read_alarm(m->json)->identifier == m->identifier);
}

TEST_CASE("alarm: unknown extensions survive a round trip", "[messages][alarm]") {
    AlarmReport r = alarm();
    r.extensions = {
        {"http://vendor.example/fhir/alarm-source",
         R"({"url":"http://vendor.example/fhir/alarm-source","valueString":"Brannsentral Ø"})"}};
    auto m = build_alarm(r);
    REQUIRE(m.ok());
    // valid; the vendor's extension has no definition vft knows: a warning, not checked
    const auto v = validator().validate(m->json);
    INFO(v.to_operation_outcome());
    CHECK(v.valid());
    REQUIRE(v.issues.size() == 1);
    CHECK(v.issues[0].rule == "FHIR-STR-012");
    CHECK(v.issues[0].severity == vft::Severity::warning);
    CHECK(read_alarm(m->json)->extensions == r.extensions);
}

TEST_CASE("medication alert: alert codes 1.x only", "[messages][alarm]") {
    AlarmReport r = alarm();
    r.alert_code = "1.1";
    auto m = build_medication_alert(r);
    REQUIRE(m.ok());
    require_clean(*m);
    CHECK(read_alarm(m->json)->alert_code == "1.1");
    r.alert_code = "4.1";
    CHECK(build_medication_alert(r).error().code == errc::build_invalid_code);
}

TEST_CASE("alarm: invalid inputs give their documented error codes", "[messages][alarm]") {
    auto code_of = [](AlarmReport r) { return build_alarm(r).error().code; };
    AlarmReport r = alarm();
    r.patient.id = "12854812342";
    CHECK(code_of(r) == errc::build_invalid_patient);
    r = alarm();
    r.patient.name.clear();
    CHECK(code_of(r) == errc::build_missing_field);
    r = alarm();
    r.alert_code = "4.99";
    CHECK(code_of(r) == errc::build_invalid_code);
    r = alarm();
    r.severity = "50";
    CHECK(code_of(r) == errc::build_invalid_code);
    r = alarm();
    r.triage = "X";
    CHECK(code_of(r) == errc::build_invalid_code);
    r = alarm();
    r.note.events[0].code = "2";  // vkp-composition-event has no code 2
    CHECK(code_of(r) == errc::build_invalid_code);
    r = alarm();
    r.participants.clear();
    CHECK(code_of(r) == errc::build_missing_field);
    r = alarm();
    r.participants[0].mode = "9";
    CHECK(code_of(r) == errc::build_invalid_code);
    r = alarm();
    r.response = {t0 + 10min, t0};
    CHECK(code_of(r) == errc::build_invalid_time);
    r = alarm();
    r.identifier = "ALARM-42";
    CHECK(code_of(r) == errc::build_invalid_identifier);
    r = alarm();
    r.device.value.clear();
    CHECK(code_of(r) == errc::build_missing_field);
    r = alarm();
    r.note.author.hpr = "0123";
    CHECK(code_of(r) == errc::build_invalid_value);
}

TEST_CASE("supervision: digital with note, physical without", "[messages][supervision]") {
    SupervisionReport s;
    s.identifier = "urn:uuid:2d8f5c74-0b2a-4eac-9f7b-5d9d3e4f6071";
    s.encounter_id = "urn:uuid:3e9a6d85-1c3b-4fbd-8a8c-6eae4f507182";
    s.patient = dnr_person;
    s.reason = "1";
    s.period = {t0, t0 + 2min};
    s.participants = {{"0", camera, {t0, t0 + 2min}, std::nullopt}};
    s.location = "rom24 @ sykehjem";
    s.note = note();
    auto m = build_supervision(s);
    REQUIRE(m.ok());
    require_clean(*m);
    CHECK(*read_supervision(m->json) == s);

    s.digital = false;
    s.note.reset();
    s.participants = {{"2", {}, {t0 - 10min, t0}, Practitioner{"9144900", "", "Nina Fjeld"}}};
    s.period = {std::nullopt, t0};  // end alone: the start is unknown
    auto physical = build_supervision(s);
    REQUIRE(physical.ok());
    require_clean(*physical);
    CHECK(*read_supervision(physical->json) == s);
    CHECK(read_supervision(build_alarm(alarm())->json).error().code == errc::read_wrong_message);
    s.reason = "3";
    CHECK(build_supervision(s).error().code == errc::build_invalid_code);
}

TEST_CASE("medication dispensed: every event code, three forms", "[messages][medication]") {
    for (const char* event : {"1", "1.1", "1.2", "1.3", "2", "2.1", "2.2", "3"}) {
        INFO(event);
        MedicationDispensed m;
        m.identifier = "urn:uuid:4fab7e96-2d4c-4ace-9b9d-7fbf5a618293";
        m.bundle_id = "urn:uuid:5abc8fa7-3e5d-4bdf-8cae-8ac06b7293a4";
        m.patient = kare;
        m.event = event;
        m.handed_over = t0;
        m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                       "Evondos E300"};
        if (std::string(event).rfind("2", 0) == 0)
            m.dosage_text = "Reisedose: 3 poser for helgen hos datter i Tromsø";
        if (std::string(event) == "1.2")
            m.assisted_by = Practitioner{"9144900", "", "Sykepleier Åse"};
        for (auto build : {build_medication_dispense, build_medication_bundle,
                           build_medication_jft_transaction}) {
            auto msg = build(m);
            REQUIRE(msg.ok());
            require_clean(*msg);
            auto back = read_medication_dispensed(msg->json);
            REQUIRE(back.ok());
            MedicationDispensed want = m;
            if (msg->resource_type != "Bundle") want.bundle_id.clear();
            CHECK(*back == want);
        }
    }
}

TEST_CASE("medication dispensed: a note makes the bundle a document", "[messages][medication]") {
    MedicationDispensed m;
    m.identifier = "urn:uuid:4fab7e96-2d4c-4ace-9b9d-7fbf5a618293";
    m.bundle_id = "urn:uuid:6bcd90b8-4f6e-4ce0-9dbf-9bd17c8304b5";
    m.patient = kare;
    m.handed_over = t0;
    m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                   "Evondos E300"};
    m.note = note();
    auto msg = build_medication_bundle(m);
    REQUIRE(msg.ok());
    require_clean(*msg);
    CHECK(*read_medication_dispensed(msg->json) == m);
    m.status = "cancelled";
    CHECK(build_medication_dispense(m).error().code == errc::build_invalid_value);
    m.status = "completed";
    m.event = "4";
    CHECK(build_medication_dispense(m).error().code == errc::build_invalid_code);
}

TEST_CASE("DHO note: Composition and JFT document", "[messages][dho]") {
    DhoNote n;
    n.identifier = "urn:uuid:7cde01c9-5a7f-4df1-8ec0-acf28d9415c6";
    n.patient = kare;
    n.note = note();
    n.note.category = "2";
    n.note.events.clear();
    n.note.sections = {{"1.3", "Kommentar", "Blodtrykket er høyere enn vanlig; ringte brukeren."}};
    for (auto build : {build_dho_note, build_jft_document}) {
        auto m = build(n);
        REQUIRE(m.ok());
        require_clean(*m);
        CHECK(m->identifier == n.identifier);
        CHECK(*read_dho_note(m->json) == n);
    }
    n.note.sections.clear();
    CHECK(build_dho_note(n).error().code == errc::build_missing_field);
}

TEST_CASE("search results: patients with services, visit plans", "[messages][search]") {
    const std::vector<PatientRecord> patients{
        {kare,
         {{"2.2.3", "Medisinering i hjemmet", "active", t0, "Testkommune Nord helse og omsorg"},
          {"", "Trygghetsalarm", "active", std::nullopt, ""}}},
        {dnr_person, {}}};
    auto m = build_patient_search_result(patients);
    REQUIRE(m.ok());
    require_clean(*m);
    CHECK(*read_patient_search_result(m->json) == patients);

    const std::vector<VisitPlan> plans{{kare,
                                        "Besøksplan uke 11",
                                        {{"Morgenstell", "scheduled", {t0, t0 + 30min}},
                                         {"Medisin", "completed", {t0 - 24h, t0 - 24h + 10min}}}}};
    auto p = build_visit_plan_search_result(plans);
    REQUIRE(p.ok());
    require_clean(*p);
    CHECK(*read_visit_plan_search_result(p->json) == plans);
    auto empty = build_patient_search_result({});
    require_clean(*empty);
    CHECK(read_patient_search_result(empty->json)->empty());
    CHECK(read_visit_plan_search_result(build_alarm(alarm())->json).error().code ==
          errc::read_wrong_message);
}
