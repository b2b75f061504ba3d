// The mock receiver's token checks. Order: token present → scheme → signature and claims →
// DPoP binding and proof → scope → orgnr. Choices: docs/mocks.md, "Token checks".
#include "auth_check.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <thread>

#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/internal/json.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::mocks::detail {
namespace {

using JValue = rapidjson::Value;

constexpr const char* kVkpErrors = "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090";
constexpr const char* kVkpIdClaim = "nhn:vkp/client/claims/vkp-id";
constexpr const char* kOrgnrParentClaim = "helseid://claims/client/claims/orgnr_parent";
constexpr const char* kDpopAlgs = "ES256 RS256 EdDSA";

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string> values(const AuthChecker::Headers& headers, std::string_view name) {
    std::vector<std::string> out;
    const std::string want = lower(name);
    for (const auto& [k, v] : headers)
        if (lower(k) == want) out.push_back(v);
    return out;
}

// A quoted-string value for WWW-Authenticate (RFC 9110 §5.6.4): no quotes, backslashes or
// control characters.
std::string quoted_value(std::string_view s) {
    std::string out = "\"";
    for (char c : s)
        if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) out += c;
    return out + "\"";
}

bool nine_digits(std::string_view s) {
    return s.size() == 9 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

Error register_error(const std::string& label, const std::string& where, std::string message) {
    Error e;
    e.code = std::string(errc::mock_config);
    e.message = std::move(message);
    e.location = where.empty() ? label : label + ": " + where;
    e.hint =
        R"(the register is {"authorizations":[{"vkp_id":"...","orgnrs":["9 digits",...]}]} (docs/mocks.md))";
    return e;
}

// vkp-id → the orgnrs it may address.
Result<std::map<std::string, std::set<std::string>>> load_register(const std::string& text,
                                                                   const std::string& label) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError()) return register_error(label, "", "not well-formed JSON");
    const JValue* list = vft::internal::member(d, "authorizations");
    if (!list || !list->IsArray())
        return register_error(label, "authorizations", "needs an \"authorizations\" array");
    std::map<std::string, std::set<std::string>> out;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        const JValue& a = (*list)[i];
        const std::string at = "authorizations[" + std::to_string(i) + "]";
        const std::string id(vft::internal::str_member(a, "vkp_id"));
        if (!a.IsObject() || id.empty())
            return register_error(label, at + ".vkp_id", "every entry needs a non-empty vkp_id");
        if (out.count(id))
            return register_error(label, at + ".vkp_id", "vkp_id '" + id + "' appears twice");
        const JValue* orgnrs = vft::internal::member(a, "orgnrs");
        if (!orgnrs || !orgnrs->IsArray())
            return register_error(label, at + ".orgnrs", "orgnrs must be an array");
        auto& set = out[id];
        for (rapidjson::SizeType j = 0; j < orgnrs->Size(); ++j) {
            const JValue& o = (*orgnrs)[j];
            if (!o.IsString() || !nine_digits(o.GetString()))
                return register_error(label, at + ".orgnrs[" + std::to_string(j) + "]",
                                      "an orgnr must be a string of 9 digits");
            set.insert(o.GetString());
        }
    }
    return out;
}

// The keys of a JWKS by kid (signature keys only; others are skipped).
Result<std::map<std::string, auth::Key>> parse_jwks(const std::string& text,
                                                    const std::string& source) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    const JValue* keys = d.HasParseError() ? nullptr : vft::internal::member(d, "keys");
    if (!keys || !keys->IsArray())
        return Error{std::string(errc::auth_key_invalid),
                     "the JWKS from " + source + " is not a JSON object with a \"keys\" array",
                     source,
                     "",
                     0,
                     false};
    std::map<std::string, auth::Key> out;
    std::string skipped;
    for (const auto& k : keys->GetArray()) {
        const std::string_view use = vft::internal::str_member(k, "use");
        if (!use.empty() && use != "sig") continue;
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        k.Accept(w);
        auto key = auth::Key::from_jwk_json(std::string_view(b.GetString(), b.GetSize()));
        if (!key) {
            skipped = key.error().message;
            continue;
        }
        out.emplace(std::string(vft::internal::str_member(k, "kid")), std::move(key).value());
    }
    if (out.empty())
        return Error{std::string(errc::auth_key_invalid),
                     "the JWKS from " + source + " holds no usable signature key" +
                         (skipped.empty() ? "" : " (" + skipped + ")"),
                     source,
                     "",
                     0,
                     false};
    return out;
}

