// vft::client against a HelseID-like token endpoint and an API server on loopback (cpp-httplib,
// port 0) that really verify what the client sends: the client assertion's signature and claims,
// DPoP proofs (signature, htm, htu, ath, nonce, key binding, jti replay), and tokens it signed
// itself. Time is an injected clock shared by client and server, so refresh needs no sleeps;
// retries use a sleep that returns at once.
#include <httplib.h>
#include <rapidjson/document.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/closed_port.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/client/auth.hpp"
#include "vft/client/jft_client.hpp"
#include "vft/client/pmd_client.hpp"
#include "vft/client/token_client.hpp"
#include "vft/client/vkp_client.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/messages/search.hpp"

using namespace vft;
using namespace vft::client;
using namespace std::chrono_literals;
using auth::Algorithm;
using auth::Key;

namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
constexpr const char* kClientId = "vft-test-client";
constexpr const char* kIssuer = "https://sts.vft.test";
constexpr const char* kOrgnr = "312229544";

// RSA generation is slow in a Debug build: one key per algorithm and slot per run.
const Key& test_key(Algorithm alg, int which = 0) {
    static std::mutex m;
    static std::map<std::pair<Algorithm, int>, Key> keys;
    std::lock_guard lock(m);
    auto it = keys.find({alg, which});
    if (it == keys.end()) {
        auto k = Key::generate(alg);
        REQUIRE(k.ok());
        it = keys.emplace(std::make_pair(alg, which), *k).first;
    }
    return it->second;
}

std::string url_decode(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::multimap<std::string, std::string> parse_form(const std::string& body) {
    std::multimap<std::string, std::string> out;
    size_t i = 0;
    while (i <= body.size() && !body.empty()) {
        size_t amp = body.find('&', i);
        if (amp == std::string::npos) amp = body.size();
        const std::string pair = body.substr(i, amp - i);
        const size_t eq = pair.find('=');
        out.emplace(url_decode(pair.substr(0, eq)),
                    eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1)));
        i = amp + 1;
        if (amp == body.size()) break;
    }
    return out;
}

std::string field(const std::multimap<std::string, std::string>& f, const std::string& k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
}

std::string json_quote(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string vkp_outcome(const std::string& code, const std::string& text) {
    return R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","details":{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090","code":")" +
           code + R"("}],"text":)" + json_quote(text) + "}}]}";
}

// The token endpoint (/token) and a protected API (/epj/r4/..., /v1/...) in one server. Knobs are
// set before the requests they affect; observations are read after.
struct Server {
    httplib::Server svr;
    std::thread thread;
    int port = -1;
    std::shared_ptr<std::atomic<int64_t>> clock = std::make_shared<std::atomic<int64_t>>(kNow);
    Key client_public;
    Key server_key = test_key(Algorithm::es256, 9);
    auth::ReplayCache assertion_replay;
    auth::ReplayCache proof_replay;

    std::mutex m;
    std::condition_variable cv;
    // Token endpoint knobs.
    bool token_requires_nonce = false;
    std::string token_nonce = "sts-nonce-1";
    int token_fail_status = 0;  // answer this status (with token_fail_body) instead of a token
    std::string token_fail_body;
    int token_fail_count = -1;  // how many times; -1 = always
    std::string token_type_override;
    std::string token_body_override;  // a whole 200 body instead of the token JSON
    int expires_in = 600;
    std::string scope_override;  // "scope" in the answer; "" = the requested scopes
    int gate = 0;                // hold each token request until this many callers started
    int started = 0;
    // Token endpoint observations.
    int token_posts = 0;
    int tokens_issued = 0;
    std::vector<std::string> assertions;
    std::vector<std::multimap<std::string, std::string>> token_forms;
    std::vector<std::string> token_proof_nonces;
    std::string last_error;  // why the server refused something (for INFO)

    // API knobs.
    bool api_requires_nonce = false;
    std::string api_nonce = "api-nonce-1";
    int api_reject_tokens = 0;  // answer 401 invalid_token this many times
    int forced_status = 0;      // answer this status with forced_body...
    std::string forced_body;
    int forced_count = 0;  // ...this many times (-1 = always)
    // API observations.
    int api_requests = 0;
    std::vector<std::string> api_jtis;
    std::vector<std::string> api_auth_schemes;
    std::string last_service_codes;
    std::string last_form;

