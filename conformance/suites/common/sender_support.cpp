// Sender-role test support (see sender_support.hpp). Every judgement reads only the exchanges the
// context recorded: the trigger run, the requests at the endpoint and the token service, and the
// journal read-back. The choices where the specifications are silent (tolerances, the minimum
// backoff) are in docs/conformance.md, "Role sender: what is judged".
#include "sender_support.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "conformance_detail.hpp"
#include "vft/auth/key.hpp"

namespace vft::conformance::suites {
namespace {

using reports::Exchange;

// Retry-After is judged with this much slack (timer and scheduling noise on loopback).
constexpr int64_t kToleranceMs = 100;
// The least wait between attempts that counts as backing off (not hammering a failing server).
constexpr int64_t kMinBackoffMs = 100;
// The synthetic person every instruction names (fixtures/persons/persons.json).
constexpr const char* kFnr = "12854812341";
constexpr const char* kName = "Kåre Nordmann Testesen";

std::string jq(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

int64_t started_ms(const Exchange& x) {  // "2026-11-28T10:11:19.123Z"
    std::tm tm{};
    int ms = 0;
    if (std::sscanf(x.started.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

std::string header(const Exchange& x, std::string_view name) {
    for (const auto& h : x.request_headers) {
        if (h.name.size() != name.size()) continue;
        bool same = true;
        for (size_t i = 0; i < name.size() && same; ++i)
            same = std::tolower(static_cast<unsigned char>(h.name[i])) ==
                   std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return h.value;
    }
    return {};
}

// The recorder's facts about a redacted credential: "[redacted] {json}".
bool facts(const std::string& value, rapidjson::Document& d) {
    const auto brace = value.find('{');
    if (value.rfind("[redacted]", 0) != 0 || brace == std::string::npos) return false;
    d.Parse(value.c_str() + brace);
    return !d.HasParseError() && d.IsObject();
}
std::string member(const rapidjson::Value& o, const char* a, const char* b = nullptr) {
    if (!o.IsObject() || !o.HasMember(a)) return {};
    const rapidjson::Value& v = o[a];
    if (b) return v.IsObject() && v.HasMember(b) && v[b].IsString() ? v[b].GetString() : "";
    return v.IsString() ? v.GetString() : "";
}

// The message identifier: Bundle.identifier, else the resource's first identifier.
std::string identifier_of(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("identifier")) return {};
    const rapidjson::Value& id = d["identifier"];
    const rapidjson::Value& first = id.IsArray() && !id.Empty() ? id[0] : id;
    return member(first, "value");
}

std::string path_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return slash == std::string::npos ? "/" : url.substr(slash);
}

std::set<std::string> split_codes(const std::string& text) {
    std::set<std::string> out;
    std::string cur;
    for (char c : text + ",") {
        if (c == ',') {
            if (!cur.empty()) out.insert(cur);
            cur.clear();
        } else if (c != ' ') {
            cur += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

// The recorded run of one scenario, split by what each exchange was.
struct Observed {
    std::string identifier;  // instructed
    Result<void> triggered;
    std::vector<Exchange> endpoint, token, trigger;
    std::vector<Exchange> polls;  // GET .../$status through the endpoint (JFT lifecycle)
    std::optional<Exchange> journal;
};

// A JFT status poll: GET {endpoint}/v1/{type}/{id}/$status, the URL a 202's Location names.
bool is_status_poll(const Exchange& x) {
    if (x.method != "GET") return false;
    std::string path = x.url.substr(0, x.url.find('?'));
    const std::string tail = "/$status";
    return path.size() > tail.size() &&
           path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
}

Observed act(TestContext& ctx, const Scenario& s, const std::string& faults) {
    Observed o{s.journaling ? "urn:uuid:" + ctx.new_uuid() : "", {}, {}, {}, {}, {}, std::nullopt};
    std::string codes;
    for (const auto& c : s.codes)
        codes += (codes.empty() ? "" : ",") + jq(c);
    std::string json = R"({"version":1,"action":)" + jq(s.action) + R"(,"api":)" + jq(s.api) +
                       R"(,"service_codes":[)" + codes + R"(],"patient":{"fnr":)" + jq(kFnr) +
                       R"(,"name":)" + jq(kName) + R"(},"event":)" + s.event;
    if (!o.identifier.empty()) json += R"(,"identifier":)" + jq(o.identifier);
    json += "}";
    o.triggered = ctx.trigger(Instruction{s.action, json, faults});
    for (auto& x : ctx.inbound()) {
        if (x.method == "TRIGGER")
            o.trigger.push_back(x);
        else if (x.note == "endpoint" && is_status_poll(x))
            o.polls.push_back(x);
        else if (x.note == "endpoint")
            o.endpoint.push_back(x);
        else if (x.note == "token service" && x.method == "POST")
            o.token.push_back(x);
        else if (x.note.rfind("journal", 0) == 0)
            o.journal = x;
    }
    return o;
}

std::string ordinal(size_t i) {
    return "request " + std::to_string(i + 1);
}

// Each request: the right endpoint, a strictly valid message with the instructed identifier and
// patient, the right service codes; with HelseID auth the right token scheme and scope, a valid
// DPoP proof bound to the token, never a proof or assertion used twice.
void judge_requests(TestContext& ctx, Outcome& out, const Scenario& s, const Observed& o) {
    const Sut& sut = ctx.sut();
    std::string want_path = s.path;
    if (const auto at = want_path.find("{orgnr}"); at != std::string::npos)
        want_path.replace(at, 7, sut.orgnr);
    std::set<std::string> jtis;
    for (size_t i = 0; i < o.endpoint.size(); ++i) {
        const Exchange& x = o.endpoint[i];
        const std::string where = ordinal(i) + " (" + x.method + " " + path_of(x.url) + ")";
        out.expect(x.method == "POST" && path_of(x.url) == want_path,
                   where + ": expected POST " + want_path);
        if (s.journaling) {
            const auto report = ctx.validator().validate(x.request_body, {Level::strict, s.spec});
            if (!report.valid()) {
                std::string first;
                for (const auto& issue : report.issues)
                    if (issue.severity == Severity::error || issue.severity == Severity::fatal) {
                        first = issue.rule + " at " + issue.path + ": " + issue.message;
                        break;
                    }
                out.fail(where + ": the message is not valid for " + s.spec + " (" + first + ")");
            }
            const std::string id = identifier_of(x.request_body);
            out.expect(id == o.identifier, where + ": identifier '" + id +
                                               "', the instruction said '" + o.identifier + "'");
            out.expect(x.request_body.find(kFnr) != std::string::npos,
                       where + ": the instructed patient is not in the message");
        } else {
            out.expect(x.request_body.find(std::string("identifier=") + kFnr) != std::string::npos,
                       where + ": the form does not search identifier=<the instructed patient>");
        }
        if (s.api == "vkp") {
            const auto got = split_codes(header(x, "ServiceCodes"));
            const std::set<std::string> want(s.codes.begin(), s.codes.end());
            out.expect(got == want, where + ": ServiceCodes '" + header(x, "ServiceCodes") +
                                        "', the instruction's service codes are '" + *want.begin() +
                                        "'");
        }
        if (sut.auth.type != "helseid") continue;
        rapidjson::Document token;
        if (!out.expect(facts(header(x, "Authorization"), token),
                        where + ": no Authorization header"))
            continue;
        const bool dpop = s.api != "vkp";
        const std::string scheme = member(token, "scheme");
        out.expect(scheme == (dpop ? "DPoP" : "Bearer"),
                   where + ": Authorization scheme '" + scheme + "', expected " +
                       (dpop ? "DPoP (domain §3.2)" : "Bearer (domain §3.1)"));
        const std::string scope = " " + member(token["claims"], "scope") + " ";
        out.expect(scope.find(" " + s.scope + " ") != std::string::npos,
                   where + ": the token's scope is '" + scope.substr(1, scope.size() - 2) +
                       "'; this endpoint needs " + s.scope);
        if (!dpop) continue;
        rapidjson::Document proof;
        if (!out.expect(facts(header(x, "DPoP"), proof), where + ": no DPoP proof")) continue;
        const std::string check = member(proof, "check");
        out.expect(check == "ok", where + ": the DPoP proof is not valid here: " + check);
        const std::string jti = member(proof["claims"], "jti");
        out.expect(!jti.empty() && jtis.insert(jti).second,
                   where + ": DPoP proof jti '" + jti + "' was used before (RFC 9449 §4.2)");
        std::string thumbprint;
        if (proof["header"].IsObject() && proof["header"].HasMember("jwk")) {
            rapidjson::StringBuffer b;
            rapidjson::Writer<rapidjson::StringBuffer> w(b);
            proof["header"]["jwk"].Accept(w);
            if (auto key = auth::Key::from_jwk_json(b.GetString())) thumbprint = key->thumbprint();
        }
        const std::string jkt = member(token["claims"], "cnf", "jkt");
        out.expect(!thumbprint.empty() && thumbprint == jkt,
                   where + ": the DPoP proof's key is not the one the token is bound to (cnf.jkt)");
    }
    if (sut.auth.type != "helseid") return;
    // The token requests: client_credentials with a private_key_jwt assertion, each fresh.
    out.expect(!o.token.empty() || o.endpoint.empty(),
               "requests arrived without the SUT asking the token service for a token");
    std::set<std::string> assertion_jtis;
    bool token_issued = false;
    for (size_t i = 0; i < o.token.size(); ++i) {
        const Exchange& x = o.token[i];
        const std::string where = "token request " + std::to_string(i + 1);
        token_issued = token_issued || x.status == 200;
        out.expect(x.request_body.find("grant_type=client_credentials") != std::string::npos,
                   where + ": grant_type is not client_credentials");
        out.expect(x.request_body.find("client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                                       "client-assertion-type%3Ajwt-bearer") != std::string::npos ||
                       x.request_body.find("client_assertion_type=urn:ietf:params:oauth:"
                                           "client-assertion-type:jwt-bearer") != std::string::npos,
                   where + ": client_assertion_type is not jwt-bearer (private_key_jwt)");
        rapidjson::Document a;
        if (!out.expect(facts(header(x, "X-Vft-Recorded-Client-Assertion"), a),
                        where + ": no client assertion"))
            continue;
        std::string typ = member(a["header"], "typ");
        std::transform(typ.begin(), typ.end(), typ.begin(), ::tolower);
        out.expect(typ == "client-authentication+jwt",
                   where + ": assertion typ '" + typ + "', expected client-authentication+jwt");
        const auto& c = a["claims"];
        out.expect(
            member(c, "iss") == sut.auth.client_id && member(c, "sub") == sut.auth.client_id,
            where + ": assertion iss/sub are not the client id '" + sut.auth.client_id + "'");
        const std::string aud = c.IsObject() && c.HasMember("aud") && c["aud"].IsArray() &&
                                        !c["aud"].Empty() && c["aud"][0].IsString()
                                    ? c["aud"][0].GetString()
                                    : member(c, "aud");
        out.expect(aud == x.url, where + ": assertion aud '" + aud + "', expected the token URL");
        const std::string jti = member(c, "jti");
        out.expect(!jti.empty() && assertion_jtis.insert(jti).second,
                   where + ": client assertion jti '" + jti + "' was used before");
        if (rapidjson::Document p; facts(header(x, "DPoP"), p)) {
            const std::string pj = member(p["claims"], "jti");
            out.expect(jtis.insert(pj).second,
                       where + ": DPoP proof jti '" + pj + "' was used before");
        }
    }
    out.expect(o.endpoint.empty() || token_issued,
               "the token service issued no token for the SUT's requests");
}

// What the receiver journaled: nothing twice, and the instructed identifier when delivered.
void judge_journal(Outcome& out, const Observed& o, bool delivered_expected) {
    if (!out.expect(o.journal && o.journal->status == 200,
                    "the runner could not read its receiver's journal back"))
        return;
    rapidjson::Document d;
    d.Parse(o.journal->response_body.c_str());
    if (!out.expect(
            !d.HasParseError() && d.IsObject() && d.HasMember("entries") && d["entries"].IsArray(),
            "the journal read-back is not the documented JSON"))
        return;
    std::vector<std::string> ids;
    for (const auto& e : d["entries"].GetArray())
        ids.push_back(member(e, "identifier"));
    if (delivered_expected) {
        out.expect(ids.size() == 1 && ids[0] == o.identifier,
                   "the receiver journaled " + std::to_string(ids.size()) +
                       " message(s) for one event; expected exactly the instructed identifier "
                       "once (a resend must reuse the identifier)");
    } else {
        out.expect(ids.empty(), "the receiver journaled " + std::to_string(ids.size()) +
                                    " message(s) although the message was rejected");
    }
}

// Waits between consecutive requests: from the end of one exchange to the start of the next.
std::vector<int64_t> gaps(const std::vector<Exchange>& xs) {
    std::vector<int64_t> out;
    for (size_t i = 1; i < xs.size(); ++i)
        out.push_back(started_ms(xs[i]) - (started_ms(xs[i - 1]) + xs[i - 1].elapsed_ms));
    return out;
}

bool delivered(const Observed& o) {
    return !o.endpoint.empty() && o.endpoint.back().status / 100 == 2;
}

std::string trigger_failure(const Observed& o) {
    return "the SUT did not report success: " + o.triggered.error().message +
           (o.triggered.error().hint.empty() ? "" : " — " + o.triggered.error().hint);
}

// ---- the test kinds ------------------------------------------------------------------------

using Judge = std::function<void(TestContext&, Outcome&, const Scenario&, const Observed&)>;

void judge_polls(TestContext& ctx, Outcome& out, const Observed& o);

TestFn sender_check(Scenario s, std::string faults, Judge judge) {
    return [s = std::move(s), faults = std::move(faults), judge = std::move(judge)](
               TestContext& ctx, Outcome& out) {
        if (ctx.sut().trigger.empty()) {
            out.skip("the SUT file has no trigger command");
            return;
        }
        const Observed o = act(ctx, s, faults);
        judge(ctx, out, s, o);
        judge_polls(ctx, out, o);
        if (!out.decided()) out.pass();
    };
}

// Status polls through the endpoint (JFT: GET the URL the 202's Location names, which points at
// the runner's endpoint): optional for a sender, but a poll it makes must be right — answered
// 200 (the URL it was given), and with HelseID auth a DPoP-bound token and a valid proof.
void judge_polls(TestContext& ctx, Outcome& out, const Observed& o) {
    for (size_t i = 0; i < o.polls.size(); ++i) {
        const Exchange& x = o.polls[i];
        const std::string where = "status poll " + std::to_string(i + 1) + " (GET " + x.url + ")";
        out.expect(x.status == 200, where + ": answered " + std::to_string(x.status) +
                                        ", expected 200: poll the URL the 202's Location names "
                                        "[JFT eventlifecyclemd]");
        if (ctx.sut().auth.type != "helseid") continue;
        rapidjson::Document token;
        if (!out.expect(facts(header(x, "Authorization"), token),
                        where + ": no Authorization header"))
            continue;
        out.expect(member(token, "scheme") == "DPoP", where + ": Authorization scheme '" +
                                                          member(token, "scheme") +
                                                          "', expected DPoP (domain §3.2)");
        rapidjson::Document proof;
        if (!out.expect(facts(header(x, "DPoP"), proof), where + ": no DPoP proof")) continue;
        out.expect(member(proof, "check") == "ok",
                   where + ": the DPoP proof is not valid here: " + member(proof, "check"));
    }
}

void judge_delivered(TestContext& ctx, Outcome& out, const Scenario& s, const Observed& o) {
    if (!o.triggered) out.fail(trigger_failure(o));
    if (!out.expect(!o.endpoint.empty(), "nothing arrived at the endpoint")) return;
    out.expect(delivered(o), "the last request was answered " +
                                 std::to_string(o.endpoint.back().status) + ", not 2xx");
    out.expect(o.endpoint.size() == 1, std::to_string(o.endpoint.size()) +
                                           " requests arrived for one event without any fault");
    judge_requests(ctx, out, s, o);
    if (s.journaling) judge_journal(out, o, true);
}

// Faults: the first `n` requests get `status` (with Retry-After when given) or are dropped.
std::string status_fault(const std::string& path, int n, int status,
                         const std::string& retry_after = "") {
    return R"({"rules":[{"method":"POST","path":)" + jq(path) + R"(,"first":)" + std::to_string(n) +
           R"(,"status":)" + std::to_string(status) +
           (retry_after.empty() ? "" : R"(,"retry_after":)" + jq(retry_after)) + "}]}";
}
std::string drop_fault(const std::string& path) {
    return R"({"rules":[{"method":"POST","path":)" + jq(path) +
           R"(,"first":1,"action":"drop-after"}]})";
}

void judge_resent(TestContext& ctx, Outcome& out, const Scenario& s, const Observed& o,
                  size_t at_least) {
    if (!o.triggered) out.fail(trigger_failure(o));
    out.expect(o.endpoint.size() >= at_least, std::to_string(o.endpoint.size()) +
                                                  " request(s) arrived; the faults needed at "
                                                  "least " +
                                                  std::to_string(at_least) +
                                                  " for the message to get through");
    out.expect(delivered(o), "the message never got through (the last answer was not 2xx)");
    judge_requests(ctx, out, s, o);
    judge_journal(out, o, true);
}

}  // namespace

void add_fault_tests(RoleTests& suite, const std::string& module, const Scenario& s,
                     const std::string& path_glob) {
    const std::string prefix = detail::suite_dir(suite.suite_id()) + ".sender";
    suite.add(
        {.id = prefix + ".faults.unavailable_retried_same_identifier",
         .title = "After 503 Service Unavailable the message is resent with the same identifier, "
                  "backing off",
         .module = module,
         .spec_ref = "DESIGN.md duplicates; docs/transport.md retries",
         .rules = {"VFT-SEND-001", "VFT-SEND-002"}},
        sender_check(s, status_fault(path_glob, 2, 503),
                     [](TestContext& ctx, Outcome& out, const Scenario& sc, const Observed& o) {
                         judge_resent(ctx, out, sc, o, 3);
                         const auto g = gaps(o.endpoint);
                         for (size_t i = 0; i < g.size(); ++i)
                             out.expect(g[i] >= kMinBackoffMs,
                                        "resend " + std::to_string(i + 1) + " came " +
                                            std::to_string(g[i]) +
                                            " ms after the 503; a sender backs off (at least " +
                                            std::to_string(kMinBackoffMs) + " ms)");
                     }));
    suite.add(
        {.id = prefix + ".faults.retry_after_honoured",
         .title = "A 503 with Retry-After: 1 is resent no sooner than the server asked",
         .module = module,
         .spec_ref = "RFC 9110 §10.2.3; docs/transport.md retries",
         .rules = {"VFT-SEND-003"}},
        sender_check(s, status_fault(path_glob, 1, 503, "1"),
                     [](TestContext& ctx, Outcome& out, const Scenario& sc, const Observed& o) {
                         judge_resent(ctx, out, sc, o, 2);
                         const auto g = gaps(o.endpoint);
                         if (!g.empty())
                             out.expect(g[0] >= 1000 - kToleranceMs,
                                        "resent " + std::to_string(g[0]) +
                                            " ms after a 503 with Retry-After: 1 (at least " +
                                            std::to_string(1000 - kToleranceMs) + " ms expected)");
                     }));
    suite.add({.id = prefix + ".faults.dropped_connection_retried",
               .title = "When the connection drops after the receiver stored the message, the "
                        "resend reuses the identifier and nothing is journaled twice",
               .module = module,
               .spec_ref = "DESIGN.md duplicates",
               .rules = {"VFT-SEND-001", "VFT-SEND-004"}},
              sender_check(s, drop_fault(path_glob),
                           [](TestContext& ctx, Outcome& out, const Scenario& sc,
                              const Observed& o) { judge_resent(ctx, out, sc, o, 2); }));
    suite.add({.id = prefix + ".faults.rejection_not_retried",
               .title = "A message rejected with 400 is not sent again",
               .module = module,
               .spec_ref = "docs/transport.md retries",
               .rules = {"VFT-SEND-005"}},
              sender_check(
                  s, status_fault(path_glob, 1, 400),
                  [](TestContext& ctx, Outcome& out, const Scenario& sc, const Observed& o) {
                      if (!out.expect(!o.endpoint.empty(),
                                      "nothing was sent: the message must arrive once (the runner "
                                      "answers it 400) before a resend can be judged"))
                          return;
                      out.expect(
                          o.endpoint.size() == 1,
                          std::to_string(o.endpoint.size()) +
                              " requests arrived; a message rejected with 400 must not be resent "
                              "unchanged");
                      if (o.triggered)
                          out.note(
                              "the trigger command exited 0 although the message was rejected; "
                              "a product should report the rejection");
                      judge_requests(ctx, out, sc, o);
                      judge_journal(out, o, false);
                  }));
    suite.add(
        {.id = prefix + ".faults.too_many_requests_slows_down",
         .title = "After 429 Too Many Requests the sender waits longer before each new attempt",
         .module = module,
         .spec_ref = "RFC 6585 §4; docs/transport.md retries",
         .rules = {"VFT-SEND-006"}},
        sender_check(s, status_fault(path_glob, 2, 429),
                     [](TestContext& ctx, Outcome& out, const Scenario& sc, const Observed& o) {
                         judge_resent(ctx, out, sc, o, 3);
                         const auto g = gaps(o.endpoint);
                         for (size_t i = 0; i < g.size(); ++i)
                             out.expect(g[i] >= kMinBackoffMs,
                                        "attempt " + std::to_string(i + 2) + " came " +
                                            std::to_string(g[i]) + " ms after a 429 (at least " +
                                            std::to_string(kMinBackoffMs) + " ms)");
                         if (g.size() >= 2)
                             out.expect(g[1] + kToleranceMs >= g[0],
                                        "the second wait after 429 (" + std::to_string(g[1]) +
                                            " ms) was shorter than the first (" +
                                            std::to_string(g[0]) +
                                            " ms): the sender did not slow down");
                     }));
}

TestFn delivered_check(Scenario s) {
    return sender_check(std::move(s), "", judge_delivered);
}

Scenario alarm(const std::string& api) {
    Scenario s{"report-alarm",
               api,
               api == "jft" ? "jft" : "vkp-r4",
               api == "jft" ? "/v1/Bundle" : "/epj/r4/{orgnr}/bundle",
               api == "jft" ? "nhn:jft/api" : "nhn:vkp/api/user/bundle.write",
               R"({"alert_code":"3","severity":"30","triage":"Y","time":"2026-03-12T07:15:00Z",)"
               R"("text":"Brukeren trykket på alarmen; hjemmetjenesten varslet.",)"
               R"("device":{"system":"https://fhir.trygghet.example/serial","value":"TA-0042",)"
               R"("display":"Trygghetsalarm T3"},"operator":{"hpr":"9144900",)"
               R"("name":"Operatør Ødegård"}})"};
    return s;
}
Scenario medication(const std::string& api) {
    return {"report-medication-dispense",
            api,
            api == "jft" ? "jft" : "vkp-r4",
            api == "jft" ? "/v1/MedicationDispense" : "/epj/r4/{orgnr}/bundle",
            api == "jft" ? "nhn:jft/api" : "nhn:vkp/api/user/bundle.write",
            R"({"event":"1.1","time":"2026-03-12T08:00:00Z","medication":"Multidose",)"
            R"("device":{"system":"https://fhir.evondos.com/e300-codes/serialnumber",)"
            R"("value":"E300-123456","display":"Evondos E300"}})",
            {"MD"}};
}
Scenario supervision() {
    return {"report-supervision",
            "vkp",
            "vkp-r4",
            "/epj/r4/{orgnr}/bundle",
            "nhn:vkp/api/user/bundle.write",
            R"({"digital":true,"reason":"1","mode":"0","time":"2026-03-12T22:00:00Z",)"
            R"("device":{"system":"https://fhir.trygghet.example/serial","value":"CAM-7",)"
            R"("display":"Kamera rom 24"}})",
            {"DT"}};
}
Scenario dho_note() {
    return {"report-dho-note",
            "jft",
            "jft",
            "/v1/Bundle",
            "nhn:jft/api",
            R"({"time":"2026-03-12T09:30:00Z","text":"Blodtrykket er høyere enn vanlig; )"
            R"(ringte brukeren.","operator":{"hpr":"9144900","name":"Sykepleier Åse"}})",
            {"DHO"}};
}
Scenario measurements() {
    // PMD takes the JFT scope (docs/mocks.md, "Token checks": PMD sits behind the JFT gateway).
    return {"report-measurements",
            "pmd",
            "pmd",
            "/pmd",
            "nhn:jft/api",
            R"({"performer_orgnr":"921000006","measurements":[)"
            R"({"kind":"heart_rate","value":72,"time":"2026-03-12T07:00:00Z"},)"
            R"({"kind":"blood_pressure","systolic":142,"diastolic":91,)"
            R"("time":"2026-03-12T07:01:00Z"},)"
            R"({"kind":"oxygen_saturation","value":96,"time":"2026-03-12T07:02:00Z"}]})",
            {"DHO"}};
}
Scenario search_patient() {
    Scenario s{"search-patient",
               "vkp",
               "",
               "/epj/r4/{orgnr}/patient/_search",
               "nhn:vkp/api/user/patient.read",
               "{}",
               {"RT"},
               false};
    return s;
}

}  // namespace vft::conformance::suites
