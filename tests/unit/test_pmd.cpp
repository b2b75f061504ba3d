// PMD measurement batches (domain §2.8): every vital sign builds a batch the validator accepts
// at strict level with no issue at all, reads back to the same values, and every bad input is
// refused with its documented error code. Persons and organisations: fixtures/persons.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "../support/files.hpp"
#include "../support/validator.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/uuid.hpp"
#include "vft/pmd/measurements.hpp"
#include "vft/validate/validator.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using vft::pmd::Batch;
using vft::pmd::Measurement;
using vft::pmd::VitalSign;

using vft::test::slurp;

using vft::test::validator;

namespace {

const fs::path kPmdFixtures = fs::path(VFT_SOURCE_DIR) / "fixtures" / "messages" / "valid" / "pmd";

// 2026-03-02T07:00:00Z (08:00 in Oslo) plus `minutes`.
vft::Time at(int minutes) {
    return std::chrono::sys_days(std::chrono::year(2026) / 3 / 2) + 7h +
           std::chrono::minutes(minutes);
}

Measurement make(VitalSign kind, double value, int minute, std::string id) {
    Measurement m;
    m.id = std::move(id);
    m.kind = kind;
    m.effective = at(minute);
    m.value = value;
    return m;
}

// One measurement of each of the 11 vital signs, ids set, for Kåre Nordmann Testesen measured
// by Nina Fjeld for Testkommune Nord (fixtures/persons/persons.json).
Batch full_batch() {
    Batch b;
    b.identifier = "urn:uuid:5cc22197-7263-450e-85f3-02e3fdba0b8b";
    b.patient = {"12854812341", "Kåre Nordmann Testesen"};
    b.performer_person.fnr = "01686014416";
    b.performer_person.name = "Nina Fjeld";
    b.performer_orgnr = "921000006";
    b.performer_org_name = "Testkommune Nord helse og omsorg";
    b.kommunenummer = "0301";

    Measurement bp =
        make(VitalSign::blood_pressure, 0, 0, "urn:uuid:c45c6dba-bba7-4653-ad63-c5676cf2d912");
    bp.systolic = 142;
    bp.diastolic = 88;
    bp.comment = "Målt sittende, venstre arm";
    b.measurements.push_back(bp);
    b.measurements.push_back(
        make(VitalSign::heart_rate, 72, 5, "urn:uuid:7d356138-a04a-41c7-ba8e-7866d2086658"));
    b.measurements.push_back(make(VitalSign::oxygen_saturation, 96, 10,
                                  "urn:uuid:d700e682-8548-4000-8493-54ad065bf844"));
    b.measurements.push_back(
        make(VitalSign::blood_glucose, 6.3, 15, "urn:uuid:986c6cc5-4511-4ce5-944b-dd7899fa7fc1"));
    b.measurements.push_back(make(VitalSign::body_temperature, 37.2, 20,
                                  "urn:uuid:0a1924ed-d103-44ce-a1f9-d5d0f041d8ed"));
    b.measurements.push_back(
        make(VitalSign::body_weight, 78.4, 25, "urn:uuid:ec28a238-9127-4840-bd7a-6c493ccd84eb"));
    b.measurements.push_back(
        make(VitalSign::respiratory_rate, 16, 30, "urn:uuid:945e08f3-d4f2-4554-9dac-a617ea3c43ff"));
    b.measurements.push_back(
        make(VitalSign::news2, 1, 35, "urn:uuid:10867d12-a8dc-4f94-bcce-1e079e8c1e9a"));
    Measurement acvpu = make(VitalSign::consciousness_acvpu, 0, 40,
                             "urn:uuid:b2ef73c7-7b18-45f0-95fb-021cb22f51ee");
    acvpu.acvpu_code = "248234008";
    acvpu.acvpu_display = "Mentally alert";
    b.measurements.push_back(acvpu);
    b.measurements.push_back(
        make(VitalSign::clinical_frailty, 3, 45, "urn:uuid:2d952f34-5da8-4509-aa91-db44506f6d7b"));
    b.measurements.push_back(make(VitalSign::questionnaire_score, 12, 50,
                                  "urn:uuid:b5502cba-6323-453d-a0f3-10186e3ae02b"));
    return b;
}

void require_no_issues(const std::string& json) {
    const auto report = validator().validate(json);
    for (const auto& i : report.issues)
        UNSCOPED_INFO(std::string(vft::to_string(i.severity)) + " " + i.rule + " at " + i.path +
                      ": " + i.message);
    CHECK(report.spec == "pmd");
    // Information aside: FHIR-PRF-010 notes that the builder's profile canonicals
    // (…/vkpobservation/StructureDefinition/Heartrate) are not in the published IG, which names
    // …/vkp-Observation-Heartrate; the batch is judged against the published vkp-Observation.
    for (const auto& i : report.issues)
        CHECK(i.severity == vft::Severity::information);
}

std::string error_code(const vft::Result<vft::Message>& r) {
    return r.ok() ? std::string("ok") : r.error().code;
}

}  // namespace

