// `vft mock token-service` as a real process: discovery and JWKS, client_credentials with
// private_key_jwt assertions signed here, DPoP-bound tokens and the server nonce, every refusal
// with its OAuth error, the test-token admin endpoint, and a clear error for a bad clients file.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <cstdio>

#include "auth_support.hpp"
#include "process.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"

using namespace vft;
using namespace vft::test;

namespace {

const char* const kAlarmScopes = "nhn:vkp/api/user/bundle.write nhn:jft/api";

Process token_service(const TestClients& clients, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {VFT_CLI_PATH,  "mock",      "token-service",      "--listen",
                                     "127.0.0.1:0", "--clients", clients.file.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Process(argv);
}

// The service's verification key, by the token's kid, from its published JWKS.
auth::Key published_key(const std::string& base, const std::string& token) {
    httplib::Client c(base);
    auto jwks = c.Get("/jwks");
    REQUIRE(jwks);
    REQUIRE(jwks->status == 200);
    auto header = auth::jwt_header(token);
    REQUIRE(header.ok());
    auto key = auth::Key::from_jwks_json(jwks->body,
                                         auth::json_string_member(*header, "kid").value_or(""));
    REQUIRE(key.ok());
    return *key;
}

// Runs a command and returns its exit status and combined output.
std::pair<int, std::string> run(const std::string& command) {
    std::string out;
    FILE* f = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(f != nullptr);
    char buf[512];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    const int status = pclose(f);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("token service: discovery, JWKS and a signed token with the client's claims",
          "[integration][token_service]") {
    TestClients clients;
    Process ts = token_service(clients);
    REQUIRE_FALSE(ts.url().empty());
    httplib::Client c(ts.url());
    auto disco = c.Get("/.well-known/openid-configuration");
    REQUIRE(disco);
    CHECK(disco->status == 200);
    CHECK(auth::json_string_member(disco->body, "issuer") == ts.url());
    CHECK(auth::json_string_member(disco->body, "token_endpoint") == ts.url() + "/connect/token");
    CHECK(auth::json_string_member(disco->body, "jwks_uri") == ts.url() + "/jwks");

    auto t = request_token(ts.url(), {"trygghet-alarm", &clients.pem_key, kAlarmScopes});
    REQUIRE(t.status == 200);
    CHECK(t.token_type == "Bearer");
    CHECK(auth::json_int_member(t.body, "expires_in") == 300);
    CHECK(auth::json_string_member(t.body, "scope") == kAlarmScopes);

    auth::JwtChecks checks;
    checks.expected_typ = "at+jwt";
    checks.issuer = ts.url();
    checks.audience = "nhn:jft";
    auto v = auth::verify_jwt(t.access_token, published_key(ts.url(), t.access_token), checks);
    REQUIRE(v.ok());
    CHECK(v->string_array_claim("aud") == std::vector<std::string>{"nhn:vkp", "nhn:jft"});
    CHECK(v->string_claim("sub") == "trygghet-alarm");
    CHECK(v->string_claim("client_id") == "trygghet-alarm");
    CHECK(v->string_claim("client_amr") == "private_key_jwt");
    CHECK(v->string_claim("nhn:vkp/client/claims/vkp-id") == "trygghet-test");
    CHECK(v->string_claim("helseid://claims/client/claims/orgnr_parent") == "312229544");
    CHECK(v->scopes() == std::vector<std::string>{"nhn:vkp/api/user/bundle.write", "nhn:jft/api"});
    CHECK(*v->int_claim("exp") - *v->int_claim("iat") == 300);
    CHECK(*v->int_claim("nbf") == *v->int_claim("iat"));
    CHECK(v->string_claim("jti"));
    CHECK(v->header_string("typ") == "at+jwt");
    CHECK(claims_of(t.access_token).find("cnf") == std::string::npos);

    // One scope, one audience: a string, not an array.
    auto one = request_token(ts.url(), {"trygghet-alarm", &clients.pem_key, "nhn:jft/api"});
    REQUIRE(one.status == 200);
    CHECK(auth::json_string_member(claims_of(one.access_token), "aud") == "nhn:jft");
    CHECK(ts.stop() == 0);
}

TEST_CASE("token service: refusals carry the OAuth error", "[integration][token_service]") {
    TestClients clients;
    Process ts = token_service(clients);
    REQUIRE_FALSE(ts.url().empty());
    const std::string endpoint = ts.url() + "/connect/token";
    auto expect = [&](const TokenRequest& r, int status, const std::string& error) {
        auto t = request_token(ts.url(), r);
        CHECK(t.status == status);
        CHECK(t.error == error);
        CHECK(t.access_token.empty());
        CHECK(auth::json_string_member(t.body, "error_description").value_or("") != "");
        return t;
    };
    SECTION("a replayed assertion") {
        auto a =
            auth::make_client_assertion(clients.pem_key, {"trygghet-alarm", endpoint, "", 60, 0});
        REQUIRE(a.ok());
        TokenRequest r{"trygghet-alarm", &clients.pem_key, "nhn:jft/api"};
        r.assertion = *a;
        CHECK(request_token(ts.url(), r).status == 200);
        auto again = expect(r, 401, "invalid_client");
        CHECK(again.body.find("used before") != std::string::npos);
    }
    SECTION("an assertion for another audience") {
        TokenRequest r{"trygghet-alarm", &clients.pem_key, "nhn:jft/api"};
        r.aud = "https://helseid-sts.test.nhn.no/connect/token";
        expect(r, 401, "invalid_client");
        r.aud = ts.url();  // the issuer is accepted too
        CHECK(request_token(ts.url(), r).status == 200);
    }
    SECTION("an unknown client, and a known one signing with another key") {
        expect({"ukjent-klient", &clients.pem_key, "nhn:jft/api"}, 401, "invalid_client");
        expect({"trygghet-alarm", &clients.jwk_key, "nhn:jft/api"}, 401, "invalid_client");
    }
    SECTION("an assertion without the HelseID typ, or living too long") {
        const int64_t now = std::time(nullptr);
        auto payload = [&](int64_t exp) {
            return R"({"iss":"trygghet-alarm","sub":"trygghet-alarm","aud":")" + endpoint +
                   R"(","iat":)" + std::to_string(now) + R"(,"exp":)" + std::to_string(exp) +
                   R"(,"jti":")" + std::to_string(exp) + "\"}";
        };
        TokenRequest r{"trygghet-alarm", &clients.pem_key, "nhn:jft/api"};
        r.assertion = *auth::sign_jwt(clients.pem_key, R"({"typ":"JWT"})", payload(now + 60));
        expect(r, 401, "invalid_client");
        r.assertion = *auth::sign_jwt(clients.pem_key, R"({"typ":"client-authentication+jwt"})",
                                      payload(now + 3600));
        expect(r, 401, "invalid_client");
        r.assertion = *auth::sign_jwt(clients.pem_key, R"({"typ":"client-authentication+jwt"})",
                                      payload(now - 400));
        expect(r, 401, "invalid_client");
        r.assertion = *auth::sign_jwt(clients.pem_key, R"({"typ":"client-authentication+jwt"})",
                                      payload(now + 60));
        CHECK(request_token(ts.url(), r).status == 200);
    }
    SECTION("scopes the client may not have, none, and other grant types") {
        expect({"responssenter-read", &clients.pem_key, "nhn:vkp/api/user/bundle.write"}, 400,
               "invalid_scope");
        expect({"trygghet-alarm", &clients.pem_key, ""}, 400, "invalid_scope");
        TokenRequest code{"trygghet-alarm", &clients.pem_key, "nhn:jft/api"};
        code.grant_type = "authorization_code";
        expect(code, 400, "unsupported_grant_type");
        httplib::Client c(ts.url());
        auto bare = c.Post("/connect/token", "grant_type=client_credentials",
                           "application/x-www-form-urlencoded");
        REQUIRE(bare);
        CHECK(bare->status == 400);
        CHECK(auth::json_string_member(bare->body, "error") == "invalid_request");
        auto json = c.Post("/connect/token", "{}", "application/json");
        REQUIRE(json);
        CHECK(json->status == 400);
    }
}

