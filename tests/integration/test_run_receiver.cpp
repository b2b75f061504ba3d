// `vft run --suite vkp-r4 --role receiver` as a real process against the mock receiver (and the
// mock token service): exit codes, report.json, mandatory coverage, omitted modules, privacy, and
// pre-flight refusals.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "../support/closed_port.hpp"
#include "run_support.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/reports/report.hpp"

using namespace vft;
using vft::test::Product;
using vft::test::read_text;
using vft::test::run_cli;
using vft::test::Scratch;

namespace {

const conformance::Suite& vkp_r4_suite() {
    auto suites = conformance::all_suites();
    REQUIRE(suites.ok());
    const auto* s = conformance::find_suite(**suites, "vkp-r4");
    REQUIRE(s != nullptr);
    return *s;
}

reports::Report run_and_read(const Product& product, const Scratch& scratch, int expected_exit,
                             const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {VFT_CLI_PATH, "run",
                                     "--suite",    "vkp-r4",
                                     "--role",     "receiver",
                                     "--sut",      product.sut_file.string(),
                                     "--out",      (scratch.dir / "out").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto ran = run_cli(argv);
    INFO(ran.output);
    CHECK(ran.exit == expected_exit);
    auto report = reports::from_json(read_text(scratch.dir / "out" / "report.json"));
    REQUIRE(report.ok());
    return *report;
}

const reports::TestResult* find(const reports::Report& r, const std::string& id) {
    for (const auto& t : r.tests)
        if (t.id == id) return &t;
    return nullptr;
}

}  // namespace

TEST_CASE("vft run vkp-r4 receiver: the mock receiver with auth none passes, auth omitted",
          "[run]") {
    Scratch scratch("run-none");
    Product product(scratch, false);
    const auto report = run_and_read(product, scratch, 0, {"--jobs", "4"});
    CHECK(report.verdict == reports::Verdict::pass);
    CHECK(report.suite == "vkp-r4");
    CHECK(report.role == "receiver");
    const auto& suite = vkp_r4_suite();
    for (const auto& id : suite.mandatory) {
        if (id.rfind("vkp_r4.sender.", 0) == 0) continue;  // role sender: test_sender_suites.cpp
        INFO(id);
        const auto* t = find(report, id);
        REQUIRE(t != nullptr);
        CHECK(t->mandatory);
        if (id.rfind("vkp_r4.auth.", 0) == 0) {
            CHECK(t->status == reports::Status::omit);
            REQUIRE_FALSE(t->messages.empty());
            CHECK(t->messages.front().find("module 'auth' is not claimed") != std::string::npos);
            CHECK(t->exchanges.empty());
        } else {
            CHECK(t->status == reports::Status::pass);
            CHECK_FALSE(t->exchanges.empty());
        }
    }
    CHECK(report.summary.fail == 0);
    CHECK(report.summary.error == 0);
    const std::set<std::string> passed(report.modules_passed.begin(), report.modules_passed.end());
    CHECK(passed == std::set<std::string>{"alarm", "dho", "medication", "search", "supervision"});
    // Journaling tests read back what they wrote, fixtures are hashed, versions are recorded.
    const auto* alarm = find(report, "vkp_r4.journal.alarm.valid_bundle_accepted");
    REQUIRE(alarm != nullptr);
    REQUIRE(alarm->exchanges.size() == 2);
    CHECK(alarm->exchanges[1].url.find("/composition/_search") != std::string::npos);
    CHECK_FALSE(report.fixture_hashes.empty());
    CHECK(report.spec_packages.size() >= 1);
    CHECK(report.tool_version == "0.1.0");
    // The renderings of the reports writer are written beside report.json.
    CHECK(std::filesystem::exists(scratch.dir / "out" / "junit.xml"));
    CHECK(std::filesystem::exists(scratch.dir / "out" / "report.html"));
}

TEST_CASE("vft run vkp-r4 receiver: HelseID tokens, every auth test passes, nothing secret leaks",
          "[run]") {
    Scratch scratch("run-helseid");
    Product product(scratch, true);
    const auto report = run_and_read(product, scratch, 0, {"--jobs", "2"});
    CHECK(report.verdict == reports::Verdict::pass);
    CHECK(report.summary.omit == 0);
    for (const char* id :
         {"vkp_r4.auth.no_token_rejected", "vkp_r4.auth.expired_token_rejected",
          "vkp_r4.auth.bad_signature_rejected", "vkp_r4.auth.wrong_scope_rejected",
          "vkp_r4.auth.other_orgnr_rejected", "vkp_r4.auth.valid_token_accepted"}) {
        INFO(id);
        const auto* t = find(report, id);
        REQUIRE(t != nullptr);
        CHECK(t->status == reports::Status::pass);
    }
    const std::string text = read_text(scratch.dir / "out" / "report.json");
    CHECK(text.find("eyJ") == std::string::npos);  // no JWT (token, assertion, proof)
    CHECK(text.find("\"name\": \"Authorization\",\n") != std::string::npos);
    CHECK(text.find("\"value\": \"[redacted]\"") != std::string::npos);
    CHECK(text.find("client.key") == std::string::npos);  // the key path is redacted too
    // No fødselsnummer in clear: every valid one the suite sent is hashed.
    for (const char* fnr : {"12854812341", "03913945688"})
        CHECK(text.find(fnr) == std::string::npos);
    CHECK(std::regex_search(text, std::regex("FNR#[0-9a-f]{12}")));
}

TEST_CASE("vft run: pre-flight refuses an unreachable product with exit 2 and the reason",
          "[run]") {
    Scratch scratch("run-preflight");
    std::string sut =
        read_text(std::string(VFT_SOURCE_DIR) + "/fixtures/sut/mock-receiver-auth-none.json");
    // A port bound and never listened on: surely nothing answers there.
    const vft::test::ClosedPort closed;
    REQUIRE(closed.port() != 0);
    sut.replace(sut.find("http://127.0.0.1:8080"), 21, closed.url());
    const auto file = scratch.write("sut.json", sut);
    auto ran = run_cli({VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver", "--sut",
                        file.string(), "--out", (scratch.dir / "out").string()});
    INFO(ran.output);
    CHECK(ran.exit == 2);
    CHECK(ran.output.find("pre-flight") != std::string::npos);
    CHECK(ran.output.find("not reachable") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(scratch.dir / "out" / "report.json"));

    // A SUT file with an error names the member.
    const auto bad = scratch.write("bad.json", R"({"name":"x","base_url":"http://127.0.0.1:9",
        "orgnr":"312229545","modules":["alarm"]})");
    auto ran2 = run_cli(
        {VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver", "--sut", bad.string()});
    INFO(ran2.output);
    CHECK(ran2.exit == 2);
    CHECK(ran2.output.find("VFT-CONF-1402") != std::string::npos);
    CHECK(ran2.output.find("orgnr") != std::string::npos);
}

TEST_CASE("vft run --only: a subset runs; a glob that selects nothing cannot run", "[run]") {
    Scratch scratch("run-only");
    Product product(scratch, false);
    // Only the search tests run; every other test is in the report as skipped (not selected), so
    // a partial run never certifies: the verdict is incomplete, exit 1.
    const auto report = run_and_read(product, scratch, 1, {"--only", "vkp_r4.search.*"});
    CHECK(report.verdict == reports::Verdict::incomplete);
    CHECK(report.tests.size() == vkp_r4_suite().tests.size());
    int ran_search = 0;
    for (const auto& t : report.tests) {
        INFO(t.id);
        if (t.group == "search") {
            CHECK(t.status == reports::Status::pass);
            ++ran_search;
        } else {
            CHECK(t.status == reports::Status::skip);
            CHECK(t.messages.at(0) == "not selected (--only vkp_r4.search.*)");
            CHECK(t.exchanges.empty());
        }
    }
    CHECK(ran_search == 7);
    auto ran = run_cli({VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver", "--sut",
                        product.sut_file.string(), "--only", "nothing.*"});
    INFO(ran.output);
    CHECK(ran.exit == 2);
    CHECK(ran.output.find("selects no test") != std::string::npos);
}

TEST_CASE("vft run --list prints every test with its mandatory flag", "[run]") {
    auto ran = run_cli({VFT_CLI_PATH, "run", "--list", "--suite", "vkp-r4"});
    CHECK(ran.exit == 0);
    const auto& suite = vkp_r4_suite();
    for (const auto& t : suite.tests) {
        INFO(t.id);
        CHECK(ran.output.find(t.id + "  " + t.role + "  ") != std::string::npos);
    }
    CHECK(ran.output.find("vkp_r4.validation.vkp_len_rejected  receiver  optional") !=
          std::string::npos);
    CHECK(ran.output.find("vkp_r4.journal.alarm.valid_bundle_accepted  receiver  mandatory") !=
          std::string::npos);
}
