// The sender-role suites against the SDK's example sender (issue 6, "Proving the suite"), through
// the runner as `vft run --role sender` uses it: every suite passes against the correct example
// sender, and with each of its defects exactly the
// tests conformance/defects.json lists under "<suite>/sender" fail. A defect that no test
// catches, or a defect of the example sender missing from the table, fails here.
// Real parts: the example sender is a real process, the endpoint a real mock receiver behind a
// recording proxy on loopback, its outbox and the receiver's journal real SQLite files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "example_sut.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/reports/report.hpp"

namespace fs = std::filesystem;
using namespace vft;
using namespace vft::conformance;

namespace {

using test::Scratch;

// The SUT file the example sender is certified with (fixtures/sut/example-sender.json), with a
// fresh key and the built example_sender (optionally with a defect) as its trigger.
Sut example_sender_sut(const fs::path& dir, const std::string& defect) {
    return test::example_sut(dir, "example-sender", VFT_EXAMPLE_SENDER_PATH, defect);
}

using test::Judged;

// Runs the suite's sender role; the evidence keeps no person number in clear.
std::map<std::string, Judged> run_suite(const std::string& suite, const std::string& defect) {
    Scratch scratch("sender-" + suite + (defect.empty() ? "" : "-" + defect));
    return test::run_role(example_sender_sut(scratch.dir, defect), suite, "sender", 4,
                          [](const reports::Exchange& x) {
                              CHECK(x.request_body.find("12854812341") == std::string::npos);
                              CHECK(x.url.find("12854812341") == std::string::npos);
                          });
}

// conformance/defects.json: {"<suite>/sender": {"<defect>": ["test id", ...]}}.
std::map<std::string, std::set<std::string>> expected_failures(const std::string& suite) {
    return test::example_defect_table(suite + "/sender");
}

void require_all_pass(const std::string& suite) {
    const auto results = run_suite(suite, "");
    REQUIRE_FALSE(results.empty());
    for (const auto& [id, r] : results) {
        INFO(id << " " << reports::to_string(r.status) << r.messages);
        CHECK(r.status == reports::Status::pass);
    }
}

void require_defect_caught(const std::string& defect) {
    for (const std::string suite : {"vkp-r4", "jft", "pmd", "kith"}) {
        const auto table = expected_failures(suite);
        const auto it = table.find(defect);
        const std::set<std::string> expected =
            it == table.end() ? std::set<std::string>{} : it->second;
        const auto results = run_suite(suite, defect);
        std::set<std::string> failed;
        std::string why;
        for (const auto& [id, r] : results) {
            if (r.status != reports::Status::pass) failed.insert(id);
            if ((r.status != reports::Status::pass) != (expected.count(id) > 0))
                why += "\n" + id + " " + std::string(reports::to_string(r.status)) + r.messages;
        }
        INFO(suite << " with --defect " << defect << why);
        CHECK(failed == expected);
        // A failure must be a judgement of the product, never a harness error.
        for (const auto& id : failed)
            CHECK(results.at(id).status == reports::Status::fail);
    }
}

}  // namespace

TEST_CASE("sender vkp-r4: every test passes against the example sender", "[sender][vkp-r4]") {
    require_all_pass("vkp-r4");
}
TEST_CASE("sender jft: every test passes against the example sender", "[sender][jft]") {
    require_all_pass("jft");
}
TEST_CASE("sender pmd: every test passes against the example sender", "[sender][pmd]") {
    require_all_pass("pmd");
}
TEST_CASE("sender kith: every test passes against the example sender", "[sender][kith]") {
    require_all_pass("kith");
}

TEST_CASE("sender defects: every defect of the example sender is in the table and caught",
          "[sender][defects]") {
    const auto defects = test::example_defects(VFT_EXAMPLE_SENDER_PATH);
    REQUIRE(defects.size() == 10);
    std::set<std::string> caught;
    for (const std::string suite : {"vkp-r4", "jft", "pmd", "kith"})
        for (const auto& [defect, ids] : expected_failures(suite))
            if (!ids.empty()) caught.insert(defect);
    for (const auto& d : defects) {
        INFO("defect " << d << " has no test in conformance/defects.json that must catch it");
        CHECK(caught.count(d) == 1);
    }
}

TEST_CASE("sender defect new-identifier-on-retry is caught", "[sender][defects]") {
    require_defect_caught("new-identifier-on-retry");
}
TEST_CASE("sender defect retries-400 is caught", "[sender][defects]") {
    require_defect_caught("retries-400");
}
TEST_CASE("sender defect ignores-retry-after is caught", "[sender][defects]") {
    require_defect_caught("ignores-retry-after");
}
TEST_CASE("sender defect reuses-dpop-proof is caught", "[sender][defects]") {
    require_defect_caught("reuses-dpop-proof");
}
TEST_CASE("sender defect wrong-service-code is caught", "[sender][defects]") {
    require_defect_caught("wrong-service-code");
}
TEST_CASE("sender defect resends-rejected-apprec is caught", "[sender][defects][kith]") {
    require_defect_caught("resends-rejected-apprec");
}
TEST_CASE("sender defect ignores-apprec-errors is caught", "[sender][defects][kith]") {
    require_defect_caught("ignores-apprec-errors");
}
TEST_CASE("sender defect new-identifier-after-token-expiry is caught", "[sender][defects]") {
    require_defect_caught("new-identifier-after-token-expiry");
}
TEST_CASE("sender defect loses-message-on-restart is caught", "[sender][defects]") {
    require_defect_caught("loses-message-on-restart");
}
TEST_CASE("sender defect ignores-patient-order is caught", "[sender][defects]") {
    require_defect_caught("ignores-patient-order");
}