TEST_CASE("token service: DPoP-bound tokens, require_dpop and the server nonce",
          "[integration][token_service]") {
    TestClients clients;
    const auth::Key dpop = fresh_key(auth::Algorithm::es256);
    {
        Process ts = token_service(clients);
        REQUIRE_FALSE(ts.url().empty());
        TokenRequest r{"trygghet-jft", &clients.jwk_key, "nhn:jft/api"};
        auto refused = request_token(ts.url(), r);  // require_dpop without a proof
        CHECK(refused.status == 400);
        CHECK(refused.error == "invalid_dpop_proof");
        r.dpop = &dpop;
        auto t = request_token(ts.url(), r);
        REQUIRE(t.status == 200);
        CHECK(t.token_type == "DPoP");
        CHECK(claims_of(t.access_token).find(R"("cnf":{"jkt":")" + dpop.thumbprint() + "\"}") !=
              std::string::npos);
        // A proof made for another URL.
        httplib::Client c(ts.url());
        auto a = auth::make_client_assertion(
            clients.jwk_key, {"trygghet-jft", ts.url() + "/connect/token", "", 60, 0});
        auto p = auth::make_dpop_proof(dpop, {"POST", ts.url() + "/token", "", "", 0});
        auto res =
            c.Post("/connect/token", {{"DPoP", *p}},
                   "grant_type=client_credentials&client_assertion_type=" +
                       form_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                       "&client_assertion=" + *a + "&scope=nhn%3Ajft%2Fapi",
                   "application/x-www-form-urlencoded");
        REQUIRE(res);
        CHECK(res->status == 400);
        CHECK(auth::json_string_member(res->body, "error") == "invalid_dpop_proof");
    }
    Process ts = token_service(clients, {"--dpop-nonce", "required"});
    REQUIRE_FALSE(ts.url().empty());
    TokenRequest r{"trygghet-jft", &clients.jwk_key, "nhn:jft/api"};
    r.dpop = &dpop;
    auto first = request_token(ts.url(), r);
    CHECK(first.status == 400);
    CHECK(first.error == "use_dpop_nonce");
    REQUIRE_FALSE(first.dpop_nonce.empty());
    r.nonce = "stale";
    CHECK(request_token(ts.url(), r).error == "use_dpop_nonce");
    r.nonce = first.dpop_nonce;
    auto second = request_token(ts.url(), r);
    CHECK(second.status == 200);
    CHECK(second.token_type == "DPoP");
}