    explicit Server(const Key& client_key)
        : client_public(*Key::load_pem(client_key.public_pem())) {
        std::signal(SIGPIPE, SIG_IGN);
        svr.set_tcp_nodelay(true);
        svr.Post("/token",
                 [this](const httplib::Request& q, httplib::Response& r) { token(q, r); });
        auto api = [this](const httplib::Request& q, httplib::Response& r) { this->api(q, r); };
        svr.Post(R"(/(epj|v1)/.*)", api);
        svr.Post("/pmd", [this](const httplib::Request& q, httplib::Response& r) { pmd(q, r); });
        svr.Get(R"(/(epj|v1)/.*)", api);
        port = svr.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        thread = std::thread([this] { svr.listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!svr.is_running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        REQUIRE(svr.is_running());
    }
    ~Server() {
        {
            std::lock_guard lock(m);
            gate = 0;
        }
        cv.notify_all();
        svr.stop();
        if (thread.joinable()) thread.join();
    }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    int64_t now() const { return clock->load(); }

    void oauth_error(httplib::Response& r, int status, const std::string& error,
                     const std::string& description) {
        r.status = status;
        r.set_content(R"({"error":)" + json_quote(error) + R"(,"error_description":)" +
                          json_quote(description) + "}",
                      "application/json");
    }

    void token(const httplib::Request& q, httplib::Response& r) {
        std::unique_lock lock(m);
        ++token_posts;
        const auto f = parse_form(q.body);
        token_forms.push_back(f);
        if (field(f, "grant_type") != "client_credentials" ||
            field(f, "client_assertion_type") !=
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
            return oauth_error(r, 400, "invalid_request", "grant or assertion type");
        const std::string assertion = field(f, "client_assertion");
        auth::JwtChecks checks;
        checks.expected_typ = "client-authentication+jwt";
        checks.issuer = kClientId;
        checks.audience = url("/token");
        checks.now = now();
        checks.replay = &assertion_replay;
        auto verified = auth::verify_jwt(assertion, client_public, checks);
        if (!verified || verified->string_claim("sub") != kClientId) {
            last_error = verified ? "sub" : verified.error().to_string();
            return oauth_error(r, 401, "invalid_client", "client assertion refused");
        }
        assertions.push_back(assertion);
        std::string jkt;
        const std::string proof = q.get_header_value("DPoP");
        if (!proof.empty()) {
            auto payload = auth::jwt_payload(proof);
            const auto nonce = payload ? auth::json_string_member(*payload, "nonce") : std::nullopt;
            token_proof_nonces.push_back(nonce.value_or(""));
            if (token_requires_nonce && nonce != token_nonce) {
                r.set_header("DPoP-Nonce", token_nonce);
                return oauth_error(r, 400, "use_dpop_nonce", "a nonce is required");
            }
            auth::DpopExpect e;
            e.htm = "POST";
            e.htu = url("/token");
            e.nonce = token_requires_nonce ? token_nonce : "";
            e.now = now();
            e.replay = &proof_replay;
            auto v = auth::verify_dpop_proof(proof, e);
            if (!v) {
                last_error = v.error().to_string();
                return oauth_error(r, 400, "invalid_dpop_proof", v.error().message);
            }
            jkt = v->jkt;
        }
        if (token_fail_status != 0 && token_fail_count != 0) {
            if (token_fail_count > 0) --token_fail_count;
            r.status = token_fail_status;
            r.set_content(token_fail_body, "application/json");
            return;
        }
        cv.wait_for(lock, 10s, [this] { return started >= gate; });
        const std::string scope = field(f, "scope");
        std::string payload = R"({"iss":)" + json_quote(kIssuer) + R"(,"sub":)" +
                              json_quote(kClientId) + R"(,"client_id":)" + json_quote(kClientId) +
                              R"(,"scope":)" + json_quote(scope) + R"(,"iat":)" +
                              std::to_string(now()) + R"(,"exp":)" +
                              std::to_string(now() + expires_in) + R"(,"jti":"t)" +
                              std::to_string(++tokens_issued) + "\"";
        if (!jkt.empty()) payload += R"(,"cnf":{"jkt":)" + json_quote(jkt) + "}";
        payload += "}";
        auto at = auth::sign_jwt(server_key, R"({"typ":"at+jwt"})", payload);
        REQUIRE(at.ok());
        if (!token_body_override.empty()) {
            r.set_content(token_body_override, "application/json");
            return;
        }
        const std::string type =
            !token_type_override.empty() ? token_type_override : (jkt.empty() ? "Bearer" : "DPoP");
        r.set_content(R"({"access_token":)" + json_quote(*at) + R"(,"token_type":)" +
                          json_quote(type) + R"(,"expires_in":)" + std::to_string(expires_in) +
                          R"(,"scope":)" +
                          json_quote(scope_override.empty() ? scope : scope_override) + "}",
                      "application/json");
    }

    // The scope a path needs: nhn:vkp/api/user/{resource}.{read|write} or nhn:jft/api.
    static std::string needed_scope(const std::string& path) {
        if (path.rfind("/v1/", 0) == 0) return "nhn:jft/api";
        const auto parts_start = std::string("/epj/r4/").size();
        const auto slash = path.find('/', parts_start);
        std::string rest = path.substr(slash + 1);
        const bool search = rest.find("/_search") != std::string::npos;
        return "nhn:vkp/api/user/" + rest.substr(0, rest.find('/')) + (search ? ".read" : ".write");
    }

    void pmd(const httplib::Request& q, httplib::Response& r);

    void api(const httplib::Request& q, httplib::Response& r) {
        std::unique_lock lock(m);
        ++api_requests;
        const std::string authz = q.get_header_value("Authorization");
        const auto sp = authz.find(' ');
        const std::string scheme = sp == std::string::npos ? "" : authz.substr(0, sp);
        const std::string token = sp == std::string::npos ? "" : authz.substr(sp + 1);
        api_auth_schemes.push_back(scheme);
        auto refuse = [&](const std::string& why) {
            last_error = why;
            r.status = 401;
            r.set_header("WWW-Authenticate", scheme + R"( error="invalid_token")");
        };
        auth::JwtChecks checks;
        checks.expected_typ = "at+jwt";
        checks.issuer = kIssuer;
        checks.now = now();
        auto verified = auth::verify_jwt(token, server_key, checks);
        if (!verified) return refuse(verified.error().to_string());
        if (api_reject_tokens > 0) {
            --api_reject_tokens;
            return refuse("revoked");
        }
        rapidjson::Document d;
        d.Parse(verified->payload_json.c_str());
        std::string jkt;
        if (d.HasMember("cnf") && d["cnf"].IsObject() && d["cnf"].HasMember("jkt"))
            jkt = d["cnf"]["jkt"].GetString();
        if (!jkt.empty()) {
            if (scheme != "DPoP") return refuse("a DPoP-bound token sent as " + scheme);
            const std::string proof = q.get_header_value("DPoP");
            auto payload = auth::jwt_payload(proof);
            const auto nonce = payload ? auth::json_string_member(*payload, "nonce") : std::nullopt;
            if (api_requires_nonce && nonce != api_nonce) {
                r.status = 401;
                r.set_header("WWW-Authenticate", R"(DPoP error="use_dpop_nonce")");
                r.set_header("DPoP-Nonce", api_nonce);
                return;
            }
            auth::DpopExpect e;
            e.htm = q.method;
            e.htu = url(q.path);
            e.access_token = token;
            e.expected_jkt = jkt;
            e.nonce = api_requires_nonce ? api_nonce : "";
            e.now = now();
            e.replay = &proof_replay;
            auto v = auth::verify_dpop_proof(proof, e);
            if (!v) return refuse(v.error().to_string());
            api_jtis.push_back(v->jti);
        } else if (scheme != "Bearer") {
            return refuse("a Bearer token sent as " + scheme);
        }
        const auto scopes = verified->scopes();
        const std::string need = needed_scope(q.path);
        if (std::find(scopes.begin(), scopes.end(), need) == scopes.end()) {
            last_error = "scope " + need;
            r.status = 403;
            r.set_header("WWW-Authenticate", scheme + R"( error="insufficient_scope")");
            return;
        }
        if (forced_count != 0) {
            if (forced_count > 0) --forced_count;
            r.status = forced_status;
            r.set_header("Retry-After", "0");
            r.set_content(forced_body, "application/fhir+json");
            return;
        }
        last_service_codes = q.get_header_value("ServiceCodes");
        last_form = q.body;
        if (q.path.find("/patient/_search") != std::string::npos) {
            Service service;
            service.code = "2.2.3";
            service.name = "Trygghetsalarm";
            service.organisation = "Testkommune Nord helse og omsorg";
            PatientRecord record;
            record.patient = {"12854812341", "Kåre Nordmann Testesen"};
            record.services = {service};
            auto bundle = build_patient_search_result({record});
            REQUIRE(bundle.ok());
            r.set_content(bundle->body, "application/fhir+json");
        } else if (q.path.rfind("/v1/", 0) == 0 && q.method == "POST") {
            r.status = 202;
            r.set_header("Location",
                         url("/v1/Bundle/0f0e0d0c-0000-4000-8000-000000000001/$status"));
        } else if (q.path.rfind("/v1/", 0) == 0) {
            r.set_content(
                R"({"registered":"2026-01-01T00:00:00Z","read":null,"journaled":null,"failed":null})",
                "application/json");
        } else {
            r.status = 201;
            r.set_content(R"({"resourceType":"OperationOutcome","issue":[]})",
                          "application/fhir+json");
        }
    }
};

// A PMD batch-response for the request's entries in reverse order, the last entry of the
// request refused (no auth on /pmd: the token path is covered above).
void Server::pmd(const httplib::Request& q, httplib::Response& r) {
    rapidjson::Document d;
    d.Parse(q.body.c_str());
    std::vector<std::string> urls;
    for (const auto& e : d["entry"].GetArray())
        urls.emplace_back(e["fullUrl"].GetString());
    std::string out = R"({"resourceType":"Bundle","type":"batch-response","entry":[)";
    for (size_t k = urls.size(); k-- > 0;) {
        const bool last = k + 1 == urls.size();
        out += std::string(k + 1 == urls.size() ? "" : ",") + R"({"fullUrl":)" +
               json_quote(urls[k]) + R"(,"response":{"status":)" +
               (last ? R"("400 Bad Request","outcome":)" + vkp_outcome("2.4", "unit")
                     : R"("201 Created")") +
               "}}";
    }
    r.set_content(out + "]}", "application/fhir+json");
}

transport::RetryPolicy quick_retry(int attempts = 4) {
    transport::RetryPolicy p;
    p.max_attempts = attempts;
    p.sleep = [](std::chrono::milliseconds) {};
    return p;
}

// Collects log records from several clients (the sink must be thread-safe).
struct LogCollector {
    std::shared_ptr<std::mutex> m = std::make_shared<std::mutex>();
    std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
    transport::LogSink sink() {
        return [m = m, lines = lines](const transport::LogRecord& rec) {
            std::lock_guard lock(*m);
            std::string line = rec.message;
            for (const auto& [k, v] : rec.fields)
                line += " " + k + "=" + v;
            lines->push_back(line);
        };
    }
};

TokenClientOptions token_options(Server& s, const Key& client_key, bool dpop,
                                 transport::LogSink log = {}) {
    TokenClientOptions o;
    o.token_url = s.url("/token");
    o.client_id = kClientId;
    o.client_key = client_key;
    o.kid = "client-key-1";
    if (dpop) o.dpop_key = test_key(Algorithm::es256, 1);
    o.retry = quick_retry(3);
    o.http.log = std::move(log);
    auto clock = s.clock;
    o.now = [clock] { return clock->load(); };
    return o;
}

TokenClient make_tokens(TokenClientOptions o) {
    auto t = TokenClient::create(std::move(o));
    REQUIRE(t.ok());
    return std::move(t).value();
}

const std::vector<std::string> kJft = {"nhn:jft/api"};

}  // namespace

TEST_CASE("TokenClient: the form and the client assertion are what HelseID expects", "[client]") {
    for (const Algorithm alg : {Algorithm::rs256, Algorithm::es256}) {
        INFO(to_string(alg));
        const Key& key = test_key(alg);
        Server s(key);
        auto tokens = make_tokens(token_options(s, key, false));
        auto t = tokens.token({"nhn:vkp/api/user/patient.read", "nhn:vkp/api/user/bundle.write"});
        INFO(s.last_error);
        REQUIRE(t.ok());
        CHECK(t->token_type == "Bearer");
        CHECK(t->attempts == 1);
        CHECK(t->issued_at == kNow);
        CHECK(t->expires_at == kNow + 600);
        CHECK(t->refresh_at == kNow + 600 - 60);  // 10 % of 600 s is more than 30 s
        CHECK(t->scopes == std::vector<std::string>{"nhn:vkp/api/user/bundle.write",
                                                    "nhn:vkp/api/user/patient.read"});
        REQUIRE(s.token_forms.size() == 1);
        const auto& f = s.token_forms[0];
        CHECK(field(f, "scope") == "nhn:vkp/api/user/bundle.write nhn:vkp/api/user/patient.read");
        CHECK(f.count("client_id") == 0);  // private_key_jwt: the assertion names the client
        REQUIRE(s.assertions.size() == 1);
        const std::string header = *auth::jwt_header(s.assertions[0]);
        const std::string payload = *auth::jwt_payload(s.assertions[0]);
        CHECK(auth::json_string_member(header, "typ") == "client-authentication+jwt");
        CHECK(auth::json_string_member(header, "alg") == std::string(to_string(alg)));
        CHECK(auth::json_string_member(header, "kid") == "client-key-1");
        CHECK(auth::json_string_member(payload, "iss") == kClientId);
        CHECK(auth::json_string_member(payload, "sub") == kClientId);
        CHECK(auth::json_string_member(payload, "aud") == s.url("/token"));
        CHECK(auth::json_int_member(payload, "iat") == kNow);
        CHECK(auth::json_int_member(payload, "exp") == kNow + 60);
        // A second request has a fresh jti (the server's replay cache would refuse a reused one).
        REQUIRE(tokens.token({"nhn:jft/api"}).ok());
        REQUIRE(s.assertions.size() == 2);
        CHECK(auth::json_string_member(*auth::jwt_payload(s.assertions[1]), "jti") !=
              auth::json_string_member(payload, "jti"));
    }
}

TEST_CASE("TokenClient: cached per scope set, refreshed before expiry by the injected clock",
          "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    auto tokens = make_tokens(token_options(s, key, false));
    auto a = tokens.token({"x", "y"});
    REQUIRE(a.ok());
    auto b = tokens.token({"y", "x", "x"});  // the same set
    REQUIRE(b.ok());
    CHECK(b->value == a->value);
    CHECK(b->attempts == 0);
    CHECK(s.token_posts == 1);
    auto c = tokens.token({"x"});  // another set, another token
    REQUIRE(c.ok());
    CHECK(c->value != a->value);
    CHECK(s.token_posts == 2);

    s.clock->store(kNow + 539);  // one second before the refresh time (600 − max(30, 60))
    CHECK(tokens.token({"x", "y"})->value == a->value);
    CHECK(s.token_posts == 2);
    s.clock->store(kNow + 540);
    auto d = tokens.token({"x", "y"});
    REQUIRE(d.ok());
    CHECK(d->value != a->value);
    CHECK(d->attempts == 1);
    CHECK(s.token_posts == 3);

    // Short-lived tokens: the 30 s floor is capped at half the lifetime, so they are reused.
    s.expires_in = 40;
    auto e = tokens.token({"short"});
    REQUIRE(e.ok());
    CHECK(e->refresh_at == s.now() + 20);
    s.clock->store(s.now() + 19);
    CHECK(tokens.token({"short"})->value == e->value);
    s.clock->store(s.now() + 1);
    CHECK(tokens.token({"short"})->value != e->value);

    // invalidate drops exactly the named token.
    s.expires_in = 600;
    auto f = tokens.token({"inv"});
    REQUIRE(f.ok());
    const auto before = s.token_posts;
    tokens.invalidate({"inv"}, "not-the-token");
    CHECK(tokens.token({"inv"})->value == f->value);
    CHECK(s.token_posts == before);
    tokens.invalidate({"inv"}, f->value);
    CHECK(tokens.token({"inv"})->value != f->value);
    CHECK(s.token_posts == before + 1);
}

TEST_CASE("TokenClient: single flight — 8 concurrent callers, one token request", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    auto tokens = make_tokens(token_options(s, key, false));
    constexpr int kThreads = 8;
    s.gate = kThreads;  // the first request is held until every caller has started
    std::vector<std::thread> threads;
    std::vector<std::string> values(kThreads);
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            {
                std::lock_guard lock(s.m);
                ++s.started;
            }
            s.cv.notify_all();
            auto t = tokens.token({"nhn:jft/api"});
            if (t) values[static_cast<size_t>(i)] = t->value;
        });
    for (auto& t : threads)
        t.join();
    CHECK(s.token_posts == 1);
    for (const auto& v : values)
        CHECK((!v.empty() && v == values[0]));

    // Errors are shared by the waiters of that flight but never cached.
    s.gate = 0;
    s.token_fail_status = 400;
    s.token_fail_body = R"({"error":"invalid_scope"})";
    s.token_fail_count = 1;
    auto failed = tokens.token({"other"});
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == errc::auth_token_request);
    CHECK(tokens.token({"other"}).ok());
    CHECK(s.token_posts == 3);
}

