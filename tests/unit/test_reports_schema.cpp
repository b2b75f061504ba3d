// report.json's JSON Schema: what to_json writes validates; broken reports are refused with the
// member path of the problem.
#include <catch2/catch.hpp>

#include <string>

#include "../support/sample_report.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/reports/certification.hpp"
#include "vft/reports/schema.hpp"

using namespace vft::reports;

namespace {

// Replaces the first occurrence of `from` (which must exist) by `to`.
std::string edit(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("reports written by to_json validate against report.schema.json", "[reports][schema]") {
    for (bool failing : {false, true}) {
        vft::test::SampleOptions o;
        o.failing = failing;
        const Report r = vft::test::sample_report(o);
        auto ok = validate_report_json(to_json(r));
        INFO((ok ? std::string() : ok.error().to_string()));
        CHECK(ok.ok());
    }
    // An empty run (no tests, no exchanges) is still a valid report.
    Report empty;
    empty.suite = "kith";
    empty.suite_version = "1.0.0";
    empty.tool_version = "0.1.0";
    empty.role = "sender";
    empty.sut_json = "{}";
    CHECK(validate_report_json(to_json(empty)).ok());
}

TEST_CASE("broken reports are refused with the path of the problem", "[reports][schema]") {
    const std::string good = to_json(vft::test::sample_report());
    struct Case {
        std::string from, to, path, words;
    };
    const Case cases[] = {
        {"\"verdict\": \"fail\"", "\"verdict\": \"maybe\"", "verdict", "verdict"},
        {"\"status\": \"fail\"", "\"status\": \"broken\"", "tests[1].status", ""},
        {"\"mandatory\": true", "\"mandatory\": \"yes\"", "tests[0].mandatory", ""},
        {"\"status\": 201", "\"status\": \"201\"", "tests[0].exchanges[0].status", ""},
        {"\"request_sha256\": \"", "\"request_sha256\": \"XYZ",
         "tests[0].exchanges[0].request_sha256", ""},
        {"\"format\": \"vft-report/1\"", "\"format\": \"vft-report/9\"", "format", ""},
        {"\"role\": \"receiver\"", "\"role\": \"receiver\", \"extra\": 1", "extra", "extra"},
        {"\"suite_version\": \"1.0.0\",", "", "suite_version", "suite_version"},
        {"\"elapsed_ms\": 12", "\"elapsed_ms\": -5", "tests[0].exchanges[0].elapsed_ms", ""},
        {"\"id\": \"vkp_r4.journaling.alarm.case_0\"", "\"id\": \"Not An Id\"", "tests[0].id", ""},
    };
    for (const auto& c : cases) {
        INFO(c.from << " -> " << c.to);
        auto r = validate_report_json(edit(good, c.from, c.to));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == vft::errc::report_schema);
        CHECK(r.error().location == c.path);
        CHECK_FALSE(r.error().message.empty());
        if (!c.words.empty()) CHECK_THAT(r.error().message, Catch::Contains(c.words));
    }
}

TEST_CASE("text that is not JSON is refused before the schema", "[reports][schema]") {
    for (std::string bad :
         {std::string(), std::string("{"), std::string("[1,2"), std::string("{\"a\":\"\xff\"}")}) {
        auto r = validate_report_json(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == "VFT-REPORT-1301");
        CHECK_THAT(r.error().location, Catch::StartsWith("offset "));
    }
    auto arr = validate_report_json("[]");
    REQUIRE_FALSE(arr.ok());
    CHECK(arr.error().code == vft::errc::report_schema);
}

TEST_CASE("the schemas are shipped in the library and name every Report field",
          "[reports][schema]") {
    const std::string_view s = report_schema_text();
    REQUIRE_FALSE(s.empty());
    for (const char* field : {"format",
                              "suite",
                              "suite_version",
                              "tool_version",
                              "validator_version",
                              "spec_packages",
                              "fixture_hashes",
                              "role",
                              "sut",
                              "run_id",
                              "fnr_salt",
                              "seed",
                              "started",
                              "finished",
                              "verdict",
                              "summary",
                              "mandatory_passed",
                              "modules_passed",
                              "tests",
                              "group",
                              "module",
                              "title",
                              "spec_ref",
                              "messages",
                              "requirements",
                              "duration_ms",
                              "exchanges",
                              "direction",
                              "note",
                              "method",
                              "url",
                              "request_headers",
                              "request_body",
                              "request_sha256",
                              "response_headers",
                              "response_body",
                              "response_sha256",
                              "error",
                              "elapsed_ms"})
        CHECK(s.find("\"" + std::string(field) + "\"") != std::string_view::npos);
    CHECK_FALSE(certification_schema_text().empty());
}
