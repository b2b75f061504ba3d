// DPoP proofs (RFC 9449): making them per request and verifying them on the receiving side.
#include "vft/auth/dpop.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "auth/auth_util.hpp"
#include "json/json_util.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/uuid.hpp"

namespace vft::auth {

using detail::auth_error;
using detail::shown;

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const char* name, std::string_view v) {
    w.Key(name);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

bool is_method_token(std::string_view m) {
    if (m.empty()) return false;
    for (const char c : m) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return false;
    }
    return true;
}

std::string_view without_query(std::string_view url) {
    return url.substr(0, url.find_first_of("?#"));
}

// "http" or "https" (any case) followed by "://" and a non-empty authority.
bool is_http_url(std::string_view url) {
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) return false;
    std::string scheme;
    for (const char c : url.substr(0, sep))
        scheme += lower(c);
    if (scheme != "http" && scheme != "https") return false;
    const std::string_view rest = url.substr(sep + 3);
    return !rest.empty() && rest.front() != '/';
}

Error dpop_error(std::string message, std::string location = {}, std::string hint = {}) {
    return auth_error(errc::auth_dpop_invalid, std::move(message), std::move(location),
                      std::move(hint));
}

}  // namespace

std::string dpop_ath(std::string_view access_token) {
    return base64url_encode(detail::sha256(access_token));
}

std::string normalize_htu(std::string_view url) {
    url = without_query(url);
    const size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(url);
    std::string scheme;
    for (const char c : url.substr(0, sep))
        scheme += lower(c);
    std::string_view rest = url.substr(sep + 3);
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash);

    // Userinfo is kept as written; the host is lower-cased; a default or empty port is dropped.
    std::string out = scheme + "://";
    if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
        out += authority.substr(0, at + 1);
        authority.remove_prefix(at + 1);
    }
    std::string_view host = authority, port;
    const size_t bracket = authority.rfind(']');
    const size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    for (const char c : host)
        out += lower(c);
    const bool default_port =
        port.empty() || (scheme == "http" && port == "80") || (scheme == "https" && port == "443");
    if (!default_port) {
        out += ':';
        out += port;
    }
    if (path.empty()) {
        out += '/';
    } else {
        for (size_t i = 0; i < path.size(); ++i) {
            out += path[i];
            if (path[i] == '%' && i + 2 < path.size()) {
                out += upper(path[i + 1]);
                out += upper(path[i + 2]);
                i += 2;
            }
        }
    }
    return out;
}

Result<std::string> make_dpop_proof(const Key& key, const DpopClaims& claims) {
    if (!is_method_token(claims.htm))
        return auth_error(errc::auth_sign_failed, "DPoP htm must be an HTTP method such as POST",
                          "htm");
    if (!is_http_url(claims.htu))
        return auth_error(errc::auth_sign_failed, "DPoP htu must be an absolute http(s) URL",
                          "htu");
    const int64_t iat = detail::now_or_clock(claims.now);

    // The header carries the public JWK; its JSON is ours, so it is spliced in as raw text.
    const std::string header = R"({"typ":"dpop+jwt","jwk":)" + key.public_jwk_json() + "}";

    rapidjson::StringBuffer pb;
    Writer p(pb);
    p.StartObject();
    put(p, "jti", new_uuid());
    put(p, "htm", claims.htm);
    put(p, "htu", without_query(claims.htu));
    p.Key("iat");
    p.Int64(iat);
    if (!claims.access_token.empty()) put(p, "ath", dpop_ath(claims.access_token));
    if (!claims.nonce.empty()) put(p, "nonce", claims.nonce);
    p.EndObject();
    return sign_jwt(key, header, std::string_view(pb.GetString(), pb.GetSize()));
}