TEST_CASE("pmd: a batch with all 11 vital signs validates at strict with zero issues", "[pmd]") {
    const Batch b = full_batch();
    REQUIRE(b.measurements.size() == 11);
    auto msg = vft::pmd::build_batch(b);
    REQUIRE(msg.ok());
    CHECK(msg->resource_type == "Bundle");
    CHECK(msg->identifier == b.identifier);
    require_no_issues(msg->body);

    // Without optional parts (person performer, kommunenummer, org name, comments), and for a
    // D-nummer patient, it still validates.
    Batch minimal = b;
    minimal.performer_person = {};
    minimal.kommunenummer.clear();
    minimal.performer_org_name.clear();
    minimal.patient = {"52854812335", "Piotr Kowalski"};
    for (auto& m : minimal.measurements)
        m.comment.clear();
    auto min_msg = vft::pmd::build_batch(minimal);
    REQUIRE(min_msg.ok());
    CHECK(min_msg->body.find("urn:oid:2.16.578.1.12.4.1.4.2") != std::string::npos);
    require_no_issues(min_msg->body);
}

TEST_CASE("pmd: the builder writes the shape of the PMD fixture", "[pmd]") {
    auto msg = vft::pmd::build_batch(full_batch());
    REQUIRE(msg.ok());
    const std::string& j = msg->body;
    for (
        const char* s : {
            R"("type":"batch")",
            R"("identifier":{"system":"https://www.nhn.no/komlink/bundle-identifier","value":"urn:uuid:5cc22197-7263-450e-85f3-02e3fdba0b8b"})",
            R"("fullUrl":"urn:uuid:7d356138-a04a-41c7-ba8e-7866d2086658")",
            R"("request":{"method":"POST","url":"Observation"})",
            R"("profile":["http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation"])",
            R"("code":"survey")",
            R"({"system":"urn:oid:2.16.578.1.12.4.1.1.7280","code":"NPU02187")",
            R"("subject":{"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"12854812341"},"display":"Kåre Nordmann Testesen"})",
            R"({"type":"Organization","identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.101","value":"921000006"})",
            R"("effectiveDateTime":"2026-03-02T07:05:00Z")",
            R"("valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"})",
            R"("valueQuantity":{"value":37.2,"unit":"°C","system":"http://unitsofmeasure.org","code":"Cel"})",
            R"("valueQuantity":{"value":3,"unit":"score","system":"http://unitsofmeasure.org","code":"{score}"})",
            R"("valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"248234008","display":"Mentally alert"}]})",
        }) {
        INFO(s);
        CHECK(j.find(s) != std::string::npos);
    }
    // An observation that names its organisation claims the general vkp-Observation: the
    // vital-sign profiles built on R4's bind performer.identifier.system to FNR only.
    CHECK(j.find("vkp-Observation-Bloodpressure") == std::string::npos);
    CHECK(
        j.find(
            R"("tag":[{"system":"https://register.geonorge.no/sosi-kodelister/inndelinger/inndelingsbase/kommunenummer","code":"0301"}])") !=
        std::string::npos);
}