TEST_CASE("TokenClient: token endpoint errors are 0903/0904 and never show a secret", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    LogCollector logs;
    auto tokens = make_tokens(token_options(s, key, false, logs.sink()));

    SECTION("400 invalid_client with the assertion echoed back") {
        auto first = tokens.token({"a"});  // to learn what an assertion looks like here
        REQUIRE(first.ok());
        const std::string echoed = s.assertions.back();
        // A careless server echoing an assertion must not leak it through our errors.
        s.token_fail_status = 400;
        s.token_fail_body =
            R"({"error":"invalid_client","error_description":"bad assertion )" + echoed + R"("})";
        auto e = tokens.token({"b"});
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().code == errc::auth_token_request);
        CHECK(e.error().http_status == 400);
        CHECK_FALSE(e.error().retryable);
        CHECK(e.error().message.find("invalid_client") != std::string::npos);
        CHECK(e.error().message.find("bad assertion") != std::string::npos);
        CHECK(e.error().to_string().find(echoed) == std::string::npos);
        CHECK(e.error().to_string().find(s.assertions.back()) == std::string::npos);
        CHECK(e.error().to_string().find(first->value) == std::string::npos);
        for (const auto& line : *logs.lines) {
            CHECK(line.find(echoed) == std::string::npos);
            CHECK(line.find(first->value) == std::string::npos);
        }
    }
    SECTION("401, 403: refused, not retried") {
        for (int status : {401, 403}) {
            s.token_fail_status = status;
            s.token_fail_body = R"({"error":"unauthorized_client"})";
            const int before = s.token_posts;
            auto e = tokens.token({"c"});
            REQUIRE_FALSE(e.ok());
            CHECK(e.error().code == errc::auth_token_request);
            CHECK(e.error().http_status == status);
            CHECK(s.token_posts == before + 1);
        }
    }
    SECTION("503: retried up to max_attempts, then 0903 retryable") {
        s.token_fail_status = 503;
        s.token_fail_body = "{}";
        auto e = tokens.token({"d"});
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().code == errc::auth_token_request);
        CHECK(e.error().retryable);
        CHECK(s.token_posts == 3);
        CHECK(s.assertions.size() == 3);  // each attempt had its own, accepted, assertion
    }
    SECTION("unusable 200 answers are 0904") {
        for (const std::string& body :
             {std::string("not json"), std::string(R"({"token_type":"Bearer","expires_in":60})"),
              std::string(R"({"access_token":"abc","token_type":"Bearer"})"),
              std::string(R"({"access_token":"abc","token_type":"Bearer","expires_in":0})"),
              std::string(R"({"access_token":"abc","token_type":"mac","expires_in":60})")}) {
            INFO(body);
            s.token_body_override = body;
            auto e = tokens.token({"e"});
            REQUIRE_FALSE(e.ok());
            CHECK(e.error().code == errc::auth_token_response);
        }
        s.token_body_override.clear();
        s.scope_override = "something-else";
        auto e = tokens.token({"e"});
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().code == errc::auth_token_response);
        CHECK(e.error().message.find("'e'") != std::string::npos);
    }
    SECTION("unreachable endpoint: 0903, retryable") {
        auto o = token_options(s, key, false);
        const vft::test::ClosedPort closed;
        REQUIRE(closed.port() != 0);
        o.token_url = closed.url() + "/token";
        auto dead = make_tokens(o);
        auto e = dead.token({"f"});
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().code == errc::auth_token_request);
        CHECK(e.error().retryable);
    }
    SECTION("options are checked") {
        auto o = token_options(s, key, false);
        o.client_key.reset();
        CHECK(TokenClient::create(o).error().code == errc::auth_key_invalid);
        o.client_key = *Key::load_pem(key.public_pem());
        CHECK(TokenClient::create(o).error().code == errc::auth_key_invalid);
        o.client_key = key;
        o.token_url = "ftp://sts/token";
        CHECK(TokenClient::create(o).error().code == errc::build_invalid_value);
        o.token_url = s.url("/token");
        o.assertion_lifetime_s = 0;
        CHECK(TokenClient::create(o).error().code == errc::build_invalid_value);
        o.assertion_lifetime_s = 60;
        o.refresh_fraction = 1.5;
        CHECK(TokenClient::create(o).error().code == errc::build_invalid_value);
        o.refresh_fraction = 0.1;
        CHECK(TokenClient::create(o).ok());
    }
}

