// The receiver's journal: every accepted message, once per (api, identifier), with the outcome
// given to the first submission so that a resubmission gets the same answer (DESIGN.md,
// duplicates), and the resources it brought into the EPJ (`record` rows) so that the SUT's own
// search API can read them back. SQLite in WAL mode; survives restarts and a crash of the
// receiver process. Thread-safe (one connection behind a mutex; statements prepared once).
//
// A write commits one row (the `journal` table, append-only, rowid = sequence) and nothing else:
// the lookup tables (by identifier, by resource id, by type) and the `record` rows are derived
// from the journal rows and written afterwards in batches by a maintenance thread, which also
// checkpoints the WAL (off the request path). Every read brings them up to date first, the
// duplicate check consults the writes not yet indexed in memory, and open() indexes what a crash
// left unindexed before the journal is used (docs/http-engine.md, *Durability*).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::mocks::detail {

struct StoredOutcome {
    int status = 0;
    std::string body;
    std::string location;
    std::string content_type;
    int count = 1;  // how often this identifier was submitted
};

struct JournalEntry {
    std::string api;  // vkp | jft | pmd
    std::string identifier;
    std::string resource_type;
    std::string orgnr;
    int count = 0;
    std::string received;  // first submission, UTC
    std::string resource_id;
    std::string status_registered, status_read, status_journaled;  // JFT lifecycle
};

// One resource the EPJ now holds (from a journaled bundle or a single-resource write), findable
// by patient and date through the search endpoints.
struct Record {
    std::string type;  // Composition | MedicationDispense | Encounter | DetectedIssue | Observation
    std::string patient;          // the subject's fødselsnummer / D-nummer; empty when unknown
    std::optional<int64_t> when;  // the resource's clinical time, seconds since the epoch
    std::string body;             // the resource JSON; empty = the journaled message itself
};

class Journal {
  public:
    // When the maintenance thread indexes and checkpoints; 0 turns a trigger off (tests).
    struct Tuning {
        int64_t index_batch = 256;                   // index once this many writes are not indexed
        std::chrono::milliseconds index_every{100};  // and this often if any is not
        int checkpoint_frames = 1000;  // checkpoint once the WAL holds this many frames
        // How long open() waits for the file's lock before it calls the file in use. A child
        // forked by another thread (the runner starts trigger commands) holds a copy of the
        // previous owner's locked descriptor until it execs, so a lock can outlive its journal
        // by moments; SQLite's own busy timeout is the same 5 s.
        std::chrono::milliseconds lock_wait{5000};
    };
    static Result<std::unique_ptr<Journal>> open(const std::string& path);
    static Result<std::unique_ptr<Journal>> open(const std::string& path, Tuning tuning);
    ~Journal();

    // Journals (api, identifier) once, with its records. The first call runs `outcome` (which
    // also gets the new resource id) and stores its result; later calls return the stored
    // outcome, count + 1, and add no records. `once = false` is the journals-duplicates defect:
    // every call journals a new entry with its records. `outcome` must have no side effects: it
    // is run before the journal is consulted (outside the commit, so that concurrent writes build
    // their answers in parallel) and its result dropped when the identifier is already known.
    // Returns once the entry is committed; concurrent calls share one transaction (group commit,
    // no waiting window: whoever finds no commit running commits everything queued so far, and
    // hands the next batch to one of the writers that queued meanwhile, or to the commit thread
    // when only record_async writes queued; each writer sleeps on its own futex word, so a
    // commit wakes only the writers it answers). If the transaction fails, every call in it
    // gets VFT-MOCK-1201.
    //
    // With racy_claim() (the journals-concurrent-duplicates defect) `once` is a check-then-insert
    // instead: the identifier is looked up first, and when absent the write journals a new entry.
    // The window between the two is held open on purpose, and no lock decides who meets: the
    // first arrival of an identifier waits (in memory, before any database access) until a
    // second arrival of it comes or `window` passed. Alone, it claims the identifier as usual
    // (a lone write is journaled once). Met, it looks the identifier up once for everyone who
    // came meanwhile; when absent, each of them journals an entry of its own. Sequential resends
    // are still journaled once.
    Result<StoredOutcome> record_once(
        const std::string& api, const std::string& identifier, const std::string& resource_type,
        const std::string& orgnr, const std::string& body,
        const std::function<StoredOutcome(const std::string& resource_id)>& outcome,
        const std::vector<Record>& records = {}, bool once = true);