TEST_CASE("pmd: read_batch(build_batch(b)) == b", "[pmd]") {
    const Batch b = full_batch();
    auto msg = vft::pmd::build_batch(b);
    REQUIRE(msg.ok());
    auto back = vft::pmd::read_batch(msg->body);
    REQUIRE(back.ok());
    CHECK(*back == b);

    // D-nummer patient (NHN +65), no person performer, no optional parts.
    Batch dnr = b;
    dnr.performer_person = {};
    dnr.patient = {"64675198738", "Anders Svensson"};
    dnr.kommunenummer.clear();
    dnr.performer_org_name.clear();
    auto dnr_msg = vft::pmd::build_batch(dnr);
    REQUIRE(dnr_msg.ok());
    require_no_issues(dnr_msg->body);
    auto dnr_back = vft::pmd::read_batch(dnr_msg->body);
    REQUIRE(dnr_back.ok());
    CHECK(*dnr_back == dnr);

    // Values that are not whole numbers survive exactly.
    Batch odd = b;
    odd.measurements.resize(1);
    odd.measurements[0] = make(VitalSign::body_weight, 0.1 + 78.2, 1, "");
    vft::pmd::assign_missing_ids(odd);
    auto odd_msg = vft::pmd::build_batch(odd);
    REQUIRE(odd_msg.ok());
    auto odd_back = vft::pmd::read_batch(odd_msg->body);
    REQUIRE(odd_back.ok());
    CHECK(*odd_back == odd);
}

TEST_CASE("pmd: identifiers are the caller's, or generated urn:uuid v4 and then stable", "[pmd]") {
    const Batch b = full_batch();
    auto a1 = vft::pmd::build_batch(b);
    auto a2 = vft::pmd::build_batch(b);
    REQUIRE(a1.ok());
    REQUIRE(a2.ok());
    CHECK(a1->body == a2->body);  // resend = byte-identical
    CHECK(a1->identifier == "urn:uuid:5cc22197-7263-450e-85f3-02e3fdba0b8b");

    Batch anon = b;
    anon.identifier.clear();
    for (auto& m : anon.measurements)
        m.id.clear();
    auto g1 = vft::pmd::build_batch(anon);
    auto g2 = vft::pmd::build_batch(anon);
    REQUIRE(g1.ok());
    REQUIRE(g2.ok());
    CHECK(vft::is_uuid_urn(g1->identifier));
    CHECK(g1->identifier[9 + 14] == '4');  // version 4
    CHECK(g1->identifier != g2->identifier);
    require_no_issues(g1->body);
    auto read = vft::pmd::read_batch(g1->body);
    REQUIRE(read.ok());
    CHECK(read->identifier == g1->identifier);
    for (const auto& m : read->measurements)
        CHECK(vft::is_uuid_urn(m.id));

    // assign_missing_ids: the caller keeps the generated ids; building again is stable.
    vft::pmd::assign_missing_ids(anon);
    CHECK(vft::is_uuid_urn(anon.identifier));
    auto s1 = vft::pmd::build_batch(anon);
    auto s2 = vft::pmd::build_batch(anon);
    REQUIRE(s1.ok());
    REQUIRE(s2.ok());
    CHECK(s1->body == s2->body);
    CHECK(s1->identifier == anon.identifier);
    CHECK(vft::pmd::read_batch(s1->body).value() == anon);
}