TEST_CASE("TokenClient: DPoP-bound tokens with the nonce dance; token_type must match",
          "[client]") {
    const Key& key = test_key(Algorithm::rs256);
    Server s(key);
    s.token_requires_nonce = true;
    auto tokens = make_tokens(token_options(s, key, true));
    auto t = tokens.token(kJft);
    INFO(s.last_error);
    REQUIRE(t.ok());
    CHECK(t->token_type == "DPoP");
    CHECK(t->dpop_bound());
    CHECK(t->attempts == 2);  // 400 use_dpop_nonce, then with the nonce
    REQUIRE(s.token_proof_nonces.size() == 2);
    CHECK(s.token_proof_nonces[0].empty());
    CHECK(s.token_proof_nonces[1] == "sts-nonce-1");
    // The token is bound to the DPoP key (cnf.jkt), not to the client key.
    rapidjson::Document d;
    const std::string payload = *auth::jwt_payload(t->value);
    d.Parse(payload.c_str());
    REQUIRE(d.HasMember("cnf"));
    CHECK(std::string(d["cnf"]["jkt"].GetString()) == test_key(Algorithm::es256, 1).thumbprint());
    // The nonce is remembered: the next fetch needs one request.
    auto u = tokens.token({"nhn:pmd/api"});
    REQUIRE(u.ok());
    CHECK(u->attempts == 1);

    // A server that answers Bearer to a DPoP request: refused, the token is not used.
    s.token_type_override = "Bearer";
    auto mismatch = tokens.token({"other"});
    REQUIRE_FALSE(mismatch.ok());
    CHECK(mismatch.error().code == errc::auth_token_response);
    CHECK(mismatch.error().message.find("'Bearer'") != std::string::npos);
    // And DPoP to a client that asked for Bearer.
    s.token_type_override = "DPoP";
    auto plain = make_tokens(token_options(s, key, false));
    CHECK(plain.token({"x"}).error().code == errc::auth_token_response);
}

