// vft::auth: keys and JWKs, JWS/JWT signing and verification, client assertions, DPoP proofs
// and the replay cache. Keys are generated at test time; no private key is ever checked in.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>
#include <vector>

#include "vft/auth/client_assertion.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/uuid.hpp"

using namespace vft;
using namespace vft::auth;

namespace {

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

// RSA generation is slow in a Debug build: one key per algorithm (and one spare) per run.
const Key& test_key(Algorithm alg, int which = 0) {
    static std::map<std::pair<Algorithm, int>, Key> keys;
    auto it = keys.find({alg, which});
    if (it == keys.end()) {
        auto k = Key::generate(alg);
        REQUIRE(k.ok());
        it = keys.emplace(std::make_pair(alg, which), *k).first;
    }
    return it->second;
}

std::string b64(std::string_view s) {
    return base64url_encode(s);
}

std::vector<std::string> segments(const std::string& token) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        const size_t dot = token.find('.', start);
        out.push_back(token.substr(start, dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return out;
}

std::string decoded(std::string_view b64text) {
    auto d = base64url_decode(b64text);
    REQUIRE(d.ok());
    return *d;
}

// The RSA key of RFC 7638 §3.1 (also RFC 7517 Appendix A.1), text as in the RFC.
constexpr const char* kRfc7638Jwk = R"({
 "kty": "RSA",
 "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
 "e": "AQAB",
 "alg": "RS256",
 "kid": "2011-04-29"
})";

}  // namespace

TEST_CASE("base64url: RFC 4648 vectors, no padding, strict decoding", "[auth]") {
    const std::vector<std::pair<std::string, std::string>> v = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
    for (const auto& [raw, enc] : v) {
        CHECK(base64url_encode(raw) == enc);
        auto d = base64url_decode(enc);
        REQUIRE(d.ok());
        CHECK(*d == raw);
    }
    for (const char* bad : {"Zg==", "Z", "Zh", "+/8", "Zm 9v", "Zm9v\n"}) {
        INFO(bad);
        auto d = base64url_decode(bad);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error().code == errc::auth_jwt_malformed);
    }
}

TEST_CASE("Key: every algorithm signs, verifies and round-trips through JWK and PEM", "[auth]") {
    for (const Algorithm alg : {Algorithm::rs256, Algorithm::es256, Algorithm::eddsa}) {
        INFO(to_string(alg));
        const Key& key = test_key(alg);
        CHECK(key.algorithm() == alg);
        CHECK(key.has_private());
        CHECK(algorithm_from_string(to_string(alg)) == alg);

        auto sig = key.sign("payload to sign");
        REQUIRE(sig.ok());
        const size_t expected_size = alg == Algorithm::rs256 ? 256 : 64;  // ES256: R||S, not DER
        CHECK(sig->size() == expected_size);
        CHECK(key.verify("payload to sign", *sig));
        CHECK_FALSE(key.verify("payload to sigm", *sig));
        std::string bad = *sig;
        bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x01);
        CHECK_FALSE(key.verify("payload to sign", bad));
        CHECK_FALSE(key.verify("payload to sign", sig->substr(1)));
        CHECK_FALSE(key.verify("payload to sign", ""));

        // The public JWK: no private member, the alg, and a key that verifies the same signature.
        const std::string jwk = key.public_jwk_json();
        for (const char* priv : {"\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\""})
            CHECK(jwk.find(priv) == std::string::npos);
        CHECK(jwk.find(R"("alg":")" + std::string(to_string(alg)) + '"') != std::string::npos);
        CHECK(key.public_jwk_json("k1").find(R"("kid":"k1")") != std::string::npos);
        auto pub = Key::from_jwk_json(jwk);
        REQUIRE(pub.ok());
        CHECK_FALSE(pub->has_private());
        CHECK(pub->algorithm() == alg);
        CHECK(pub->verify("payload to sign", *sig));
        CHECK(pub->thumbprint() == key.thumbprint());
        CHECK(pub->thumbprint().size() == 43);  // 32 bytes of SHA-256 in base64url
        CHECK(pub->private_pem().empty());
        auto pub_sign = pub->sign("x");
        REQUIRE_FALSE(pub_sign.ok());
        CHECK(pub_sign.error().code == errc::auth_key_invalid);

        // PEM: private → private, public → public, same key.
        const std::string priv_pem = key.private_pem();
        CHECK(priv_pem.find("-----BEGIN PRIVATE KEY-----") == 0);
        auto again = Key::load_pem(priv_pem);
        REQUIRE(again.ok());
        CHECK(again->has_private());
        CHECK(again->thumbprint() == key.thumbprint());
        auto from_pub_pem = Key::load_pem(key.public_pem());
        REQUIRE(from_pub_pem.ok());
        CHECK_FALSE(from_pub_pem->has_private());
        CHECK(from_pub_pem->verify("payload to sign", *sig));

        // A different key of the same kind does not verify.
        CHECK_FALSE(test_key(alg, 1).verify("payload to sign", *sig));
        CHECK(test_key(alg, 1).thumbprint() != key.thumbprint());
    }
}