TEST_CASE("pmd: read_batch reads every valid PMD fixture with the right kinds", "[pmd]") {
    const std::map<std::string, std::vector<VitalSign>> expected{
        {"batch-all-vital-signs.json",
         {VitalSign::blood_pressure, VitalSign::heart_rate, VitalSign::oxygen_saturation,
          VitalSign::blood_glucose, VitalSign::body_temperature, VitalSign::body_weight,
          VitalSign::respiratory_rate, VitalSign::news2, VitalSign::consciousness_acvpu,
          VitalSign::clinical_frailty, VitalSign::questionnaire_score}},
        {"batch-single-heartrate.json", {VitalSign::heart_rate}},
        {"bodytemp-unit-degf.json", {VitalSign::body_temperature}},
        {"subject-without-display.json", {VitalSign::heart_rate}},
    };
    // Valid messages a vft::pmd::Batch cannot hold: the reader says so (vft::pmd::Batch keeps the
    // organisation performer as an organisasjonsnummer; a HER-id organisation is allowed by the
    // profile's open slicing).
    const std::map<std::string, std::string> unreadable{
        {"performer-org-her-oid.json", "entry[0].resource.performer[1].identifier"},
    };
    size_t read = 0;
    for (const auto& e : fs::directory_iterator(kPmdFixtures)) {
        const std::string name = e.path().filename().string();
        if (e.path().extension() != ".json" || name.find(".expect.") != std::string::npos ||
            name.find("response") != std::string::npos)
            continue;
        INFO(name);
        auto b = vft::pmd::read_batch(slurp(e.path()));
        if (auto u = unreadable.find(name); u != unreadable.end()) {
            REQUIRE_FALSE(b.ok());
            CHECK(b.error().code == vft::errc::read_invalid_value);
            CHECK(b.error().location.find(u->second) != std::string::npos);
            continue;
        }
        REQUIRE(b.ok());
        ++read;
        REQUIRE(expected.count(name) == 1);
        std::vector<VitalSign> kinds;
        for (const auto& m : b->measurements)
            kinds.push_back(m.kind);
        CHECK(kinds == expected.at(name));
        // What was read builds again into a valid message (a patient without a name gets one:
        // the builder writes the display the IG asks for).
        if (b->patient.name.empty()) b->patient.name = "Navn Fra Register";
        auto again = vft::pmd::build_batch(*b);
        REQUIRE(again.ok());
        require_no_issues(again->body);
    }
    CHECK(read == expected.size());

    auto all = vft::pmd::read_batch(slurp(kPmdFixtures / "batch-all-vital-signs.json")).value();
    CHECK(all.identifier == "urn:uuid:5cc22197-7263-550e-85f3-02e3fdba0b8b");
    CHECK(all.kommunenummer == "0301");
    CHECK(all.patient == vft::Patient{"12854812341", "Kåre Nordmann Testesen"});
    CHECK(all.performer_person == vft::Practitioner{"", "01686014416", "Nina Fjeld"});
    CHECK(all.performer_orgnr == "921000006");
    CHECK(all.performer_org_name == "Testkommune Nord helse og omsorg");
    const Measurement& bp = all.measurements[0];
    CHECK(bp.id == "urn:uuid:c45c6dba-bba7-5653-ad63-c5676cf2d912");
    CHECK(bp.effective == at(0));  // 08:00+01:00 = 07:00Z
    CHECK(bp.systolic == 142.0);
    CHECK(bp.diastolic == 88.0);
    CHECK(all.measurements[3].value == 6.3);
    CHECK(all.measurements[8].acvpu_code == "248234008");
    CHECK(all.measurements[8].acvpu_display == "Mentally alert");
    CHECK(all.measurements[9].value == 3.0);  // CFS as valueInteger

    // 99.0 °F ([degF], allowed by the Bodytemp profile) reads as 37.2 °C.
    auto degf = vft::pmd::read_batch(slurp(kPmdFixtures / "bodytemp-unit-degf.json")).value();
    CHECK(degf.measurements.at(0).value == Approx(37.2222).epsilon(1e-4));

    auto single = vft::pmd::read_batch(slurp(kPmdFixtures / "batch-single-heartrate.json")).value();
    CHECK(single.patient == vft::Patient{"52854812335", "Piotr Kowalski"});
}

