// The mock HelseID token service: client_credentials with private_key_jwt, DPoP-bound tokens,
// discovery and JWKS, and the test-token admin endpoint. Choices: docs/mocks.md.
#include "vft/mocks/token_service.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/uuid.hpp"
#include "vft/internal/json.hpp"

namespace vft::mocks {
namespace http = ::vft::detail::http;
namespace {

namespace fs = std::filesystem;
using JValue = rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr const char* kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr int kMaxClockSkewS = 600;      // the most clock_skew_s may be set to
constexpr int kMaxAssertionLifeS = 600;  // exp at most this far ahead (plus the leeway)
constexpr int kMaxTokenLifetimeS = 86400;

int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Client {
    std::string client_id;
    std::optional<auth::Key> key;     // public; registered in the clients file
    std::vector<std::string> scopes;  // allowed
    std::string vkp_id;
    std::string orgnr_parent;
    bool require_dpop = false;
};

Error config_error(const std::string& file, const std::string& where, std::string message,
                   std::string hint = {}) {
    Error e;
    e.code = std::string(errc::mock_config);
    e.message = std::move(message);
    e.location = where.empty() ? file : file + ": " + where;
    e.hint = hint.empty() ? "see docs/mocks.md, \"Clients file\"" : std::move(hint);
    return e;
}

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer b;
    Writer w(b);
    v.Accept(w);
    return std::string(b.GetString(), b.GetSize());
}

// The clients file: {"clients":[{"client_id","jwk"|"public_key_pem","scopes",...}]}.
Result<std::map<std::string, Client>> load_clients(const std::string& text, const fs::path& base,
                                                   const std::string& label) {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (d.HasParseError())
        return config_error(label, "", "the clients file is not well-formed JSON");
    const JValue* list = vft::internal::member(d, "clients");
    if (!list || !list->IsArray() || list->Empty())
        return config_error(label, "clients",
                            "the clients file needs a non-empty \"clients\" array");
    static const std::vector<std::string> known = {"client_id",    "jwk",    "public_key_pem",
                                                   "scopes",       "vkp_id", "orgnr_parent",
                                                   "require_dpop", "name"};
    std::map<std::string, Client> out;
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
        const JValue& c = (*list)[i];
        const std::string at = "clients[" + std::to_string(i) + "]";
        if (!c.IsObject()) return config_error(label, at, "a client entry must be a JSON object");
        for (auto m = c.MemberBegin(); m != c.MemberEnd(); ++m) {
            const std::string name(m->name.GetString(), m->name.GetStringLength());
            if (std::find(known.begin(), known.end(), name) == known.end())
                return config_error(label, at + "." + name, "unknown member '" + name + "'",
                                    "known members: client_id, jwk, public_key_pem, scopes, "
                                    "vkp_id, orgnr_parent, require_dpop, name");
        }
        Client client;
        client.client_id = std::string(vft::internal::str_member(c, "client_id"));
        if (client.client_id.empty())
            return config_error(label, at + ".client_id", "client_id must be a non-empty string");
        if (out.count(client.client_id))
            return config_error(label, at + ".client_id",
                                "client_id '" + client.client_id + "' appears twice");
        const JValue* jwk = vft::internal::member(c, "jwk");
        const JValue* pem = vft::internal::member(c, "public_key_pem");
        if ((jwk != nullptr) == (pem != nullptr))
            return config_error(label, at,
                                "give exactly one of \"jwk\" (a public JWK object) and "
                                "\"public_key_pem\" (a file path)");
        if (jwk) {
            if (!jwk->IsObject())
                return config_error(label, at + ".jwk", "jwk must be a JSON object");
            if (vft::internal::member(*jwk, "d"))
                return config_error(label, at + ".jwk", "the jwk holds a private key (\"d\")",
                                    "register only the client's public key; replace the exposed "
                                    "key pair");
            auto key = auth::Key::from_jwk_json(to_json(*jwk));
            if (!key) return config_error(label, at + ".jwk", key.error().message);
            client.key = std::move(key).value();
        } else {
            if (!pem->IsString() || pem->GetStringLength() == 0)
                return config_error(label, at + ".public_key_pem",
                                    "public_key_pem must be a file path");
            fs::path p(vft::internal::str(pem));
            if (p.is_relative()) p = base / p;
            auto key = auth::Key::load_file(p);
            if (!key)
                return config_error(label, at + ".public_key_pem",
                                    "cannot use '" + p.string() + "': " + key.error().message);
            if (key->has_private())
                return config_error(label, at + ".public_key_pem",
                                    "'" + p.string() + "' is a private key",
                                    "register only the public key (openssl pkey -pubout)");
            client.key = std::move(key).value();
        }
        const JValue* scopes = vft::internal::member(c, "scopes");
        if (!scopes || !scopes->IsArray() || scopes->Empty())
            return config_error(label, at + ".scopes",
                                "scopes must be a non-empty array of the scopes the client may "
                                "request");
        for (const auto& s : scopes->GetArray()) {
            if (!s.IsString() || s.GetStringLength() == 0 ||
                std::string_view(s.GetString()).find(' ') != std::string_view::npos)
                return config_error(label, at + ".scopes",
                                    "every scope must be a non-empty string without spaces");
            client.scopes.emplace_back(s.GetString(), s.GetStringLength());
        }
        for (const char* name : {"vkp_id", "orgnr_parent"}) {
            const JValue* v = vft::internal::member(c, name);
            if (v && (!v->IsString() || v->GetStringLength() == 0))
                return config_error(label, at + "." + name,
                                    std::string(name) + " must be a non-empty string");
        }
        client.vkp_id = std::string(vft::internal::str_member(c, "vkp_id"));
        client.orgnr_parent = std::string(vft::internal::str_member(c, "orgnr_parent"));
        // Test orgnrs fail mod-11 (domain §6 item 10), so only the form is checked.
        if (vft::internal::member(c, "orgnr_parent") &&
            (client.orgnr_parent.size() != 9 ||
             client.orgnr_parent.find_first_not_of("0123456789") != std::string::npos))
            return config_error(label, at + ".orgnr_parent",
                                "orgnr_parent must be a 9-digit organisation number");
        if (const JValue* rd = vft::internal::member(c, "require_dpop")) {
            if (!rd->IsBool())
                return config_error(label, at + ".require_dpop",
                                    "require_dpop must be true or false");
            client.require_dpop = rd->GetBool();
        }
        out.emplace(client.client_id, std::move(client));
    }
    return out;
}