TEST_CASE("Auth: Bearer and DPoP headers; a fresh proof per call", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    auto bearer_tokens = make_tokens(token_options(s, key, false));
    auto dpop_tokens = make_tokens(token_options(s, key, true));
    CHECK(Auth::bearer(dpop_tokens).error().code == errc::auth_dpop_invalid);
    CHECK(Auth::dpop(bearer_tokens).error().code == errc::auth_dpop_invalid);
    CHECK(Auth::none().headers_for("GET", s.url("/v1/Bundle"), kJft)->empty());

    auto bearer = Auth::bearer(bearer_tokens);
    REQUIRE(bearer.ok());
    auto h = bearer->headers_for("POST", s.url("/epj/r4/x/bundle"), {"s"});
    REQUIRE(h.ok());
    REQUIRE(h->size() == 1);
    CHECK(h->at(0).first == "Authorization");
    CHECK(h->at(0).second == "Bearer " + bearer_tokens.token({"s"})->value);

    auto dpop = Auth::dpop(dpop_tokens);
    REQUIRE(dpop.ok());
    const std::string u = s.url("/v1/Bundle?_count=2");
    auto h1 = dpop->headers_for("GET", u, kJft);
    auto h2 = dpop->headers_for("GET", u, kJft);
    REQUIRE(h1.ok());
    REQUIRE(h2.ok());
    REQUIRE(h1->size() == 2);
    const std::string token = dpop_tokens.token(kJft)->value;
    CHECK(h1->at(0).second == "DPoP " + token);
    CHECK(h1->at(1).first == "DPoP");
    CHECK(h1->at(1).second != h2->at(1).second);
    auth::DpopExpect e;
    e.htm = "GET";
    e.htu = u;
    e.access_token = token;
    e.expected_jkt = test_key(Algorithm::es256, 1).thumbprint();
    e.now = kNow;
    auth::ReplayCache replay;
    e.replay = &replay;
    auto v1 = auth::verify_dpop_proof(h1->at(1).second, e);
    auto v2 = auth::verify_dpop_proof(h2->at(1).second, e);
    REQUIRE(v1.ok());
    REQUIRE(v2.ok());
    CHECK(v1->jti != v2->jti);
    const std::string payload = *auth::jwt_payload(h1->at(1).second);
    CHECK(auth::json_string_member(payload, "htu") == s.url("/v1/Bundle"));
    CHECK(auth::json_string_member(payload, "ath") == auth::dpop_ath(token));
    e.htm = "POST";
    CHECK(auth::verify_dpop_proof(h1->at(1).second, e).error().code == errc::auth_claim_mismatch);
}

