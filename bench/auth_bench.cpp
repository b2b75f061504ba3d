// Cost per request of HelseID/DPoP authorisation on one core:
//   (a) Auth::headers_for with a warm Bearer token cache,
//   (b) a DPoP proof per request (ES256, RS256) — headers_for with Auth::dpop, warm token,
//   (c) verifying a proof on the receiving side (ES256, RS256; signature, claims, replay cache),
//   (d) fetching a fresh token from a loopback token endpoint (assertion signed by the client
//       and verified by the server, one HTTP exchange over a kept-alive connection).
// Usage: vft_bench_auth [seconds-per-measurement]
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/auth/replay_cache.hpp"
#include "vft/client/auth.hpp"
#include "vft/client/token_client.hpp"

using vft::bench::rate;
using namespace vft;

namespace {

void print(const char* what, double per_second) {
    std::printf("%-58s %12.0f ops/s %10.1f us/op\n", what, per_second, 1e6 / per_second);
}

auth::Key key(auth::Algorithm alg) {
    auto k = auth::Key::generate(alg);
    if (!k) {
        std::fprintf(stderr, "key generation failed: %s\n", k.error().to_string().c_str());
        std::exit(2);
    }
    return *k;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    const auth::Key client_key = key(auth::Algorithm::es256);
    const auth::Key server_key = key(auth::Algorithm::es256);
    const auth::Key client_public = *auth::Key::load_pem(client_key.public_pem());

    // A minimal token endpoint: verifies the assertion, answers a signed token.
    httplib::Server svr;
    svr.set_tcp_nodelay(true);
    int port = svr.bind_to_any_port("127.0.0.1");
    if (port <= 0) return 2;
    const std::string token_url = "http://127.0.0.1:" + std::to_string(port) + "/token";
    auth::ReplayCache assertion_replay;
    long issued = 0;
    svr.Post("/token", [&](const httplib::Request& q, httplib::Response& r) {
        const auto at = q.body.find("client_assertion=");
        const auto end = q.body.find('&', at);
        const std::string assertion = q.body.substr(at + 17, end - at - 17);
        auth::JwtChecks c;
        c.expected_typ = "client-authentication+jwt";
        c.issuer = "bench-client";
        c.audience = token_url;
        c.replay = &assertion_replay;
        if (!auth::verify_jwt(assertion, client_public, c)) {
            r.status = 401;
            r.set_content(R"({"error":"invalid_client"})", "application/json");
            return;
        }
        const bool dpop = q.has_header("DPoP");
        auto token =
            auth::sign_jwt(server_key, R"({"typ":"at+jwt"})",
                           R"({"iss":"bench","sub":"bench-client","exp":4102444800,"jti":"t)" +
                               std::to_string(++issued) + "\"}");
        r.set_content(R"({"access_token":")" + *token + R"(","token_type":")" +
                          (dpop ? "DPoP" : "Bearer") +
                          R"(","expires_in":3600,"scope":"nhn:jft/api"})",
                      "application/json");
    });
    std::thread server([&] { svr.listen_after_bind(); });
    const auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!svr.is_running() && std::chrono::steady_clock::now() < ready_by)
        std::this_thread::yield();

    client::TokenClientOptions o;
    o.token_url = token_url;
    o.client_id = "bench-client";
    o.client_key = client_key;
    auto bearer_tokens = client::TokenClient::create(o);
    auto es_opts = o;
    es_opts.dpop_key = key(auth::Algorithm::es256);
    auto es_tokens = client::TokenClient::create(es_opts);
    auto rs_opts = o;
    rs_opts.dpop_key = key(auth::Algorithm::rs256);
    auto rs_tokens = client::TokenClient::create(rs_opts);
    if (!bearer_tokens || !es_tokens || !rs_tokens) return 2;
    auto bearer = client::Auth::bearer(*bearer_tokens);
    auto es = client::Auth::dpop(*es_tokens);
    auto rs = client::Auth::dpop(*rs_tokens);
    const std::vector<std::string> scopes = {"nhn:jft/api"};
    const std::string url = "https://api.jft.example/v1/Bundle";
    if (!bearer->headers_for("POST", url, scopes) || !es->headers_for("POST", url, scopes) ||
        !rs->headers_for("POST", url, scopes)) {
        std::fprintf(stderr, "token fetch failed\n");
        return 2;
    }

    std::printf("vft_bench_auth: %.1f s per measurement, one thread\n", seconds);
    size_t sink = 0;
    print("(a) headers_for, Bearer, warm token cache",
          rate(seconds, [&] { sink += bearer->headers_for("POST", url, scopes)->size(); }));
    print("(b) headers_for, DPoP proof per request, ES256",
          rate(seconds, [&] { sink += es->headers_for("POST", url, scopes)->size(); }));
    print("(b) headers_for, DPoP proof per request, RS256",
          rate(seconds, [&] { sink += rs->headers_for("POST", url, scopes)->size(); }));

    for (const auto* tokens : {&*es_tokens, &*rs_tokens}) {
        const std::string token = tokens->token(scopes)->value;
        auth::DpopClaims c{"POST", url, token, "", 0};
        auth::DpopExpect e;
        e.htm = "POST";
        e.htu = url;
        e.access_token = token;
        e.expected_jkt = tokens->dpop_key()->thumbprint();
        // One proof verified again and again: signature, claims, ath, jkt. The replay check (a
        // hash-set insert) is left out, since it would refuse the second round.
        const std::string proof = *auth::make_dpop_proof(*tokens->dpop_key(), c);
        const bool es256 = tokens->dpop_key()->algorithm() == auth::Algorithm::es256;
        print(es256 ? "(c) verify_dpop_proof, ES256" : "(c) verify_dpop_proof, RS256",
              rate(seconds, [&] { sink += auth::verify_dpop_proof(proof, e).ok(); }));
    }

    print("(d) fresh token from a loopback token endpoint (Bearer)", rate(seconds, [&] {
              bearer_tokens->invalidate(scopes);
              sink += bearer_tokens->token(scopes).ok();
          }));
    print("(d) fresh DPoP token from a loopback token endpoint (ES256)", rate(seconds, [&] {
              es_tokens->invalidate(scopes);
              sink += es_tokens->token(scopes).ok();
          }));
    svr.stop();
    server.join();
    std::printf("(%zu)\n", sink % 2);
    return 0;
}