std::string trim_slash(std::string s) {
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    return s;
}

// A JSON string literal.
std::string escape(std::string_view s) {
    return vft::internal::json_quote(s);
}

}  // namespace

std::optional<ApiPath> api_of(std::string_view path) {
    auto under = [&](std::string_view prefix) {
        return path.substr(0, prefix.size()) == prefix &&
               (path.size() == prefix.size() || path[prefix.size()] == '/');
    };
    if (under("/_admin")) return std::nullopt;
    if (path.substr(0, 8) == "/epj/r4/") {
        const std::string_view rest = path.substr(8);
        return ApiPath{Api::vkp, std::string(rest.substr(0, rest.find('/')))};
    }
    if (under("/v1")) return ApiPath{Api::jft, {}};
    if (under("/pmd")) return ApiPath{Api::pmd, {}};
    if (under("/kith")) return ApiPath{Api::kith, {}};
    return std::nullopt;
}

std::string request_url(std::string_view public_url, std::string_view path) {
    return trim_slash(std::string(public_url)) + std::string(path);
}

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 261) return false;  // 255 for the name, ":" and 5 digits
    size_t end = 0;
    if (host[0] == '[') {
        end = host.find(']');
        if (end == std::string_view::npos || end < 3) return false;
        for (size_t i = 1; i < end; ++i) {
            const char c = host[i];
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'))
                return false;
        }
        ++end;
    } else {
        while (end < host.size() && host[end] != ':') {
            const char c = host[end];
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                  c == '~'))
                return false;
            ++end;
        }
        if (end == 0) return false;
    }
    if (end == host.size()) return true;
    if (host[end] != ':') return false;
    const std::string_view port = host.substr(end + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port)
        if (c < '0' || c > '9') return false;
    return std::stoi(std::string(port)) <= 65535;
}

struct AuthChecker::Impl {
    AuthCheckerOptions options;
    Defects defects;
    std::optional<std::map<std::string, std::set<std::string>>> authz;  // nullopt = allow all
    std::string issuer;
    std::string jwks_uri;  // empty = fixed keys (no refetch)
    std::optional<transport::HttpClient> http;
    mutable std::shared_mutex keys_mutex;
    std::map<std::string, auth::Key> keys;
    std::mutex refetch_mutex;
    auth::ReplayCache proof_jtis;  // DPoP proofs seen (jti replay)

