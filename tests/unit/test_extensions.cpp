// Extensions checked against their definitions by URL, wherever they are (validate/extensions.cpp):
// one case per kind, at `--spec r4` and at the national levels.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "fhir/model.hpp"
#include "vft/validate/validator.hpp"

using vft::Issue;
using vft::Severity;
using vft::ValidateOptions;
using vft::ValidationReport;
using vft::Validator;
using vft::detail::FhirModel;

namespace {

const Validator& validator() {
    static Validator v = Validator::create().value();
    return v;
}

ValidationReport check(const std::string& json, const std::string& spec = "r4",
                       vft::Level level = vft::Level::strict) {
    ValidateOptions o;
    o.spec = spec;
    o.level = level;
    return validator().validate(json, o);
}

std::string dump(const ValidationReport& r) {
    std::string out;
    for (const Issue& i : r.issues)
        out += std::string(vft::to_string(i.severity)) + " " + i.rule + " " + i.path + " [" +
               i.source + "] " + i.message + "\n";
    return out;
}

const Issue* find(const ValidationReport& r, std::string_view rule, std::string_view path) {
    for (const Issue& i : r.issues)
        if (i.rule == rule && i.path == path) return &i;
    return nullptr;
}

// A Patient with a narrative (dom-6 quiet) and these extensions / other members.
std::string patient(const std::string& members) {
    return R"({"resourceType":"Patient","text":{"status":"generated",
        "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},)" +
           members + "}";
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("extensions: the compiled model carries every extension definition of R4 4.0.1",
          "[extensions]") {
    const FhirModel& m = FhirModel::r4();
    // extension-definitions.json of the R4 4.0.1 definitions: 393 StructureDefinitions of type
    // Extension (391 in the core namespace, 2 SMART ones R4 defines in fhir-registry).
    const auto* birth = m.extension("http://hl7.org/fhir/StructureDefinition/patient-birthTime");
    REQUIRE(birth);
    REQUIRE(birth->contexts.size() == 1);
    CHECK(birth->contexts[0] == "Patient.birthDate");
    CHECK(m.extension("http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"));
    CHECK(m.extension("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"));
    const auto* nat = m.extension("http://hl7.org/fhir/StructureDefinition/patient-nationality");
    REQUIRE(nat);
    CHECK(nat->value_types.empty());  // complex
    REQUIRE(nat->parts.size() == 2);
    CHECK(nat->parts[0].path == "code");
    CHECK(nat->parts[0].max == 1);
    const auto* mod =
        m.extension("http://hl7.org/fhir/StructureDefinition/request-doNotPerform");  // modifier
    REQUIRE(mod);
    CHECK(mod->modifier);
}

TEST_CASE("extensions: known ones pass, where they may be used", "[extensions]") {
    const ValidationReport ok = check(patient(R"(
        "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-nationality",
          "extension":[{"url":"code","valueCodeableConcept":{"text":"norsk"}}]}],
        "birthDate":"1970-01-01",
        "_birthDate":{"extension":[{"url":
          "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
          "valueDateTime":"1970-01-01T10:00:00+01:00"}]},
        "address":[{"line":["Storgata 1"],"_line":[{"extension":[{"url":
          "http://hl7.org/fhir/StructureDefinition/iso21090-ADXP-houseNumber",
          "valueString":"1"}]}]}])"));
    INFO(dump(ok));
    CHECK(ok.issues.empty());
}

TEST_CASE("extensions: an unknown URL is an error in the closed core namespace, else a warning",
          "[extensions]") {
    for (const std::string spec : {"r4", "vkp-r4"}) {
        INFO(spec);
        const ValidationReport core = check(patient(R"("extension":[{"url":
            "http://hl7.org/fhir/StructureDefinition/patient-favouriteColour","valueString":"x"}])"),
                                            spec);
        INFO(dump(core));
        const Issue* e = find(core, "FHIR-STR-012", "Patient.extension[0].url");
        REQUIRE(e);
        CHECK(e->severity == Severity::error);
        CHECK(e->source.find("extensibility.html") != std::string::npos);
        CHECK_FALSE(core.valid());

