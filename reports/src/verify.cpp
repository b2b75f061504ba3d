// Verifying a report offline (verify.hpp): signature over the exact bytes, then the schema, then
// the report's own evidence (body hashes, summary, verdict, modules passed).
#include "vft/reports/verify.hpp"

#include <rapidjson/document.h>

#include <map>
#include <set>

#include "reports_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/json.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"

namespace vft::reports {
namespace {

Finding finding(std::string_view code, std::string where, std::string message) {
    return Finding{std::string(code), std::move(where), std::move(message)};
}

std::string test_where(size_t i, const TestResult& t) {
    return "tests[" + std::to_string(i) + "] (" + t.id + ")";
}

void check_body(std::vector<Finding>& out, const std::string& where, std::string_view what,
                const std::string& body, const std::string& recorded) {
    const std::string actual = sha256_hex(body);
    if (recorded.empty()) {
        if (!body.empty())
            out.push_back(finding(errc::report_inconsistent, where + "." + std::string(what),
                                  "the body has no recorded SHA-256"));
        return;
    }
    if (recorded != actual)
        out.push_back(finding(errc::report_inconsistent, where + "." + std::string(what),
                              std::string(what) + " does not match its recorded SHA-256 (" +
                                  recorded.substr(0, 12) + "…, the body hashes to " +
                                  actual.substr(0, 12) + "…): the captured exchange was changed"));
}

// The modules the SUT file claims; nullopt when it names none (then no claim check is possible).
std::optional<std::set<std::string>> claimed_modules(const std::string& sut_json) {
    rapidjson::Document d;
    size_t offset = 0;
    if (!detail::parse_json(sut_json, d, offset) || !d.IsObject()) return std::nullopt;
    const auto* m = vft::internal::member(d, "modules");
    if (!m || !m->IsArray()) return std::nullopt;
    std::set<std::string> out;
    for (const auto& v : m->GetArray())
        if (v.IsString()) out.emplace(v.GetString(), v.GetStringLength());
    return out;
}

}  // namespace

std::vector<Finding> check_consistency(const Report& report) {
    std::vector<Finding> out;
    std::set<std::string> ids;
    for (size_t i = 0; i < report.tests.size(); ++i) {
        const auto& t = report.tests[i];
        if (!ids.insert(t.id).second)
            out.push_back(finding(errc::report_inconsistent, test_where(i, t),
                                  "test id '" + t.id + "' appears twice"));
        for (size_t j = 0; j < t.exchanges.size(); ++j) {
            const auto& e = t.exchanges[j];
            const std::string where = test_where(i, t) + " exchanges[" + std::to_string(j) + "]";
            check_body(out, where, "request_body", e.request_body, e.request_sha256);
            check_body(out, where, "response_body", e.response_body, e.response_sha256);
        }
    }
    const Summary s = compute_summary(report.tests), r = report.summary;
    const std::pair<const char*, std::pair<int, int>> counts[] = {
        {"pass", {r.pass, s.pass}},
        {"fail", {r.fail, s.fail}},
        {"skip", {r.skip, s.skip}},
        {"omit", {r.omit, s.omit}},
        {"error", {r.error, s.error}},
        {"mandatory", {r.mandatory, s.mandatory}},
        {"mandatory_passed", {r.mandatory_passed, s.mandatory_passed}}};
    for (const auto& [name, v] : counts)
        if (v.first != v.second)
            out.push_back(finding(errc::report_inconsistent, std::string("summary.") + name,
                                  "summary says " + std::to_string(v.first) + ", the tests give " +
                                      std::to_string(v.second)));
    const Verdict v = compute_verdict(report.tests);
    if (v != report.verdict) {
        std::string why;
        for (const auto& t : report.tests)
            if (t.mandatory && t.status != Status::pass && t.status != Status::omit) {
                why = " (mandatory test " + t.id + " is " + std::string(to_string(t.status)) + ")";
                break;
            }
        out.push_back(finding(errc::report_inconsistent, "verdict",
                              "the report says '" + std::string(to_string(report.verdict)) +
                                  "' but its tests give '" + std::string(to_string(v)) + "'" +
                                  why));
    }
    // modules_passed: claimed, and every applicable mandatory test of the module passed.
    const auto claimed = claimed_modules(report.sut_json);
    for (const auto& m : report.modules_passed) {
        if (claimed && !claimed->count(m)) {
            out.push_back(finding(errc::report_inconsistent, "modules_passed",
                                  "module '" + m +
                                      "' is listed as passed but the SUT file does "
                                      "not claim it"));
            continue;
        }
        for (const auto& t : report.tests) {
            if (t.module != m || !t.mandatory || t.status == Status::omit) continue;
            if (t.status != Status::pass) {
                out.push_back(finding(errc::report_inconsistent, "modules_passed",
                                      "module '" + m +
                                          "' is listed as passed but its mandatory "
                                          "test " +
                                          t.id + " is " + std::string(to_string(t.status))));
                break;
            }
        }
    }
    return out;
}

VerifyResult verify_report(std::string_view json_bytes, std::string_view sig_text,
                           const std::optional<auth::Key>& trusted_key) {
    VerifyResult r;
    // 1. The signature over the exact bytes.
    if (sig_text.empty()) {
        r.findings.push_back(finding(errc::report_unsigned, "signature",
                                     "there is no signature (.sig) for this report"));
    } else if (auto info = parse_signature(sig_text); !info) {
        r.findings.push_back(finding(info.error().code, "signature: " + info.error().location,
                                     info.error().message));
    } else {
        r.signer_kid = info->kid;
        if (trusted_key) {
            r.signature_checked = true;
            auto ok = verify_signature(json_bytes, sig_text, *trusted_key);
            r.signature_valid = ok.ok();
            if (!ok)
                r.findings.push_back(finding(ok.error().code, "signature", ok.error().message));
        } else {
            // No trusted key: the key the .sig names can still tell whether the bytes changed.
            auto named = auth::Key::from_jwk_json(info->public_jwk);
            auto ok = named ? verify_signature(json_bytes, sig_text, *named)
                            : Result<void>(named.error());
            if (!named || named->thumbprint() != info->kid)
                r.findings.push_back(finding(errc::report_sig_malformed, "signature",
                                             "the signature's public key is missing or does "
                                             "not match its key id"));
            else if (!ok)
                r.findings.push_back(finding(ok.error().code, "signature", ok.error().message));
        }
    }
    // 2. The file itself: JSON, schema, then its own evidence.
    if (auto schema = validate_report_json(json_bytes); !schema) {
        r.findings.push_back(
            finding(schema.error().code, schema.error().location, schema.error().message));
        return r;
    }
    auto report = from_json(json_bytes);
    if (!report) {
        r.findings.push_back(
            finding(report.error().code, report.error().location, report.error().message));
        return r;
    }
    auto inconsistencies = check_consistency(*report);
    r.intact = inconsistencies.empty();
    for (auto& f : inconsistencies)
        r.findings.push_back(std::move(f));
    return r;
}

}  // namespace vft::reports