    int64_t now() const {
        if (options.now != 0) return options.now;
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

    // GET with retries on network errors until the deadline (the token service may still be
    // starting); an HTTP answer is final.
    Result<transport::HttpResponse> get(const std::string& url,
                                        std::chrono::steady_clock::time_point until) const {
        for (;;) {
            auto r = http->send({"GET", url, {{"Accept", "application/json"}}, {}});
            if (r || !r.error().retryable || std::chrono::steady_clock::now() >= until) return r;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }

    // Discovery (issuer, jwks_uri), else URL/jwks with the URL as issuer.
    Result<void> discover() {
        const auto until = std::chrono::steady_clock::now() + options.fetch_deadline;
        const std::string base = trim_slash(options.token_service_url);
        auto doc = get(base + "/.well-known/openid-configuration", until);
        if (!doc) {
            Error e = doc.error();
            e.message = "cannot reach the token service at " + base + ": " + e.message;
            e.hint = "start `vft mock token-service` first, or check --auth";
            return e;
        }
        if (doc->status == 200) {
            rapidjson::Document d;
            d.Parse(doc->body.data(), doc->body.size());
            if (!d.HasParseError() && d.IsObject()) {
                jwks_uri = std::string(vft::internal::str_member(d, "jwks_uri"));
                if (issuer.empty()) issuer = std::string(vft::internal::str_member(d, "issuer"));
            }
        }
        if (jwks_uri.empty()) jwks_uri = base + "/jwks";
        if (issuer.empty()) issuer = base;
        return fetch_keys(until);
    }

    Result<void> fetch_keys(std::chrono::steady_clock::time_point until) {
        auto r = get(jwks_uri, until);
        if (!r) {
            Error e = r.error();
            e.message = "cannot fetch the JWKS from " + jwks_uri + ": " + e.message;
            return e;
        }
        if (r->status != 200)
            return Error{errc::http_status_code(r->status),
                         "the JWKS at " + jwks_uri + " answered HTTP " + std::to_string(r->status),
                         jwks_uri,
                         "give --auth the token service's base URL",
                         r->status,
                         false};
        auto parsed = parse_jwks(r->body, jwks_uri);
        if (!parsed) return parsed.error();
        std::unique_lock lock(keys_mutex);
        keys = std::move(parsed).value();
        return {};
    }

    // The key for a token's kid; an unknown kid refetches the JWKS once (key rotation).
    std::optional<auth::Key> key_for(const std::string& kid) {
        auto find = [&]() -> std::optional<auth::Key> {
            std::shared_lock lock(keys_mutex);
            if (kid.empty()) {
                if (keys.size() == 1) return keys.begin()->second;
                return std::nullopt;
            }
            auto it = keys.find(kid);
            if (it == keys.end()) return std::nullopt;
            return it->second;
        };
        if (auto k = find()) return k;
        if (jwks_uri.empty()) return std::nullopt;
        std::lock_guard one(refetch_mutex);  // concurrent misses share one refetch
        if (auto k = find()) return k;
        (void)fetch_keys(std::chrono::steady_clock::now());
        return find();
    }

    // An OperationOutcome with one issue; VKP endpoints also get their vkp-operation-outcome
    // code.
    static std::string outcome(Api api, std::string_view issue_code, std::string_view vkp_code,
                               std::string_view vkp_display, const std::string& text,
                               const std::string& diagnostics) {
        std::string out =
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":")" +
            std::string(issue_code) + R"(","details":{)";
        if (api == Api::vkp && !vkp_code.empty())
            out += R"("coding":[{"system":")" + std::string(kVkpErrors) + R"(","code":")" +
                   std::string(vkp_code) + R"(","display":")" + std::string(vkp_display) + "\"}],";
        return out + R"("text":)" + escape(text) + R"(},"diagnostics":)" + escape(diagnostics) +
               "}]}";
    }

    // 401: no usable token or proof (RFC 6750 §3.1, RFC 9449 §7.1).
    static Refusal unauthorized(Api api, bool dpop_scheme, const std::string& error,
                                const Error& why) {
        Refusal r;
        r.status = 401;
        r.code = why.code;
        r.message = why.message;
        std::string www = dpop_scheme ? "DPoP" : "Bearer";
        if (!error.empty()) {
            www += " error=" + quoted_value(error) +
                   ", error_description=" + quoted_value(why.message);
        } else {
            www += " realm=\"vft\"";
        }
        if (dpop_scheme) www += ", algs=\"" + std::string(kDpopAlgs) + "\"";
        r.www_authenticate = www;
        const bool expired = why.code == errc::auth_expired;
        r.outcome = outcome(api, expired ? "expired" : "login", "1.5", "ikke tilgang", why.message,
                            why.code + (why.location.empty() ? "" : " at " + why.location));
        return r;
    }

    // 403: a good token that does not cover this request.
    static Refusal forbidden(Api api, bool dpop_scheme, std::string_view vkp_code,
                             std::string_view vkp_display, const std::string& message,
                             const std::string& www_scope) {
        Refusal r;
        r.status = 403;
        r.code = std::string(errc::auth_claim_mismatch);
        r.message = message;
        if (!www_scope.empty())
            r.www_authenticate = std::string(dpop_scheme ? "DPoP" : "Bearer") +
                                 " error=\"insufficient_scope\", scope=" + quoted_value(www_scope);
        r.outcome = outcome(api, "forbidden", vkp_code, vkp_display, message, r.code);
        return r;
    }

