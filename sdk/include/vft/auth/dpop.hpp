// DPoP proofs (RFC 9449) as HelseID and the JFT/PMD APIs use them: making a proof per request,
// and verifying one on the receiving side (typ, alg and embedded jwk, signature, htm, htu, iat
// window, ath, nonce, key binding to the token's cnf.jkt, jti replay).
// Thread-safe: free functions without shared state (a ReplayCache given in DpopExpect is itself
// thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/core/result.hpp"

namespace vft::auth {

struct DpopClaims {
    std::string htm;           // HTTP method, e.g. "POST"
    std::string htu;           // the request URL; query and fragment are dropped
    std::string access_token;  // empty = no ath (a proof for the token endpoint)
    std::string nonce;         // the server's DPoP-Nonce; empty = no nonce claim
    int64_t now = 0;           // iat, seconds since the epoch; 0 = the system clock
};

// A proof with header {"typ":"dpop+jwt","alg","jwk": the public JWK} and claims jti (fresh
// UUID), htm, htu, iat, and ath = base64url(SHA-256(access_token)) and nonce when given.
// Errors: VFT-AUTH-0902 (empty htm, htu not an absolute http(s) URL, signing failed),
// VFT-AUTH-0901 (a public key).
[[nodiscard]] Result<std::string> make_dpop_proof(const Key& key, const DpopClaims& claims);

struct DpopExpect {
    std::string htm;           // the request's method
    std::string htu;           // the request's URL (normalised before comparing)
    std::string access_token;  // the token presented with the proof; empty = no ath check
    std::string expected_jkt;  // cnf.jkt of the token; empty = not checked
    std::string nonce;         // the nonce the server issued; empty = not checked
    int64_t now = 0;           // seconds since the epoch; 0 = the system clock
    int max_age_s = 300;       // iat may be at most this old
    int leeway_s = 60;         // iat may be at most this far in the future
    // When set, a reused jti is refused (VFT-AUTH-0910), checked last so a proof refused for
    // another reason does not use up its jti; remembered until the proof is too old anyway
    // (iat + max_age_s). Not owned; must outlive the call.
    ReplayCache* replay = nullptr;
};

struct DpopVerified {
    std::string jkt;  // RFC 7638 thumbprint of the proof's key
    std::string jti;
    int64_t iat = 0;
};

// Verifies a proof. Errors: VFT-AUTH-0905 (malformed), VFT-AUTH-0909 (typ, alg not asymmetric or
// not the jwk's, jwk missing/private/invalid, no jti, nonce missing or wrong, jkt not the
// token's), VFT-AUTH-0906 (signature), VFT-AUTH-0908 (htm, htu, ath), VFT-AUTH-0907 (iat outside
// the window), VFT-AUTH-0910 (replayed jti). Messages never contain the proof or the token.
[[nodiscard]] Result<DpopVerified> verify_dpop_proof(std::string_view proof,
                                                     const DpopExpect& expect);

// base64url(SHA-256(access_token)) — the ath claim.
[[nodiscard]] std::string dpop_ath(std::string_view access_token);
// The htu form of a URL (RFC 9449 §4.3 with RFC 3986 §6.2.2/6.2.3): scheme and host in lower
// case, default port dropped, empty path as "/", percent-escapes in upper case, query and
// fragment dropped.
[[nodiscard]] std::string normalize_htu(std::string_view url);

}  // namespace vft::auth
