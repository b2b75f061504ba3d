// Compact JWS/JWT signing and verification (RFC 7515/7519) over vft::auth::Key.
#include "vft/auth/jwt.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

#include "auth/auth_util.hpp"
#include "json/json_util.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::auth {

using detail::auth_error;
using detail::shown;

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<signed char, 256> make_decode_table() {
    std::array<signed char, 256> t{};
    for (auto& v : t)
        v = -1;
    for (size_t i = 0; i < kAlphabet.size(); ++i)
        t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
    return t;
}
constexpr auto kDecode = make_decode_table();

Error malformed(std::string message, std::string location = {}) {
    return auth_error(errc::auth_jwt_malformed, std::move(message), std::move(location),
                      "send a compact JWS: base64url(header).base64url(payload).base64url(sig)");
}

const rapidjson::Value* find(const rapidjson::Value& obj, std::string_view name) {
    if (!obj.IsObject()) return nullptr;
    const rapidjson::Value key(rapidjson::StringRef(name.data(), name.size()));
    auto it = obj.FindMember(key);
    return it == obj.MemberEnd() ? nullptr : &it->value;
}

std::vector<std::string> string_array(const rapidjson::Value* v) {
    std::vector<std::string> out;
    if (!v) return out;
    if (v->IsString()) {
        out.emplace_back(v->GetString(), v->GetStringLength());
    } else if (v->IsArray()) {
        for (const auto& e : v->GetArray()) {
            if (!e.IsString()) return {};
            out.emplace_back(e.GetString(), e.GetStringLength());
        }
    }
    return out;
}

// Decodes one segment into JSON object text (header or payload).
Result<std::string> decode_json_segment(std::string_view b64, const char* what,
                                        rapidjson::Document& doc) {
    auto text = base64url_decode(b64);
    if (!text.ok()) return malformed(std::string("the JWT ") + what + " is not base64url", what);
    if (!detail::parse_json_object(*text, doc))
        return malformed(std::string("the JWT ") + what + " is not a JSON object", what);
    return text;
}

Result<detail::JwsParts> split(std::string_view token) {
    if (token.empty()) return malformed("the token is empty");
    if (token.size() > kMaxJwtBytes)
        return malformed("the token is over " + std::to_string(kMaxJwtBytes / 1024) + " KiB");
    detail::JwsParts parts;
    if (!detail::split_jws(token, parts))
        return malformed("the token does not have three dot-separated segments");
    return parts;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest == 1) {
        const uint32_t v = uint32_t{b[i]} << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
    } else if (rest == 2) {
        const uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
    }
    return out;
}

Result<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return malformed("base64url text of impossible length");
    std::string out;
    out.reserve(text.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = kDecode[static_cast<unsigned char>(c)];
        if (v < 0) return malformed("base64url text holds a character outside the alphabet");
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // The bits left over must be zero, so every byte string has exactly one encoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return malformed("base64url text is not canonical (unused bits set)");
    return out;
}

Result<std::string> sign_jwt(const Key& key, std::string_view header_json_extra,
                             std::string_view payload_json) {
    const std::string_view alg = to_string(key.algorithm());
    rapidjson::Document extra;
    const bool has_extra = header_json_extra.find_first_not_of(" \t\r\n") != std::string_view::npos;
    if (has_extra && !detail::parse_json_object(header_json_extra, extra))
        return auth_error(errc::auth_sign_failed, "the extra JWT header is not a JSON object");
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("alg");
    w.String(alg.data(), static_cast<rapidjson::SizeType>(alg.size()));
    if (has_extra) {
        for (auto it = extra.MemberBegin(); it != extra.MemberEnd(); ++it) {
            const std::string_view name(it->name.GetString(), it->name.GetStringLength());
            if (name == "alg") {
                if (!it->value.IsString() || vft::detail::str(&it->value) != alg)
                    return auth_error(errc::auth_sign_failed,
                                      "the extra JWT header names alg " +
                                          shown(vft::detail::str(&it->value)) + " but the key is " +
                                          std::string(alg));
                continue;
            }
            w.Key(it->name.GetString(), it->name.GetStringLength());
            it->value.Accept(w);
        }
    }
    w.EndObject();
    rapidjson::Document payload;
    if (!detail::parse_json_object(payload_json, payload))
        return auth_error(errc::auth_sign_failed, "the JWT payload is not a JSON object");
    std::string token = base64url_encode(std::string_view(buf.GetString(), buf.GetSize())) + '.' +
                        base64url_encode(payload_json);
    auto sig = key.sign(token);
    if (!sig.ok()) return sig.error();
    token += '.';
    token += base64url_encode(*sig);
    return token;
}