    // The scopes that admit this request; the first is the one to ask for.
    static std::vector<std::string> admitting_scopes(Api api, std::string_view method,
                                                     std::string_view path) {
        switch (api) {
            case Api::jft:
            case Api::pmd:
                return {"nhn:jft/api"};
            case Api::kith:
                return {"nhn:kith/api"};
            case Api::vkp:
                break;
        }
        // /epj/r4/{orgnr}/{resource}[/_search]: POST to the resource writes, _search reads. The
        // path as routed (api_of said it starts with /epj/r4/), never a URL a client shaped.
        std::string_view rest =
            path.substr(0, 8) == "/epj/r4/" ? path.substr(8) : std::string_view{};
        rest = rest.substr(std::min(rest.size(), rest.find('/') + 1));
        const std::string resource = lower(rest.substr(0, rest.find('/')));
        const bool read = method == "GET" || rest.find("/_search") != std::string_view::npos;
        const std::string base = "nhn:vkp/api/user/" + resource;
        return {base + (read ? ".read" : ".write"), base + ".*", "nhn:vkp/api/*.*"};
    }

    std::optional<Refusal> check(std::string_view method, std::string_view path,
                                 std::string_view public_url, const Headers& headers, Api api,
                                 std::string_view orgnr) {
        if (defects.has(Defect::ignores_auth)) return std::nullopt;
        const std::string url = request_url(public_url, path);
        const bool dpop_api = api == Api::jft || api == Api::pmd;
        const bool dpop_checked = dpop_api && !defects.has(Defect::no_dpop_check);
        auto fail = [](std::string_view code, std::string message, std::string location = {}) {
            Error e;
            e.code = std::string(code);
            e.message = std::move(message);
            e.location = std::move(location);
            return e;
        };

        const auto authorization = values(headers, "Authorization");
        if (authorization.empty())
            return unauthorized(
                api, dpop_checked, "",
                fail(errc::auth_claim_mismatch,
                     dpop_checked ? "no access token: send Authorization: DPoP <token> and a DPoP "
                                    "proof"
                                  : "no access token: send Authorization: Bearer <token>",
                     "Authorization"));
        if (authorization.size() > 1)
            return unauthorized(api, dpop_checked, "invalid_token",
                                fail(errc::auth_claim_mismatch,
                                     "more than one Authorization header", "Authorization"));
        const std::string& value = authorization[0];
        const size_t space = value.find(' ');
        const std::string scheme = lower(value.substr(0, space));
        std::string token = space == std::string::npos ? "" : value.substr(space + 1);
        token.erase(0, token.find_first_not_of(' '));
        token.erase(token.find_last_not_of(' ') + 1);
        if ((scheme != "bearer" && scheme != "dpop") || token.empty())
            return unauthorized(
                api, dpop_checked, "invalid_token",
                fail(
                    errc::auth_claim_mismatch,
                    "the Authorization header is not '<scheme> <token>' with scheme Bearer or DPoP",
                    "Authorization"));
        if (dpop_checked && scheme != "dpop")
            return unauthorized(
                api, true, "invalid_token",
                fail(errc::auth_dpop_invalid,
                     "the JFT and PMD APIs take Authorization: DPoP <token> with a DPoP proof, "
                     "not Bearer",
                     "Authorization"));
        if (!dpop_api && scheme != "bearer")
            return unauthorized(
                api, false, "invalid_token",
                fail(errc::auth_claim_mismatch,
                     api == Api::vkp ? "the VKP API takes Authorization: Bearer <token>"
                                     : "the KITH endpoint takes Authorization: Bearer <token>",
                     "Authorization"));
        const bool dpop_scheme = scheme == "dpop";

        // The token: signature with the key its kid names (alg pinned to the key), typ, time,
        // issuer, audience.
        auto header = auth::jwt_header(token);
        if (!header) return unauthorized(api, dpop_scheme, "invalid_token", header.error());
        const std::string kid = auth::json_string_member(*header, "kid").value_or("");
        auto key = key_for(kid);
        if (!key)
            return unauthorized(api, dpop_scheme, "invalid_token",
                                fail(errc::auth_signature_invalid,
                                     kid.empty() ? "the token has no kid and the token service "
                                                   "has more than one key"
                                                 : "the token is signed with a key the token "
                                                   "service does not publish (unknown kid)",
                                     "header.kid"));
        auth::JwtChecks checks;
        checks.expected_typ = "at+jwt";
        checks.issuer = issuer;
        checks.audience = api == Api::vkp ? "nhn:vkp" : api == Api::kith ? "nhn:kith" : "nhn:jft";
        checks.leeway_s = options.leeway_s;
        checks.now = now();
        if (defects.has(Defect::accepts_expired_token)) {
            // Judge the token at its own exp when that has passed: only the exp check is off.
            auto payload = auth::jwt_payload(token);
            const auto exp = payload ? auth::json_int_member(*payload, "exp") : std::nullopt;
            if (exp && *exp < checks.now) checks.now = *exp;
        }
        auto verified = auth::verify_jwt(token, *key, checks);
        if (!verified) return unauthorized(api, dpop_scheme, "invalid_token", verified.error());

        rapidjson::Document claims;
        claims.Parse(verified->payload_json.data(), verified->payload_json.size());
        const JValue* amr = vft::internal::member(claims, "client_amr");
        bool amr_ok = vft::internal::str(amr) == "private_key_jwt";
        if (amr && amr->IsArray())
            for (const auto& a : amr->GetArray())
                amr_ok = amr_ok ||
                         (a.IsString() && std::string_view(a.GetString()) == "private_key_jwt");
        if (!amr_ok)
            return unauthorized(
                api, dpop_scheme, "invalid_token",
                fail(errc::auth_claim_mismatch, "the token's client_amr is not private_key_jwt",
                     "payload.client_amr"));

        // DPoP: a bound token needs its proof; a bound token as Bearer is refused (RFC 9449
        // §7.1), since a stolen token would otherwise work without the key.
        const JValue* cnf = vft::internal::member(claims, "cnf");
        const std::string jkt(cnf ? vft::internal::str_member(*cnf, "jkt") : std::string_view());
        if (!defects.has(Defect::no_dpop_check)) {
            if (!dpop_scheme && !jkt.empty())
                return unauthorized(
                    api, false, "invalid_token",
                    fail(errc::auth_dpop_invalid,
                         "a DPoP-bound token (cnf.jkt) was presented as Bearer", "Authorization"));
            if (dpop_checked) {
                if (jkt.empty())
                    return unauthorized(api, true, "invalid_token",
                                        fail(errc::auth_dpop_invalid,
                                             "the token is not DPoP-bound (no cnf.jkt); get it "
                                             "with a DPoP proof at the token endpoint",
                                             "payload.cnf"));
                const auto proofs = values(headers, "DPoP");
                if (proofs.size() != 1)
                    return unauthorized(api, true, "invalid_dpop_proof",
                                        fail(errc::auth_dpop_invalid,
                                             proofs.empty() ? "no DPoP proof (DPoP header)"
                                                            : "more than one DPoP header",
                                             "DPoP"));
                auth::DpopExpect expect;
                expect.htm = std::string(method);
                expect.htu = std::string(url);
                expect.access_token = token;
                expect.expected_jkt = jkt;
                expect.now = now();
                expect.max_age_s = options.proof_max_age_s;
                expect.leeway_s = options.leeway_s;
                expect.replay = defects.has(Defect::dpop_replay_accepted) ? nullptr : &proof_jtis;
                auto proof = auth::verify_dpop_proof(proofs[0], expect);
                if (!proof) return unauthorized(api, true, "invalid_dpop_proof", proof.error());
            }
        }

        if (!defects.has(Defect::ignores_scope)) {
            const auto wanted = admitting_scopes(api, method, path);
            const auto granted = verified->scopes();
            const bool ok = std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
                return std::find(granted.begin(), granted.end(), w) != granted.end();
            });
            if (!ok)
                return forbidden(
                    api, dpop_scheme, "1.4", "ikke tilgang",
                    "the token's scopes do not cover this request; it needs " + wanted[0],
                    wanted[0]);
        }

        if (!defects.has(Defect::ignores_orgnr_authorization)) {
            if (api == Api::vkp && served(orgnr)) {
                const std::string vkp_id(vft::internal::str_member(claims, kVkpIdClaim));
                if (vkp_id.empty())
                    return forbidden(api, false, "1.2", "ikke tillatt",
                                     std::string("the token has no ") + kVkpIdClaim +
                                         " claim, so no municipality can be authorised",
                                     "");
                if (authz) {
                    auto it = authz->find(vkp_id);
                    if (it == authz->end() || !it->second.count(std::string(orgnr)))
                        return forbidden(api, false, "1.2", "ikke tillatt",
                                         "vkp-id '" + vkp_id +
                                             "' is not authorised to send to organisation " +
                                             std::string(orgnr),
                                         "");
                }
            }
            if (dpop_api && vft::internal::str_member(claims, kOrgnrParentClaim).empty())
                return forbidden(api, dpop_scheme, "", "",
                                 std::string("the token has no ") + kOrgnrParentClaim +
                                     " claim (the municipality's main-entity orgnr)",
                                 "");
        }
        return std::nullopt;
    }

    // Malformed or unserved orgnrs are the handler's 400 2.2, not an authorisation question.
    bool served(std::string_view orgnr) const {
        if (!check_orgnr(orgnr)) return false;
        const auto& s = options.served_orgnrs;
        return s.empty() || std::find(s.begin(), s.end(), orgnr) != s.end();
    }
};