TEST_CASE("token service: /_admin/issue mints chosen claims only with --allow-test-tokens",
          "[integration][token_service]") {
    TestClients clients;
    {
        Process ts = token_service(clients);
        REQUIRE_FALSE(ts.url().empty());
        httplib::Client c(ts.url());
        auto r = c.Post("/_admin/issue", R"({"client_id":"trygghet-alarm"})", "application/json");
        REQUIRE(r);
        CHECK(r->status == 404);
    }
    Process ts = token_service(clients, {"--allow-test-tokens", "--token-lifetime", "60"});
    REQUIRE_FALSE(ts.url().empty());
    httplib::Client c(ts.url());
    auto r = c.Post("/_admin/issue",
                    R"({"client_id":"trygghet-alarm","scope":"nhn:vkp/api/user/patient.read",
                        "claims":{"iat":900,"nbf":900,"exp":1000,"nhn:vkp/client/claims/vkp-id":"annen-test",
                                  "helseid://claims/client/claims/orgnr_parent":null}})",
                    "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string token = *auth::json_string_member(r->body, "access_token");
    const std::string claims = claims_of(token);
    CHECK(auth::json_int_member(claims, "exp") == 1000);
    CHECK(auth::json_string_member(claims, "nhn:vkp/client/claims/vkp-id") == "annen-test");
    CHECK_FALSE(auth::json_string_member(claims, "helseid://claims/client/claims/orgnr_parent"));
    CHECK(auth::json_string_member(claims, "scope") == "nhn:vkp/api/user/patient.read");
    // Signed by the service key: verifies (but for exp) with the published key.
    auth::JwtChecks at_exp;
    at_exp.now = 990;
    CHECK(auth::verify_jwt(token, published_key(ts.url(), token), at_exp).ok());
    // An unknown key under the service's kid does not verify.
    auto stranger = c.Post("/_admin/issue", R"({"client_id":"trygghet-alarm","key":"unknown"})",
                           "application/json");
    REQUIRE(stranger);
    REQUIRE(stranger->status == 200);
    const std::string forged = *auth::json_string_member(stranger->body, "access_token");
    CHECK(auth::verify_jwt(forged, published_key(ts.url(), forged), {}).error().code ==
          errc::auth_signature_invalid);
    auto normal = request_token(ts.url(), {"trygghet-alarm", &clients.pem_key, "nhn:jft/api"});
    CHECK(auth::json_int_member(normal.body, "expires_in") == 60);
    auto bad = c.Post("/_admin/issue", R"({"client_id":"nobody"})", "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 400);
}

