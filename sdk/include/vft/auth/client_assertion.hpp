// private_key_jwt client assertions (RFC 7523 §2.2, OIDC Core §9) for the HelseID-style token
// endpoint: typ "client-authentication+jwt", iss = sub = client id, aud = token endpoint.
// Thread-safe: a free function without shared state.
#pragma once

#include <cstdint>
#include <string>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"

namespace vft::auth {

struct ClientAssertion {
    std::string client_id;       // iss and sub
    std::string token_endpoint;  // aud: the token endpoint URL
    std::string kid;             // header kid; empty = no kid
    int lifetime_s = 60;         // exp = iat + lifetime_s; 1..600
    int64_t now = 0;             // iat (and nbf), seconds since the epoch; 0 = the system clock
};

// A signed assertion with header {"alg","typ":"client-authentication+jwt"[,"kid"]} and claims
// iss, sub, aud, iat, nbf, exp and a fresh UUID jti. Errors: VFT-AUTH-0902 (empty client id or
// endpoint, lifetime out of range, signing failed), VFT-AUTH-0901 (a public key).
[[nodiscard]] Result<std::string> make_client_assertion(const Key& key,
                                                        const ClientAssertion& claims);

}  // namespace vft::auth
