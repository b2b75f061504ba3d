// Safe retries over HttpClient: exponential backoff with jitter, Retry-After honoured (clamped),
// an overall deadline per call, and never a retry that could journal an event twice.
//
// Idempotency: a request is retried after it may have reached the server only when the caller
// says it is safe (`idempotent = true`). Journaling requests carry Bundle.identifier (the
// builders always set one, and a receiver journals an identifier once), so the SDK always passes
// idempotent=true for them and resends with the same identifier, never a new one; searches do not
// change state and are safe too. With idempotent=false, only failures where the request provably
// never left (could not connect, name did not resolve, timed out before connecting) are retried.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "vft/core/result.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::transport {

struct RetryPolicy {
    int max_attempts = 6;                            // first try included; < 1 is treated as 1
    std::chrono::milliseconds initial_backoff{200};  // wait after the first failed attempt
    double multiplier = 2.0;                         // growth per attempt; < 1 is treated as 1
    std::chrono::milliseconds max_backoff{30000};    // cap on the computed backoff (after jitter)
    double jitter = 0.2;                             // ±20 % spread around the computed backoff
    std::chrono::milliseconds max_retry_after{120000};     // Retry-After is clamped to this
    std::chrono::milliseconds deadline{120000};            // overall per call, waits included
    std::function<void(std::chrono::milliseconds)> sleep;  // empty = std::this_thread::sleep_for
};

// 408, 425, 429 and every 5xx except those that state a permanent property of the server or
// network (501, 505, 508, 510, 511). Other 4xx are never retryable.
[[nodiscard]] bool retryable_status(int status);

// Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in IMF-fixdate,
// obsolete RFC 850 or asctime form, all GMT. Returns the wait from `now`; nullopt for garbage,
// negative numbers, impossible dates and dates not after `now` (then the caller's own backoff
// applies — a past date usually means clock skew, and retrying at once would hammer the server).
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// The wait after failed attempt `attempt` (1-based). With a Retry-After: that value clamped to
// max_retry_after, no jitter. Otherwise initial_backoff * multiplier^(attempt-1), spread by
// ±jitter (deterministic for a seed), clamped to [0, max_backoff].
[[nodiscard]] std::chrono::milliseconds backoff_for(
    const RetryPolicy& policy, int attempt, std::optional<std::chrono::milliseconds> retry_after,
    uint64_t jitter_seed);

// Thread-safety: send() may be called from many threads at once (the sleep function and log
// sink must then be thread-safe too). Copies share the HttpClient's connection pool.
class RetryingClient {
  public:
    struct Outcome {
        HttpResponse response;  // the last response (its status is for the caller to judge)
        int attempts = 0;       // how many requests were sent, 1 when the first one settled it
    };

    RetryingClient(HttpClient client, RetryPolicy policy = {});

    // Retries transport errors marked retryable and retryable_status() responses (never other
    // 4xx), waiting backoff_for() between attempts, until a response settles it, max_attempts
    // is used up (then the last response, or the last error, is returned) or the deadline would
    // pass (VFT-NET-1006, naming the last error). A wait that would cross the deadline is not
    // started; each attempt's timeout is cut to the time left.
    [[nodiscard]] Result<Outcome> send(const HttpRequest& request, bool idempotent) const;

    // Called before every attempt (1-based) with a fresh copy of the request to adjust, e.g. to
    // put a new DPoP proof in it (a receiver refuses a replayed jti, so a retry cannot reuse the
    // first attempt's proof). An error from it ends the call with that error, nothing sent.
    using PrepareAttempt = std::function<Result<void>(HttpRequest& request, int attempt)>;
    // send() with `prepare` run before each attempt; an empty `prepare` is the plain send().
    [[nodiscard]] Result<Outcome> send(const HttpRequest& request, bool idempotent,
                                       const PrepareAttempt& prepare) const;

    [[nodiscard]] const RetryPolicy& policy() const { return policy_; }
    [[nodiscard]] const HttpClient& http() const { return client_; }

  private:
    HttpClient client_;
    RetryPolicy policy_;
};

}  // namespace vft::transport
