// Helpers for the unit tests of the receiver-role suites (test_suite_jft/pmd/kith.cpp): the
// suite's static shape (IDs, modules, titles, mandatory list), and a run through
// vft::conformance::run() against the reference receiver in process (real HTTP on a loopback
// port it picks), followed by a re-judge of the report that must change nothing.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/mocks/token_service.hpp"

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
    CHECK(s.roles.front() ==
          "receiver");  // and "sender" where suites/<suite>/sender.cpp adds tests
    const std::set<std::string> mandatory(s.mandatory.begin(), s.mandatory.end());
    for (const auto& t : s.tests) {
        if (t.role == "sender") continue;  // the sender tests: tests/integration/test_sender_*
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

// Runs suite `id` against an in-process reference receiver with `defects` and re-judges the
// report. Without `dpop_auth` the SUT has no auth (auth tests omitted); with it an in-process
// token service issues DPoP-bound tokens (key generated now) and the receiver checks them, so
// the auth tests, DPoP attacks included, run live and are replayed by the re-judge.
inline InProcessRun run_in_process(const std::string& id, const std::vector<std::string>& defects,
                                   std::string modules_json, bool dpop_auth = false) {
    std::unique_ptr<mocks::TokenService> ts;
    std::filesystem::path pem;  // the client's private key for the SUT file; removed at the end
    std::string auth = R"({"type":"none"})";
    mocks::ReceiverOptions o;
    o.defects = defects;
    if (dpop_auth) {
        auto key = auth::Key::generate(auth::Algorithm::es256);
        REQUIRE(key.ok());
        pem = std::filesystem::temp_directory_path() /
              ("vft-unit-suite-" + std::to_string(getpid()) + ".key.pem");
        std::ofstream(pem) << key->private_pem();
        mocks::TokenServiceOptions to;
        to.clients_json =
            R"({"clients":[{"client_id":"c1","jwk":)" + key->public_jwk_json() +
            R"(,"scopes":["nhn:jft/api","nhn:kith/api"],"orgnr_parent":"921000006"}]})";
        to.allow_test_tokens = true;
        auto made = mocks::TokenService::create(to);
        REQUIRE(made.ok());
        ts = std::move(made).value();
        auto base = ts->start();
        REQUIRE(base.ok());
        o.auth_url = *base;
        auth = R"({"type":"helseid","token_url":")" + ts->token_endpoint() +
               R"(","client_id":"c1","private_key":")" + pem.string() +
               R"(","dpop":true,"test_token_url":")" + *base + R"(/_admin/issue"})";
        modules_json.insert(1, R"("auth",)");
    }
    auto rx = mocks::Receiver::create(o);
    REQUIRE(rx.ok());
    auto url = (*rx)->start();
    REQUIRE(url.ok());
    auto sut = conformance::Sut::parse(
        R"({"name":"reference receiver","vendor":"vft","version":"0.1","base_url":")" + *url +
            R"(","orgnr":"921000006","service_codes":["TA","MD","DHO"],"auth":)" + auth +
            R"(,"modules":)" + modules_json +
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
    if (ts) ts->stop();
    if (!pem.empty()) std::filesystem::remove(pem);
    return r;
}

inline reports::Status status_of(const reports::Report& r, const std::string& id) {
    for (const auto& t : r.tests)
        if (t.id == id) return t.status;
    FAIL("no test " << id << " in the report");
    return reports::Status::error;
}

}  // namespace vft::test
