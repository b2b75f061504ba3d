// Fuzzes the JWT/JWS and DPoP parsers a receiver runs on untrusted Authorization and DPoP
// headers, and the JWK/JWKS readers a receiver runs on a token service's answer. Any input must
// be refused cleanly or verified, never crash; a verified token must re-verify.
// Random bytes almost never carry a valid signature, so the input is also signed as a payload
// with the fuzzer's key: when that succeeds (the input is a JSON object), the token must verify
// (or be refused only for its times: exp/nbf/iat) with the payload byte for byte, verify again
// the same, and be refused once a signature byte is flipped. A broken signer or verifier traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/core/error_codes.hpp"

namespace {

const vft::auth::Key& key() {
    static const vft::auth::Key k = [] {
        auto r = vft::auth::Key::generate(vft::auth::Algorithm::es256);
        if (!r) __builtin_trap();
        return *r;
    }();
    return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)vft::auth::jwt_header(text);
    (void)vft::auth::jwt_payload(text);
    (void)vft::auth::base64url_decode(text);
    vft::auth::JwtChecks checks;
    checks.now = 1764000000;
    checks.require_exp = false;
    if (auto v = vft::auth::verify_jwt(text, key(), checks)) {
        (void)v->scopes();
        (void)v->string_claim("iss");
        auto again = vft::auth::verify_jwt(text, key(), checks);
        if (!again || again->payload_json != v->payload_json) __builtin_trap();
    }
    if (auto token = vft::auth::sign_jwt(key(), R"({"typ":"at+jwt"})", text)) {
        auto v = vft::auth::verify_jwt(*token, key(), checks);
        if (!v) {
            if (v.error().code != vft::errc::auth_expired) __builtin_trap();
        } else {
            if (v->payload_json != text) __builtin_trap();
            auto again = vft::auth::verify_jwt(*token, key(), checks);
            if (!again || again->payload_json != v->payload_json ||
                again->header_json != v->header_json)
                __builtin_trap();
            std::string flipped = *token;
            flipped[flipped.size() - 2] ^= 0x01;  // in the signature segment
            if (vft::auth::verify_jwt(flipped, key(), checks)) __builtin_trap();
        }
    }
    vft::auth::ReplayCache replay;
    vft::auth::DpopExpect expect;
    expect.htm = "POST";
    expect.htu = "https://epj.example/v1/Bundle";
    expect.access_token = "token";
    expect.now = 1764000000;
    expect.replay = &replay;
    (void)vft::auth::verify_dpop_proof(text, expect);
    (void)vft::auth::normalize_htu(text);
    (void)vft::auth::Key::from_jwk_json(text);
    (void)vft::auth::Key::from_jwks_json(text, "k1");
    (void)vft::auth::Key::load_pem(text);
    return 0;
}
