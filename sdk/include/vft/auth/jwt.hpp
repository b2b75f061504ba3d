// Compact JWS/JWT (RFC 7515/7519): base64url, signing, and verification with the checks a
// receiver needs (alg pinned to the key, typ, signature, exp/nbf/iat, iss, aud, jti replay).
// Thread-safe: free functions without shared state (a ReplayCache given in JwtChecks is itself
// thread-safe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"

namespace vft::auth {

class ReplayCache;

// Longest token the parsers accept (a DPoP proof with an RSA 8192 JWK is well under this).
inline constexpr std::size_t kMaxJwtBytes = 64 * 1024;

// RFC 4648 §5 base64url without padding.
[[nodiscard]] std::string base64url_encode(std::string_view bytes);
// Strict: no padding, no whitespace, only the base64url alphabet, unused bits zero.
// Errors: VFT-AUTH-0905.
[[nodiscard]] Result<std::string> base64url_decode(std::string_view text);

// Signs a JWT in compact serialisation. The header is {"alg": <the key's algorithm>} followed by
// the members of `header_json_extra` (a JSON object such as {"typ":"JWT","kid":"k1"}; empty text
// means none). An "alg" member there must equal the key's algorithm. `payload_json` must be a
// JSON object and is used byte for byte. Errors: VFT-AUTH-0902 (not JSON objects, alg conflict,
// signing failed), VFT-AUTH-0901 (a public key cannot sign).
[[nodiscard]] Result<std::string> sign_jwt(const Key& key, std::string_view header_json_extra,
                                           std::string_view payload_json);

// What verify_jwt checks besides the signature.
struct JwtChecks {
    std::string expected_typ;  // header typ, case-insensitive, "application/" optional; "" = any
    std::string issuer;        // payload iss must equal this; empty = not checked
    std::string audience;      // payload aud (string or array) must hold this; empty = not checked
    int64_t now = 0;           // seconds since the epoch; 0 = the system clock
    int leeway_s = 60;         // clock skew allowed for exp, nbf and iat
    bool require_exp = true;   // a token without exp is refused
    // When set: a jti is required and a reused one refused (VFT-AUTH-0910); it is remembered
    // until exp + leeway_s (a day when the token has no exp). Not owned; must outlive the call.
    ReplayCache* replay = nullptr;
};

// A token whose signature and checks passed: its decoded header and payload JSON, with small
// typed getters (each parses the JSON again; tokens are small).
struct VerifiedJwt {
    std::string header_json;
    std::string payload_json;

    [[nodiscard]] std::optional<std::string> header_string(std::string_view name) const;
    [[nodiscard]] std::optional<std::string> string_claim(std::string_view name) const;
    // An integer claim (a JSON number with a fraction is truncated toward zero, as for
    // NumericDate).
    [[nodiscard]] std::optional<int64_t> int_claim(std::string_view name) const;
    // An array of strings; a single string is returned as one element; empty when absent.
    [[nodiscard]] std::vector<std::string> string_array_claim(std::string_view name) const;
    // "scope": space-separated string (RFC 8693) or array of strings; empty when absent.
    [[nodiscard]] std::vector<std::string> scopes() const;
};

// Verifies a compact JWS with `key`. Refuses, in this order: malformed token (three base64url
// segments, JSON object header with alg, no "crit"; VFT-AUTH-0905); alg "none" or an alg other
// than the key's (VFT-AUTH-0906); wrong typ (VFT-AUTH-0908); bad signature (VFT-AUTH-0906);
// payload not a JSON object (VFT-AUTH-0905); exp passed, missing exp, nbf or iat in the future
// (VFT-AUTH-0907); iss or aud mismatch (VFT-AUTH-0908); reused jti (VFT-AUTH-0910). Messages
// never contain the token.
[[nodiscard]] Result<VerifiedJwt> verify_jwt(std::string_view token, const Key& key,
                                             const JwtChecks& checks);

// The decoded header / payload JSON of a compact JWS without verifying anything but its form
// (e.g. to find the kid, or for logs). Errors: VFT-AUTH-0905.
[[nodiscard]] Result<std::string> jwt_header(std::string_view token);
[[nodiscard]] Result<std::string> jwt_payload(std::string_view token);

// Typed reads from a JSON object text (as returned by jwt_header/jwt_payload); nullopt or empty
// when the text is not a JSON object or the member is absent or of another type.
[[nodiscard]] std::optional<std::string> json_string_member(std::string_view json,
                                                            std::string_view name);
[[nodiscard]] std::optional<int64_t> json_int_member(std::string_view json, std::string_view name);
[[nodiscard]] std::vector<std::string> json_string_array_member(std::string_view json,
                                                                std::string_view name);

}  // namespace vft::auth