    // record_once without waiting: `done` gets the result once the write is committed (or its
    // transaction failed), on the thread that committed it, which must not be made to wait long
    // (answer and return). A commit thread commits what is queued whenever no commit runs, so
    // writes queued while one runs share the next. `outcome` runs on this thread, as in
    // record_once. Not with racy_claim() (its window waits by design).
    void record_async(std::string api, std::string identifier, std::string resource_type,
                      std::string orgnr, std::string body,
                      const std::function<StoredOutcome(const std::string& resource_id)>& outcome,
                      std::vector<Record> records, bool once,
                      std::function<void(Result<StoredOutcome>)> done);

    // Announces, on this thread, a write that will call record_once soon (it is being
    // validated): a group commit that starts meanwhile waits briefly for it (at most 2 ms)
    // instead of committing alone. Ends when this thread's record_once queues the write, or
    // when the object goes out of scope (the write was refused).
    class Expecting {
      public:
        explicit Expecting(Journal& j);
        ~Expecting();
        Expecting(const Expecting&) = delete;
        Expecting& operator=(const Expecting&) = delete;

      private:
        Journal& journal_;
    };

    // Records of `type` for a patient, oldest first; `from`/`to` bound `when` (inclusive; a
    // record without a time never matches a bound).
    Result<std::vector<std::string>> records(const std::string& api, const std::string& orgnr,
                                             const std::string& type, const std::string& patient,
                                             std::optional<int64_t> from,
                                             std::optional<int64_t> to);

    // Turns on the journals-concurrent-duplicates defect (see record_once). Call before use.
    void racy_claim(std::chrono::milliseconds window) {
        racy_ = true;
        race_window_ = window;
    }

    Result<std::vector<JournalEntry>> entries();
    // A JFT entry by its resource id (JFT's $status; other APIs' entries are not looked up so).
    Result<std::optional<JournalEntry>> by_resource_id(const std::string& resource_type,
                                                       const std::string& id);
    Result<bool> mark(const std::string& resource_type, const std::string& id,
                      const char* column);  // read/journaled
    // JFT search: entries of a type after `after` (a seq; before it when descending), at most
    // `count`, filtered by the time received and the journaling acknowledgement.
    struct Found {
        int64_t seq;
        std::string resource_id;
        std::string body;
        std::string received;      // FHIR instant, UTC, seconds: meta.lastUpdated
        std::string journaled_at;  // "" until $journaling-acknowledged
    };
    struct SearchFilter {
        std::string received_from;  // received >= this (same text form as `received`); "" = any
        std::string received_to;    // received < this; "" = any
        int acknowledged = -1;      // -1 any, 0 not acknowledged, 1 acknowledged
        bool none = false;          // the filters contradict each other: nothing matches
    };
    Result<std::vector<Found>> search(const std::string& resource_type, int64_t after, size_t count,
                                      bool descending, const SearchFilter& filter);

    // Maintenance, for tests and benches: index every journaled write now / checkpoint the WAL
    // now. Both also happen on the maintenance thread without being asked.
    Result<void> index_now();
    Result<void> checkpoint_now();
    // What the maintenance thread has done so far (tests): writes indexed, checkpoints run.
    struct Maintenance {
        int64_t indexed_through = 0;  // journal seq up to which the lookup tables are complete
        int64_t written_through = 0;  // the last journal seq committed
        uint64_t checkpoints = 0;
        int wal_frames_peak = 0;  // the most frames the WAL held
    };
    Maintenance maintenance();

