// vft::Outbox — the sender's durable store-and-forward queue (SQLite). A message handed to
// enqueue() is on disk before the call returns and stays there until a delivery worker records
// the receiver's answer: delivered, or dead (rejected, kept with the OperationOutcome until an
// operator retries or drops it). Delivery is in order per ordering key (patient or device).
//
// Thread-safety: one Outbox may be used from many threads at once (producers and delivery
// workers). Several processes may open the same file (e.g. `vft outbox retry` next to a running
// sender); they wait for each other's write lock up to a few seconds.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vft/core/result.hpp"

namespace vft {

struct OutboxOptions {
    std::string path;                                    // SQLite file; created when missing
    size_t group_commit_max = 256;                       // most writes committed in one transaction
    std::chrono::microseconds group_commit_window{500};  // how long a leader waits for followers
                                                         // (at most: it stops once as many are
                                                         // queued as the last batch held)
    std::chrono::milliseconds lease{300000};  // due() hands a message to one worker for this long
                                              // (or until it is marked); keep above the send
                                              // deadline so two workers never send it at once
};

struct OutboxEntry {
    std::string identifier;    // the message identifier = idempotency key (required)
    std::string ordering_key;  // patient or device: delivery is in order per key ("" is a key)
    std::string endpoint;      // e.g. "vkp:bundle", "jft:MedicationDispense" (required)
    std::string content_type;  // e.g. "application/fhir+json"
    std::string body;          // the bytes to send, stored and returned exactly
};

enum class OutboxState { pending, delivered, dead };

struct OutboxMessage {
    int64_t seq = 0;  // assigned by enqueue, never reused
    OutboxEntry entry;
    OutboxState state = OutboxState::pending;
    int attempts = 0;        // sends whose result was recorded (mark_*); 0 again after retry_dead
    std::string last_error;  // from the last mark_retry
    int last_status = 0;     // HTTP status of the last recorded attempt, 0 when none
    int64_t created_ms = 0;  // Unix time in milliseconds (enqueue)
    int64_t next_attempt_ms = 0;
    int64_t delivered_ms = 0;  // 0 unless delivered
    std::string outcome;       // OperationOutcome of a rejection (state dead), else empty
    // The follow-up of a delivered message (schema version 2): where to read its status (JFT's
    // status URL from Location, "" when none), the last status read there (JSON, "" before the
    // first read), whether that status is final, and when it was read (Unix ms, 0 never).
    std::string location = {};
    std::string status = {};
    bool status_final = false;
    int64_t status_ms = 0;
};

struct OutboxCounts {
    size_t pending = 0, delivered = 0, dead = 0;
    int64_t oldest_pending_ms = 0;  // created_ms of the oldest pending message, 0 when none
};

// What the group commit did since open(), for benchmarks and tests.
struct OutboxStats {
    uint64_t writes = 0;   // write calls completed (enqueue, mark_*, retry_dead, drop)
    uint64_t commits = 0;  // transactions committed for them; fewer than writes under load
};

class Outbox {
  public:
    // Opens or creates the queue. Errors: VFT-OUTBOX-1101 (no path, cannot open or create, not
    // an outbox, schema from a newer vft), VFT-OUTBOX-1102 (storage failure while preparing).
    [[nodiscard]] static Result<Outbox> open(OutboxOptions options);

    Outbox(Outbox&&) noexcept;
    Outbox& operator=(Outbox&&) noexcept;
    ~Outbox();

    // Stores the entry and returns its seq once the row is durable (fsync on commit). Concurrent
    // calls share one transaction (group commit). An identifier already present, in any state,
    // returns the existing seq and stores nothing (the first body wins). Errors: VFT-OUTBOX-1104
    // (empty identifier or endpoint), VFT-OUTBOX-1102.
    [[nodiscard]] Result<int64_t> enqueue(const OutboxEntry& entry);

    // Pending messages whose next attempt is due at `now_ms`: only the oldest pending message of
    // each ordering key, and only when that one is due (a later message waits while an earlier
    // one backs off). Earliest due first; at most `max`. A returned message is leased to the
    // caller (not returned again) until it is marked or the lease passes.
    [[nodiscard]] Result<std::vector<OutboxMessage>> due(size_t max, int64_t now_ms);

    // The receiver accepted the message (2xx). Durable on return; a delivered message is never
    // due again. Marking a delivered message again is a no-op. Errors: VFT-OUTBOX-1103 (no such
    // seq), VFT-OUTBOX-1105 (the message is dead), VFT-OUTBOX-1102.
    [[nodiscard]] Result<void> mark_delivered(int64_t seq, int status);
    // The same, keeping `location` (e.g. JFT's status URL) with the row for a later status read
    // that survives a restart (follow_ups, record_status).
    [[nodiscard]] Result<void> mark_delivered(int64_t seq, int status, std::string location);
    // Delivered messages with a location whose status is not final and was last read at or
    // before `polled_before_ms` (never read = 0), oldest first, at most `max`. Errors: 1102.
    [[nodiscard]] Result<std::vector<OutboxMessage>> follow_ups(size_t max,
                                                                int64_t polled_before_ms);
    // Stores the status read at a delivered message's location. Errors: 1103 (no such seq),
    // 1105 (not delivered), 1102.
    [[nodiscard]] Result<void> record_status(int64_t seq, std::string status_json, bool final);
    // The attempt failed in a way a retry can help; attempts + 1, due again at next_attempt_ms.
    // Errors: 1103, 1105 (not pending), 1102.
    [[nodiscard]] Result<void> mark_retry(int64_t seq, int64_t next_attempt_ms, std::string error,
                                          int status = 0);
    // The receiver rejected the message: it moves to the dead letters with the OperationOutcome
    // and no longer blocks its ordering key. Errors: 1103, 1105 (not pending), 1102.
    [[nodiscard]] Result<void> mark_dead(int64_t seq, int status, std::string outcome_json);

    [[nodiscard]] Result<OutboxCounts> counts();
    // Pending and dead oldest first (delivery order); delivered newest first (the recent record).
    [[nodiscard]] Result<std::vector<OutboxMessage>> list(OutboxState state, size_t limit);
    // Dead → pending (attempts 0, due now): one message, or all when `seq` is empty. Returns how
    // many moved (0 when `seq` is not dead). A retried message takes its place in its key's order
    // again by seq.
    [[nodiscard]] Result<size_t> retry_dead(std::optional<int64_t> seq);
    // Removes a pending or dead message (an operator's explicit action). Delivered messages are
    // kept as the record: returns 0 for them and for unknown seqs.
    [[nodiscard]] Result<size_t> drop(int64_t seq);
    // Removes delivered messages delivered before `before_ms` (Unix ms) and returns how many.
    // Retention: delivered rows are the sender's record and make a re-enqueue of the same
    // identifier a no-op; after a purge such a re-enqueue is sent again, and the receiver's
    // duplicate rule answers it. Pending and dead messages are never purged. Errors: 1102.
    [[nodiscard]] Result<size_t> purge_delivered(int64_t before_ms);

    [[nodiscard]] OutboxStats stats() const;

  private:
    struct State;
    explicit Outbox(std::unique_ptr<State> impl);
    std::unique_ptr<State> impl_;
};

}  // namespace vft
