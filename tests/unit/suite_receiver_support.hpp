// Helpers for the unit tests of the receiver-role suites (test_suite_jft/pmd/kith.cpp): the
// suite's static shape (IDs, modules, titles, mandatory list), and a run through
// vft::conformance::run() against the reference receiver in process (real HTTP on a loopback
// port it picks), followed by a re-judge of the report that must change nothing.
#pragma once

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "vft/conformance/runner.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/mocks/receiver.hpp"

namespace vft::test {

inline const conformance::Suite& suite_named(const std::string& id) {
    auto all = conformance::all_suites();
    REQUIRE(all.ok());
    const auto* s = conformance::find_suite(**all, id);
    REQUIRE(s != nullptr);
    return *s;
}

// Every test: role receiver, a module from `modules`, a title, a spec reference and requirement
// IDs; every test of the suite except `optional` is mandatory.
inline void check_suite_shape(const std::string& id, const std::set<std::string>& modules,
                              const std::set<std::string>& optional) {
    const auto& s = suite_named(id);
    CHECK(s.roles == std::vector<std::string>{"receiver"});
    const std::set<std::string> mandatory(s.mandatory.begin(), s.mandatory.end());
    for (const auto& t : s.tests) {
        INFO(t.id);
        CHECK(t.role == "receiver");
        CHECK(modules.count(t.module) == 1);
        CHECK_FALSE(t.group.empty());
        CHECK(t.title.size() > 20);
        CHECK_FALSE(t.spec_ref.empty());
        CHECK_FALSE(t.requirements.empty());
        CHECK(mandatory.count(t.id) == (optional.count(t.id) ? 0u : 1u));
    }
    for (const auto& o : optional) {
        INFO(o);
        CHECK(std::any_of(s.tests.begin(), s.tests.end(),
                          [&](const conformance::TestCase& t) { return t.id == o; }));
    }
}

struct InProcessRun {
    reports::Report report;
    std::vector<conformance::RejudgeChange> rejudged;
};

// Runs suite `id` against an in-process reference receiver with `defects` (no auth: the auth
// tests are omitted) and re-judges the report.
inline InProcessRun run_in_process(const std::string& id, const std::vector<std::string>& defects,
                                   const std::string& modules_json) {
    mocks::ReceiverOptions o;
    o.defects = defects;
    auto rx = mocks::Receiver::create(o);
    REQUIRE(rx.ok());
    auto url = (*rx)->start();
    REQUIRE(url.ok());
    auto sut = conformance::Sut::parse(
        R"({"name":"reference receiver","vendor":"vft","version":"0.1","base_url":")" + *url +
            R"(","orgnr":"921000006","service_codes":["TA","MD","DHO"],"auth":{"type":"none"},)"
            R"("modules":)" +
            modules_json +
            R"(,"test_patients":[{"fnr":"12854812341","name":"Kåre Nordmann Testesen",)"
            R"("service_codes":["TA","MD","DHO"]}]})",
        ".");
    REQUIRE(sut.ok());
    conformance::RunOptions ro;
    ro.suite = id;
    ro.role = "receiver";
    ro.jobs = 2;
    ro.seed = 42;
    auto report = conformance::run(*sut, ro);
    REQUIRE(report.ok());
    InProcessRun r{std::move(report).value(), {}};
    auto changes = conformance::rejudge(r.report);
    REQUIRE(changes.ok());
    r.rejudged = std::move(changes).value();
    (*rx)->stop();
    return r;
}

inline reports::Status status_of(const reports::Report& r, const std::string& id) {
    for (const auto& t : r.tests)
        if (t.id == id) return t.status;
    FAIL("no test " << id << " in the report");
    return reports::Status::error;
}

}  // namespace vft::test