        const ValidationReport other = check(
            patient(R"("extension":[{"url":"https://vendor.example/fhir/x","valueString":"x"}])"),
            spec);
        INFO(dump(other));
        const Issue* w = find(other, "FHIR-STR-012", "Patient.extension[0].url");
        REQUIRE(w);
        CHECK(w->severity == Severity::warning);
    }
}

TEST_CASE("extensions: a value of a type the definition does not allow", "[extensions]") {
    // deep inside: an extension on a Coding of a contained resource's CodeableConcept
    const ValidationReport r = check(patient(R"("contained":[{"resourceType":"Observation",
        "id":"o","status":"final","code":{"coding":[{"system":"http://loinc.org",
        "code":"8310-5","extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor","valueBoolean":true}]}]}}])"));
    INFO(dump(r));
    const Issue* i =
        find(r, "FHIR-STR-013", "Patient.contained[0].code.coding[0].extension[0].valueBoolean");
    REQUIRE(i);
    CHECK(i->severity == Severity::error);
    CHECK(i->source ==
          "fhir-r4:http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor#Extension.value[x]");
}

TEST_CASE("extensions: the parts of a complex extension", "[extensions]") {
    const ValidationReport r = check(patient(R"("extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/patient-nationality","extension":[
        {"url":"code","valueString":"NO"},
        {"url":"period","valuePeriod":{"start":"2020"}},
        {"url":"period","valuePeriod":{"start":"2021"}}]}])"));
    INFO(dump(r));
    const Issue* type = find(r, "FHIR-STR-013", "Patient.extension[0].extension[0].valueString");
    REQUIRE(type);
    CHECK(type->source ==
          "fhir-r4:http://hl7.org/fhir/StructureDefinition/patient-nationality"
          "#Extension.extension:code.value[x]");
    const Issue* card = find(r, "FHIR-STR-017", "Patient.extension[0]");
    REQUIRE(card);
    CHECK(card->source ==
          "fhir-r4:http://hl7.org/fhir/StructureDefinition/patient-nationality"
          "#Extension.extension:period");
    // a value on a complex extension
    const ValidationReport v = check(patient(R"("extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/patient-nationality","valueString":"NO"}])"));
    INFO(dump(v));
    CHECK(find(v, "FHIR-STR-013", "Patient.extension[0].valueString"));
}

TEST_CASE("extensions: the context of the definition", "[extensions]") {
    // a contentReference reuse is also the element it names: codesystem-concept-comments
    // (context CodeSystem.concept) on a nested concept passes
    const ValidationReport nested = check(
        R"({"resourceType":"CodeSystem","status":"draft","content":"complete",
        "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
        "concept":[{"code":"a","concept":[{"code":"b","extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/codesystem-concept-comments",
        "valueString":"c"}]}]}]})");
    INFO(dump(nested));
    CHECK_FALSE(find(nested, "FHIR-STR-018", "CodeSystem.concept[0].concept[0].extension[0]"));
    // patient-birthTime belongs on Patient.birthDate, not on Patient
    const ValidationReport r = check(patient(R"("extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
        "valueDateTime":"1970-01-01T10:00:00+01:00"}])"));
    INFO(dump(r));
    const Issue* i = find(r, "FHIR-STR-018", "Patient.extension[0]");
    REQUIRE(i);
    // a warning: R4 4.0.1's own definitions and examples use extensions outside their declared
    // contexts (specs/DECISIONS.md)
    CHECK(i->severity == Severity::warning);
    CHECK(i->source ==
          "fhir-r4:http://hl7.org/fhir/StructureDefinition/patient-birthTime#Extension");
}

