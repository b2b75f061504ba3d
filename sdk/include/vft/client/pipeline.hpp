// vft::client::Pipeline — one sending pipeline from a built message to a journaled one, in the
// spirit of the Azure SDK's HTTP pipeline with policies: a vendor configures ONE HelseID client
// registration and the endpoints it sends to, then hands built messages to it.
//
//   enqueue   the message goes into the durable SQLite outbox (vft::Outbox) before the call
//             returns; a message without an identifier is refused (the identifier is the
//             idempotency key every resend carries)
//   auth      the scope and the token kind are picked per API: Bearer for VKP
//             (nhn:vkp/api/user/{resource}.write) and KITH, DPoP for JFT (nhn:jft/api) and PMD —
//             two token caches from the one registration, nothing for the vendor to build
//   challenge a 401 drops the refused token and the request goes once more with a fresh one; a
//             DPoP `use_dpop_nonce` challenge is answered with the server's nonce
//   retries   one budget: each attempt is one token request (no retries of its own) plus one
//             delivery; failures back off in the outbox (RetryPolicy backoff), and
//             run_until_idle cuts every request to its deadline
//   status    JFT's status URL (Location) is kept with the outbox row and `$status` is read
//             from there — after a restart too
//   fates     every message's fate goes to the observer: delivered (with the receiver's answer),
//             rejected (with every OperationOutcome issue), dead-lettered (with the reason),
//             retrying, and each JFT status read
//
// The parts stay usable on their own (Outbox, Deliverer, TokenClient, Auth, the API clients);
// the pipeline composes them. Choices: docs/client.md, "The sending pipeline".
//
// Thread-safety: enqueue may be called from any thread at any time; run_until_idle, poll_status,
// start and stop from one thread. The observer is called from worker threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/client/jft_client.hpp"
#include "vft/client/operation_outcome.hpp"
#include "vft/core/error.hpp"
#include "vft/core/result.hpp"
#include "vft/model/types.hpp"
#include "vft/outbox/delivery.hpp"
#include "vft/outbox/outbox.hpp"
#include "vft/transport/http_client.hpp"
#include "vft/transport/retry.hpp"

namespace vft::client {

// One HelseID client registration (docs/client.md, "Tokens").
struct HelseIdClient {
    std::string token_url;                // e.g. https://helseid-sts.test.nhn.no/connect/token
    std::string client_id;                // iss = sub of the client assertion
    std::optional<auth::Key> client_key;  // signs the client assertion (RS256, ES256, EdDSA)
    std::string kid;                      // the assertion header's kid; empty = none
    std::optional<auth::Key> dpop_key;    // binds JFT/PMD tokens; empty = a fresh ES256 key
};

// The APIs the pipeline sends to. An empty base URL = that API is not used (enqueueing for it
// is refused).
struct PipelineEndpoints {
    std::string vkp_base_url;                // root above /epj/r4
    std::string vkp_orgnr;                   // the receiving municipality
    std::vector<std::string> service_codes;  // VKP ServiceCodes header; empty = not sent
    std::string jft_base_url;                // root above /v1
    std::string jft_source_system;           // nhn-source-system header; empty = not sent
    std::string pmd_base_url;                // root above /pmd
    std::string kith_base_url;               // root above /kith/messages
    std::vector<std::string> jft_scopes = {"nhn:jft/api"};
    // The national sources do not name PMD's scope (UNCONFIRMED): set your registration's.
    std::vector<std::string> pmd_scopes = {"nhn:jft/api"};  // as PmdClientOptions::scopes
    std::vector<std::string> kith_scopes = {"nhn:kith/api"};
};

enum class Api { vkp, jft, pmd, kith };

enum class Fate {
    delivered,      // the receiver accepted it (2xx): `outcome` is its answer, `location` JFT's
                    // status URL
    rejected,       // the receiver refused it (4xx other than 401/408/429): `issues`
    dead_lettered,  // given up without a receiver verdict (e.g. no URL for it): `reason`
    retrying,       // this attempt failed in a way a retry can help: `reason`, `next_attempt_ms`
    status,         // a JFT status was read: `jft_status`, `final`
};

struct MessageFate {
    Fate fate = Fate::retrying;
    int64_t seq = 0;
    std::string identifier;
    std::string ordering_key;
    std::string endpoint;     // the outbox endpoint, e.g. "vkp:bundle", "jft:Bundle"
    int status = 0;           // HTTP status, 0 when no response came
    int attempt = 0;          // 1 for the first attempt on this message
    int requests = 0;         // HTTP requests of this attempt (2 when a challenge was answered)
    std::string location;     // delivered JFT message: the status URL
    std::string outcome;      // delivered: the response body; rejected: the OperationOutcome JSON
    OperationOutcome issues;  // rejected: every issue (rule, path, message, hint, source)
    std::string reason;       // dead_lettered, retrying: why
    std::optional<Error> error;           // the typed error behind a rejection or retry
    int64_t next_attempt_ms = 0;          // retrying: when it is due again (Unix ms)
    std::optional<JftStatus> jft_status;  // status: what $status said
    bool final = false;                   // status: journaled or failed
    // delivered KITH message: the AppRec read from the answer (status 1 OK, 2 Avvist with its
    // errors, 3 OK with errors in a part). An Avvist message is not resent.
    std::optional<kith::AppRec> apprec = std::nullopt;
};

struct PipelineOptions {
    std::string outbox_path;  // the SQLite outbox file (created when missing)
    HelseIdClient helseid;
    PipelineEndpoints endpoints;
    transport::HttpOptions http;   // every request (token service and APIs)
    transport::RetryPolicy retry;  // the backoff between attempts (max_attempts and deadline
                                   // unused: a transient failure never gives a message up)
    std::chrono::milliseconds status_interval{5000};   // how often a JFT status is read again
    size_t workers = 1;                                // delivery threads
    std::chrono::milliseconds poll_interval{200};      // idle wait of the background workers
    std::function<void(const MessageFate&)> observer;  // from worker threads; must be thread-safe
};

// What run_until_idle did.
struct PipelineReport {
    IdleReport delivery;            // the deliveries (vft/outbox/delivery.hpp)
    size_t statuses_read = 0;       // JFT status reads made
    size_t awaiting_status = 0;     // delivered JFT messages whose status is not final
    bool deadline_reached = false;  // the deadline ended it
};

class Pipeline {
  public:
    // Opens the outbox and sets up the token caches and clients. Errors: VFT-OUTBOX-1101/1102,
    // VFT-OUTBOX-1107 (no endpoint at all), VFT-ID-0404 (vkp_orgnr), those of
    // TokenClient::create (VFT-AUTH-0901, VFT-BUILD-0704) and HttpClient::create.
    [[nodiscard]] static Result<Pipeline> create(PipelineOptions options);