  private:
    struct Write;  // one record_once call waiting for its group commit
    Journal(sqlite3* db, Tuning t) : db_(db), tuning_(t) {}
    Result<void> passive_checkpoint(sqlite3* db, int& log, int& done);
    Result<void> create_or_upgrade();
    Result<void> exec(const char* sql);
    Result<void> catch_up();  // under mu_: index the journal rows not indexed yet
    // The maintenance thread's checkpoint, on its own connection: writes go on meanwhile. When
    // the WAL has grown to 8 x checkpoint_frames (writes never paused for a checkpoint to
    // finish), the rest is checkpointed under mu_ so that the WAL starts over.
    Result<void> checkpoint();
    void maintain();         // the maintenance thread
    void maintenance_due();  // after a commit: wake the maintenance thread if work is due
    static int on_wal(void* self, sqlite3*, const char*, int frames);
    // Seqs of (api, identifier): committed or in the open transaction, indexed or not.
    Result<std::vector<int64_t>> seqs_of(const std::string& api, const std::string& identifier);
    Result<void> step(int slot, const char* sql);       // a cached statement without rows
    sqlite3_stmt* prepared(int slot, const char* sql);  // cached; reset and unbound
    void commit_batch(const std::vector<Write*>& batch);
    // Commits the queue (with `self`, a record_once caller's write, or none: the commit thread)
    // and hands on; true when the commit thread should lead again at once.
    bool lead(Write* self);
    void commit_loop();          // the commit thread (record_async)
    void queue_write(Write& w);  // under queue_mu_
    Result<StoredOutcome> write_one(Write& w, const std::string& now);
    Result<bool> contains(const std::string& api, const std::string& identifier);
    // journals-concurrent-duplicates: meets the other arrivals of the identifier (see record_once)
    // and says whether the write still claims it (true) or journals an entry of its own (false).
    Result<bool> racy_once(const std::string& api, const std::string& identifier);
    sqlite3* db_;
    sqlite3* checkpoint_db_ = nullptr;  // the maintenance thread's connection (none in memory)
    int lock_fd_ = -1;                  // flock(LOCK_EX) on the file: one receiver per journal
    Tuning tuning_;
    std::mutex mu_;  // the connection and its statements
    sqlite3_stmt* stmts_[16] = {};
    // Under mu_: the journal rows not yet in the lookup tables ("api\nidentifier" -> seq).
    std::unordered_multimap<std::string, int64_t> pending_;
    int64_t indexed_through_ = 0;     // under mu_
    int64_t written_through_ = 0;     // under mu_: the last seq committed
    int64_t inserted_through_ = 0;    // under mu_: the last seq inserted (maybe not committed)
    std::atomic<int> wal_frames_{0};  // frames in the WAL (the WAL hook)
    std::atomic<int> wal_frames_peak_{0};
    std::atomic<int> backfilled_{0};  // of which the last checkpoint copied
    std::mutex checkpoint_mu_;        // one checkpoint at a time
    std::atomic<int64_t> unindexed_{0};
    std::atomic<uint64_t> checkpoints_{0};
    std::mutex maint_mu_;
    std::condition_variable maint_cv_;
    bool maint_due_ = false;   // under maint_mu_
    bool maint_stop_ = false;  // under maint_mu_
    std::thread maintainer_;
    std::mutex queue_mu_;  // writes waiting for a group commit
    std::vector<Write*> queue_;
    bool committing_ = false;  // a leader is committing; the next one is chosen from queue_
    uint64_t queued_ = 0;      // writes ever queued
    int expected_ = 0;         // writes announced (Expecting) and not yet queued or given up
    bool gathering_ = false;   // the leader waits on gather_cv_ for expected writes
    std::condition_variable gather_cv_;
    // The commit thread: leads when asked (commit_due_): for a record_async write that found no
    // commit running, or a batch a record_once leader left with only record_async writes.
    std::thread committer_;
    std::condition_variable commit_cv_;
    bool commit_due_ = false;   // under queue_mu_
    bool commit_stop_ = false;  // under queue_mu_
    bool racy_ = false;         // journals-concurrent-duplicates
    std::chrono::milliseconds race_window_{0};
    std::mutex race_mu_;
    std::condition_variable race_cv_;
    // One meeting of the arrivals of an identifier (racy_once): how many came, and once the
    // first looked the identifier up for all of them, whether it was known.
    struct Race {
        int arrivals = 0;
        bool decided = false;
        Result<bool> known = false;
    };
    std::map<std::string, std::shared_ptr<Race>> races_;  // under race_mu_; key: api, identifier
};

}  // namespace vft::mocks::detail