Result<VerifiedJwt> verify_jwt(std::string_view token, const Key& key, const JwtChecks& checks) {
    auto parts = split(token);
    if (!parts.ok()) return parts.error();
    rapidjson::Document header;
    auto header_text = decode_json_segment(parts->header_b64, "header", header);
    if (!header_text.ok()) return header_text.error();

    const auto* alg = vft::detail::member(header, "alg");
    if (!alg || !alg->IsString()) return malformed("the JWT header has no alg", "header.alg");
    if (vft::detail::member(header, "crit"))
        return malformed(
            "the JWT header has critical extensions (crit), which vft does not "
            "support",
            "header.crit");
    const std::string_view alg_name = vft::detail::str(alg);
    if (alg_name == "none" || alg_name.empty())
        return auth_error(errc::auth_signature_invalid, "unsigned JWT (alg \"none\") refused",
                          "header.alg", "sign the token with the registered key");
    if (alg_name != to_string(key.algorithm()))
        return auth_error(errc::auth_signature_invalid,
                          "JWT alg " + shown(alg_name) + " is not the key's algorithm " +
                              std::string(to_string(key.algorithm())),
                          "header.alg");
    if (!checks.expected_typ.empty()) {
        const std::string_view typ = vft::detail::str_member(header, "typ");
        if (!detail::typ_matches(typ, checks.expected_typ))
            return auth_error(
                errc::auth_claim_mismatch,
                "JWT typ " + shown(typ) + " where " + shown(checks.expected_typ) + " is required",
                "header.typ");
    }
    auto sig = base64url_decode(parts->signature_b64);
    if (!sig.ok()) return malformed("the JWT signature is not base64url", "signature");
    if (!key.verify(parts->signing_input, *sig))
        return auth_error(errc::auth_signature_invalid,
                          "the JWT signature does not verify with the key", "signature",
                          "the token was altered or signed with another key");

    rapidjson::Document payload;
    auto payload_text = decode_json_segment(parts->payload_b64, "payload", payload);
    if (!payload_text.ok()) return payload_text.error();

    const int64_t now = detail::now_or_clock(checks.now);
    auto time_claim = [&](const char* name) -> Result<std::optional<int64_t>> {
        const auto* v = vft::detail::member(payload, name);
        if (!v) return std::optional<int64_t>();
        auto n = detail::as_int64(v);
        if (!n)
            return malformed(std::string("JWT claim ") + name + " is not a number",
                             std::string("payload.") + name);
        return std::optional<int64_t>(*n);
    };
    auto exp = time_claim("exp");
    if (!exp.ok()) return exp.error();
    auto nbf = time_claim("nbf");
    if (!nbf.ok()) return nbf.error();
    auto iat = time_claim("iat");
    if (!iat.ok()) return iat.error();
    if (!*exp && checks.require_exp)
        return auth_error(errc::auth_expired, "the JWT has no exp; an expiry is required",
                          "payload.exp");
    if (*exp && now >= **exp + checks.leeway_s)
        return auth_error(errc::auth_expired,
                          "the JWT expired " + std::to_string(now - **exp) + " s ago",
                          "payload.exp", "get a new token");
    if (*nbf && now + checks.leeway_s < **nbf)
        return auth_error(errc::auth_expired,
                          "the JWT is not valid for another " + std::to_string(**nbf - now) + " s",
                          "payload.nbf", "check the clocks of sender and receiver");
    if (*iat && now + checks.leeway_s < **iat)
        return auth_error(errc::auth_expired,
                          "the JWT was issued " + std::to_string(**iat - now) + " s in the future",
                          "payload.iat", "check the clocks of sender and receiver");

    if (!checks.issuer.empty()) {
        const auto* iss = vft::detail::member(payload, "iss");
        if (!iss || !iss->IsString() || vft::detail::str(iss) != checks.issuer)
            return auth_error(errc::auth_claim_mismatch,
                              "JWT iss " + shown(vft::detail::str(iss)) + " where " +
                                  shown(checks.issuer) + " is expected",
                              "payload.iss");
    }
    if (!checks.audience.empty()) {
        const auto auds = string_array(vft::detail::member(payload, "aud"));
        bool found = false;
        for (const auto& a : auds)
            found = found || a == checks.audience;
        if (!found)
            return auth_error(errc::auth_claim_mismatch,
                              "JWT aud " + shown(auds.empty() ? std::string() : auds.front()) +
                                  (auds.size() > 1 ? " (and others)" : "") + " does not include " +
                                  shown(checks.audience),
                              "payload.aud");
    }
    if (checks.replay) {
        const std::string_view jti = vft::detail::str_member(payload, "jti");
        if (jti.empty())
            return auth_error(errc::auth_claim_mismatch, "the JWT has no jti", "payload.jti",
                              "give every token a unique jti");
        constexpr int64_t kRememberWithoutExp = 24 * 3600;
        const int64_t until = *exp ? **exp + checks.leeway_s : now + kRememberWithoutExp;
        if (checks.replay->seen_before(jti, until, now))
            return auth_error(errc::auth_replay, "the JWT's jti was used before", "payload.jti",
                              "make a new token (with a new jti) for every request");
    }
    return VerifiedJwt{std::move(header_text).value(), std::move(payload_text).value()};
}