Result<DpopVerified> verify_dpop_proof(std::string_view proof, const DpopExpect& expect) {
    auto header_text = jwt_header(proof);
    if (!header_text.ok()) return header_text.error();
    rapidjson::Document header;
    if (!detail::parse_json_object(*header_text, header))
        return dpop_error("the DPoP header is not a JSON object", "header");

    const std::string_view typ = vft::detail::str_member(header, "typ");
    if (!detail::typ_matches(typ, "dpop+jwt"))
        return dpop_error("DPoP proof typ " + shown(typ) + " where \"dpop+jwt\" is required",
                          "header.typ");
    if (vft::detail::member(header, "crit"))
        return auth_error(errc::auth_jwt_malformed,
                          "the DPoP header has critical extensions (crit), which vft does not "
                          "support",
                          "header.crit");
    const std::string_view alg_name = vft::detail::str_member(header, "alg");
    const auto alg = algorithm_from_string(alg_name);
    if (!alg)
        return dpop_error("DPoP proof alg " + shown(alg_name) +
                              " is not an asymmetric algorithm vft accepts (RS256, ES256, EdDSA)",
                          "header.alg");
    const auto* jwk = vft::detail::member(header, "jwk");
    if (!jwk || !jwk->IsObject())
        return dpop_error("the DPoP header has no jwk object", "header.jwk");
    for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}) {
        if (vft::detail::member(*jwk, secret))
            return dpop_error("the DPoP header's jwk holds private key material", "header.jwk",
                              "put only the public key in the proof, and replace the exposed key");
    }
    rapidjson::StringBuffer jb;
    Writer jw(jb);
    jwk->Accept(jw);
    auto key = Key::from_jwk_json(std::string_view(jb.GetString(), jb.GetSize()));
    if (!key.ok())
        return dpop_error("the DPoP header's jwk is not usable: " + key.error().message,
                          "header.jwk");
    if (key->algorithm() != *alg)
        return dpop_error("DPoP proof alg " + std::string(alg_name) + " does not fit its jwk (" +
                              std::string(to_string(key->algorithm())) + ")",
                          "header.alg");

    // Signature, with alg pinned to the embedded key; typ was checked above.
    JwtChecks checks;
    checks.require_exp = false;
    checks.now = expect.now;
    checks.leeway_s = expect.leeway_s;
    auto verified = verify_jwt(proof, *key, checks);
    if (!verified.ok()) return verified.error();

    rapidjson::Document payload;
    if (!detail::parse_json_object(verified->payload_json, payload))
        return auth_error(errc::auth_jwt_malformed, "the DPoP payload is not a JSON object",
                          "payload");
    const std::string_view jti = vft::detail::str_member(payload, "jti");
    if (jti.empty())
        return dpop_error("the DPoP proof has no jti", "payload.jti",
                          "give every proof a fresh unique jti");

    const std::string_view htm = vft::detail::str_member(payload, "htm");
    if (htm != expect.htm)
        return auth_error(
            errc::auth_claim_mismatch,
            "DPoP htm " + shown(htm) + " is not the request's method " + shown(expect.htm),
            "payload.htm", "make a new proof for each request");
    const auto* htu = vft::detail::member(payload, "htu");
    if (!htu || !htu->IsString() ||
        normalize_htu(vft::detail::str(htu)) != normalize_htu(expect.htu))
        return auth_error(errc::auth_claim_mismatch,
                          "DPoP htu " + shown(vft::detail::str(htu)) + " is not the request URL " +
                              shown(normalize_htu(expect.htu)),
                          "payload.htu", "htu is the request URL without query and fragment");

    const int64_t now = detail::now_or_clock(expect.now);
    const auto iat = detail::as_int64(vft::detail::member(payload, "iat"));
    if (!iat)
        return auth_error(errc::auth_jwt_malformed, "the DPoP proof has no numeric iat",
                          "payload.iat");
    if (now - *iat > expect.max_age_s)
        return auth_error(errc::auth_expired,
                          "the DPoP proof is " + std::to_string(now - *iat) + " s old; at most " +
                              std::to_string(expect.max_age_s) + " s is accepted",
                          "payload.iat", "make a new proof for each request");
    if (*iat - now > expect.leeway_s)
        return auth_error(
            errc::auth_expired,
            "the DPoP proof was made " + std::to_string(*iat - now) + " s in the future",
            "payload.iat", "check the clocks of sender and receiver");

    if (!expect.access_token.empty()) {
        const auto* ath = vft::detail::member(payload, "ath");
        if (!ath || !ath->IsString())
            return auth_error(errc::auth_claim_mismatch,
                              "the DPoP proof has no ath, but an access token is presented",
                              "payload.ath",
                              "set ath = base64url(SHA-256(access token)) in every API proof");
        if (vft::detail::str(ath) != dpop_ath(expect.access_token))
            return auth_error(errc::auth_claim_mismatch,
                              "the DPoP proof's ath is not the hash of the presented access token",
                              "payload.ath");
    }
    if (!expect.nonce.empty()) {
        const auto* nonce = vft::detail::member(payload, "nonce");
        if (!nonce || !nonce->IsString() || vft::detail::str(nonce) != expect.nonce)
            return dpop_error(nonce ? "the DPoP proof's nonce is not the one the server issued"
                                    : "the DPoP proof has no nonce, and the server requires one",
                              "payload.nonce",
                              "retry with the nonce from the DPoP-Nonce response header");
    }
    if (!expect.expected_jkt.empty() && key->thumbprint() != expect.expected_jkt)
        return dpop_error(
            "the DPoP proof is signed with another key than the one the access "
            "token is bound to (cnf.jkt)",
            "header.jwk", "sign proofs with the key the token was issued for");
    if (expect.replay && expect.replay->seen_before(jti, *iat + expect.max_age_s + 1, now))
        return auth_error(errc::auth_replay, "the DPoP proof's jti was used before", "payload.jti",
                          "make a new proof (with a new jti) for every request");
    return DpopVerified{key->thumbprint(), std::string(jti), *iat};
}

}  // namespace vft::auth
