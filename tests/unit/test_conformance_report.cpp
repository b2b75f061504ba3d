// report.json I/O and the verdict/summary rules of the evidence bundle.
#include <catch2/catch.hpp>

#include "vft/reports/report.hpp"

using namespace vft::reports;

namespace {

TestResult make_test(std::string id, Status s, bool mandatory) {
    TestResult t;
    t.id = std::move(id);
    t.group = "journaling";
    t.module = "alarm";
    t.status = s;
    t.mandatory = mandatory;
    return t;
}

Report sample_report() {
    Report r;
    r.suite = "vkp-r4";
    r.suite_version = "1.0.0";
    r.tool_version = "0.1.0";
    r.validator_version = "0.1.0";
    r.spec_packages.push_back({"vkp-r4", "0.9.0", std::string(64, 'a')});
    r.fixture_hashes["fixtures/messages/valid/alarm/trygghetsalarm.json"] = std::string(64, 'b');
    r.role = "receiver";
    r.sut_json = R"({"name":"Mock EPJ","modules":["alarm"],"auth":{"type":"none"}})";
    r.run_id = "0b0f7a52-3c52-4a38-9a53-6a5b6f3e2d11";
    r.fnr_salt = "00ff";
    r.seed = 18446744073709551615ULL;  // the full uint64 range survives
    r.started = "2026-11-28T10:00:00.000Z";
    r.finished = "2026-11-28T10:00:01.250Z";
    auto t = make_test("vkp_r4.journal.alarm.valid_bundle_accepted", Status::fail, true);
    t.title = "A safety-alarm bundle with æøå is journaled";
    t.spec_ref = "VKP R4 API §3.1";
    t.messages = {"expected HTTP 2xx, got 400", "second \"quoted\" line\n"};
    t.requirements = {"VKP-DI-003"};
    t.duration_ms = 12;
    Exchange e;
    e.method = "POST";
    e.url = "http://127.0.0.1:1/epj/r4/312229544/bundle";
    e.request_headers = {{"Authorization", "[redacted]"},
                         {"Content-Type", "application/fhir+json"}};
    e.request_body = R"({"resourceType":"Bundle","note":"Kåre Ærlig Østby"})";
    e.status = 400;
    e.response_body = "{}";
    e.started = "2026-11-28T10:00:00.100Z";
    e.elapsed_ms = 3;
    e.note = "first submission";
    e.request_sha256 = std::string(64, 'c');
    e.response_sha256 = std::string(64, 'd');
    t.exchanges.push_back(e);
    r.tests.push_back(t);
    r.tests.push_back(make_test("vkp_r4.auth.no_token_rejected", Status::omit, true));
    r.summary = compute_summary(r.tests);
    r.verdict = compute_verdict(r.tests);
    r.modules_passed = {};
    return r;
}

}  // namespace

TEST_CASE("report.json round trip is byte-identical", "[conformance][report]") {
    Report r = sample_report();
    std::string a = to_json(r);
    auto back = from_json(a);
    REQUIRE(back.ok());
    CHECK(to_json(*back) == a);
    CHECK(back->seed == r.seed);
    CHECK(back->tests.at(0).exchanges.at(0).request_body == r.tests[0].exchanges[0].request_body);
    CHECK(back->tests.at(0).messages == r.tests[0].messages);
    CHECK(back->verdict == Verdict::fail);
    CHECK(a.back() == '\n');
    CHECK(a.find("\n  \"suite\": \"vkp-r4\",") != std::string::npos);  // 2-space indentation
    CHECK(a.find("Kåre Ærlig Østby") != std::string::npos);            // UTF-8 kept as is
}

TEST_CASE("report.json parse errors name the member", "[conformance][report]") {
    std::string good = to_json(sample_report());
    auto not_json = from_json("{\"format\": ");
    REQUIRE_FALSE(not_json.ok());
    CHECK(not_json.error().code == "VFT-REPORT-1301");

    std::string bad_status = good;
    bad_status.replace(bad_status.find("\"status\": \"fail\""), 16, "\"status\": \"maybe\"");
    auto e1 = from_json(bad_status);
    REQUIRE_FALSE(e1.ok());
    CHECK(e1.error().code == "VFT-REPORT-1303");
    CHECK(e1.error().location == "tests[0].status");

    std::string missing = good;
    missing.replace(missing.find("\"elapsed_ms\""), 12, "\"elapsed_xx\"");
    auto e2 = from_json(missing);
    REQUIRE_FALSE(e2.ok());
    CHECK(e2.error().code == "VFT-REPORT-1302");
    CHECK(e2.error().location == "tests[0].exchanges[0].elapsed_ms");

    std::string other_format = good;
    other_format.replace(other_format.find("vft-report/1"), 12, "vft-report/9");
    auto e3 = from_json(other_format);
    REQUIRE_FALSE(e3.ok());
    CHECK(e3.error().code == "VFT-REPORT-1303");
}

TEST_CASE("verdict: pass only when every mandatory test passed", "[conformance][verdict]") {
    std::vector<TestResult> t = {make_test("a.b", Status::pass, true),
                                 make_test("a.c", Status::fail, false),
                                 make_test("a.d", Status::omit, true)};
    CHECK(compute_verdict(t) == Verdict::pass);
    auto s = compute_summary(t);
    CHECK(s.pass == 1);
    CHECK(s.fail == 1);
    CHECK(s.omit == 1);
    CHECK(s.mandatory == 1);
    CHECK(s.mandatory_passed == 1);

    t.push_back(make_test("a.e", Status::skip, true));
    CHECK(compute_verdict(t) == Verdict::incomplete);
    t.push_back(make_test("a.f", Status::error, true));
    CHECK(compute_verdict(t) == Verdict::incomplete);
    t.push_back(make_test("a.g", Status::fail, true));
    CHECK(compute_verdict(t) == Verdict::fail);

    // Nothing mandatory applied (everything omitted): certifies nothing.
    CHECK(compute_verdict({make_test("a.b", Status::omit, true)}) == Verdict::incomplete);
}