TEST_CASE("API: DPoP nonce on the API, then a fresh proof for every retried 503", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    LogCollector logs;
    auto tokens = make_tokens(token_options(s, key, true, logs.sink()));
    auto dpop = Auth::dpop(tokens);
    REQUIRE(dpop.ok());
    JftClientOptions o;
    o.api.base_url = s.url("");
    o.api.retry = quick_retry(4);
    o.api.http.log = logs.sink();
    auto jft = JftClient::create(o, *dpop);
    REQUIRE(jft.ok());

    s.api_requires_nonce = true;
    s.forced_status = 503;
    s.forced_body = vkp_outcome("3.1", "TimedOut");
    s.forced_count = 2;
    auto sent = jft->submit("Bundle", R"({"resourceType":"Bundle"})");
    INFO(s.last_error);
    REQUIRE(sent.ok());
    CHECK(sent->status == 202);
    CHECK(sent->value == s.url("/v1/Bundle/0f0e0d0c-0000-4000-8000-000000000001/$status"));
    // 401 use_dpop_nonce, 503, 503, 202.
    CHECK(sent->attempts == 4);
    CHECK(s.api_requests == 4);
    REQUIRE(s.api_jtis.size() == 3);  // the three requests that carried the nonce
    CHECK(std::set<std::string>(s.api_jtis.begin(), s.api_jtis.end()).size() == 3);
    for (const auto& scheme : s.api_auth_schemes)
        CHECK(scheme == "DPoP");

    // The nonce is kept for the next request: one attempt.
    auto status = jft->status(sent->value);
    REQUIRE(status.ok());
    CHECK(status->attempts == 1);
    CHECK(status->value.registered == "2026-01-01T00:00:00Z");
    CHECK(status->value.read.empty());

    // Nothing secret reached the log sink.
    const std::string token = tokens.token(kJft)->value;
    REQUIRE_FALSE(logs.lines->empty());
    for (const auto& line : *logs.lines) {
        CHECK(line.find(token) == std::string::npos);
        for (const auto& a : s.assertions)
            CHECK(line.find(a) == std::string::npos);
    }
}

