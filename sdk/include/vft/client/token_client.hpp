// vft::client::TokenClient — access tokens from a HelseID-style token endpoint: OAuth 2.0
// client_credentials with a private_key_jwt client assertion (RFC 7523), optionally DPoP-bound
// (RFC 9449, with the server-nonce dance of §8), cached per scope set, refreshed before expiry,
// and fetched once for many concurrent callers (single flight).
//
// Thread-safety: every member may be called from any number of threads at once; copies share
// one cache, one nonce and one connection pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"
#include "vft/transport/http_client.hpp"
#include "vft/transport/retry.hpp"

namespace vft::client {

struct TokenClientOptions {
    std::string
        token_url;  // the token endpoint, e.g. https://helseid-sts.test.nhn.no/connect/token
    std::string client_id;                // iss = sub of the client assertion
    std::optional<auth::Key> client_key;  // required: signs the assertion (RS256 or ES256)
    std::string kid;                      // the assertion header's kid; empty = none
    // When set, tokens are DPoP-bound to this key (token_type "DPoP") and every request to the
    // token endpoint carries a proof made with it. Use a key of its own, not the client key.
    std::optional<auth::Key> dpop_key;
    int assertion_lifetime_s = 60;  // exp of the client assertion (and of nothing else)
    // A token is refreshed when less than max(min_refresh_margin_s, refresh_fraction × lifetime)
    // is left, but never earlier than half its lifetime (so short-lived tokens are still reused).
    int64_t min_refresh_margin_s = 30;
    double refresh_fraction = 0.1;
    transport::HttpOptions http;   // for the token endpoint
    transport::RetryPolicy retry;  // token requests are safe to repeat; each attempt is new
    std::function<int64_t()> now;  // seconds since the epoch; empty = the system clock (tests)
};

// One access token. `value` is a credential: never log it or put it in an error.
struct AccessToken {
    std::string value;
    std::string token_type;           // "Bearer" or "DPoP" (as the client asked for)
    int64_t issued_at = 0;            // when the client received it (its clock)
    int64_t expires_at = 0;           // issued_at + expires_in
    int64_t refresh_at = 0;           // from then on token() fetches a new one
    std::vector<std::string> scopes;  // granted, sorted
    int attempts = 0;                 // HTTP requests this call made; 0 = served from the cache
    [[nodiscard]] bool dpop_bound() const { return token_type == "DPoP"; }
};

class TokenClient {
  public:
    // Checks the options. Errors: VFT-AUTH-0901 (no client key, a public key, a public DPoP
    // key), VFT-BUILD-0704 (token_url not http(s), empty client_id, assertion lifetime or refresh
    // settings out of range), VFT-NET-1001/VFT-IO-0601 (HTTP client setup). Options are copied.
    [[nodiscard]] static Result<TokenClient> create(TokenClientOptions options);

    // A token for this set of scopes (order and duplicates do not matter). Served from the cache
    // until its refresh time; concurrent callers for the same set wait for the one request in
    // flight and share its result; errors are not cached (the next call asks again).
    // Errors: VFT-AUTH-0903 (the endpoint answered 4xx/5xx — message has the OAuth `error` and
    // `error_description` — or could not be reached; retryable as the cause), VFT-AUTH-0904
    // (no access_token, token_type not the one asked for, expires_in missing or not positive, a
    // requested scope not granted, body not JSON), VFT-AUTH-0902 (signing failed).
    [[nodiscard]] Result<AccessToken> token(const std::vector<std::string>& scopes) const;

    // Forgets the cached token of this scope set, e.g. after an API answered 401. With
    // `only_if_value`, only when the cached token is still that one (a concurrent caller may have
    // fetched a new one already).
    void invalidate(const std::vector<std::string>& scopes,
                    std::string_view only_if_value = {}) const;

    // The DPoP key, when tokens are DPoP-bound.
    [[nodiscard]] const std::optional<auth::Key>& dpop_key() const;
    [[nodiscard]] const TokenClientOptions& options() const;
    // Seconds since the epoch by the injected clock.
    [[nodiscard]] int64_t now() const;

    struct State;

  private:
    explicit TokenClient(std::shared_ptr<State> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<State> impl_;
};

// The scope set as the cache and the request see it: sorted, duplicates and empties removed,
// joined by single spaces.
[[nodiscard]] std::string scope_key(const std::vector<std::string>& scopes);

}  // namespace vft::client