TEST_CASE("token service: an invalid clients file is VFT-MOCK-1206 with the file and entry",
          "[integration][token_service]") {
    const auto dir = auth_scratch();
    auto start = [&](const std::string& name, const std::string& text) {
        write_file(dir / name, text);
        return run(std::string(VFT_CLI_PATH) +
                   " mock token-service --listen 127.0.0.1:0 --clients " + (dir / name).string());
    };
    auto [status, out] = start("bad-scopes.json",
                               R"({"clients":[{"client_id":"a","jwk":{"kty":"OKP","crv":"Ed25519",
                                   "x":"HY4SGtnlcft9S1h4389MfZjYufgKnSwkQ9ER3iEDupA"},"scopes":[]}]})");
    CHECK(status == 2);
    CHECK(out.find("VFT-MOCK-1206") != std::string::npos);
    CHECK(out.find("bad-scopes.json: clients[0].scopes") != std::string::npos);
    CHECK(out.find("hint:") != std::string::npos);
    auto missing_pem = start("missing-pem.json",
                             R"({"clients":[{"client_id":"a","public_key_pem":"nope.pem",
                                 "scopes":["nhn:jft/api"]}]})");
    CHECK(missing_pem.first == 2);
    CHECK(missing_pem.second.find("clients[0].public_key_pem") != std::string::npos);
    auto typo = start("typo.json", R"({"clients":[{"client_id":"a","require_dop":true}]})");
    CHECK(typo.first == 2);
    CHECK(typo.second.find("unknown member 'require_dop'") != std::string::npos);
    auto unreadable = run(std::string(VFT_CLI_PATH) + " mock token-service --clients " +
                          (dir / "none.json").string());
    CHECK(unreadable.first == 2);
    CHECK(unreadable.second.find("VFT-MOCK-1206") != std::string::npos);
    // The shipped example loads.
    Process ts({VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0", "--clients",
                std::string(VFT_SOURCE_DIR) + "/fixtures/auth/clients.json"});
    CHECK_FALSE(ts.url().empty());
    CHECK(ts.stop() == 0);  // stopped at once after start: exits cleanly
}

TEST_CASE("token service: --issuer names the issuer, endpoints stay under the listening URL",
          "[integration][token_service]") {
    TestClients clients;
    const std::string issuer = "https://helseid-sts.test.example";
    Process ts = token_service(clients, {"--issuer", issuer});
    REQUIRE_FALSE(ts.url().empty());
    httplib::Client c(ts.url());
    auto disco = c.Get("/.well-known/openid-configuration");
    REQUIRE(disco);
    CHECK(auth::json_string_member(disco->body, "issuer") == issuer);
    CHECK(auth::json_string_member(disco->body, "jwks_uri") == ts.url() + "/jwks");
    CHECK(auth::json_string_member(disco->body, "token_endpoint") == ts.url() + "/connect/token");
    TokenRequest r("trygghet-alarm", &clients.pem_key, "nhn:jft/api");
    r.aud = issuer + "/connect/token";  // the issuer's token endpoint is accepted as aud
    auto t = request_token(ts.url(), r);
    REQUIRE(t.status == 200);
    CHECK(auth::json_string_member(claims_of(t.access_token), "iss") == issuer);
}

TEST_CASE("token service: --key signs with the given key, a public key is refused",
          "[integration][token_service]") {
    TestClients clients;
    const auth::Key signing = fresh_key(auth::Algorithm::eddsa);
    const auto pem = auth_scratch() / "service.key";
    write_file(pem, signing.private_pem());
    Process ts = token_service(clients, {"--key", pem.string()});
    REQUIRE_FALSE(ts.url().empty());
    auto t = request_token(ts.url(), {"trygghet-alarm", &clients.pem_key, "nhn:jft/api"});
    REQUIRE(t.status == 200);
    auto header = auth::jwt_header(t.access_token);
    REQUIRE(header.ok());
    CHECK(auth::json_string_member(*header, "alg") == "EdDSA");
    CHECK(auth::json_string_member(*header, "kid") == signing.thumbprint());
    auth::JwtChecks checks;
    checks.audience = "nhn:jft";
    CHECK(auth::verify_jwt(t.access_token, signing, checks).ok());

    const auto pub = auth_scratch() / "service.pub";
    write_file(pub, signing.public_pem());
    auto refused = run(std::string(VFT_CLI_PATH) + " mock token-service --clients " +
                       clients.file.string() + " --key " + pub.string());
    CHECK(refused.first == 2);
    CHECK(refused.second.find("VFT-AUTH-0901") != std::string::npos);
}