std::vector<std::string> split_scopes(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string one;
    while (in >> one)
        if (std::find(out.begin(), out.end(), one) == out.end()) out.push_back(one);
    return out;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

// The audience of a scope: the part before the first '/' of an "nhn:" scope
// (nhn:vkp/api/user/bundle.write → nhn:vkp, nhn:jft/api → nhn:jft); none for other scopes.
std::string audience_of(const std::string& scope) {
    if (scope.rfind("nhn:", 0) != 0) return {};
    return scope.substr(0, scope.find('/'));
}

std::string trim_slash(std::string s) {
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    return s;
}

// An OAuth error (RFC 6749 §5.2; RFC 9449 §7 for the DPoP ones).
struct OAuthError {
    int status = 400;
    std::string error;
    std::string description;
};

void put(Writer& w, const char* name, std::string_view v) {
    w.Key(name);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

}  // namespace

struct TokenService::State {
    TokenServiceOptions options;
    std::map<std::string, Client> clients;
    std::optional<auth::Key> key;  // the signing key (private)
    std::string kid;
    std::string dpop_nonce = new_uuid();
    auth::ReplayCache assertion_jtis;
    auth::ReplayCache proof_jtis;
    http::Server server;
    std::string base_url;
    std::string issuer;
    std::string token_endpoint;

    void log(const std::string& line) const {
        if (!options.log) return;
        transport::LogRecord record;
        record.message = line;
        options.log(record);
    }

    // The service's clock for judging what clients send (assertion and proof times).
    int64_t now() const { return now_s() + options.clock_offset_s; }

    static void json_reply(http::Response& res, int status, const std::string& body) {
        res.status = status;
        res.set_header("Cache-Control", "no-store");
        res.set_header("Pragma", "no-cache");
        res.set_content(body, "application/json");
    }

    void refuse(http::Response& res, const OAuthError& e, const std::string& client) const {
        rapidjson::StringBuffer b;
        Writer w(b);
        w.StartObject();
        put(w, "error", e.error);
        if (!e.description.empty()) put(w, "error_description", e.description);
        w.EndObject();
        json_reply(res, e.status, std::string(b.GetString(), b.GetSize()));
        log("token: client=" + (client.empty() ? std::string("-") : client) + " refused " +
            e.error + (e.description.empty() ? "" : ": " + e.description));
    }

    // The access token's claims as a JSON object (the admin endpoint edits this before signing).
    void claims(rapidjson::Document& d, const Client& c, const std::vector<std::string>& scopes,
                const std::string& jkt, int64_t iat, int lifetime_s) const {
        auto& a = d.GetAllocator();
        auto s = [&](const std::string& v) { return JValue(v.c_str(), a); };
        d.SetObject();
        d.AddMember("iss", s(issuer), a);
        std::vector<std::string> auds;
        for (const auto& scope : scopes) {
            const std::string aud = audience_of(scope);
            if (!aud.empty() && std::find(auds.begin(), auds.end(), aud) == auds.end())
                auds.push_back(aud);
        }
        if (auds.size() == 1) {
            d.AddMember("aud", s(auds[0]), a);
        } else if (auds.size() > 1) {
            JValue arr(rapidjson::kArrayType);
            for (const auto& x : auds)
                arr.PushBack(s(x), a);
            d.AddMember("aud", arr, a);
        }
        d.AddMember("sub", s(c.client_id), a);
        d.AddMember("client_id", s(c.client_id), a);
        d.AddMember("iat", JValue(static_cast<int64_t>(iat)), a);
        d.AddMember("nbf", JValue(static_cast<int64_t>(iat)), a);
        d.AddMember("exp", JValue(static_cast<int64_t>(iat + lifetime_s)), a);
        d.AddMember("jti", s(new_uuid()), a);
        d.AddMember("scope", s(join(scopes)), a);
        d.AddMember("client_amr", s("private_key_jwt"), a);
        if (!c.vkp_id.empty()) d.AddMember("nhn:vkp/client/claims/vkp-id", s(c.vkp_id), a);
        if (!c.orgnr_parent.empty())
            d.AddMember("helseid://claims/client/claims/orgnr_parent", s(c.orgnr_parent), a);
        if (!jkt.empty()) {
            JValue cnf(rapidjson::kObjectType);
            cnf.AddMember("jkt", s(jkt), a);
            d.AddMember("cnf", cnf, a);
        }
    }

    Result<std::string> sign(const auth::Key& with, const std::string& header_kid,
                             const rapidjson::Document& payload) const {
        const std::string header =
            R"({"typ":"at+jwt","kid":")" + vft::internal::json_escape(header_kid) + "\"}";
        return auth::sign_jwt(with, header, to_json(payload));
    }

    static std::string token_response(const std::string& token, bool dpop, int64_t expires_in,
                                      const std::string& scope) {
        rapidjson::StringBuffer b;
        Writer w(b);
        w.StartObject();
        put(w, "access_token", token);
        put(w, "token_type", dpop ? "DPoP" : "Bearer");
        w.Key("expires_in");
        w.Int64(expires_in);
        put(w, "scope", scope);
        w.EndObject();
        return std::string(b.GetString(), b.GetSize());
    }

    // Authenticates the client by its assertion (RFC 7523 §3, HelseID's typ). Does not record
    // the jti: that happens only when a token is issued. On success sets `client` and `jti`.
    std::optional<OAuthError> authenticate(const std::string& assertion, const std::string& form_id,
                                           const Client*& client, std::string& jti,
                                           int64_t& exp) const {
        auto invalid = [](std::string d) {
            return OAuthError{401, "invalid_client", std::move(d)};
        };
        auto payload = auth::jwt_payload(assertion);
        if (!payload)
            return invalid("the client assertion is not a JWT: " + payload.error().message);
        const auto iss = auth::json_string_member(*payload, "iss");
        const auto sub = auth::json_string_member(*payload, "sub");
        if (!iss || iss->empty()) return invalid("the client assertion has no iss");
        auto it = clients.find(*iss);
        if (it == clients.end()) return invalid("unknown client (iss of the client assertion)");
        if (!sub || *sub != *iss)
            return invalid("the client assertion's sub must equal its iss (the client id)");
        if (!form_id.empty() && form_id != *iss)
            return invalid("client_id does not match the client assertion's iss");
        auth::JwtChecks checks;
        checks.expected_typ = "client-authentication+jwt";
        checks.issuer = *iss;
        checks.leeway_s = options.clock_skew_s;
        checks.now = now();
        checks.require_exp = true;
        auto verified = auth::verify_jwt(assertion, *it->second.key, checks);
        if (!verified) return invalid("client assertion: " + verified.error().message);
        const auto auds = verified->string_array_claim("aud");
        const bool aud_ok = std::any_of(auds.begin(), auds.end(), [&](const std::string& a) {
            const std::string x = trim_slash(a);
            return x == token_endpoint || x == issuer || x == issuer + "/connect/token";
        });
        if (!aud_ok)
            return invalid("the client assertion's aud must be the token endpoint " +
                           token_endpoint + " (or the issuer)");
        const auto e = verified->int_claim("exp");
        if (!e || *e - now() > kMaxAssertionLifeS + options.clock_skew_s)
            return invalid("the client assertion's exp is more than " +
                           std::to_string(kMaxAssertionLifeS) + " s ahead");
        const auto j = verified->string_claim("jti");
        if (!j || j->empty()) return invalid("the client assertion has no jti");
        client = &it->second;
        jti = *j;
        exp = *e;
        return std::nullopt;
    }

    void token(const http::Request& req, http::Response& res) {
        const std::string ct = req.get_header_value("Content-Type");
        if (ct.substr(0, ct.find(';')) != "application/x-www-form-urlencoded")
            return refuse(res,
                          {400, "invalid_request",
                           "the token request must be application/x-www-form-urlencoded"},
                          "");
        http::Params form;
        http::parse_query_text(req.body, form);
        for (auto it = form.begin(); it != form.end(); it = form.upper_bound(it->first))
            if (form.count(it->first) > 1)
                return refuse(
                    res, {400, "invalid_request", "parameter '" + it->first + "' is repeated"}, "");
        auto param = [&](const char* name) {
            auto it = form.find(name);
            return it == form.end() ? std::string() : it->second;
        };
        const std::string grant = param("grant_type");
        if (grant.empty())
            return refuse(res, {400, "invalid_request", "grant_type is required"}, "");
        if (grant != "client_credentials")
            return refuse(
                res,
                {400, "unsupported_grant_type", "only grant_type=client_credentials is supported"},
                "");
        const std::string type = param("client_assertion_type");
        const std::string assertion = param("client_assertion");
        if (type.empty() || assertion.empty())
            return refuse(res,
                          {400, "invalid_request",
                           "client_assertion_type and client_assertion are required "
                           "(private_key_jwt)"},
                          "");
        if (type != kAssertionType)
            return refuse(res,
                          {401, "invalid_client",
                           std::string("client_assertion_type must be ") + kAssertionType},
                          "");
        const Client* client = nullptr;
        std::string assertion_jti;
        int64_t assertion_exp = 0;
        if (auto e =
                authenticate(assertion, param("client_id"), client, assertion_jti, assertion_exp))
            return refuse(res, *e, "");
        const std::string& id = client->client_id;

        // DPoP (RFC 9449 §5): a proof for this endpoint binds the token to the proof's key.
        std::string jkt, proof_jti;
        int64_t proof_iat = 0;
        const size_t proofs = req.get_header_value_count("DPoP");
        if (proofs > 1)
            return refuse(res, {400, "invalid_dpop_proof", "more than one DPoP header"}, id);
        if (proofs == 1) {
            auth::DpopExpect expect;
            expect.htm = "POST";
            // htu is one of this service's own URLs (the published endpoint under the issuer, or
            // where it listens), never one built from the request's Host header.
            expect.htu = issuer + "/connect/token";
            expect.leeway_s = options.clock_skew_s;
            expect.now = now();
            // A client whose clock runs behind makes proofs that look old by the skew.
            expect.max_age_s = 300 + options.clock_skew_s;
            auto proof = auth::verify_dpop_proof(req.get_header_value("DPoP"), expect);
            if (!proof && proof.error().location == "payload.htu" &&
                auth::normalize_htu(token_endpoint) != auth::normalize_htu(expect.htu)) {
                expect.htu = token_endpoint;
                proof = auth::verify_dpop_proof(req.get_header_value("DPoP"), expect);
            }
            if (!proof) return refuse(res, {400, "invalid_dpop_proof", proof.error().message}, id);
            if (options.dpop_nonce_required) {
                auto payload = auth::jwt_payload(req.get_header_value("DPoP"));
                const auto nonce =
                    payload ? auth::json_string_member(*payload, "nonce") : std::nullopt;
                if (!nonce || *nonce != dpop_nonce) {
                    res.set_header("DPoP-Nonce", dpop_nonce);
                    return refuse(res,
                                  {400, "use_dpop_nonce",
                                   nonce ? "the DPoP proof's nonce is not the current one"
                                         : "this server requires a nonce in DPoP proofs"},
                                  id);
                }
            }
            jkt = proof->jkt;
            proof_jti = proof->jti;
            proof_iat = proof->iat;
        } else if (client->require_dpop) {
            return refuse(
                res,
                {400, "invalid_dpop_proof", "this client must send a DPoP proof (require_dpop)"},
                id);
        }

        const auto requested = split_scopes(param("scope"));
        if (requested.empty())
            return refuse(res, {400, "invalid_scope", "request at least one scope"}, id);
        for (const auto& s : requested)
            if (std::find(client->scopes.begin(), client->scopes.end(), s) == client->scopes.end())
                return refuse(res,
                              {400, "invalid_scope",
                               "scope '" + s + "' is not allowed for client '" + id + "'"},
                              id);

        // Only now are the identifiers used up: a refused request leaves them free.
        // Remembered until the assertion can no longer pass (by the system clock, which the
        // replay cache keeps; the offset and the skew bound how far apart the two can be).
        if (assertion_jtis.seen_before(
                id + "\n" + assertion_jti,
                assertion_exp + options.clock_skew_s + std::max(0, -options.clock_offset_s)))
            return refuse(
                res, {401, "invalid_client", "the client assertion's jti was used before"}, id);
        if (!proof_jti.empty() &&
            proof_jtis.seen_before(proof_jti, proof_iat + 300 + 2 * options.clock_skew_s +
                                                  std::abs(options.clock_offset_s) + 1))
            return refuse(res, {400, "invalid_dpop_proof", "the DPoP proof's jti was used before"},
                          id);

        rapidjson::Document payload;
        claims(payload, *client, requested, jkt, now_s(), options.token_lifetime_s);
        auto signed_token = sign(*key, kid, payload);
        if (!signed_token)
            return refuse(res, {500, "server_error", signed_token.error().message}, id);
        json_reply(
            res, 200,
            token_response(*signed_token, !jkt.empty(), options.token_lifetime_s, join(requested)));
        log("token: client=" + id + " granted scope=\"" + join(requested) + "\"" +
            (jkt.empty() ? "" : " dpop"));
    }

    // POST /_admin/issue: a token as the client would get it, then the caller's overrides.
    void admin_issue(const http::Request& req, http::Response& res) {
        rapidjson::Document body;
        body.Parse(req.body.data(), req.body.size());
        if (body.HasParseError() || !body.IsObject())
            return refuse(res, {400, "invalid_request", "the body must be a JSON object"}, "");
        const std::string id(vft::internal::str_member(body, "client_id"));
        auto it = clients.find(id);
        if (it == clients.end())
            return refuse(res, {400, "invalid_request", "client_id must name a registered client"},
                          "");
        const Client& c = it->second;
        const JValue* scope = vft::internal::member(body, "scope");
        if (scope && !scope->IsString())
            return refuse(res, {400, "invalid_request", "scope must be a string"}, id);
        const auto scopes = scope ? split_scopes(scope->GetString()) : c.scopes;
        int lifetime = options.token_lifetime_s;
        if (const JValue* l = vft::internal::member(body, "lifetime_s")) {
            if (!l->IsInt())
                return refuse(res, {400, "invalid_request", "lifetime_s must be an integer"}, id);
            lifetime = l->GetInt();
        }
        const std::string jkt(vft::internal::str_member(body, "dpop_jkt"));
        rapidjson::Document payload;
        claims(payload, c, scopes, jkt, now_s(), lifetime);
        if (const JValue* over = vft::internal::member(body, "claims")) {
            if (!over->IsObject())
                return refuse(res, {400, "invalid_request", "claims must be a JSON object"}, id);
            auto& a = payload.GetAllocator();
            for (auto m = over->MemberBegin(); m != over->MemberEnd(); ++m) {
                payload.RemoveMember(m->name);
                if (!m->value.IsNull())
                    payload.AddMember(JValue(m->name, a), JValue(m->value, a), a);
            }
        }
        const std::string with(vft::internal::str_member(body, "key"));
        if (!with.empty() && with != "service" && with != "unknown")
            return refuse(res, {400, "invalid_request", "key must be \"service\" or \"unknown\""},
                          id);
        auth::Key signer = *key;
        if (with == "unknown") {
            auto fresh = auth::Key::generate(key->algorithm());
            if (!fresh) return refuse(res, {500, "server_error", fresh.error().message}, id);
            signer = std::move(fresh).value();
        }
        const JValue* k = vft::internal::member(body, "kid");
        auto token = sign(signer, k && k->IsString() ? k->GetString() : kid, payload);
        if (!token) return refuse(res, {500, "server_error", token.error().message}, id);
        const JValue* sc = vft::internal::member(payload, "scope");
        json_reply(res, 200,
                   token_response(*token, !jkt.empty(), lifetime,
                                  sc && sc->IsString() ? sc->GetString() : ""));
        log("admin: client=" + id + " test token issued");
    }

    void routes() {
        http::ServerOptions http_options;
        http_options.max_body_bytes = options.max_body_bytes;
        http_options.max_headers = options.http.max_headers;
        http_options.max_header_bytes = options.http.max_header_bytes;
        http_options.max_connections = options.http.max_connections;
        http_options.request_timeout_s = options.http.request_timeout_s;
        http_options.idle_timeout_s = options.http.idle_timeout_s;
        http_options.threads = options.threads;
        server.set_options(http_options);
        server.Post("/connect/token",
                    [this](const http::Request& req, http::Response& res) { token(req, res); });
        server.Get("/.well-known/openid-configuration",
                   [this](const http::Request&, http::Response& res) {
                       rapidjson::StringBuffer b;
                       Writer w(b);
                       w.StartObject();
                       put(w, "issuer", issuer);
                       put(w, "token_endpoint", token_endpoint);
                       put(w, "jwks_uri", base_url + "/jwks");
                       w.Key("grant_types_supported");
                       w.StartArray();
                       w.String("client_credentials");
                       w.EndArray();
                       w.Key("token_endpoint_auth_methods_supported");
                       w.StartArray();
                       w.String("private_key_jwt");
                       w.EndArray();
                       w.Key("dpop_signing_alg_values_supported");
                       w.StartArray();
                       for (const char* alg : {"ES256", "RS256", "EdDSA"})
                           w.String(alg);
                       w.EndArray();
                       w.EndObject();
                       res.set_content(std::string(b.GetString(), b.GetSize()), "application/json");
                   });
        server.Get("/jwks", [this](const http::Request&, http::Response& res) {
            res.set_content(R"({"keys":[)" + key->public_jwk_json(kid) + "]}", "application/json");
        });
        if (options.allow_test_tokens)
            server.Post("/_admin/issue", [this](const http::Request& req, http::Response& res) {
                admin_issue(req, res);
            });
        server.set_error_handler([](const http::Request&, http::Response& res) {
            if (!res.body.empty()) return;
            res.set_content(R"({"error":"invalid_request","error_description":"no such endpoint"})",
                            "application/json");
        });
    }
};