TEST_CASE("extensions: a required binding on the value", "[extensions]") {
    // patient-animal's species... (a complex extension) — use the simple one with a required
    // binding: allergyintolerance-substanceExposureRisk part exposureRisk is required-bound
    const ValidationReport r = check(
        R"({"resourceType":"AllergyIntolerance","text":{"status":"generated",
        "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
        "patient":{"reference":"Patient/1"},"extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/allergyintolerance-substanceExposureRisk",
        "extension":[{"url":"substance","valueCodeableConcept":{"text":"peanut"}},
        {"url":"exposureRisk","valueCodeableConcept":{"coding":[{"system":
        "http://terminology.hl7.org/CodeSystem/allerg-intol-substance-exp-risk",
        "code":"maybe"}]}}]}]})");
    INFO(dump(r));
    const Issue* i = find(r, "FHIR-STR-006",
                          "AllergyIntolerance.extension[0].extension[1].valueCodeableConcept");
    REQUIRE(i);
    CHECK(i->severity == Severity::error);
}

TEST_CASE("extensions: modifierExtension", "[extensions]") {
    for (const std::string spec : {"r4", "vkp-r4"}) {
        INFO(spec);
        const ValidationReport r = check(
            patient(
                R"("modifierExtension":[{"url":"https://vendor.example/fhir/m","valueBoolean":true}])"),
            spec);
        INFO(dump(r));
        const Issue* i = find(r, "FHIR-STR-016", "Patient.modifierExtension[0].url");
        REQUIRE(i);
        CHECK(i->severity == Severity::error);
        CHECK_FALSE(r.valid());
    }
    // a known non-modifier extension in modifierExtension, and a modifier one in extension
    const ValidationReport m = check(
        R"({"resourceType":"ServiceRequest","status":"active","intent":"order",
        "subject":{"reference":"Patient/1"},"text":{"status":"generated",
        "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},"extension":[{"url":
        "http://hl7.org/fhir/StructureDefinition/request-doNotPerform","valueBoolean":true}]})");
    INFO(dump(m));
    CHECK(find(m, "FHIR-STR-016", "ServiceRequest.extension[0]"));
}

TEST_CASE("extensions: a national extension no profile slices is checked by its definition",
          "[extensions]") {
    // vkp-DetectedIssue-v090 does not slice DetectedIssue.extension: the severity extension is
    // judged by URL against vkp-severitylevel-v090.structuredefinition-extension.xml
    const std::string valid =
        slurp(std::filesystem::path(VFT_SOURCE_DIR) /
              "fixtures/messages/invalid/jft/detectedissue-posted-alone.json");
    REQUIRE_FALSE(valid.empty());
    const ValidationReport ok = check(valid, "vkp-r4");
    INFO(dump(ok));
    CHECK(ok.valid());
    CHECK_FALSE(find(ok, "FHIR-STR-012", "DetectedIssue.extension[0].url"));
    std::string wrong = valid;
    const size_t at = wrong.find("\"valueCodeableConcept\"");
    REQUIRE(at != std::string::npos);
    wrong.replace(at, 22, "\"valueString\":\"20\",\"x_\"");
    const ValidationReport bad = check(wrong, "vkp-r4");
    INFO(dump(bad));
    const Issue* i = find(bad, "FHIR-PRF-007", "DetectedIssue.extension[0].valueString");
    REQUIRE(i);
    CHECK(i->severity == Severity::error);
    CHECK(i->source.find("vkp-severitylevel-v090.structuredefinition-extension.xml#") !=
          std::string::npos);
    // at --spec r4 (base R4 alone) the same URL is unknown: a warning, not checked
    const ValidationReport r4 = check(wrong, "r4");
    INFO(dump(r4));
    const Issue* w = find(r4, "FHIR-STR-012", "DetectedIssue.extension[0].url");
    REQUIRE(w);
    CHECK(w->severity == Severity::warning);
}

TEST_CASE("extensions: a resource type the national schema does not describe, at the top level",
          "[extensions]") {
    // a Condition (judged by base R4 at the national levels) keeps its extension checks
    const ValidationReport r = check(
        R"({"resourceType":"Condition","subject":{"reference":"Patient/1"},
        "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>"},
        "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/condition-nope",
        "valueString":"x"}]})",
        "vkp-r4");
    INFO(dump(r));
    const Issue* i = find(r, "FHIR-STR-012", "Condition.extension[0].url");
    REQUIRE(i);
    CHECK(i->severity == Severity::error);
}