TEST_CASE("API: a refused token is replaced once; error mapping of API answers", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    auto tokens = make_tokens(token_options(s, key, false));
    auto bearer = Auth::bearer(tokens);
    REQUIRE(bearer.ok());
    VkpClientOptions o;
    o.api.base_url = s.url("/");
    o.api.retry = quick_retry(2);
    o.orgnr = kOrgnr;
    o.service_codes = {"TA", "MD"};
    auto vkp = VkpClient::create(o, *bearer);
    REQUIRE(vkp.ok());
    const std::string bundle = R"({"resourceType":"Bundle"})";

    SECTION("401 once: a new token and one resend") {
        s.api_reject_tokens = 1;
        auto r = vkp->journal(bundle);
        INFO(s.last_error);
        REQUIRE(r.ok());
        CHECK(r->status == 201);
        CHECK(r->attempts == 2);
        CHECK(s.tokens_issued == 2);
    }
    SECTION("401 twice: VFT-HTTP-0401 without the token in it") {
        s.api_reject_tokens = 5;
        auto r = vkp->journal(bundle);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == "VFT-HTTP-0401");
        CHECK(r.error().http_status == 401);
        CHECK(s.api_requests == 2);
        CHECK(r.error().to_string().find(tokens.token({"nhn:vkp/api/user/bundle.write"})->value) ==
              std::string::npos);
    }
    SECTION("400, 403, 404, 409, 500 become distinct typed errors") {
        struct Case {
            int status;
            std::string body;
            std::string code;
            bool retryable;
        };
        const std::vector<Case> cases = {
            {400, vkp_outcome("2.1", "InvalidSsn"), "VFT-VKP-0201", false},
            {403, vkp_outcome("1.2", "not allowed for this municipality"), "VFT-VKP-0102", false},
            {404, "", "VFT-HTTP-0404", false},
            {409, "", "VFT-HTTP-0409", false},
            {413, "", "VFT-HTTP-0413", false},
            {500, "", "VFT-HTTP-0500", true},
        };
        for (const auto& c : cases) {
            INFO(c.status);
            s.forced_status = c.status;
            s.forced_body = c.body;
            s.forced_count = -1;
            const int before = s.api_requests;
            auto r = vkp->journal(bundle);
            REQUIRE_FALSE(r.ok());
            CHECK(r.error().code == c.code);
            CHECK(r.error().http_status == c.status);
            CHECK(r.error().retryable == c.retryable);
            CHECK(s.api_requests - before == (c.retryable ? 2 : 1));
            if (c.retryable) CHECK(r.error().message.find("after 2 attempts") != std::string::npos);
        }
    }
    SECTION("searches: scope per resource, ServiceCodes header, form body, typed result") {
        VkpQuery q;
        q.patient = "12854812341";
        auto found = vkp->search_patients(q);
        INFO(s.last_error);
        REQUIRE(found.ok());
        REQUIRE(found->value.size() == 1);
        CHECK(found->value[0].patient.name == "Kåre Nordmann Testesen");
        CHECK(found->attempts == 1);
        CHECK(s.last_service_codes == "TA,MD");
        CHECK(s.last_form == "identifier=12854812341");
        // The search needed patient.read, the journal bundle.write: two tokens.
        REQUIRE(vkp->journal(bundle).ok());
        CHECK(s.tokens_issued == 2);
        q.patient = "12854812342";  // wrong check digit: refused before the wire
        const int before = s.api_requests;
        auto bad = vkp->search_patients(q);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().code == errc::id_fnr_invalid);
        CHECK(s.api_requests == before);
    }
    SECTION("bad options") {
        VkpClientOptions bad = o;
        bad.orgnr = "314159265";  // the NHN sample orgnr fails mod 11
        CHECK(VkpClient::create(bad, *bearer).error().code == errc::id_orgnr_invalid);
        bad = o;
        bad.api.base_url = "localhost:8080";
        CHECK(VkpClient::create(bad, *bearer).error().code == errc::build_invalid_value);
    }
}