    Pipeline(Pipeline&&) noexcept;
    Pipeline& operator=(Pipeline&&) noexcept;
    ~Pipeline();  // stops the background workers

    // Stores a built message for `api` durably and returns its outbox seq. The endpoint follows
    // from the message: VKP Bundle/Composition/MedicationDispense/Encounter/DetectedIssue, JFT
    // Bundle/Composition/MedicationDispense, PMD a batch Bundle, KITH a MsgHead document. An
    // identifier already in the outbox returns its seq and stores nothing. Errors:
    // VFT-OUTBOX-1104 (no identifier, or one the body does not carry), VFT-OUTBOX-1106 (the API
    // has no base URL, or the resource type is not one it takes), VFT-OUTBOX-1102.
    [[nodiscard]] Result<int64_t> enqueue(Api api, const Message& message,
                                          std::string_view ordering_key);

    // Delivers what is due until nothing is pending (or what is pending backs off past the
    // deadline), then reads the JFT status of each delivered message not read (successfully)
    // yet. Every
    // request is cut to the deadline. Errors: VFT-OUTBOX-1102.
    [[nodiscard]] Result<PipelineReport> run_until_idle(
        std::chrono::steady_clock::time_point deadline);

    // Reads `$status` for delivered JFT messages whose status is not final and was last read
    // more than status_interval ago (or never read successfully: a failed read counts as not
    // read); records each in the outbox and tells the observer (a failed read too, with its
    // error). Returns how many were asked for. Errors: VFT-OUTBOX-1102.
    [[nodiscard]] Result<size_t> poll_status();

    // Background delivery (Deliverer::start) and a status reader every status_interval.
    // Errors: VFT-OUTBOX-1107 when already started.
    [[nodiscard]] Result<void> start();
    void stop();  // idempotent

    [[nodiscard]] Outbox& outbox();

    struct State;

  private:
    explicit Pipeline(std::unique_ptr<State> impl);
    std::unique_ptr<State> impl_;
};

// The HelseID scopes the pipeline asks for an outbox endpoint ("vkp:bundle" →
// {"nhn:vkp/api/user/bundle.write"}), or empty for an unknown one.
[[nodiscard]] std::vector<std::string> scopes_for(const PipelineEndpoints& endpoints,
                                                  std::string_view endpoint);

}  // namespace vft::client
