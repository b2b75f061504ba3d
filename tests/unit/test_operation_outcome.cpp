// The OperationOutcome reader (vft/client/operation_outcome.hpp): the validator's own outcome
// read back issue by issue (rule, path, message, hint, source), a VKP-coded issue, bad input.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "../support/files.hpp"
#include "vft/client/operation_outcome.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/transport/http_error.hpp"
#include "vft/validate/validator.hpp"

using namespace vft;
using namespace vft::client;

TEST_CASE("OperationOutcome: the validator's outcome reads back issue by issue",
          "[operation_outcome]") {
    auto validator = Validator::create();
    REQUIRE(validator.ok());
    const auto report = validator->validate(
        vft::test::source_file("fixtures/messages/invalid/codes/alert-code-4-99.json"),
        {Level::strict, ""});
    REQUIRE_FALSE(report.valid());
    auto oo = read_operation_outcome(report.to_operation_outcome());
    REQUIRE(oo.ok());
    REQUIRE(oo->issues.size() == report.issues.size());
    for (size_t i = 0; i < report.issues.size(); ++i) {
        const Issue& want = report.issues[i];
        const OutcomeIssue& got = oo->issues[i];
        CHECK(got.severity == want.severity);
        CHECK(got.rule == want.rule);
        CHECK(got.source == vft_rule_system);
        CHECK(got.path == want.path);
        CHECK(got.message == want.message);
        CHECK(got.hint == want.hint);
    }
    std::set<std::string> rules;
    for (const auto& i : oo->rule_issues())
        rules.insert(i.rule);
    // The alert code is outside the published profile's required binding (FHIR-PRF-003; the hand
    // rule VKP-DI-002 defers to it at the same place) and unknown to the code system (CODE-001).
    CHECK(rules == std::set<std::string>{"CODE-001", "FHIR-PRF-003"});
    CHECK(oo->has_errors());
}

TEST_CASE("OperationOutcome: a VKP-coded issue, positions, masking; error_from_response keeps it",
          "[operation_outcome]") {
    const std::string body =
        R"({"resourceType":"OperationOutcome","issue":[)"
        R"({"severity":"error","code":"invalid","details":{"coding":[{"system":")" +
        std::string(transport::vkp_operation_outcome_system) +
        R"(","code":"2.1","display":"InvalidSsn"}]},"expression":["Patient.identifier"]},)"
        R"({"severity":"warning","code":"structure","details":{"text":"patient 12854812341 odd"},)"
        R"("location":["line 3, column 7"]},)"
        R"({"severity":"bogus","code":"x"}]})";
    auto oo = read_operation_outcome(body);
    REQUIRE(oo.ok());
    REQUIRE(oo->issues.size() == 3);
    CHECK(oo->issues[0].rule == "2.1");
    CHECK(oo->issues[0].source == transport::vkp_operation_outcome_system);
    CHECK(oo->issues[0].message == "InvalidSsn");
    CHECK(oo->issues[0].path == "Patient.identifier");
    CHECK(oo->issues[1].severity == Severity::warning);
    CHECK(oo->issues[1].position == "line 3, column 7");
    CHECK(oo->issues[1].path.empty());
    CHECK(oo->issues[1].message.find("12854812341") == std::string::npos);
    CHECK(oo->issues[2].severity == Severity::error);  // unknown severities are not weaker
    CHECK(oo->count(Severity::warning) == 1);

    transport::HttpResponse r;
    r.status = 400;
    r.body = body;
    const Error e = transport::error_from_response(r);
    CHECK(e.code == "VFT-VKP-0201");
    CHECK(issues_of(e).issues.size() == 3);
    CHECK(e.outcome.find("12854812341") == std::string::npos);
    r.body = "<html>busy</html>";
    CHECK(transport::error_from_response(r).outcome.empty());
    CHECK(issues_of(transport::error_from_response(r)).issues.empty());
}

TEST_CASE("OperationOutcome: not JSON, not an outcome, too large", "[operation_outcome]") {
    auto bad = read_operation_outcome("{\n  \"resourceType\": ");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == errc::json_syntax);
    CHECK(bad.error().location.rfind("line 2", 0) == 0);
    auto other = read_operation_outcome(R"({"resourceType":"Bundle"})");
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == errc::read_wrong_message);
    auto huge = read_operation_outcome(std::string(5u << 20, ' '));
    REQUIRE_FALSE(huge.ok());
    CHECK(huge.error().code == errc::json_too_large);
    auto empty = read_operation_outcome(R"({"resourceType":"OperationOutcome"})");
    REQUIRE(empty.ok());
    CHECK(empty->issues.empty());
    CHECK_FALSE(empty->has_errors());
}
