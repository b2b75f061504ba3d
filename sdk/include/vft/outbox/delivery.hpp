// vft::Deliverer — the outbox's delivery loop: takes due messages from a vft::Outbox, sends each
// one (the stored body, byte for byte, so every retry carries the same identifier) to the
// endpoint its entry names, and records the receiver's answer in the outbox: delivered (2xx),
// retry later with backoff (transport errors, 401, 408, 429, transient 5xx), or dead (any other
// rejection, kept with its OperationOutcome). One attempt per message per round: the backoff
// lives in the outbox (next_attempt_ms), so a crash while a message waits loses nothing, and a
// crash between "sent" and "recorded" resends it with the same identifier, which the receiver
// answers with its stored outcome (DESIGN.md, duplicates). Order per ordering key comes from
// Outbox::due(). Choices where the specifications are silent: docs/transport.md, "Delivery".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/core/error.hpp"
#include "vft/core/result.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/outbox/outbox.hpp"
#include "vft/transport/http_client.hpp"
#include "vft/transport/retry.hpp"

namespace vft {

// Headers to add to one request (e.g. Authorization and DPoP), asked for before every attempt,
// so a token that expired between attempts is replaced and a DPoP proof is never reused.
// Arguments: the HTTP method, the full URL and the outbox endpoint ("vkp:bundle"). An error
// fails this attempt only: the message stays pending and is retried with backoff (nothing was
// sent, so nothing was rejected). Called from the worker threads: must be thread-safe.
using AuthHook = std::function<Result<std::vector<std::pair<std::string, std::string>>>(
    std::string_view method, std::string_view url, std::string_view endpoint)>;

// Reads the answer to a request authorised by the AuthHook (`sent` as it went out, without its
// body) and says whether to send it once more at once with fresh auth headers: a DPoP nonce
// challenge, or a refused token the hook has dropped (vft::client::Auth::on_response). At most
// two such resends per attempt. Called from the worker threads: must be thread-safe.
using AuthResponseHook =
    std::function<bool(std::string_view endpoint, const transport::HttpRequest& sent,
                       const transport::HttpResponse& response)>;

enum class DeliveryVerdict { delivered, retry, dead };

// What happened to one message in one attempt (the observer's argument).
struct DeliveryEvent {
    int64_t seq = 0;
    std::string identifier;
    std::string ordering_key;
    std::string endpoint;
    DeliveryVerdict verdict = DeliveryVerdict::retry;
    int attempt = 0;              // 1 for the first attempt on this message
    int status = 0;               // HTTP status, 0 when no response came
    std::optional<Error> error;   // retry and dead: why (typed, from error_from_response or NET)
    int64_t next_attempt_ms = 0;  // retry: when it is due again (Unix ms)
    std::string outcome;          // dead: the OperationOutcome stored with the dead letter;
                                  // delivered pmd:batch with failed entries: the batch-response
    size_t failed_entries = 0;    // delivered pmd:batch: entries the receiver did not accept
    std::string location;         // delivered: the response's Location (JFT's status URL), if any
    bool recorded = true;  // false when the outbox could not store the verdict (the message stays
                           // leased, then is due again and resent with the same identifier)
    std::string response = {};  // delivered: the response body (e.g. VKP's OperationOutcome)
    int requests = 0;           // HTTP requests in this attempt (auth resends included)
    // delivered kith:messages: the AppRec the receiver answered with, read (status and errors,
    // kodeverk 8258/8221). An AppRec is the receiver's verdict: Avvist (2) is delivered too and
    // never resent — the sender corrects the message and sends it as a new one (new MsgId). A
    // 2xx without a readable AppRec counts as no answer: retried with the same MsgId.
    std::optional<kith::AppRec> apprec = std::nullopt;
};

struct DeliveryStats {
    uint64_t attempts = 0;            // messages taken from due() and handled
    uint64_t sent = 0;                // requests that went to the HTTP client
    uint64_t delivered = 0;           // marked delivered
    uint64_t retried = 0;             // marked for a later retry
    uint64_t dead = 0;                // marked dead
    uint64_t partially_accepted = 0;  // pmd:batch delivered with some entries refused
    uint64_t storage_errors = 0;      // verdicts the outbox could not record
};

struct DeliveryOptions {
    std::string base_url;  // API root: VKP under {base}/epj/r4/{orgnr}, JFT under {base}/v1,
                           // PMD {base}/pmd, KITH {base}/kith/messages (no trailing slash needed)
    std::string orgnr;     // the receiving municipality (VKP endpoints need it)
    std::vector<std::string> service_codes;  // VKP `ServiceCodes` header ("TA", "MD"); empty =
                                             // header not sent
    std::string source_system;               // JFT `nhn-source-system` header; empty = not sent
    size_t workers = 1;                      // sender threads (run_until_idle and start)
    size_t batch_size = 16;                  // messages one worker takes from due() per round
    std::chrono::milliseconds poll_interval{200};  // how long an idle worker waits before it
                                                   // looks again (start, run_until_idle)
    transport::RetryPolicy retry;  // backoff and Retry-After clamp; max_attempts and deadline are
                                   // not used: a message is never given up on for transient
                                   // errors, it stays pending and `vft outbox status` shows it
    AuthHook auth;                 // empty = no auth headers
    AuthResponseHook auth_response = {};  // empty = a 401 is a retry later (no resend at once)
    // Per-API roots ("vkp", "jft", "pmd", "kith") that override base_url for that API's
    // endpoints, so one Deliverer serves APIs on different hosts. A JFT delivery keeps its
    // Location (the status URL) with the outbox row (Outbox::follow_ups).
    std::map<std::string, std::string> api_base_urls = {};
    transport::HttpOptions http;  // timeouts, TLS, log sink; total_timeout must stay under the
                                  // outbox lease so no two workers send one message at once
    std::function<void(const DeliveryEvent&)> observer;  // after every attempt; called from the
                                                         // worker threads (must be thread-safe)
};

// The result of run_until_idle.
struct IdleReport {
    DeliveryStats stats;          // of this run only
    size_t pending = 0;           // still pending when it returned (0 = everything settled)
    size_t dead = 0;              // dead letters in the outbox
    int64_t next_attempt_ms = 0;  // earliest retry this run scheduled that is still ahead, 0 none
    bool deadline_reached = false;
};

// The URL for an outbox endpoint: vkp:bundle → {base}/epj/r4/{orgnr}/bundle, vkp:{composition,
// medicationdispense, encounter, detectedissue} → {base}/epj/r4/{orgnr}/{resource}, jft:{Bundle,
// Composition, MedicationDispense} → {base}/v1/{Type}, pmd:batch → {base}/pmd, kith:messages →
// {base}/kith/messages. Errors: VFT-OUTBOX-1106 (unknown endpoint, or a VKP endpoint without an
// orgnr). Thread-safe (a pure function).
[[nodiscard]] Result<std::string> delivery_url(std::string_view base_url, std::string_view orgnr,
                                               std::string_view endpoint);

// Thread-safety: run_once, run_until_idle, start, stop and stats may be called from any thread,
// but run_once/run_until_idle and the background workers should not run at the same time (they
// would share the outbox's leases correctly, but the summary of one would miss the other's work).
// The Outbox must outlive the Deliverer. Several Deliverers on one Outbox are safe (leases keep
// one message with one worker); several processes on one outbox file are not coordinated.
class Deliverer {
  public:
    // Copies the options. Errors: VFT-OUTBOX-1107 (neither base_url nor api_base_urls, workers
    // or batch_size 0),
    // VFT-NET-1001 / VFT-IO-0601 from creating the HTTP client.
    [[nodiscard]] static Result<Deliverer> create(Outbox& outbox, DeliveryOptions options);

