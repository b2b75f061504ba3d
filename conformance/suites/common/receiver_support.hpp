// Helpers the receiver-role suites (jft, pmd, kith) share: sending through the TestContext with
// the SUT's auth, judging a response (status, OperationOutcome, JSON members) and writing failure
// messages that say what was expected, what came back, and where the requirement comes from.
// Suite-private (not installed); RapidJSON stays in here and the suite sources.
// Thread-safety: free functions; each test uses its own TestContext from one thread.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <latch>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "vft/conformance/suite.hpp"
#include "vft/core/time.hpp"
#include "vft/model/types.hpp"

namespace vft::conformance::suites {

using transport::HttpRequest;
using transport::HttpResponse;

// ---- identifiers and time ---------------------------------------------------------------------

// A urn:uuid from the context's deterministic generator (lower case, as the builders require).
inline std::string new_urn(TestContext& ctx) {
    std::string u = ctx.new_uuid();
    std::transform(u.begin(), u.end(), u.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return u.rfind("urn:uuid:", 0) == 0 ? u : "urn:uuid:" + u;
}

// The uuid part of a urn:uuid (what a receiver may use as its resource id or echo in a search).
inline std::string bare_uuid(std::string_view urn) {
    return std::string(urn.rfind("urn:uuid:", 0) == 0 ? urn.substr(9) : urn);
}

// The run's clock at second precision (builders take vft::Time).
inline Time run_time(TestContext& ctx) {
    return Time{std::chrono::seconds{ctx.now_ms() / 1000}};
}

// The person the messages are about: the SUT's first test patient, else a synthetic person from
// fixtures/persons/persons.json.
inline Patient test_patient(TestContext& ctx) {
    const auto& ps = ctx.sut().test_patients;
    if (!ps.empty())
        return {ps.front().fnr, ps.front().name.empty() ? "Test Pasient" : ps.front().name};
    return {"12854812341", "Kåre Nordmann Testesen"};
}

// ---- sending ----------------------------------------------------------------------------------

inline bool sut_has_helseid(const TestContext& ctx) {
    return ctx.sut().auth.type == "helseid";
}

// The token a regular (non-auth) request carries: a valid one when the SUT uses HelseID.
inline TokenKind regular_token(const TestContext& ctx) {
    return sut_has_helseid(ctx) ? TokenKind::valid : TokenKind::none;
}

inline HttpRequest make_request(std::string method, std::string url, std::string body = {},
                                std::string content_type = {}) {
    HttpRequest r;
    r.method = std::move(method);
    r.url = std::move(url);
    if (!content_type.empty()) r.headers.emplace_back("Content-Type", std::move(content_type));
    r.headers.emplace_back("Accept", "application/fhir+json, application/json, application/xml");
    r.body = std::move(body);
    return r;
}

// Records a transport failure in the outcome: the harness's own failures (getting a token, a
// VFT-CONF code) are errors; no answer from the SUT is the product's failure.
inline void no_answer(Outcome& out, const Error& e, std::string_view what,
                      std::string_view spec_ref) {
    const std::string msg = std::string(what) + ": no HTTP response (" + e.code + " " + e.message +
                            ") [" + std::string(spec_ref) + "]";
    if (e.code.rfind("VFT-CONF", 0) == 0)
        out.error(msg);
    else
        out.fail(msg);
}

// Sends with the SUT's regular auth. `dpop`: the API requires DPoP (JFT, PMD).
inline std::optional<HttpResponse> call(TestContext& ctx, Outcome& out, HttpRequest req,
                                        std::string note, const std::vector<std::string>& scopes,
                                        bool dpop, std::string_view spec_ref) {
    const std::string what = note;
    auto r = ctx.send(std::move(req), std::move(note), regular_token(ctx), scopes,
                      dpop && sut_has_helseid(ctx));
    if (!r) {
        no_answer(out, r.error(), what, spec_ref);
        return std::nullopt;
    }
    return std::move(r).value();
}

// How many clients send one identifier at once in the concurrent duplicates tests.
constexpr int kClientsAtOnce = 8;

// The same request sent by `n` clients at the same moment (threads released together by a latch),
// each with the SUT's regular auth (its own DPoP proof where `dpop`): for the tests of one
// identifier arriving several times at once. The answers in the order of the clients; an empty
// optional only if a thread could not record one.
inline std::vector<std::optional<Result<HttpResponse>>> send_at_once(
    TestContext& ctx, const HttpRequest& req, int n, const std::string& note,
    const std::vector<std::string>& scopes, bool dpop) {
    std::vector<std::optional<Result<HttpResponse>>> answers(static_cast<size_t>(n));
    std::latch ready(n);
    std::vector<std::thread> clients;
    for (int i = 0; i < n; ++i)
        clients.emplace_back([&, i] {
            ready.arrive_and_wait();
            answers[static_cast<size_t>(i)] =
                ctx.send(req,
                         note + " (client " + std::to_string(i + 1) + " of " + std::to_string(n) +
                             ", all at once)",
                         regular_token(ctx), scopes, dpop && sut_has_helseid(ctx));
        });
    for (auto& t : clients)
        t.join();
    return answers;
}

// ---- describing and judging responses ---------------------------------------------------------

inline std::string clip(std::string_view s, size_t n = 300) {
    std::string out(s.substr(0, n));
    for (auto& c : out)
        if (c == '\n' || c == '\r') c = ' ';
    return s.size() > n ? out + "…" : out;
}

// "HTTP 200 (application/json) {...}" — what came back, for failure messages.
inline std::string got(const HttpResponse& r) {
    const std::string ct = r.header("Content-Type");
    return "HTTP " + std::to_string(r.status) + (ct.empty() ? "" : " (" + ct + ")") +
           (r.body.empty() ? std::string(", empty body") : ", body: " + clip(r.body));
}

inline std::optional<rapidjson::Document> parse_json(std::string_view s) {
    rapidjson::Document d;
    d.Parse(s.data(), s.size());
    if (d.HasParseError()) return std::nullopt;
    return d;
}

inline std::string to_text(const rapidjson::Value& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return std::string(b.GetString(), b.GetSize());
}

inline std::string str_member(const rapidjson::Value& v, const char* name) {
    if (!v.IsObject()) return {};
    auto it = v.FindMember(name);
    return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : std::string();
}

inline const rapidjson::Value* member(const rapidjson::Value& v, const char* name) {
    if (!v.IsObject()) return nullptr;
    auto it = v.FindMember(name);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

inline rapidjson::Value* member(rapidjson::Value& v, const char* name) {
    if (!v.IsObject()) return nullptr;
    auto it = v.FindMember(name);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

// Empty when `body` is a FHIR OperationOutcome with at least one issue of severity error or
// fatal; otherwise why not.
inline std::string operation_outcome_problem(std::string_view body) {
    auto d = parse_json(body);
    if (!d) return "the body is not JSON";
    if (str_member(*d, "resourceType") != "OperationOutcome")
        return "the body is not an OperationOutcome (resourceType '" +
               str_member(*d, "resourceType") + "')";
    const auto* issues = member(*d, "issue");
    if (!issues || !issues->IsArray() || issues->Empty())
        return "the OperationOutcome has no issue";
    for (const auto& i : issues->GetArray()) {
        const std::string sev = str_member(i, "severity");
        if (sev == "error" || sev == "fatal") return {};
    }
    return "no issue of the OperationOutcome has severity error or fatal";
}

// Expects exactly `status`; on anything else fails with expected vs got and the reference.
inline bool expect_status(Outcome& out, const HttpResponse& r, int status, std::string_view what,
                          std::string_view spec_ref) {
    return out.expect(r.status == status, std::string(what) + ": expected HTTP " +
                                              std::to_string(status) + ", got " + got(r) + " [" +
                                              std::string(spec_ref) + "]");
}

// A refusal: `status` and an OperationOutcome explaining it.
inline bool expect_refusal(Outcome& out, const HttpResponse& r, int status, std::string_view what,
                           std::string_view spec_ref) {
    if (!expect_status(out, r, status, what, spec_ref)) return false;
    const std::string why = operation_outcome_problem(r.body);
    return out.expect(why.empty(), std::string(what) +
                                       ": expected an OperationOutcome saying why (HTTP " +
                                       std::to_string(status) + "), but " + why + "; got " +
                                       got(r) + " [" + std::string(spec_ref) + "]");
}

// The answers of send_at_once: each must be HTTP `status`, and when `same_header` is given (e.g.
// "Location") they must all carry the first one's value: one identifier, one answer. On anything
// else fails (saying which client got what) and returns nothing.
inline std::optional<std::vector<HttpResponse>> expect_same_answers(
    Outcome& out, std::vector<std::optional<Result<HttpResponse>>> answers, int status,
    const std::string& same_header, const std::string& what, std::string_view spec_ref) {
    std::vector<HttpResponse> got_all;
    const std::string n = std::to_string(answers.size());
    for (size_t i = 0; i < answers.size(); ++i) {
        const std::string who = what + ", client " + std::to_string(i + 1) + " of " + n;
        if (!answers[i]) {
            out.error(who + ": the harness recorded no answer");
            return std::nullopt;
        }
        if (!*answers[i]) {
            no_answer(out, answers[i]->error(), who, spec_ref);
            return std::nullopt;
        }
        if (!expect_status(out, answers[i]->value(), status, who, spec_ref)) return std::nullopt;
        got_all.push_back(std::move(*answers[i]).value());
    }
    if (!same_header.empty())
        for (size_t i = 1; i < got_all.size(); ++i)
            if (!out.expect(got_all[i].header(same_header) == got_all[0].header(same_header),
                            what + ": " + n +
                                " simultaneous submissions of one identifier got different "
                                "answers: client 1 " +
                                same_header + " '" + got_all[0].header(same_header) + "', client " +
                                std::to_string(i + 1) + " '" + got_all[i].header(same_header) +
                                "' [" + std::string(spec_ref) + "]"))
                return std::nullopt;
    return got_all;
}

// Says what a count that should be 1 means, for failure messages.
inline std::string once_problem(size_t n) {
    return n > 1 ? " (stored more than once)" : n == 0 ? " (not stored)" : "";
}

// ---- mutating a built message -----------------------------------------------------------------

// Parses `json`, applies `edit` and writes it back (UTF-8, compact). Empty when `json` is not
// JSON or `edit` returned false (the message was not shaped as the test expected).
inline std::string mutate(std::string_view json,
                          const std::function<bool(rapidjson::Document&)>& edit) {
    auto d = parse_json(json);
    if (!d || !edit(*d)) return {};
    return to_text(*d);
}

// The JSON text with every string re-encoded as UTF-8 (a receiver may escape æøå as \u00e6).
inline std::string normalised(std::string_view json) {
    auto d = parse_json(json);
    return d ? to_text(*d) : std::string(json);
}

// A builder failure is the harness's error, never the product's.
inline bool built(Outcome& out, const Result<Message>& m) {
    if (!m) out.error("the harness could not build its message: " + m.error().to_string());
    return m.ok();
}

}  // namespace vft::conformance::suites