TEST_CASE("Key: RFC 7638 and RFC 8037 thumbprint vectors", "[auth]") {
    auto rsa = Key::from_jwk_json(kRfc7638Jwk);
    REQUIRE(rsa.ok());
    CHECK(rsa->algorithm() == Algorithm::rs256);
    CHECK(rsa->thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    // RFC 8037 Appendix A.3 (Ed25519 public key).
    auto ed = Key::from_jwk_json(
        R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    REQUIRE(ed.ok());
    CHECK(ed->thumbprint() == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST_CASE("Key: unusable keys are refused with AUTH-0901 and no key text", "[auth]") {
    auto expect_invalid = [](const Result<Key>& k) {
        REQUIRE_FALSE(k.ok());
        CHECK(k.error().code == errc::auth_key_invalid);
        CHECK(k.error().message.find("BEGIN") == std::string::npos);
    };
    expect_invalid(Key::load_pem(""));
    expect_invalid(Key::load_pem("not a key"));
    expect_invalid(Key::load_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
    // Encrypted keys fail at once: never a passphrase prompt.
    expect_invalid(
        Key::load_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0w"
                      "\n-----END ENCRYPTED PRIVATE KEY-----\n"));
    auto missing = Key::load_file("/nonexistent/vft-test.key");
    expect_invalid(missing);
    CHECK(missing.error().location == "/nonexistent/vft-test.key");

    // JWKs: unsupported kty/crv/alg, wrong use, wrong sizes, a point off the curve, short RSA.
    const Key& ec = test_key(Algorithm::es256);
    std::string jwk = ec.public_jwk_json();
    expect_invalid(Key::from_jwk_json(R"({"kty":"oct","k":"c2VjcmV0"})"));
    expect_invalid(Key::from_jwk_json("[]"));
    expect_invalid(Key::from_jwk_json("{"));
    expect_invalid(Key::from_jwk_json(
        R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"));
    expect_invalid(Key::from_jwk_json(
        R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR"})"));
    expect_invalid(Key::from_jwk_json(
        R"({"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"));
    expect_invalid(Key::from_jwk_json(
        R"({"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"));
    {
        auto x = *json_string_member(jwk, "x");
        auto y = *json_string_member(jwk, "y");
        std::string y_bytes = decoded(y);
        y_bytes[31] = static_cast<char>(y_bytes[31] ^ 0x01);  // (x, y') is not on P-256
        expect_invalid(Key::from_jwk_json(R"({"kty":"EC","crv":"P-256","x":")" + x + R"(","y":")" +
                                          b64(y_bytes) + R"("})"));
        expect_invalid(Key::from_jwk_json(R"({"kty":"EC","crv":"P-384","x":")" + x + R"(","y":")" +
                                          y + R"("})"));
    }
    {
        // A 1024-bit modulus: the first half of the RFC 7638 key's n, made odd.
        std::string n = decoded(*json_string_member(kRfc7638Jwk, "n")).substr(0, 128);
        n.back() = static_cast<char>(n.back() | 1);
        expect_invalid(Key::from_jwk_json(R"({"kty":"RSA","e":"AQAB","n":")" + b64(n) + R"("})"));
    }
    // The RFC key with a conflicting alg.
    std::string wrong_alg = kRfc7638Jwk;
    wrong_alg.replace(wrong_alg.find("RS256"), 5, "PS256");
    expect_invalid(Key::from_jwk_json(wrong_alg));
    // A private member in a JWK is ignored: the result is a public key.
    auto with_d = Key::from_jwk_json(
        R"({"kty":"OKP","crv":"Ed25519","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    REQUIRE(with_d.ok());
    CHECK_FALSE(with_d->has_private());
}

TEST_CASE("Key: a JWKS is searched by kid", "[auth]") {
    const Key& a = test_key(Algorithm::es256);
    const Key& b = test_key(Algorithm::eddsa);
    const std::string jwks =
        R"({"keys":[)" + a.public_jwk_json("a") + "," + b.public_jwk_json("b") + "]}";
    auto kb = Key::from_jwks_json(jwks, "b");
    REQUIRE(kb.ok());
    CHECK(kb->thumbprint() == b.thumbprint());
    auto none = Key::from_jwks_json(jwks, "c");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code == errc::auth_key_invalid);
    CHECK_FALSE(Key::from_jwks_json(jwks, "").ok());  // two keys and no kid: ambiguous
    auto single = Key::from_jwks_json(R"({"keys":[)" + a.public_jwk_json() + "]}", "");
    REQUIRE(single.ok());
    CHECK(single->thumbprint() == a.thumbprint());
}

TEST_CASE("JWT: signed tokens verify and their claims read back", "[auth]") {
    for (const Algorithm alg : {Algorithm::rs256, Algorithm::es256, Algorithm::eddsa}) {
        INFO(to_string(alg));
        const Key& key = test_key(alg);
        const std::string payload = R"({"iss":"https://sts.example","aud":["api","other"],)"
                                    R"("exp":)" +
                                    std::to_string(kNow + 300) + R"(,"iat":)" +
                                    std::to_string(kNow) +
                                    R"(,"scope":"nhn:jft/api  nhn:vkp/api/user/bundle.write",)"
                                    R"("client_amr":"private_key_jwt","n":1.5e0})";
        auto token = sign_jwt(key, R"({"typ":"at+jwt","kid":"k-1"})", payload);
        REQUIRE(token.ok());
        CHECK(segments(*token).size() == 3);

        JwtChecks checks;
        checks.expected_typ = "application/AT+JWT";  // media type: case and prefix do not matter
        checks.issuer = "https://sts.example";
        checks.audience = "api";
        checks.now = kNow + 10;
        auto v = verify_jwt(*token, key, checks);
        REQUIRE(v.ok());
        CHECK(v->header_string("alg") == std::string(to_string(alg)));
        CHECK(v->header_string("typ") == "at+jwt");
        CHECK(v->header_string("kid") == "k-1");
        CHECK(v->payload_json == payload);
        CHECK(v->string_claim("client_amr") == "private_key_jwt");
        CHECK(v->int_claim("exp") == kNow + 300);
        CHECK(v->int_claim("n") == 1);
        CHECK_FALSE(v->string_claim("exp").has_value());
        CHECK_FALSE(v->int_claim("missing").has_value());
        CHECK(v->string_array_claim("aud") == std::vector<std::string>{"api", "other"});
        CHECK(v->string_array_claim("iss") == std::vector<std::string>{"https://sts.example"});
        CHECK(v->scopes() ==
              std::vector<std::string>{"nhn:jft/api", "nhn:vkp/api/user/bundle.write"});

        // Unverified reads, e.g. to pick the key by kid.
        auto header = jwt_header(*token);
        REQUIRE(header.ok());
        CHECK(json_string_member(*header, "kid") == "k-1");
        auto body = jwt_payload(*token);
        REQUIRE(body.ok());
        CHECK(*body == payload);
    }
    // scope as an array is read too.
    auto t = sign_jwt(test_key(Algorithm::eddsa), "", R"({"scope":["a","b"]})");
    REQUIRE(t.ok());
    JwtChecks lax;
    lax.require_exp = false;
    auto v = verify_jwt(*t, test_key(Algorithm::eddsa), lax);
    REQUIRE(v.ok());
    CHECK(v->scopes() == std::vector<std::string>{"a", "b"});
}

TEST_CASE("JWT: sign_jwt refuses bad input", "[auth]") {
    const Key& key = test_key(Algorithm::es256);
    auto not_object = sign_jwt(key, "", "[1]");
    REQUIRE_FALSE(not_object.ok());
    CHECK(not_object.error().code == errc::auth_sign_failed);
    auto bad_header = sign_jwt(key, "{", "{}");
    REQUIRE_FALSE(bad_header.ok());
    CHECK(bad_header.error().code == errc::auth_sign_failed);
    auto alg_conflict = sign_jwt(key, R"({"alg":"none"})", "{}");
    REQUIRE_FALSE(alg_conflict.ok());
    CHECK(alg_conflict.error().code == errc::auth_sign_failed);
    CHECK(sign_jwt(key, R"({"alg":"ES256"})", "{}").ok());  // the same alg is fine
    auto public_only = Key::from_jwk_json(key.public_jwk_json());
    REQUIRE(public_only.ok());
    auto no_private = sign_jwt(*public_only, "", "{}");
    REQUIRE_FALSE(no_private.ok());
    CHECK(no_private.error().code == errc::auth_key_invalid);
}

TEST_CASE("JWT: verify_jwt refuses each kind of bad token with its code", "[auth]") {
    const Key& key = test_key(Algorithm::es256);
    const std::string payload = R"({"iss":"client-1","aud":"https://sts.example/connect/token",)"
                                R"("sub":"alice","iat":)" +
                                std::to_string(kNow) + R"(,"nbf":)" + std::to_string(kNow) +
                                R"(,"exp":)" + std::to_string(kNow + 60) + "}";
    auto signed_token = sign_jwt(key, R"({"typ":"client-authentication+jwt"})", payload);
    REQUIRE(signed_token.ok());
    const std::string token = *signed_token;
    JwtChecks checks;
    checks.expected_typ = "client-authentication+jwt";
    checks.issuer = "client-1";
    checks.audience = "https://sts.example/connect/token";
    checks.now = kNow + 5;
    REQUIRE(verify_jwt(token, key, checks).ok());

    auto refused = [&](const std::string& t, std::string_view code, const JwtChecks& c) {
        auto r = verify_jwt(t, key, c);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == code);
        // The message never echoes the token or its segments.
        for (const auto& seg : segments(t)) {
            if (seg.size() >= 8) CHECK(r.error().message.find(seg) == std::string::npos);
        }
        return r.error();
    };
    const auto seg = segments(token);

    // alg "none", with and without a signature segment.
    const std::string none_header = b64(R"({"alg":"none","typ":"client-authentication+jwt"})");
    CHECK(
        refused(none_header + "." + seg[1] + ".", errc::auth_signature_invalid, checks).location ==
        "header.alg");
    refused(none_header + "." + seg[1] + "." + seg[2], errc::auth_signature_invalid, checks);
    // An alg other than the key's (HS256 with the public key as secret is the classic attack).
    refused(b64(R"({"alg":"HS256"})") + "." + seg[1] + "." + seg[2], errc::auth_signature_invalid,
            checks);
    refused(b64(R"({"alg":"RS256"})") + "." + seg[1] + "." + seg[2], errc::auth_signature_invalid,
            checks);

    // Tampered payload: one byte changed ("alice" → "alicf"), signature kept.
    std::string body = decoded(seg[1]);
    body[body.find("alice") + 4] = 'f';
    refused(seg[0] + "." + b64(body) + "." + seg[2], errc::auth_signature_invalid, checks);
    // Tampered signature.
    std::string sig = decoded(seg[2]);
    sig[0] = static_cast<char>(sig[0] ^ 0x80);
    refused(seg[0] + "." + seg[1] + "." + b64(sig), errc::auth_signature_invalid, checks);
    // The right algorithm, another key.
    CHECK(verify_jwt(token, test_key(Algorithm::es256, 1), checks).error().code ==
          errc::auth_signature_invalid);
    CHECK(verify_jwt(token, test_key(Algorithm::eddsa), checks).error().code ==
          errc::auth_signature_invalid);

    // Time: expired (after leeway), not yet valid, issued in the future, no exp.
    JwtChecks late = checks;
    late.now = kNow + 60 + 60;
    CHECK(refused(token, errc::auth_expired, late).location == "payload.exp");
    late.now = kNow + 60 + 59;  // inside the leeway
    CHECK(verify_jwt(token, key, late).ok());
    late.leeway_s = 0;
    late.now = kNow + 60;
    refused(token, errc::auth_expired, late);
    JwtChecks early = checks;
    early.now = kNow - 61;
    refused(token, errc::auth_expired, early);
    auto no_exp = sign_jwt(key, R"({"typ":"client-authentication+jwt"})",
                           R"({"iss":"client-1","aud":"https://sts.example/connect/token"})");
    REQUIRE(no_exp.ok());
    refused(*no_exp, errc::auth_expired, checks);
    JwtChecks optional_exp = checks;
    optional_exp.require_exp = false;
    CHECK(verify_jwt(*no_exp, key, optional_exp).ok());

    // iss, aud and typ.
    JwtChecks other = checks;
    other.issuer = "client-2";
    CHECK(refused(token, errc::auth_claim_mismatch, other).location == "payload.iss");
    other = checks;
    other.audience = "https://evil.example/connect/token";
    CHECK(refused(token, errc::auth_claim_mismatch, other).location == "payload.aud");
    other = checks;
    other.expected_typ = "dpop+jwt";
    CHECK(refused(token, errc::auth_claim_mismatch, other).location == "header.typ");

    // Malformed: segments, base64, JSON, missing alg, crit, duplicate members, size.
    refused(seg[0] + "." + seg[1], errc::auth_jwt_malformed, checks);
    refused(token + ".x", errc::auth_jwt_malformed, checks);
    refused("", errc::auth_jwt_malformed, checks);
    refused(seg[0] + "=." + seg[1] + "." + seg[2], errc::auth_jwt_malformed, checks);
    refused(b64("not json") + "." + seg[1] + "." + seg[2], errc::auth_jwt_malformed, checks);
    refused(b64(R"({"typ":"JWT"})") + "." + seg[1] + "." + seg[2], errc::auth_jwt_malformed,
            checks);
    refused(b64(R"({"alg":"ES256","crit":["exp"]})") + "." + seg[1] + "." + seg[2],
            errc::auth_jwt_malformed, checks);
    refused(b64(R"({"alg":"ES256","alg":"none"})") + "." + seg[1] + "." + seg[2],
            errc::auth_jwt_malformed, checks);
    refused(std::string(kMaxJwtBytes + 1, 'a'), errc::auth_jwt_malformed, checks);
    std::string deep(100, '[');
    refused(b64(R"({"alg":"ES256","x":)" + deep + "}") + "." + seg[1] + "." + seg[2],
            errc::auth_jwt_malformed, checks);
    CHECK_FALSE(jwt_header("a.b").ok());
    CHECK_FALSE(jwt_payload(seg[0] + ".!!." + seg[2]).ok());
}

TEST_CASE("JWT: a replay cache in the checks refuses a reused jti", "[auth]") {
    const Key& key = test_key(Algorithm::eddsa);
    ReplayCache cache;
    JwtChecks checks;
    checks.now = kNow;
    checks.replay = &cache;
    auto t = sign_jwt(key, "", R"({"jti":"j-1","exp":)" + std::to_string(kNow + 60) + "}");
    REQUIRE(t.ok());
    REQUIRE(verify_jwt(*t, key, checks).ok());
    auto again = verify_jwt(*t, key, checks);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == errc::auth_replay);
    auto no_jti = sign_jwt(key, "", R"({"exp":)" + std::to_string(kNow + 60) + "}");
    REQUIRE(no_jti.ok());
    CHECK(verify_jwt(*no_jti, key, checks).error().code == errc::auth_claim_mismatch);
}

TEST_CASE("client assertion: HelseID typ, iss = sub = client id, aud, times, unique jti",
          "[auth]") {
    for (const Algorithm alg : {Algorithm::rs256, Algorithm::es256}) {
        INFO(to_string(alg));
        const Key& key = test_key(alg);
        ClientAssertion ca;
        ca.client_id = "a1b2c3-client";
        ca.token_endpoint = "https://helseid-sts.test.nhn.no/connect/token";
        ca.kid = "key-2026";
        ca.now = kNow;
        auto a1 = make_client_assertion(key, ca);
        auto a2 = make_client_assertion(key, ca);
        REQUIRE(a1.ok());
        REQUIRE(a2.ok());

        JwtChecks checks;
        checks.expected_typ = "client-authentication+jwt";
        checks.issuer = ca.client_id;
        checks.audience = ca.token_endpoint;
        checks.now = kNow + 1;
        auto v1 = verify_jwt(*a1, key, checks);
        REQUIRE(v1.ok());
        CHECK(v1->header_string("typ") == "client-authentication+jwt");
        CHECK(v1->header_string("alg") == std::string(to_string(alg)));
        CHECK(v1->header_string("kid") == "key-2026");
        CHECK(v1->string_claim("iss") == ca.client_id);
        CHECK(v1->string_claim("sub") == ca.client_id);
        CHECK(v1->string_claim("aud") == ca.token_endpoint);
        CHECK(v1->int_claim("iat") == kNow);
        CHECK(v1->int_claim("nbf") == kNow);
        CHECK(v1->int_claim("exp") == kNow + 60);
        const auto jti1 = v1->string_claim("jti");
        REQUIRE(jti1);
        CHECK(is_uuid_urn("urn:uuid:" + *jti1));
        auto v2 = verify_jwt(*a2, key, checks);
        REQUIRE(v2.ok());
        CHECK(v2->string_claim("jti") != jti1);

        // Expired after lifetime + leeway.
        checks.now = kNow + 60 + 60;
        CHECK(verify_jwt(*a1, key, checks).error().code == errc::auth_expired);
    }
    ClientAssertion bad;
    bad.client_id = "c";
    bad.token_endpoint = "https://sts.example/token";
    bad.lifetime_s = 0;
    CHECK(make_client_assertion(test_key(Algorithm::es256), bad).error().code ==
          errc::auth_sign_failed);
    bad.lifetime_s = 60;
    bad.client_id.clear();
    CHECK(make_client_assertion(test_key(Algorithm::es256), bad).error().code ==
          errc::auth_sign_failed);
    // Without a kid there is no kid header; with the clock the iat is about now.
    bad.client_id = "c";
    auto no_kid = make_client_assertion(test_key(Algorithm::es256), bad);
    REQUIRE(no_kid.ok());
    CHECK_FALSE(json_string_member(*jwt_header(*no_kid), "kid").has_value());
    CHECK(std::llabs(*json_int_member(*jwt_payload(*no_kid), "iat") -
                     std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()) < 5);
}

TEST_CASE("DPoP: proofs verify for every algorithm and carry the RFC 9449 claims", "[auth]") {
    for (const Algorithm alg : {Algorithm::rs256, Algorithm::es256, Algorithm::eddsa}) {
        INFO(to_string(alg));
        const Key& key = test_key(alg);
        DpopClaims c;
        c.htm = "POST";
        c.htu = "https://api.jft.example/v1/Bundle?x=1#frag";
        c.access_token = "access-token-1";
        c.now = kNow;
        auto proof = make_dpop_proof(key, c);
        REQUIRE(proof.ok());

        auto header = jwt_header(*proof);
        REQUIRE(header.ok());
        CHECK(json_string_member(*header, "typ") == "dpop+jwt");
        CHECK(json_string_member(*header, "alg") == std::string(to_string(alg)));
        CHECK(header->find("\"jwk\":" + key.public_jwk_json()) != std::string::npos);
        auto payload = jwt_payload(*proof);
        REQUIRE(payload.ok());
        CHECK(json_string_member(*payload, "htm") == "POST");
        CHECK(json_string_member(*payload, "htu") == "https://api.jft.example/v1/Bundle");
        CHECK(json_int_member(*payload, "iat") == kNow);
        CHECK(json_string_member(*payload, "ath") == dpop_ath("access-token-1"));
        CHECK_FALSE(json_string_member(*payload, "nonce").has_value());

        DpopExpect e;
        e.htm = "POST";
        e.htu = "https://API.jft.example:443/v1/Bundle?other=2";  // normalised; query ignored
        e.access_token = "access-token-1";
        e.expected_jkt = key.thumbprint();
        e.now = kNow + 2;
        auto v = verify_dpop_proof(*proof, e);
        REQUIRE(v.ok());
        CHECK(v->jkt == key.thumbprint());
        CHECK(v->jti == json_string_member(*payload, "jti"));
        CHECK(v->iat == kNow);
    }
    // ath = base64url(SHA-256("jwt")) ... RFC 9449 §7.1 example token and ath.
    CHECK(dpop_ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") ==
          "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

TEST_CASE("DPoP: each wrong proof is refused with its code", "[auth]") {
    const Key& key = test_key(Algorithm::es256);
    DpopClaims c;
    c.htm = "POST";
    c.htu = "https://api.jft.example/v1/Bundle";
    c.access_token = "token-A";
    c.now = kNow;
    auto made = make_dpop_proof(key, c);
    REQUIRE(made.ok());
    const std::string proof = *made;
    DpopExpect e;
    e.htm = "POST";
    e.htu = "https://api.jft.example/v1/Bundle";
    e.access_token = "token-A";
    e.expected_jkt = key.thumbprint();
    e.now = kNow + 1;
    REQUIRE(verify_dpop_proof(proof, e).ok());

    auto refused = [&](const std::string& p, const DpopExpect& x, std::string_view code) {
        auto r = verify_dpop_proof(p, x);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == code);
        CHECK(r.error().message.find("token-A") == std::string::npos);
        return r.error();
    };
    DpopExpect x = e;
    x.htm = "GET";
    CHECK(refused(proof, x, errc::auth_claim_mismatch).location == "payload.htm");
    x = e;
    x.htu = "https://api.jft.example/v1/Composition";
    CHECK(refused(proof, x, errc::auth_claim_mismatch).location == "payload.htu");
    x.htu = "http://api.jft.example/v1/Bundle";
    refused(proof, x, errc::auth_claim_mismatch);
    x.htu = "https://api.jft.example:8443/v1/Bundle";
    refused(proof, x, errc::auth_claim_mismatch);
    x.htu = "https://api.jft.example/v1/Bundle?_count=10#top";  // query and fragment ignored
    CHECK(verify_dpop_proof(proof, x).ok());

    // ath: missing (a token-endpoint proof used at the API), or the hash of another token.
    DpopClaims no_token = c;
    no_token.access_token.clear();
    auto p_no_ath = make_dpop_proof(key, no_token);
    REQUIRE(p_no_ath.ok());
    CHECK(refused(*p_no_ath, e, errc::auth_claim_mismatch).location == "payload.ath");
    x = e;
    x.access_token = "token-B";
    refused(proof, x, errc::auth_claim_mismatch);
    x.access_token.clear();  // the token endpoint checks no ath
    CHECK(verify_dpop_proof(*p_no_ath, x).ok());

    // The token is bound to another key.
    x = e;
    x.expected_jkt = test_key(Algorithm::es256, 1).thumbprint();
    CHECK(refused(proof, x, errc::auth_dpop_invalid).location == "header.jwk");

    // iat window.
    x = e;
    x.now = kNow + 301;
    refused(proof, x, errc::auth_expired);
    x.now = kNow + 300;
    CHECK(verify_dpop_proof(proof, x).ok());
    x.now = kNow - 61;
    refused(proof, x, errc::auth_expired);

    // Key swapped in the header: another key's jwk, same signature.
    const auto seg = segments(proof);
    const Key& other = test_key(Algorithm::es256, 1);
    const std::string swapped_header =
        R"({"alg":"ES256","typ":"dpop+jwt","jwk":)" + other.public_jwk_json() + "}";
    x = e;
    x.expected_jkt.clear();
    refused(b64(swapped_header) + "." + seg[1] + "." + seg[2], x, errc::auth_signature_invalid);
    // ... and a proof honestly signed by the other key does not fit the token's cnf.jkt.
    auto by_other = make_dpop_proof(other, c);
    REQUIRE(by_other.ok());
    refused(*by_other, e, errc::auth_dpop_invalid);

    // Header problems: typ, symmetric or unknown alg, alg not the jwk's, no jwk, private jwk.
    auto signed_with = [&](const std::string& header_extra) {
        auto t = sign_jwt(key, header_extra, decoded(seg[1]));
        REQUIRE(t.ok());
        return *t;
    };
    const std::string jwk = key.public_jwk_json();
    refused(signed_with(R"({"typ":"JWT","jwk":)" + jwk + "}"), e, errc::auth_dpop_invalid);
    refused(signed_with(R"({"jwk":)" + jwk + "}"), e, errc::auth_dpop_invalid);
    refused(signed_with(R"({"typ":"dpop+jwt"})"), e, errc::auth_dpop_invalid);
    refused(
        b64(R"({"alg":"HS256","typ":"dpop+jwt","jwk":)" + jwk + "}") + "." + seg[1] + "." + seg[2],
        e, errc::auth_dpop_invalid);
    refused(b64(R"({"alg":"none","typ":"dpop+jwt","jwk":)" + jwk + "}") + "." + seg[1] + ".", e,
            errc::auth_dpop_invalid);
    refused(
        b64(R"({"alg":"EdDSA","typ":"dpop+jwt","jwk":)" + jwk + "}") + "." + seg[1] + "." + seg[2],
        e, errc::auth_dpop_invalid);
    std::string private_jwk = jwk;
    private_jwk.insert(1, R"("d":"AAAA",)");
    refused(signed_with(R"({"typ":"dpop+jwt","jwk":)" + private_jwk + "}"), e,
            errc::auth_dpop_invalid);

    // Claims missing: jti.
    auto no_jti = sign_jwt(key, R"({"typ":"dpop+jwt","jwk":)" + jwk + "}",
                           R"({"htm":"POST","htu":"https://api.jft.example/v1/Bundle","iat":)" +
                               std::to_string(kNow) + R"(,"ath":")" + dpop_ath("token-A") + "\"}");
    REQUIRE(no_jti.ok());
    CHECK(refused(*no_jti, e, errc::auth_dpop_invalid).location == "payload.jti");

    // Malformed.
    refused("abc", e, errc::auth_jwt_malformed);
    refused(seg[0] + "." + seg[1], e, errc::auth_jwt_malformed);

    // Making a proof: method and URL are checked.
    DpopClaims bad = c;
    bad.htm = "";
    CHECK(make_dpop_proof(key, bad).error().code == errc::auth_sign_failed);
    bad = c;
    bad.htu = "/v1/Bundle";
    CHECK(make_dpop_proof(key, bad).error().code == errc::auth_sign_failed);
}

TEST_CASE("DPoP: server nonce and jti replay", "[auth]") {
    const Key& key = test_key(Algorithm::eddsa);
    DpopClaims c;
    c.htm = "POST";
    c.htu = "https://sts.example/connect/token";
    c.now = kNow;
    DpopExpect e;
    e.htm = "POST";
    e.htu = c.htu;
    e.now = kNow;
    e.nonce = "server-nonce-1";
    auto without = make_dpop_proof(key, c);
    REQUIRE(without.ok());
    CHECK(verify_dpop_proof(*without, e).error().code == errc::auth_dpop_invalid);
    c.nonce = "server-nonce-0";
    CHECK(verify_dpop_proof(*make_dpop_proof(key, c), e).error().code == errc::auth_dpop_invalid);
    c.nonce = "server-nonce-1";
    auto with = make_dpop_proof(key, c);
    REQUIRE(with.ok());
    CHECK(json_string_member(*jwt_payload(*with), "nonce") == "server-nonce-1");
    CHECK(verify_dpop_proof(*with, e).ok());

    ReplayCache cache;
    e.replay = &cache;
    REQUIRE(verify_dpop_proof(*with, e).ok());
    auto replayed = verify_dpop_proof(*with, e);
    REQUIRE_FALSE(replayed.ok());
    CHECK(replayed.error().code == errc::auth_replay);
    // A fresh proof (new jti) for the same request is fine.
    CHECK(verify_dpop_proof(*make_dpop_proof(key, c), e).ok());
    // A refused proof does not poison the cache.
    auto fresh = make_dpop_proof(key, c);
    DpopExpect wrong = e;
    wrong.htm = "GET";
    CHECK_FALSE(verify_dpop_proof(*fresh, wrong).ok());
    CHECK(verify_dpop_proof(*fresh, e).ok());
}

TEST_CASE("DPoP: htu normalisation", "[auth]") {
    CHECK(normalize_htu("HTTPS://Api.Example.NO/v1/Bundle?x=1#f") ==
          "https://api.example.no/v1/Bundle");
    CHECK(normalize_htu("https://api.example.no:443") == "https://api.example.no/");
    CHECK(normalize_htu("http://api.example.no:80/a") == "http://api.example.no/a");
    CHECK(normalize_htu("http://api.example.no:8080/a") == "http://api.example.no:8080/a");
    CHECK(normalize_htu("https://[::1]:8443/a%2fb") == "https://[::1]:8443/a%2Fb");
    CHECK(normalize_htu("https://[::1]/a") == "https://[::1]/a");
    CHECK(normalize_htu("https://api.example.no/Case") !=
          normalize_htu("https://api.example.no/case"));
}

TEST_CASE("ReplayCache: refuses a second use and forgets after expiry", "[auth]") {
    ReplayCache cache;
    CHECK_FALSE(cache.seen_before("jti-1", kNow + 60, kNow));
    CHECK(cache.seen_before("jti-1", kNow + 60, kNow + 1));
    CHECK(cache.seen_before("jti-1", kNow + 60, kNow + 59));
    CHECK_FALSE(cache.seen_before("jti-2", kNow + 60, kNow + 1));
    CHECK(cache.size() == 2);
    // At expiry the entries are forgotten: the id is new again.
    CHECK_FALSE(cache.seen_before("jti-1", kNow + 200, kNow + 60));
    CHECK(cache.size() == 1);
    // Already expired: not remembered.
    CHECK_FALSE(cache.seen_before("old", kNow, kNow + 100));
    CHECK_FALSE(cache.seen_before("old", kNow, kNow + 100));

    // Bounded: the entry expiring soonest goes first.
    ReplayCache small(ReplayCache::Options{3});
    CHECK_FALSE(small.seen_before("a", kNow + 10, kNow));
    CHECK_FALSE(small.seen_before("b", kNow + 20, kNow));
    CHECK_FALSE(small.seen_before("c", kNow + 30, kNow));
    CHECK_FALSE(small.seen_before("d", kNow + 40, kNow));
    CHECK(small.size() == 3);
    CHECK(small.seen_before("d", kNow + 40, kNow));
    CHECK(small.seen_before("b", kNow + 20, kNow));
    CHECK_FALSE(small.seen_before("a", kNow + 10, kNow));  // it was pushed out
}

TEST_CASE("ReplayCache: concurrent use from 4 threads is consistent", "[auth]") {
    ReplayCache cache;
    constexpr int kIds = 2000;
    std::atomic<int> first_uses{0};
    std::atomic<int> refusals{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            // Every thread offers every shared id (each from another starting point) and ids
            // of its own; exactly one thread may see each shared id first.
            for (int i = 0; i < kIds; ++i) {
                const int id = (i + t * (kIds / 4)) % kIds;
                if (cache.seen_before("shared-" + std::to_string(id), kNow + 600, kNow))
                    refusals.fetch_add(1);
                else
                    first_uses.fetch_add(1);
                if (cache.seen_before("own-" + std::to_string(t) + "-" + std::to_string(i),
                                      kNow + 600, kNow))
                    refusals.fetch_add(1000000);  // never: own ids are unique
            }
        });
    }
    for (auto& th : threads)
        th.join();
    CHECK(first_uses.load() == kIds);
    CHECK(refusals.load() == 3 * kIds);
    CHECK(cache.size() == static_cast<size_t>(kIds + 4 * kIds));
}

TEST_CASE("Key: one key signs and verifies from 4 threads at once", "[auth]") {
    const Key& ec = test_key(Algorithm::es256);
    const Key& ed = test_key(Algorithm::eddsa);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                const std::string data = "message " + std::to_string(t) + "/" + std::to_string(i);
                for (const Key* k : {&ec, &ed}) {
                    auto sig = k->sign(data);
                    if (!sig.ok() || !k->verify(data, *sig) || k->verify(data + "!", *sig))
                        failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& th : threads)
        th.join();
    CHECK(failures.load() == 0);
}