AuthChecker::AuthChecker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuthChecker::~AuthChecker() = default;

Result<std::unique_ptr<AuthChecker>> AuthChecker::create(AuthCheckerOptions options) {
    auto impl = std::make_unique<Impl>();
    auto defects = Defects::parse(options.defects);
    if (!defects) return defects.error();
    impl->defects = std::move(defects).value();
    if (!options.authz_json.empty()) {
        auto reg = load_register(options.authz_json, options.authz_label);
        if (!reg) return reg.error();
        impl->authz = std::move(reg).value();
    }
    impl->issuer = trim_slash(options.issuer);
    impl->options = std::move(options);
    if (!impl->options.jwks_json.empty()) {
        auto keys = parse_jwks(impl->options.jwks_json, "the given JWKS");
        if (!keys) return keys.error();
        impl->keys = std::move(keys).value();
        if (impl->issuer.empty()) impl->issuer = trim_slash(impl->options.token_service_url);
    } else {
        transport::HttpOptions http;
        http.connect_timeout = std::chrono::milliseconds(2000);
        http.total_timeout = std::chrono::milliseconds(5000);
        auto client = transport::HttpClient::create(http);
        if (!client) return client.error();
        impl->http = std::move(client).value();
        auto ok = impl->discover();
        if (!ok) return ok.error();
    }
    return std::unique_ptr<AuthChecker>(new AuthChecker(std::move(impl)));
}