Result<std::string> jwt_header(std::string_view token) {
    auto parts = split(token);
    if (!parts.ok()) return parts.error();
    rapidjson::Document doc;
    return decode_json_segment(parts->header_b64, "header", doc);
}

Result<std::string> jwt_payload(std::string_view token) {
    auto parts = split(token);
    if (!parts.ok()) return parts.error();
    rapidjson::Document doc;
    return decode_json_segment(parts->payload_b64, "payload", doc);
}

std::optional<std::string> json_string_member(std::string_view json, std::string_view name) {
    rapidjson::Document doc;
    if (!detail::parse_json_object(json, doc)) return std::nullopt;
    const auto* v = find(doc, name);
    if (!v || !v->IsString()) return std::nullopt;
    return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> json_int_member(std::string_view json, std::string_view name) {
    rapidjson::Document doc;
    if (!detail::parse_json_object(json, doc)) return std::nullopt;
    const auto* v = find(doc, name);
    return detail::as_int64(v);
}

std::vector<std::string> json_string_array_member(std::string_view json, std::string_view name) {
    rapidjson::Document doc;
    if (!detail::parse_json_object(json, doc)) return {};
    return string_array(find(doc, name));
}

std::optional<std::string> VerifiedJwt::header_string(std::string_view name) const {
    return json_string_member(header_json, name);
}

std::optional<std::string> VerifiedJwt::string_claim(std::string_view name) const {
    return json_string_member(payload_json, name);
}

std::optional<int64_t> VerifiedJwt::int_claim(std::string_view name) const {
    return json_int_member(payload_json, name);
}

std::vector<std::string> VerifiedJwt::string_array_claim(std::string_view name) const {
    return json_string_array_member(payload_json, name);
}

std::vector<std::string> VerifiedJwt::scopes() const {
    rapidjson::Document doc;
    if (!detail::parse_json_object(payload_json, doc)) return {};
    const auto* v = find(doc, "scope");
    if (!v || !v->IsString()) return string_array(v);
    std::vector<std::string> out;
    const std::string_view s = vft::detail::str(v);
    size_t i = 0;
    while (i < s.size()) {
        const size_t j = s.find(' ', i);
        const size_t end = j == std::string_view::npos ? s.size() : j;
        if (end > i) out.emplace_back(s.substr(i, end - i));
        i = end + 1;
    }
    return out;
}

}  // namespace vft::auth
