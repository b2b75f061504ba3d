// The audit of issue 20 (docs/validation.md "Audit of the rules"): code systems exactly as
// published, the severity extension's fixed system, a MedicationDispense subject by reference
// only, the PMD units the published profiles allow. Each rule with a case that triggers it and one
// that does not.
#include <catch2/catch.hpp>

#include <string>

#include "../support/validator.hpp"
#include "vft/messages/alarm.hpp"

using namespace vft;
using vft::test::validator;

namespace {
const Issue* find_rule(const ValidationReport& r, const std::string& rule) {
    for (const auto& i : r.issues)
        if (i.rule == rule) return &i;
    return nullptr;
}
std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

// A MedicationDispense as the profile wants it; the event coding is written with `display`.
std::string dispense(const std::string& event_display, const std::string& subject) {
    return R"({"resourceType":"MedicationDispense",
  "meta":{"profile":["http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090"]},
  "identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"}],
  "status":"completed",
  "category":{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090","code":"1.1","display":")" +
           event_display + R"("}]},
  "medicationCodeableConcept":{"text":"Multidose"},
  "subject":)" +
           subject +
           R"(,
  "performer":[{"actor":{"identifier":{"system":"https://fhir.evondos.com/e300-codes/serialnumber","value":"E300-0042150"},"display":"Evondos E300"}}],
  "whenHandedOver":"2026-03-12T08:15:00+01:00"})";
}
const char* kSubject =
    R"({"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"12854812341"},"display":"Kåre Nordmann Testesen"})";
}  // namespace

TEST_CASE("audit: the official display is clean, another display is CODE-002 naming it",
          "[validator][audit]") {
    // specs/upstream/vkp-r4/CodeSystem/vkp-medicationdispense-events-v090.codesystem.xml
    const auto official = validator().validate(dispense("medisin utlevert uassistert", kSubject));
    INFO(official.to_operation_outcome());
    CHECK(official.issues.empty());
    // vft's former hand copy said "uassistert".
    const auto old = validator().validate(dispense("uassistert", kSubject));
    const Issue* i = find_rule(old, "CODE-002");
    REQUIRE(i);
    CHECK(i->severity == Severity::warning);
    CHECK(i->message.find("'medisin utlevert uassistert'") != std::string::npos);
    CHECK(old.valid());
}

TEST_CASE("audit: a MedicationDispense subject by reference only is VKP-MD-010",
          "[validator][audit]") {
    const auto by_ref = validator().validate(dispense(
        "medisin utlevert uassistert", R"({"reference":"Patient/kare","display":"Kåre"})"));
    REQUIRE(find_rule(by_ref, "VKP-MD-010"));
    CHECK_FALSE(by_ref.valid());
    CHECK_FALSE(
        validator()
            .validate(dispense("medisin utlevert uassistert", kSubject), {Level::lenient, "vkp-r4"})
            .issues.size());
    const auto lenient = validator().validate(
        dispense("medisin utlevert uassistert", R"({"reference":"Patient/kare","display":"Kåre"})"),
        {Level::lenient, "vkp-r4"});
    CHECK_FALSE(lenient.valid());  // the profile's own cardinality: not a known deviation
}

TEST_CASE("audit: the severity extension's coding.system is the ValueSet URL it fixes",
          "[validator][audit]") {
    AlarmReport r;
    r.patient = {"12854812341", "Kåre Nordmann Testesen"};
    r.alert_code = "3";
    r.severity = "30";
    r.identified = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12};
    r.device = {"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
    r.response = {r.identified, r.identified + std::chrono::minutes(5)};
    r.participants = {{"2", r.device, r.response, std::nullopt}};
    r.note.date = r.identified;
    r.note.author = {"9144900", "", "Operatør Ødegård"};
    r.note.events = {{"0", r.identified}};
    r.note.sections = {{"1.2", "Hendelse", "Alarm."}};
    auto m = build_alarm(r);
    REQUIRE(m.ok());
    const std::string vs = R"("system":"http://ehelse.no/fhir/ValueSet/vkp-severity-level-v090")";
    CHECK(m->json.find(vs) != std::string::npos);
    const auto built = validator().validate(m->json);
    INFO(built.to_operation_outcome());
    CHECK(built.issues.empty());  // no CODE-003: the published extension fixes this URL
    CHECK(read_alarm(m->json)->severity == "30");

    const std::string cs = replaced(
        m->json, vs, R"("system":"http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090")");
    const auto strict = validator().validate(cs);
    REQUIRE(find_rule(strict, "VKP-DI-007"));
    CHECK(find_rule(strict, "VKP-DI-007")->severity == Severity::error);
    CHECK_FALSE(find_rule(strict, "VKP-DI-004"));  // code 30 is a code of the CodeSystem
    const auto lenient = validator().validate(cs, {Level::lenient, ""});
    REQUIRE(find_rule(lenient, "VKP-DI-007"));
    CHECK(lenient.valid());
    CHECK(read_alarm(cs)->severity == "30");  // the reader takes either URL

    const auto bad_code =
        validator().validate(replaced(m->json, R"("code":"30")", R"("code":"50")"));
    CHECK(find_rule(bad_code, "VKP-DI-004"));
    CHECK(find_rule(bad_code, "CODE-001"));
}