TokenService::TokenService(std::unique_ptr<State> impl) : impl_(std::move(impl)) {}

TokenService::~TokenService() {
    stop();
}

Result<std::unique_ptr<TokenService>> TokenService::create(TokenServiceOptions options) {
    std::string text = options.clients_json;
    std::string label = "clients";
    fs::path base =
        options.clients_dir.empty() ? fs::current_path() : fs::path(options.clients_dir);
    if (text.empty()) {
        if (options.clients_file.empty())
            return config_error("clients", "", "no clients file given",
                                "start with --clients FILE (docs/mocks.md)");
        std::ifstream in(options.clients_file, std::ios::binary);
        if (!in)
            return config_error(options.clients_file, "", "cannot read the clients file",
                                "check the path given to --clients");
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
        label = options.clients_file;
        base = fs::path(options.clients_file).parent_path();
        if (base.empty()) base = fs::current_path();
    }
    auto clients = load_clients(text, base, label);
    if (!clients) return clients.error();
    if (options.token_lifetime_s < 1 || options.token_lifetime_s > kMaxTokenLifetimeS)
        return config_error(
            "--token-lifetime", "",
            "the token lifetime must be 1 to " + std::to_string(kMaxTokenLifetimeS) + " s");
    if (options.clock_skew_s < 0 || options.clock_skew_s > kMaxClockSkewS)
        return config_error(
            "clock_skew_s", "",
            "the allowed clock skew must be 0 to " + std::to_string(kMaxClockSkewS) + " s");
    if (options.clock_offset_s < -86400 || options.clock_offset_s > 86400)
        return config_error("clock_offset_s", "", "the clock offset must be within a day");
    auto impl = std::make_unique<State>();
    impl->clients = std::move(clients).value();
    if (options.key_pem.empty()) {
        auto key = auth::Key::generate(auth::Algorithm::es256);
        if (!key) return key.error();
        impl->key = std::move(key).value();
    } else {
        auto key = auth::Key::load_pem(options.key_pem);
        if (!key) return key.error();
        if (!key->has_private()) {
            return Error{std::string(errc::auth_key_invalid),
                         "the token service key must be a private key",
                         "--key",
                         "give the PEM private key the service signs tokens with",
                         0,
                         false};
        }
        impl->key = std::move(key).value();
    }
    impl->kid = impl->key->thumbprint();
    impl->options = std::move(options);
    impl->routes();
    return std::unique_ptr<TokenService>(new TokenService(std::move(impl)));
}

Result<std::string> TokenService::start() {
    State& i = *impl_;
    std::string why;
    const int port = i.server.start(i.options.host, i.options.port, why);
    if (port <= 0)
        return Error{std::string(errc::mock_listen),
                     "cannot listen on " + i.options.host + ":" + std::to_string(i.options.port) +
                         " (" + why + ")",
                     {},
                     "is the port in use?",
                     0,
                     false};
    i.base_url = "http://" + i.options.host + ":" + std::to_string(port);
    i.issuer = trim_slash(i.options.issuer.empty() ? i.base_url : i.options.issuer);
    i.token_endpoint = i.base_url + "/connect/token";
    return i.base_url;
}

void TokenService::stop() {
    if (!impl_) return;
    impl_->server.stop();
}

std::string TokenService::issuer() const {
    return impl_->issuer;
}

std::string TokenService::token_endpoint() const {
    return impl_->token_endpoint;
}

}  // namespace vft::mocks
