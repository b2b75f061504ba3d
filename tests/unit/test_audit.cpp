// The audit of issue 20 (docs/validation.md "Audit of the rules"): code systems exactly as
// published, the severity extension's fixed system, a MedicationDispense subject by reference
// only, the PMD units the published profiles allow. Each rule with a case that triggers it and one
// that does not.
#include <algorithm>
#include <catch2/catch.hpp>

#include <string>

#include "../support/validator.hpp"
#include "vft/messages/alarm.hpp"

using namespace vft;
using vft::test::validator;

namespace {
// An issue of `rule`, also when the hand-written rule deferred to the published profile's own
// check at the same place (ValidationReport::deferred).
const Issue* find_rule(const ValidationReport& r, const std::string& rule) {
    for (const auto& i : r.issues)
        if (i.rule == rule) return &i;
    for (const auto& i : r.deferred)
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
    // The published profile's own check (FHIR-PRF, MedicationDispense.subject.identifier 1..1)
    // decides; the hand rule VKP-MD-010 defers to it at the same place (report.deferred).
    const bool md010 = find_rule(by_ref, "VKP-MD-010") != nullptr ||
                       std::any_of(by_ref.deferred.begin(), by_ref.deferred.end(),
                                   [](const Issue& i) { return i.rule == "VKP-MD-010"; });
    CHECK(md010);
    CHECK(std::any_of(by_ref.issues.begin(), by_ref.issues.end(), [](const Issue& i) {
        return i.severity == Severity::error && i.path.find("subject") != std::string::npos;
    }));
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
    CHECK(m->body.find(vs) != std::string::npos);
    const auto built = validator().validate(m->body);
    INFO(built.to_operation_outcome());
    CHECK(built.issues.empty());  // no CODE-003: the published extension fixes this URL
    CHECK(read_alarm(m->body)->severity == "30");

    const std::string cs = replaced(
        m->body, vs, R"("system":"http://ehelse.no/fhir/CodeSystem/vkp-severity-level-v090")");
    const auto strict = validator().validate(cs);
    REQUIRE(find_rule(strict, "VKP-DI-007"));
    CHECK(find_rule(strict, "VKP-DI-007")->severity == Severity::error);
    CHECK_FALSE(find_rule(strict, "VKP-DI-004"));  // code 30 is a code of the CodeSystem
    const auto lenient = validator().validate(cs, {Level::lenient, ""});
    REQUIRE(find_rule(lenient, "VKP-DI-007"));
    CHECK(lenient.valid());
    CHECK(read_alarm(cs)->severity == "30");  // the reader takes either URL

    const auto bad_code =
        validator().validate(replaced(m->body, R"("code":"30")", R"("code":"50")"));
    CHECK(find_rule(bad_code, "VKP-DI-004"));
    CHECK(find_rule(bad_code, "CODE-001"));
}

namespace {
// A one-entry PMD batch: the Observation's profile, code, value and effective part given. The
// profiles built on R4's vital-sign profiles require the vital-signs category (VSCat slice) and
// bind performer.identifier.system to FNR only, so their observations carry the category and no
// organisation performer (StructureDefinition-vkp-Observation-Heartrate.json); the
// vkp-Observation based ones take both performers.
std::string pmd_batch(const std::string& profile, const std::string& code,
                      const std::string& value_and_effective) {
    const bool r4_vital = profile != "vkp-Observation" && profile != "vkp-Observation-NEWS2score" &&
                          profile != "vkp-Observation-CFSscore";
    const std::string category =
        r4_vital
            ? R"("category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],)"
            : "";
    const std::string organisation =
        r4_vital
            ? ""
            : R"(,{"type":"Organization","identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.101","value":"312229544"},"display":"Kommune"})";
    return R"({"resourceType":"Bundle","identifier":{"system":"https://www.nhn.no/komlink/bundle-identifier","value":"urn:uuid:eea5cf98-d839-5eb2-9bf4-d02698656c8b"},"type":"batch",
  "entry":[{"fullUrl":"urn:uuid:93bcead0-0d12-5284-baf3-947b5fea1dee","resource":{"resourceType":"Observation",
  "meta":{"profile":["http://hl7.no/fhir/vkpobservation/StructureDefinition/)" +
           profile + R"("]},"status":"final",)" + category + R"("code":{"coding":[)" + code + R"(]},
  "subject":{"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.2","value":"52854812335"},"display":"Piotr Kowalski"},
  "performer":[{"type":"Practitioner","identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"01686014416"},"display":"Nina Fjeld"})" +
           organisation + "]" + value_and_effective +
           R"(},"request":{"method":"POST","url":"Observation"}}]})";
}
const char* kNews2 =
    R"({"system":"http://snomed.info/sct","code":"1104051000000101","display":"Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"})";
const char* kHeart = R"({"system":"http://loinc.org","code":"8867-4","display":"Heart rate"})";
const char* kWhen = R"(,"effectiveDateTime":"2026-03-03T19:42:10+01:00")";
}  // namespace

TEST_CASE("audit: PMD units, value and time as the published profiles have them",
          "[validator][audit][pmd]") {
    const ValidateOptions pmd{Level::strict, "pmd"};
    // The score profiles (vkp-Observation based) constrain only the code: a unitless score
    // without effective[x] is valid (the IG's examples send unitless scores).
    const auto score = validator().validate(
        pmd_batch("vkp-Observation-NEWS2score", kNews2, R"(,"valueQuantity":{"value":5})"), pmd);
    INFO(score.to_operation_outcome());
    CHECK_FALSE(find_rule(score, "PMD-008"));
    CHECK_FALSE(find_rule(score, "PMD-010"));
    CHECK_FALSE(find_rule(score, "PMD-011"));
    CHECK(score.valid());
    // Heart rate (based on R4 heartrate): /min fixed, effective[x] 1..1, vs-2.
    const auto heart = validator().validate(
        pmd_batch(
            "vkp-Observation-Heartrate", kHeart,
            std::string(
                R"(,"valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"})") +
                kWhen),
        pmd);
    INFO(heart.to_operation_outcome());
    CHECK(heart.issues.empty());
    const auto no_time = validator().validate(
        pmd_batch(
            "vkp-Observation-Heartrate", kHeart,
            R"(,"valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"})"),
        pmd);
    CHECK(find_rule(no_time, "PMD-010"));
    const auto per_hour = validator().validate(
        pmd_batch(
            "vkp-Observation-Heartrate", kHeart,
            std::string(
                R"(,"valueQuantity":{"value":4320,"unit":"/h","system":"http://unitsofmeasure.org","code":"/h"})") +
                kWhen),
        pmd);
    CHECK(find_rule(per_hour, "PMD-008"));
    const auto no_value =
        validator().validate(pmd_batch("vkp-Observation-Heartrate", kHeart, kWhen), pmd);
    CHECK(find_rule(no_value, "PMD-011"));
    // Blood glucose has no published profile: judged by vkp-Observation, mmol/l as in the IG.
    const auto glucose = validator().validate(
        pmd_batch(
            "vkp-Observation",
            R"({"system":"http://loinc.org","code":"15074-8","display":"Glucose [Moles/volume] in Blood"})",
            std::string(
                R"(,"valueQuantity":{"value":6.3,"unit":"mmol/l","system":"http://unitsofmeasure.org","code":"mmol/l"})") +
                kWhen),
        pmd);
    INFO(glucose.to_operation_outcome());
    CHECK_FALSE(find_rule(glucose, "PMD-008"));
    CHECK(glucose.valid());
}