std::optional<Refusal> AuthChecker::check(std::string_view method, std::string_view path,
                                          std::string_view public_url, const Headers& headers,
                                          Api api, std::string_view orgnr) {
    return impl_->check(method, path, public_url, headers, api, orgnr);
}

std::optional<Refusal> AuthChecker::check(std::string_view method, std::string_view url,
                                          const Headers& headers, Api api, std::string_view orgnr) {
    const size_t scheme = url.find("://");
    const size_t slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
    const size_t cut = slash == std::string_view::npos ? url.size() : slash;
    return impl_->check(method, url.substr(cut), url.substr(0, cut), headers, api, orgnr);
}

std::string AuthChecker::describe() const {
    const Impl& i = *impl_;
    std::string out = "token checks: issuer " + i.issuer + ", ";
    {
        std::shared_lock lock(i.keys_mutex);
        out += std::to_string(i.keys.size()) + " key(s)";
    }
    if (i.authz) {
        out += ", authorization register with " + std::to_string(i.authz->size()) + " vkp-id(s)";
    } else {
        out += ", no authorization register: every vkp-id is allowed for every served orgnr";
    }
    std::string auth_defects;
    for (const auto& d : i.defects.names())
        for (const auto& info : all_defects())
            if (info.name == d && info.group == "auth") auth_defects += " " + d;
    if (!auth_defects.empty()) out += "; DEFECTS on:" + auth_defects;
    return out;
}

}  // namespace vft::mocks::detail