    Deliverer(Deliverer&&) noexcept;
    Deliverer& operator=(Deliverer&&) noexcept;
    ~Deliverer();  // stops the background workers

    // One round at the given wall time (Unix ms): due(batch_size × workers, now_ms), one attempt
    // per message, spread over the workers. Returns how many messages were handled (0 = nothing
    // due). Tests use it to move time forward without waiting. Errors: VFT-OUTBOX-1102 from due().
    [[nodiscard]] Result<size_t> run_once(int64_t now_ms);

    // Delivers until nothing is pending, or until what is pending backs off past `deadline`, or
    // the deadline passes, waiting between rounds for backoffs that end before it. Each request's
    // timeout is cut to the time left, so it returns by the deadline. The first
    // round always runs (a deadline already past = deliver what is due now, once). Errors:
    // VFT-OUTBOX-1102 (reading the outbox failed).
    [[nodiscard]] Result<IdleReport> run_until_idle(std::chrono::steady_clock::time_point deadline);

    // Background delivery with `workers` threads, each taking due messages and sleeping
    // poll_interval when there are none. Errors: VFT-OUTBOX-1107 when already started.
    [[nodiscard]] Result<void> start();
    // Asks the workers to finish and waits for them; a request in flight is finished (at most
    // http.total_timeout) and its verdict recorded. Idempotent.
    void stop();

    [[nodiscard]] DeliveryStats stats() const;  // since create

  private:
    struct State;
    explicit Deliverer(std::unique_ptr<State> impl);
    std::unique_ptr<State> impl_;
};

}  // namespace vft