TEST_CASE("pmd: read_batch refuses what is not a PMD batch of known vital signs", "[pmd]") {
    using vft::pmd::read_batch;
    CHECK(read_batch("{").error().code == vft::errc::json_syntax);
    CHECK(read_batch(R"({"resourceType":"Patient"})").error().code ==
          vft::errc::read_wrong_message);
    CHECK(read_batch(slurp(kPmdFixtures / "batch-response-partial.json")).error().code ==
          vft::errc::read_wrong_message);
    CHECK(read_batch(R"({"resourceType":"Bundle","type":"batch"})").error().code ==
          vft::errc::read_missing_element);

    const fs::path invalid = fs::path(VFT_SOURCE_DIR) / "fixtures/messages/invalid/pmd";
    const std::map<std::string, std::string_view> codes{
        {"entry-patient-resource.json", vft::errc::read_wrong_message},
        {"bundle-type-transaction.json", vft::errc::read_wrong_message},
        {"entry-without-fullurl.json", vft::errc::read_missing_element},
        {"effective-missing.json", vft::errc::read_missing_element},
        {"effective-empty-string.json", vft::errc::read_missing_element},
        {"heartrate-without-value.json", vft::errc::read_missing_element},
        {"bloodpressure-without-diastolic.json", vft::errc::read_missing_element},
        {"heartrate-with-glucose-code.json", vft::errc::read_invalid_value},
        {"bodytemp-unit-kelvin.json", vft::errc::read_invalid_value},
        {"value-quantity-value-as-string.json", vft::errc::read_invalid_value},
        {"subject-epj-local-id.json", vft::errc::read_invalid_value},
    };
    for (const auto& [file, code] : codes) {
        INFO(file);
        auto r = read_batch(slurp(invalid / file));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == code);
        CHECK_FALSE(r.error().location.empty());
    }
}

TEST_CASE("pmd: read_batch_response maps every entry back to the request's fullUrl", "[pmd]") {
    const std::string json = slurp(kPmdFixtures / "batch-response-partial.json");
    auto results = vft::pmd::read_batch_response(json);
    REQUIRE(results.ok());
    REQUIRE(results->size() == 3);
    const auto& r = *results;
    CHECK(r[0].measurement_id == "urn:uuid:4d27691c-18b4-5be4-b648-f39f60bbfd0f");
    CHECK(r[1].measurement_id == "urn:uuid:30a9b8c2-1971-57d0-a648-25a84533bd76");
    CHECK(r[2].measurement_id == "urn:uuid:920d725b-81a1-53bd-8fa2-eb26aabc4301");
    CHECK(r[0].status == 201);
    CHECK(r[0].ok());
    CHECK(r[0].location == "Observation/cb68decb-b2d8-5ee4-921e-7db53dfaac51/_history/1");
    CHECK(r[0].outcome_json.empty());
    CHECK(r[1].ok());
    CHECK(r[2].status == 400);
    CHECK_FALSE(r[2].ok());
    CHECK(r[2].outcome_json.find(R"("resourceType":"OperationOutcome")") != std::string::npos);
    CHECK(r[2].outcome_json.find("Observation.effective[x] is missing") != std::string::npos);

    // With the request that was sent: the ids must be the request's measurements.
    Batch request = full_batch();
    request.measurements.resize(3);
    request.measurements[0].id = "urn:uuid:4d27691c-18b4-5be4-b648-f39f60bbfd0f";
    request.measurements[1].id = "urn:uuid:30a9b8c2-1971-57d0-a648-25a84533bd76";
    request.measurements[2].id = "urn:uuid:920d725b-81a1-53bd-8fa2-eb26aabc4301";
    auto mapped = vft::pmd::read_batch_response(json, request);
    REQUIRE(mapped.ok());
    CHECK(*mapped == *results);
    Batch other = full_batch();
    other.measurements.resize(3);
    CHECK(vft::pmd::read_batch_response(json, other).error().code == vft::errc::read_invalid_value);
    CHECK(vft::pmd::read_batch_response(json, full_batch()).error().code ==
          vft::errc::read_invalid_value);  // 3 entries for 11 measurements
}