TEST_CASE("PmdClient: results are mapped back to the caller's measurements in order", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    PmdClientOptions o;
    o.api.base_url = s.url("");
    auto client = PmdClient::create(o, Auth::none());
    REQUIRE(client.ok());
    pmd::Batch b;
    b.patient = {"12854812341", "Kåre Nordmann Testesen"};
    b.performer_orgnr = "921000006";
    for (int i = 0; i < 3; ++i) {
        pmd::Measurement m;
        m.kind = pmd::VitalSign::heart_rate;
        m.effective = Time{std::chrono::seconds{kNow + i * 60}};
        m.value = 60 + i;
        b.measurements.push_back(m);
    }
    auto sent = client->send(b);
    REQUIRE(sent.ok());
    REQUIRE(sent->value.results.size() == 3);
    REQUIRE(sent->value.measurement_ids.size() == 3);
    for (size_t i = 0; i < 3; ++i)
        CHECK(sent->value.results[i].measurement_id == sent->value.measurement_ids[i]);
    CHECK(sent->value.results[0].status == 201);
    CHECK(sent->value.results[1].status == 201);
    CHECK(sent->value.results[2].status == 400);
    CHECK(sent->value.results[2].outcome_json.find("2.4") != std::string::npos);
    CHECK_FALSE(sent->value.all_ok());
    CHECK(sent->value.identifier.rfind("urn:uuid:", 0) == 0);

    b.measurements[1].value = 900;  // out of range: refused by the builder, nothing sent
    auto refused = client->send(b);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == errc::build_invalid_value);
}

TEST_CASE("RetryingClient: PrepareAttempt runs before every attempt on a fresh copy", "[client]") {
    const Key& key = test_key(Algorithm::es256);
    Server s(key);
    auto tokens = make_tokens(token_options(s, key, false));
    auto http = transport::HttpClient::create({});
    REQUIRE(http.ok());
    transport::RetryingClient retrying(*http, quick_retry(3));
    s.forced_status = 503;
    s.forced_count = 2;
    transport::HttpRequest request{"POST", s.url("/epj/r4/312229544/bundle"), {}, "{}"};
    std::vector<int> seen;
    std::vector<size_t> header_counts;
    auto out = retrying.send(request, true, [&](transport::HttpRequest& r, int attempt) {
        seen.push_back(attempt);
        header_counts.push_back(r.headers.size());  // never what an earlier attempt added
        r.headers.emplace_back("Authorization",
                               "Bearer " + tokens.token({"nhn:vkp/api/user/bundle.write"})->value);
        return Result<void>{};
    });
    REQUIRE(out.ok());
    CHECK(out->response.status == 201);
    CHECK(out->attempts == 3);
    CHECK(seen == std::vector<int>{1, 2, 3});
    CHECK(header_counts == std::vector<size_t>{0, 0, 0});
    CHECK(request.headers.empty());  // the caller's request is not touched

    // An error from the callback ends the call before anything is sent.
    const int before = s.api_requests;
    auto refused = retrying.send(request, true, [](transport::HttpRequest&, int) {
        return Result<void>{Error{"VFT-AUTH-0902", "no signature", {}, {}, 0, false}};
    });
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == errc::auth_sign_failed);
    CHECK(s.api_requests == before);
}
