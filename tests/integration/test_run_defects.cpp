// The receiver suites' defect tables (conformance/defects.json) cannot go stale: every defect of
// `vft mock defects` is claimed by some receiver suite's table, every claim names a registered
// test and a symptom; and the vkp-r4 receiver suite catches each defect its table assigns to it:
// for each one the suite runs (as `vft run`, HelseID tokens and the authorization register on)
// against the mock receiver started with that defect, and every listed test must fail with a
// message naming the symptom (others may fail too). The jft, pmd and kith tables are run by
// test_run_jft.cpp, test_run_pmd.cpp and test_run_kith.cpp.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <set>

#include "defect_table.hpp"
#include "run_support.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/reports/report.hpp"

using namespace vft;
using vft::test::Product;
using vft::test::read_text;
using vft::test::run_cli;
using vft::test::Scratch;

namespace {
const char* const kReceiverTables[] = {"vkp-r4/receiver", "jft/receiver", "pmd/receiver",
                                       "kith/receiver"};
}

TEST_CASE(
    "defect tables: every mock defect is claimed by a receiver suite, every claim names a "
    "registered test and a symptom",
    "[defects]") {
    auto suites = conformance::all_suites();
    REQUIRE(suites.ok());
    std::set<std::string> claimed;
    for (const std::string key : kReceiverTables) {
        const std::string suite_id = key.substr(0, key.find('/'));
        const auto* suite = conformance::find_suite(**suites, suite_id);
        REQUIRE(suite != nullptr);
        const auto table = vft::test::defect_claims(key);
        REQUIRE_FALSE(table.empty());
        for (const auto& [defect, claims] : table) {
            INFO(key << ": defect " << defect);
            CHECK(mocks::Defects::parse({defect}).ok());  // a defect the mock knows
            CHECK_FALSE(claims.empty());
            if (!claims.empty()) claimed.insert(defect);
            for (const auto& c : claims) {
                INFO("claim " << c.test);
                CHECK_FALSE(c.symptom.empty());
                bool registered = false;
                for (const auto& t : suite->tests)
                    registered |= t.id == c.test && t.role == "receiver";
                CHECK(registered);
            }
        }
    }
    for (const auto& d : mocks::all_defects()) {
        INFO("defect " << d.name
                       << " (vft mock defects) is claimed by no receiver suite's table "
                          "in conformance/defects.json");
        CHECK(claimed.count(std::string(d.name)) == 1);
    }
}

TEST_CASE("vkp-r4 receiver suite: each defect of conformance/defects.json is caught by its tests",
          "[run][defects]") {
    const auto table = vft::test::defect_claims("vkp-r4/receiver");
    REQUIRE_FALSE(table.empty());
    for (const auto& [defect, claims] : table) {
        INFO("defect " << defect);
        REQUIRE(mocks::Defects::parse({defect}).ok());
        REQUIRE_FALSE(claims.empty());

        Scratch scratch("run-defect");
        Product product(scratch, true, {defect});
        auto ran = run_cli({VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver", "--sut",
                            product.sut_file.string(), "--out", (scratch.dir / "out").string(),
                            "--jobs", "4"});
        INFO(ran.output);
        auto report = reports::from_json(read_text(scratch.dir / "out" / "report.json"));
        REQUIRE(report.ok());
        // Caught only by optional tests (a vft decision): reported, the verdict stays pass.
        bool mandatory = false;
        for (const auto& r : report->tests)
            for (const auto& c : claims)
                mandatory |= r.mandatory && r.id == c.test;
        if (mandatory) {
            CHECK(ran.exit == 1);
            CHECK(report->verdict == reports::Verdict::fail);
        }
        for (const auto& c : claims) {
            INFO("test " << c.test << " must catch " << defect << " by its symptom '" << c.symptom
                         << "'");
            const reports::TestResult* t = nullptr;
            for (const auto& r : report->tests)
                if (r.id == c.test) t = &r;
            REQUIRE(t != nullptr);
            CHECK(t->status == reports::Status::fail);
            const std::string why = vft::test::joined(t->messages);
            INFO("its messages: " << why);
            CHECK_FALSE(c.symptom.empty());
            CHECK(why.find(c.symptom) != std::string::npos);
        }
    }
}
