// A realistic conformance report built in memory, for the report tests and the report benchmark:
// tests across every module and group, each with captured exchanges whose bodies look like real
// traffic (FHIR bundles with hashed fødselsnummer, OperationOutcomes), hashes filled in, summary,
// verdict and modules_passed computed by the same rules the runner uses.
#pragma once

#include <string>
#include <vector>

#include "vft/reports/report.hpp"
#include "vft/reports/signature.hpp"

namespace vft::test {

struct SampleOptions {
    int tests = 24;                   // number of tests
    int exchanges_per_test = 2;       // captured exchanges per test
    bool failing = true;              // one mandatory test fails (verdict fail)
    std::vector<std::string> bodies;  // request bodies to cycle through; empty = generated
};

inline std::string sample_bundle(int n) {
    const std::string id = "5b0c5a2e-6f1d-4c1e-9d3a-" + std::to_string(100000000000 + n);
    std::string b =
        R"({"resourceType":"Bundle","id":")" + id +
        R"(","type":"collection","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:)" +
        id + R"("},"timestamp":"2026-11-28T10:00:00+01:00","entry":[)";
    for (int e = 0; e < 4; ++e) {
        b +=
            std::string(e ? "," : "") + R"({"fullUrl":"urn:uuid:)" + id + "-" + std::to_string(e) +
            R"(","resource":{"resourceType":"DetectedIssue","status":"final","code":{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090","code":"3","display":"Trygghetsalarm"}]},"patient":{"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"FNR#3fa9c0d2b17e"}},"identifiedDateTime":"2026-11-28T09:5)" +
            std::to_string(e) +
            R"(:00+01:00","detail":"Alarm utløst, ansatt rykket ut. Bruker funnet på gulvet, hjulpet opp, ingen skade."}})";
    }
    return b + "]}";
}

inline reports::Report sample_report(const SampleOptions& o = {}) {
    using namespace vft::reports;
    Report r;
    r.suite = "vkp-r4";
    r.suite_version = "1.0.0";
    r.tool_version = "0.1.0";
    r.validator_version = "0.1.0";
    r.spec_packages = {{"vkp-r4", "0.9.0", std::string(64, 'a')},
                       {"jft", "1.0.0", std::string(64, 'b')}};
    r.fixture_hashes = {
        {"fixtures/messages/valid/alarm/trygghetsalarm.json", std::string(64, 'c')}};
    r.role = "receiver";
    r.sut_json =
        R"({"name":"Omsorg EPJ","vendor":"Eksempel AS","version":"4.2.1","base_url":"http://127.0.0.1:8080","orgnr":"921234565","service_codes":["TA","MD"],"modules":["alarm","medication","supervision","search","auth"],"auth":{"type":"none"}})";
    r.run_id = "7d3f0b6e-2c4a-4b8e-9a51-0c2d3e4f5a6b";
    r.fnr_salt = "00112233445566778899aabbccddeeff";
    r.seed = 42;
    r.started = "2026-11-28T10:00:00.000Z";
    r.finished = "2026-11-28T10:02:13.512Z";
    static const char* groups[][2] = {{"journaling", "alarm"},
                                      {"journaling", "medication"},
                                      {"journaling", "supervision"},
                                      {"search", "search"},
                                      {"auth", "auth"},
                                      {"duplicates", "alarm"},
                                      {"robustness", "alarm"},
                                      {"journaling", "dho"}};
    static const char* rules[] = {"VKP-DI-002", "VKP-CMP-006", "JFT-001", "KITH-MSG-001",
                                  "AUTH-003",   "DUP-001",     "PMD-009", "VKP-SUBJ-001"};
    for (int i = 0; i < o.tests; ++i) {
        TestResult t;
        const auto& g = groups[i % 8];
        t.group = g[0];
        t.module = g[1];
        t.id = "vkp_r4." + t.group + "." + t.module + ".case_" + std::to_string(i);
        t.title = "Case " + std::to_string(i) + ": a valid message is journaled once";
        t.spec_ref = "VKP R4 IG §3.1, " + std::string(rules[i % 8]);
        t.mandatory = (i % 8) != 7;  // dho is optional here
        t.status = Status::pass;
        if (t.module == "dho") t.status = Status::omit;  // not claimed
        if (o.failing && i == 1) {
            t.status = Status::fail;
            t.messages = {"the SUT answered 500 to a valid bundle; expected 201 Created",
                          "response: OperationOutcome 3.1 TimedOut"};
        }
        t.requirements = {rules[i % 8], rules[(i + 3) % 8]};
        t.duration_ms = 40 + i;
        for (int j = 0; j < o.exchanges_per_test; ++j) {
            Exchange e;
            e.method = "POST";
            e.url = "http://127.0.0.1:8080/epj/r4/921234565/Bundle";
            e.request_headers = {{"Content-Type", "application/fhir+json"},
                                 {"Authorization", "[redacted]"}};
            e.request_body =
                o.bodies.empty()
                    ? sample_bundle(i * 10 + j)
                    : o.bodies[static_cast<size_t>(i * o.exchanges_per_test + j) % o.bodies.size()];
            e.status = t.status == Status::fail ? 500 : 201;
            e.response_headers = {{"Content-Type", "application/fhir+json"},
                                  {"Location", "/epj/r4/921234565/Bundle/" + std::to_string(i)}};
            e.response_body =
                R"({"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":"journaled for FNR#3fa9c0d2b17e"}]})";
            e.started = "2026-11-28T10:00:01.000Z";
            e.elapsed_ms = 12 + j;
            e.note = j ? "resubmission of the same bundle" : "first submission";
            e.request_sha256 = reports::sha256_hex(e.request_body);
            e.response_sha256 = reports::sha256_hex(e.response_body);
            t.exchanges.push_back(std::move(e));
        }
        r.tests.push_back(std::move(t));
    }
    r.summary = compute_summary(r.tests);
    r.verdict = compute_verdict(r.tests);
    // Claimed modules whose applicable mandatory tests all passed.
    for (const char* m : {"alarm", "medication", "supervision", "search", "auth"}) {
        bool ok = true;
        for (const auto& t : r.tests)
            if (t.module == m && t.mandatory && t.status != Status::omit &&
                t.status != Status::pass)
                ok = false;
        if (ok) r.modules_passed.emplace_back(m);
    }
    return r;
}

// Re-hashes every exchange and recomputes summary and verdict after a test edited a report.
inline void refresh(reports::Report& r) {
    for (auto& t : r.tests)
        for (auto& e : t.exchanges) {
            e.request_sha256 = reports::sha256_hex(e.request_body);
            e.response_sha256 = reports::sha256_hex(e.response_body);
        }
    r.summary = reports::compute_summary(r.tests);
    r.verdict = reports::compute_verdict(r.tests);
}

}  // namespace vft::test