TEST_CASE("pmd: read_batch_response falls back to fullUrl, then to position", "[pmd]") {
    const std::string json = R"({"resourceType":"Bundle","type":"batch-response","entry":[
        {"fullUrl":"urn:uuid:c45c6dba-bba7-4653-ad63-c5676cf2d912","response":{"status":"201 Created"}},
        {"response":{"status":"200"}},
        {"response":{"status":"422 Unprocessable Entity"},
         "resource":{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid"}]}}]})";
    auto plain = vft::pmd::read_batch_response(json);
    REQUIRE(plain.ok());
    REQUIRE(plain->size() == 3);
    CHECK((*plain)[0].measurement_id == "urn:uuid:c45c6dba-bba7-4653-ad63-c5676cf2d912");
    CHECK((*plain)[1].measurement_id.empty());
    CHECK((*plain)[1].status == 200);
    CHECK((*plain)[2].status == 422);
    CHECK_FALSE((*plain)[2].outcome_json.empty());

    Batch request = full_batch();
    request.measurements.resize(3);
    auto mapped = vft::pmd::read_batch_response(json, request);
    REQUIRE(mapped.ok());
    CHECK((*mapped)[1].measurement_id == request.measurements[1].id);
    CHECK((*mapped)[2].measurement_id == request.measurements[2].id);

    using vft::pmd::read_batch_response;
    CHECK(read_batch_response(slurp(kPmdFixtures / "batch-single-heartrate.json")).error().code ==
          vft::errc::read_wrong_message);
    CHECK(read_batch_response(R"({"resourceType":"Bundle","type":"batch-response","entry":[{}]})")
              .error()
              .code == vft::errc::read_missing_element);
    CHECK(
        read_batch_response(
            R"({"resourceType":"Bundle","type":"batch-response","entry":[{"response":{"status":"Created"}}]})")
            .error()
            .code == vft::errc::read_invalid_value);
}

TEST_CASE("pmd: invalid input returns its documented error code", "[pmd]") {
    using vft::pmd::build_batch;
    namespace errc = vft::errc;
    const Batch good = full_batch();
    REQUIRE(build_batch(good).ok());

    auto with = [&](auto&& change) {
        Batch b = good;
        change(b);
        return build_batch(b);
    };

    SECTION("patient") {
        CHECK(error_code(with([](Batch& b) { b.patient.id = "12854812342"; })) ==
              errc::build_invalid_patient);  // bad K2
        CHECK(error_code(with([](Batch& b) { b.patient.id = ""; })) == errc::build_invalid_patient);
        auto bad = with([](Batch& b) { b.patient.id = "12854812342"; });
        CHECK(bad.error().location == "Batch.patient.id");
        CHECK(bad.error().message.find("12854812342") == std::string::npos);  // never echoed
        CHECK(error_code(with([](Batch& b) { b.patient.name.clear(); })) ==
              errc::build_missing_field);
        CHECK(error_code(with([](Batch& b) { b.patient.name = "  "; })) ==
              errc::build_missing_field);
    }
    SECTION("organisation and performer") {
        CHECK(error_code(with([](Batch& b) { b.performer_orgnr = "314159265"; })) ==
              errc::build_invalid_value);
        CHECK(error_code(with([](Batch& b) { b.performer_orgnr.clear(); })) ==
              errc::build_missing_field);
        CHECK(error_code(with([](Batch& b) { b.performer_person.fnr = "12854812351"; })) ==
              errc::build_invalid_value);
        CHECK(error_code(with([](Batch& b) {
                  b.performer_person.fnr.clear();
                  b.performer_person.hpr.clear();
              })) == errc::build_missing_field);  // a name without a number
        CHECK(error_code(with([](Batch& b) { b.kommunenummer = "301"; })) ==
              errc::build_invalid_value);
    }
    SECTION("measurements") {
        CHECK(error_code(with([](Batch& b) { b.measurements.clear(); })) ==
              errc::build_missing_field);
        auto spo2 = with([](Batch& b) { b.measurements[2].value = 130; });
        CHECK(error_code(spo2) == errc::build_invalid_value);
        CHECK(spo2.error().location == "Batch.measurements[2].value");
        CHECK(error_code(with([](Batch& b) { b.measurements[0].diastolic.reset(); })) ==
              errc::build_missing_field);
        CHECK(error_code(with([](Batch& b) { b.measurements[0].systolic.reset(); })) ==
              errc::build_missing_field);
        CHECK(error_code(with([](Batch& b) { b.measurements[0].diastolic = 150; })) ==
              errc::build_invalid_value);  // higher than systolic
        CHECK(error_code(with([](Batch& b) { b.measurements[0].value = 142; })) ==
              errc::build_invalid_value);
        CHECK(error_code(with([](Batch& b) { b.measurements[1].systolic = 120; })) ==
              errc::build_invalid_value);  // heart rate with a systolic
        CHECK(error_code(with([](Batch& b) { b.measurements[8].acvpu_code.clear(); })) ==
              errc::build_missing_field);
        CHECK(error_code(with([](Batch& b) { b.measurements[8].acvpu_code = "alert"; })) ==
              errc::build_invalid_code);
        CHECK(error_code(with([](Batch& b) {
                  b.measurements[1].value = std::numeric_limits<double>::quiet_NaN();
              })) == errc::build_invalid_value);
        CHECK(error_code(with([](Batch& b) {
                  b.measurements[1].value = std::numeric_limits<double>::infinity();
              })) == errc::build_invalid_value);
        CHECK(error_code(with([](Batch& b) { b.measurements[4].value = 99.0; })) ==
              errc::build_invalid_value);  // °F sent as Cel
        CHECK(error_code(with([](Batch& b) { b.measurements[7].value = 21; })) ==
              errc::build_invalid_value);  // NEWS2 0-20
        CHECK(error_code(with([](Batch& b) { b.measurements[7].value = 2.5; })) ==
              errc::build_invalid_value);  // NEWS2 is whole
        CHECK(error_code(with([](Batch& b) { b.measurements[9].value = 0; })) ==
              errc::build_invalid_value);  // CFS 1-9
        CHECK(error_code(with([](Batch& b) { b.measurements[1].effective = vft::Time{}; })) ==
              errc::build_missing_field);
    }
    SECTION("identifiers") {
        auto abc = with([](Batch& b) { b.measurements[3].id = "abc"; });
        CHECK(error_code(abc) == errc::build_invalid_identifier);
        CHECK(abc.error().location == "Batch.measurements[3].id");
        CHECK(error_code(with([](Batch& b) { b.identifier = "abc"; })) ==
              errc::build_invalid_identifier);
        CHECK(error_code(with([](Batch& b) {
                  b.identifier = "urn:uuid:5CC22197-7263-450E-85F3-02E3FDBA0B8B";
              })) == errc::build_invalid_identifier);  // FHIR uuid is lower case
        auto dup = with([](Batch& b) { b.measurements[5].id = b.measurements[2].id; });
        CHECK(error_code(dup) == errc::build_invalid_identifier);
        CHECK(dup.error().location == "Batch.measurements[5].id");
    }
}

TEST_CASE("pmd: profile ids and units follow specs/pmd/vital-signs.json", "[pmd]") {
    // The canonicals of the published IG (specs/upstream/vkp-observation/published); blood
    // glucose and questionnaire score have no profile of their own there.
    CHECK(vft::pmd::profile_id(VitalSign::blood_glucose) == "vkp-Observation");
    CHECK(vft::pmd::profile_id(VitalSign::questionnaire_score) == "vkp-Observation");
    CHECK(vft::pmd::profile_id(VitalSign::news2) == "vkp-Observation-NEWS2score");
    CHECK(vft::pmd::profile_id(VitalSign::heart_rate) == "vkp-Observation-Heartrate");
    CHECK(vft::pmd::ucum_unit(VitalSign::blood_pressure) == "mm[Hg]");
    CHECK(vft::pmd::ucum_unit(VitalSign::body_temperature) == "Cel");
    CHECK(vft::pmd::ucum_unit(VitalSign::oxygen_saturation) == "%");
    CHECK(vft::pmd::ucum_unit(VitalSign::clinical_frailty) == "{score}");
    CHECK(vft::pmd::ucum_unit(VitalSign::consciousness_acvpu).empty());
}
