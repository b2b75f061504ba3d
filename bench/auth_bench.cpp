// Token figures on one core: the mock receiver's token check per request (VKP Bearer: ES256
// signature + claims; JFT DPoP: token + proof, two ES256 verifications and a replay-cache
// insert), and tokens issued per second by the mock token service over loopback HTTP (client
// assertion signed by the caller, verified, token signed).
//
//   vft_bench_auth [SECONDS per measurement, default 2]
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "../mocks/src/auth_check.hpp"
#include "bench_util.hpp"
#include "vft/auth/client_assertion.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/mocks/token_service.hpp"

using namespace vft;

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    auto service_key = *auth::Key::generate(auth::Algorithm::es256);
    auto client_key = *auth::Key::generate(auth::Algorithm::es256);
    const int64_t now = std::time(nullptr);
    const std::string common =
        R"("iss":"https://sts.example","sub":"c","client_id":"c","iat":)" + std::to_string(now) +
        R"(,"nbf":)" + std::to_string(now) + R"(,"exp":)" + std::to_string(now + 300) +
        R"(,"jti":"j","client_amr":"private_key_jwt","nhn:vkp/client/claims/vkp-id":"v",)" +
        R"("helseid://claims/client/claims/orgnr_parent":"312229544")";
    const std::string header = R"({"typ":"at+jwt","kid":"k1"})";
    const std::string vkp_token = *auth::sign_jwt(
        service_key, header,
        "{" + common + R"(,"aud":"nhn:vkp","scope":"nhn:vkp/api/user/bundle.write"})");
    const std::string jft_token =
        *auth::sign_jwt(service_key, header,
                        "{" + common + R"(,"aud":"nhn:jft","scope":"nhn:jft/api","cnf":{"jkt":")" +
                            client_key.thumbprint() + "\"}}");

    mocks::detail::AuthCheckerOptions o;
    o.jwks_json = R"({"keys":[)" + service_key.public_jwk_json("k1") + "]}";
    o.issuer = "https://sts.example";
    auto checker = mocks::detail::AuthChecker::create(o).value();
    const std::string vkp_url = "http://127.0.0.1:8080/epj/r4/312229544/bundle";
    const std::string jft_url = "http://127.0.0.1:8080/v1/Bundle";
    const mocks::detail::AuthChecker::Headers vkp_headers{{"Authorization", "Bearer " + vkp_token}};
    int refused = 0;
    const double vkp = bench::rate(seconds, [&] {
        refused +=
            checker->check("POST", vkp_url, vkp_headers, mocks::detail::Api::vkp, "312229544") ? 1
                                                                                               : 0;
    });
    // Proofs are made outside the measured loop (each one is single-use).
    std::vector<std::string> proofs;
    const double make = bench::rate(seconds / 2, [&] {
        proofs.push_back(*auth::make_dpop_proof(client_key, {"POST", jft_url, jft_token, "", 0}));
    });
    size_t next = 0;
    const double jft = bench::rate(seconds, [&] {
        if (next == proofs.size()) return;
        const mocks::detail::AuthChecker::Headers h{{"Authorization", "DPoP " + jft_token},
                                                    {"DPoP", proofs[next++]}};
        refused += checker->check("POST", jft_url, h, mocks::detail::Api::jft, "") ? 1 : 0;
    });
    std::printf("token check, VKP Bearer (ES256):        %8.0f requests/s\n", vkp);
    std::printf(
        "token check, JFT DPoP (token + proof):  %8.0f requests/s (%zu proofs made at "
        "%.0f/s; used %zu)\n",
        next == proofs.size() ? 0.0 : jft, proofs.size(), make, next);
    if (next == proofs.size()) std::printf("  (ran out of proofs: raise SECONDS)\n");

    mocks::TokenServiceOptions ts;
    ts.clients_json = R"({"clients":[{"client_id":"c","jwk":)" + client_key.public_jwk_json() +
                      R"(,"scopes":["nhn:jft/api"]}]})";
    auto service = mocks::TokenService::create(ts).value();
    const std::string base = *service->start();
    httplib::Client http(base);
    http.set_keep_alive(true);
    http.set_tcp_nodelay(true);
    int failed = 0;
    const double issued = bench::rate(seconds, [&] {
        auto a =
            auth::make_client_assertion(client_key, {"c", service->token_endpoint(), "", 60, 0});
        auto r = http.Post("/connect/token",
                           "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3A"
                           "params%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&scope=nhn%3Ajft"
                           "%2Fapi&client_assertion=" +
                               *a,
                           "application/x-www-form-urlencoded");
        failed += (!r || r->status != 200) ? 1 : 0;
    });
    service->stop();
    std::printf(
        "token service, client_credentials:      %8.0f tokens/s over loopback HTTP "
        "(assertion signed by the caller, one connection)\n",
        issued);
    std::printf("refused checks: %d, failed token requests: %d\n", refused, failed);
    return refused == 0 && failed == 0 ? 0 : 1;
}
