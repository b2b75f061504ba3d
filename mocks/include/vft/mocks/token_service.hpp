// vft::mocks::TokenService — a HelseID-like token service for tests and the conformance suite:
// client_credentials with private_key_jwt client assertions, DPoP-bound access tokens (RFC 9449,
// optional server nonce), the discovery document and JWKS, and — only when asked for — an admin
// endpoint that mints deliberately wrong tokens (expired, other vkp-id, wrong aud, unknown key).
// Endpoints and the clients file are described in docs/mocks.md.
//
// Thread safety: start() and stop() from one thread; requests are served concurrently.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "vft/core/result.hpp"
#include "vft/mocks/http_limits.hpp"
#include "vft/transport/log.hpp"

namespace vft::mocks {

struct TokenServiceOptions {
    std::string host = "127.0.0.1";    // address to listen on
    int port = 0;                      // 0 = pick a free port
    std::string clients_file;          // the clients file (JSON); public_key_pem paths are
                                       // relative to its folder
    std::string clients_json;          // the clients file's text instead of clients_file;
                                       // relative PEM paths then resolve against clients_dir
    std::string clients_dir;           // base folder for clients_json; empty = current folder
    std::string key_pem;               // the signing key (PEM, private); empty = a fresh ES256 key
    std::string issuer;                // iss of issued tokens; empty = the base URL once started
    int token_lifetime_s = 300;        // exp - iat of issued tokens (1..86400)
    bool dpop_nonce_required = false;  // DPoP proofs must carry the server's nonce (RFC 9449 §8)
    // Clock skew allowed on the times in client assertions (iat, nbf, exp) and in DPoP proofs to
    // the token endpoint (iat), both ways. HelseID publishes no figure; 300 s is the default of
    // the Duende IdentityServer it runs on (docs/mocks.md, "Clock skew"; a vft decision).
    int clock_skew_s = 300;
    // The service's clock, for judging those times, runs this many seconds ahead (negative:
    // behind) of the system clock — a client whose clock is off by as much. Issued tokens keep
    // the system clock: the APIs judge them by it. The conformance runner's clock-skew tests.
    int clock_offset_s = 0;
    bool allow_test_tokens = false;  // serve POST /_admin/issue (never in front of real data)
    size_t threads = 4;              // handler worker threads
    size_t max_body_bytes = 65536;   // a larger request body gets 413
    HttpLimits http;                 // header, connection and time limits
    // One record per token request (LogRecord::message: client id, outcome, error description);
    // never a token, an assertion or a key. Empty = silent. Called from worker threads. The same
    // sink type as the SDK's transport (vft/transport/log.hpp).
    transport::LogSink log;
};

class TokenService {
  public:
    // Loads the clients file and the key. Errors: VFT-MOCK-1206 (clients file unreadable or
    // invalid; the message names the file and the entry), VFT-AUTH-0901 (--key unusable).
    [[nodiscard]] static Result<std::unique_ptr<TokenService>> create(TokenServiceOptions options);
    // Binds and serves in a background thread; returns the base URL ("http://127.0.0.1:PORT").
    // Errors: VFT-MOCK-1202.
    [[nodiscard]] Result<std::string> start();
    void stop();
    ~TokenService();

    // Valid after start(): the issuer and the token endpoint (base URL + "/connect/token").
    [[nodiscard]] std::string issuer() const;
    [[nodiscard]] std::string token_endpoint() const;

    struct State;

  private:
    explicit TokenService(std::unique_ptr<State> impl);
    std::unique_ptr<State> impl_;
};

}  // namespace vft::mocks
