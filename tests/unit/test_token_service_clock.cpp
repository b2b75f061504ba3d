// The mock token service's clock (TokenServiceOptions::clock_offset_s, clock_skew_s) and the
// faults the sender suites put on the SDK's token client: a client whose clock is minutes off
// still gets tokens within the allowed skew and not beyond it, a DPoP nonce challenge is answered
// with one resend, and a short token lifetime makes the client fetch a new token once it lapses.
// Real HTTP on loopback against the in-process service, real signatures.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <string>

#include "vft/auth/client_assertion.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/client/token_client.hpp"
#include "vft/mocks/token_service.hpp"

using namespace vft;

namespace {

const auth::Key& client_key() {
    static const auth::Key key = *auth::Key::generate(auth::Algorithm::es256);
    return key;
}

struct Service {
    std::unique_ptr<mocks::TokenService> ts;
    std::string base;
    explicit Service(mocks::TokenServiceOptions o) {
        o.clients_json = R"({"clients":[{"client_id":"c1","jwk":)" +
                         client_key().public_jwk_json() +
                         R"(,"scopes":["nhn:jft/api"],"orgnr_parent":"312229544"}]})";
        auto created = mocks::TokenService::create(std::move(o));
        REQUIRE(created.ok());
        ts = std::move(*created);
        auto url = ts->start();
        REQUIRE(url.ok());
        base = *url;
    }
    ~Service() { ts->stop(); }
};

// One token request with an assertion made by a client whose clock reads `client_now`.
httplib::Result ask(const Service& s, int64_t client_now) {
    auto assertion = auth::make_client_assertion(
        client_key(), {"c1", s.ts->token_endpoint(), "", 60, client_now});
    REQUIRE(assertion.ok());
    httplib::Client http(s.base);
    return http.Post("/connect/token",
                     "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams"
                     "%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&scope=nhn%3Ajft%2Fapi&"
                     "client_assertion=" +
                         *assertion,
                     "application/x-www-form-urlencoded");
}

int64_t now_s() {
    return std::time(nullptr);
}

}  // namespace

TEST_CASE("token service: assertion times are judged by its clock, within the allowed skew",
          "[token_service][clock]") {
    SECTION("the client's clock two minutes ahead or behind: tokens are issued") {
        for (const int offset : {-120, 120}) {
            mocks::TokenServiceOptions o;
            o.clock_offset_s = offset;  // the service's clock; the client keeps the system clock
            Service s(o);
            auto r = ask(s, 0);
            REQUIRE(r);
            CHECK(r->status == 200);
            // Issued tokens keep the system clock: the APIs judge them by it.
            const auto token = auth::json_string_member(r->body, "access_token");
            REQUIRE(token);
            auto claims = auth::jwt_payload(*token);
            REQUIRE(claims.ok());
            const auto iat = auth::json_int_member(*claims, "iat");
            REQUIRE(iat);
            CHECK(std::abs(*iat - now_s()) <= 2);
        }
    }
    SECTION("beyond the skew: iat in the future, or exp long passed, are refused") {
        for (const int offset : {-400, 400}) {
            mocks::TokenServiceOptions o;
            o.clock_offset_s = offset;
            Service s(o);
            auto r = ask(s, 0);
            REQUIRE(r);
            CHECK(r->status == 401);
            CHECK(auth::json_string_member(r->body, "error") == "invalid_client");
        }
    }
    SECTION("a smaller allowed skew refuses what 300 s accepts") {
        mocks::TokenServiceOptions o;
        o.clock_skew_s = 30;
        Service s(o);
        auto ahead = ask(s, now_s() + 120);
        REQUIRE(ahead);
        CHECK(ahead->status == 401);
        auto in_time = ask(s, now_s());
        REQUIRE(in_time);
        CHECK(in_time->status == 200);
    }
    SECTION("settings out of range are refused") {
        mocks::TokenServiceOptions o;
        o.clients_json = R"({"clients":[{"client_id":"c1","jwk":)" +
                         client_key().public_jwk_json() + R"(,"scopes":["nhn:jft/api"]}]})";
        o.clock_skew_s = 3600;
        CHECK_FALSE(mocks::TokenService::create(o).ok());
        o.clock_skew_s = 300;
        o.clock_offset_s = 100000;
        CHECK_FALSE(mocks::TokenService::create(o).ok());
    }
}

TEST_CASE("token client against the token service: nonce challenge, skewed clock, short lifetime",
          "[token_service][client]") {
    mocks::TokenServiceOptions o;
    o.dpop_nonce_required = true;
    o.token_lifetime_s = 2;
    o.clock_offset_s = -150;  // the client's clock 150 s ahead of the service's
    Service s(o);
    int64_t clock = now_s();
    client::TokenClientOptions t;
    t.token_url = s.ts->token_endpoint();
    t.client_id = "c1";
    t.client_key = client_key();
    t.dpop_key = *auth::Key::generate(auth::Algorithm::es256);
    t.now = [&clock] { return clock; };
    auto tokens = client::TokenClient::create(t);
    REQUIRE(tokens.ok());

    // The first request has no nonce: 400 use_dpop_nonce + DPoP-Nonce, then one resend with it.
    auto first = tokens->token({"nhn:jft/api"});
    REQUIRE(first.ok());
    CHECK(first->attempts == 2);
    CHECK(first->dpop_bound());
    // Served from the cache while it lives; a new one once its 2 s have passed (the client's
    // clock moved on, the service's too: the test waits for neither).
    auto cached = tokens->token({"nhn:jft/api"});
    REQUIRE(cached.ok());
    CHECK(cached->attempts == 0);
    clock += 3;
    auto renewed = tokens->token({"nhn:jft/api"});
    REQUIRE(renewed.ok());
    CHECK(renewed->attempts == 1);  // the nonce is known now: no challenge
    CHECK(renewed->value != first->value);
}
