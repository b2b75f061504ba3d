// The outbox on SQLite: one connection per Outbox guarded by our own mutex (opened
// SQLITE_OPEN_NOMUTEX) — SQLite's FULLMUTEX would serialise single calls only, while a group
// commit is a BEGIN…COMMIT sequence over shared prepared statements that must not interleave.
//
// Durability: WAL with synchronous=FULL, so COMMIT returns after the WAL is fsynced. Every write
// (enqueue, mark_*, retry_dead, drop) goes through one group-commit pipeline: the first caller to
// find no leader becomes the leader, waits up to group_commit_window for as many followers as the
// previous batch held (so a lone producer never waits), runs the batch in one transaction (one
// SAVEPOINT per write, so one write's logical error does not undo the others) and wakes the
// followers with their results. Writers arriving during the leader's fsync form the next batch.
// No background thread.
//
// Schema (user_version 2; version 1 files are migrated on open by ALTER TABLE, version 2 adds
// the follow-up of a delivered message: `location` (e.g. JFT's status URL), `status` (the last
// status read there, JSON), `status_final` and `status_ms`, so status polling survives a restart).
// Version 1: `messages` holds every message in every state, so seq and the
// identifier's uniqueness never move when a message dies or is retried (an idempotent re-enqueue
// of a dead message finds it); `dead_letters` holds the rejection (status, OperationOutcome) of
// the messages in state dead, keeping large outcomes out of the hot rows. `head` marks the
// oldest pending message of each ordering key, so due() is one range scan of a partial index
// instead of a per-row "is there an older pending one" probe over the whole backlog. It is
// maintained in the same transactions that change states, and recomputed on open.
#include "vft/outbox/outbox.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "vft/core/error_codes.hpp"
#include "vft/internal/sqlite.hpp"
#include "vft/internal/sqlite_file.hpp"

namespace vft {
namespace {

using internal::Stmt;

constexpr int kPending = 0;
constexpr int kDelivered = 1;
constexpr int kDead = 2;
constexpr int kSchemaVersion = 2;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS messages ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " identifier TEXT NOT NULL UNIQUE,"
    " ordering_key TEXT NOT NULL,"
    " endpoint TEXT NOT NULL,"
    " content_type TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"  // pending, delivered, dead
    " head INTEGER NOT NULL DEFAULT 0,"  // 1: oldest pending message of its ordering_key
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '',"
    " last_status INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL,"
    " next_attempt_ms INTEGER NOT NULL,"
    " delivered_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS dead_letters ("
    " seq INTEGER PRIMARY KEY REFERENCES messages(seq),"
    " status INTEGER NOT NULL,"
    " outcome TEXT NOT NULL,"
    " died_ms INTEGER NOT NULL);"
    // due(): the due heads, earliest first.
    "CREATE INDEX IF NOT EXISTS messages_due ON messages(next_attempt_ms)"
    " WHERE state = 0 AND head = 1;"
    // The oldest pending message of a key (entries are ordered key, state, seq).
    "CREATE INDEX IF NOT EXISTS messages_by_key ON messages(ordering_key, state);"
    // counts() and list() (entries are ordered state, seq).
    "CREATE INDEX IF NOT EXISTS messages_by_state ON messages(state);";

// Recomputes every head: after retry_dead (an older message may be pending again) and on open.
// Version 1 -> 2 (additive: columns with defaults, so version 1 rows read as "no follow-up").
constexpr const char* kMigrate2 =
    "ALTER TABLE messages ADD COLUMN location TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE messages ADD COLUMN status_final INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE messages ADD COLUMN status_ms INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX IF NOT EXISTS messages_follow_up ON messages(status_ms)"
    " WHERE state = 1 AND location <> '' AND status_final = 0;"
    "PRAGMA user_version = 2;";

constexpr const char* kRepairHeads =
    "UPDATE messages SET head = (seq IN (SELECT MIN(seq) FROM messages WHERE state = 0"
    " GROUP BY ordering_key)) WHERE state = 0 AND head <> (seq IN (SELECT MIN(seq) FROM messages"
    " WHERE state = 0 GROUP BY ordering_key))";

constexpr const char* kColumns =
    "SELECT m.seq, m.identifier, m.ordering_key, m.endpoint, m.content_type, m.body, m.state,"
    " m.attempts, m.last_error, m.last_status, m.created_ms, m.next_attempt_ms, m.delivered_ms,"
    " COALESCE(d.outcome, ''), m.location, m.status, m.status_final, m.status_ms"
    " FROM messages m ";
constexpr const char* kJoinDead = "LEFT JOIN dead_letters d ON d.seq = m.seq ";

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Error outbox_error(std::string_view code, std::string message, bool retryable = false) {
    return Error{std::string(code), std::move(message), {}, {}, 0, retryable};
}

Error storage_error(sqlite3* db, const std::string& what) {
    const int rc = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    return outbox_error(
        errc::outbox_storage,
        "outbox storage failure (" + what + "): " + (db ? sqlite3_errmsg(db) : "no database"),
        internal::sqlite_transient(rc));
}

OutboxState state_of(int v) {
    return v == kDelivered ? OutboxState::delivered
           : v == kDead    ? OutboxState::dead
                           : OutboxState::pending;
}

int state_value(OutboxState s) {
    return s == OutboxState::delivered ? kDelivered : s == OutboxState::dead ? kDead : kPending;
}

OutboxMessage read_message(sqlite3_stmt* s) {
    OutboxMessage m;
    m.seq = sqlite3_column_int64(s, 0);
    m.entry.identifier = Stmt::column_text(s, 1);
    m.entry.ordering_key = Stmt::column_text(s, 2);
    m.entry.endpoint = Stmt::column_text(s, 3);
    m.entry.content_type = Stmt::column_text(s, 4);
    m.entry.body = Stmt::column_blob(s, 5);
    m.state = state_of(sqlite3_column_int(s, 6));
    m.attempts = sqlite3_column_int(s, 7);
    m.last_error = Stmt::column_text(s, 8);
    m.last_status = sqlite3_column_int(s, 9);
    m.created_ms = sqlite3_column_int64(s, 10);
    m.next_attempt_ms = sqlite3_column_int64(s, 11);
    m.delivered_ms = sqlite3_column_int64(s, 12);
    m.outcome = Stmt::column_text(s, 13);
    m.location = Stmt::column_text(s, 14);
    m.status = Stmt::column_text(s, 15);
    m.status_final = sqlite3_column_int(s, 16) != 0;
    m.status_ms = sqlite3_column_int64(s, 17);
    return m;
}

}  // namespace

struct Outbox::State {
    OutboxOptions opts;
    sqlite3* db = nullptr;

    // Guards db, every statement and the leases.
    std::mutex db_mu;
    std::unordered_map<int64_t, int64_t> leases;  // seq -> leased until (ms, the caller's clock)

    // The group-commit queue.
    struct Write {
        std::function<Result<int64_t>()> fn;  // runs inside the batch transaction, db_mu held
        std::optional<Result<int64_t>> result;
    };
    std::mutex q_mu;
    std::condition_variable leader_cv;  // a leader waiting for followers
    std::condition_variable done_cv;    // followers waiting for their result
    std::deque<Write*> queue;
    bool leader_active = false;
    size_t last_batch = 1;  // writes in the last committed batch

    std::atomic<uint64_t> writes{0};
    std::atomic<uint64_t> commits{0};

    struct Statements {
        sqlite3_stmt *begin = nullptr, *commit = nullptr, *rollback = nullptr;
        sqlite3_stmt *savepoint = nullptr, *release = nullptr, *rollback_to = nullptr;
        sqlite3_stmt *insert = nullptr, *seq_of = nullptr, *state_of = nullptr;
        sqlite3_stmt *promote = nullptr, *repair = nullptr;
        sqlite3_stmt *delivered = nullptr, *retry = nullptr, *dead = nullptr,
                     *dead_letter = nullptr;
        sqlite3_stmt *revive_one = nullptr, *revive_all = nullptr, *clean_letters = nullptr;
        sqlite3_stmt *drop_letter = nullptr, *drop_message = nullptr;
        sqlite3_stmt *due = nullptr, *count = nullptr, *oldest = nullptr;
        sqlite3_stmt *list_asc = nullptr, *list_desc = nullptr;
        sqlite3_stmt *follow_ups = nullptr, *set_status = nullptr;
    } st;

    ~State() {
        for (sqlite3_stmt* s :
             {st.begin,       st.commit,     st.rollback,      st.savepoint,   st.release,
              st.rollback_to, st.insert,     st.seq_of,        st.state_of,    st.promote,
              st.repair,      st.delivered,  st.retry,         st.dead,        st.dead_letter,
              st.revive_one,  st.revive_all, st.clean_letters, st.drop_letter, st.drop_message,
              st.due,         st.count,      st.oldest,        st.list_asc,    st.list_desc,
              st.follow_ups,  st.set_status})
            sqlite3_finalize(s);
        sqlite3_close_v2(db);
    }

    Result<void> exec(const char* sql, const char* what) {
        if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            return storage_error(db, what);
        return {};
    }

    Result<void> prepare(sqlite3_stmt*& s, const char* sql) {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
            return storage_error(db, "prepare");
        return {};
    }

    Result<void> prepare_all() {
        const std::string cols = kColumns;
        const std::pair<sqlite3_stmt**, std::string> all[] = {
            {&st.begin, "BEGIN IMMEDIATE"},
            {&st.commit, "COMMIT"},
            {&st.rollback, "ROLLBACK"},
            {&st.savepoint, "SAVEPOINT w"},
            {&st.release, "RELEASE w"},
            {&st.rollback_to, "ROLLBACK TO w"},
            {&st.insert,
             "INSERT INTO messages (identifier, ordering_key, endpoint, content_type, body, head,"
             " created_ms, next_attempt_ms) VALUES (?1, ?2, ?3, ?4, ?5, NOT EXISTS (SELECT 1 FROM"
             " messages WHERE ordering_key = ?2 AND state = 0), ?6, ?6)"
             " ON CONFLICT (identifier) DO NOTHING"},
            {&st.seq_of, "SELECT seq FROM messages WHERE identifier = ?1"},
            {&st.state_of, "SELECT state, head, ordering_key FROM messages WHERE seq = ?1"},
            {&st.promote,
             "UPDATE messages SET head = 1 WHERE seq = (SELECT seq FROM messages WHERE"
             " ordering_key = ?1 AND state = 0 ORDER BY seq LIMIT 1)"},
            {&st.repair, kRepairHeads},
            {&st.delivered,
             "UPDATE messages SET state = 1, head = 0, attempts = attempts + 1, last_status = ?2,"
             " delivered_ms = ?3, location = ?4 WHERE seq = ?1"},
            {&st.retry,
             "UPDATE messages SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3,"
             " last_status = ?4 WHERE seq = ?1"},
            {&st.dead,
             "UPDATE messages SET state = 2, head = 0, attempts = attempts + 1, last_status = ?2"
             " WHERE seq = ?1"},
            {&st.dead_letter,
             "INSERT OR REPLACE INTO dead_letters (seq, status, outcome, died_ms)"
             " VALUES (?1, ?2, ?3, ?4)"},
            {&st.revive_one,
             "UPDATE messages SET state = 0, head = 0, attempts = 0, next_attempt_ms = ?2"
             " WHERE seq = ?1 AND state = 2"},
            {&st.revive_all,
             "UPDATE messages SET state = 0, head = 0, attempts = 0, next_attempt_ms = ?1"
             " WHERE state = 2"},
            {&st.clean_letters,
             "DELETE FROM dead_letters WHERE seq NOT IN (SELECT seq FROM messages WHERE state = "
             "2)"},
            {&st.drop_letter, "DELETE FROM dead_letters WHERE seq = ?1"},
            {&st.drop_message, "DELETE FROM messages WHERE seq = ?1"},
            {&st.due, cols + "INDEXED BY messages_due " + kJoinDead +
                          "WHERE m.state = 0 AND m.head = 1 AND m.next_attempt_ms <= ?1"
                          " ORDER BY m.next_attempt_ms, m.seq LIMIT ?2"},
            {&st.count, "SELECT state, COUNT(*) FROM messages GROUP BY state"},
            {&st.oldest, "SELECT created_ms FROM messages WHERE state = 0 ORDER BY seq LIMIT 1"},
            {&st.list_asc, cols + kJoinDead + "WHERE m.state = ?1 ORDER BY m.seq LIMIT ?2"},
            {&st.list_desc, cols + kJoinDead + "WHERE m.state = ?1 ORDER BY m.seq DESC LIMIT ?2"},
            {&st.follow_ups, cols + kJoinDead +
                                 "WHERE m.state = 1 AND m.location <> '' AND m.status_final = 0"
                                 " AND m.status_ms <= ?1 ORDER BY m.seq LIMIT ?2"},
            {&st.set_status,
             "UPDATE messages SET status = ?2, status_final = ?3, status_ms = ?4"
             " WHERE seq = ?1 AND state = 1"},
        };
        for (const auto& [stmt, sql] : all)
            if (auto r = prepare(*stmt, sql.c_str()); !r) return r;
        return {};
    }

    // Runs a statement that returns no rows.
    Result<void> run(sqlite3_stmt* s, const char* what) {
        Stmt u(s);
        if (u.step() != SQLITE_DONE) return storage_error(db, what);
        return {};
    }

    // ---- the group commit ----

    Result<int64_t> write(std::function<Result<int64_t>()> fn) {
        Write w{std::move(fn), std::nullopt};
        const size_t max = opts.group_commit_max == 0 ? 1 : opts.group_commit_max;
        std::unique_lock lk(q_mu);
        queue.push_back(&w);
        if (leader_active) leader_cv.notify_one();  // it may be waiting for this follower
        while (!w.result) {
            if (leader_active) {
                done_cv.wait(lk);
                continue;
            }
            leader_active = true;
            // Wait for as many writers as the last batch held: a lone producer never waits, and
            // steady concurrent producers are gathered without sleeping out the whole window.
            const size_t expected = std::min(max, std::max<size_t>(last_batch, 1));
            if (opts.group_commit_window.count() > 0 && queue.size() < expected)
                leader_cv.wait_for(lk, opts.group_commit_window,
                                   [&] { return queue.size() >= expected; });
            std::vector<Write*> batch;
            while (!queue.empty() && batch.size() < max) {
                batch.push_back(queue.front());
                queue.pop_front();
            }
            lk.unlock();
            std::vector<std::optional<Result<int64_t>>> results = run_batch(batch);
            lk.lock();
            for (size_t i = 0; i < batch.size(); ++i)
                batch[i]->result = std::move(results[i]);
            leader_active = false;
            last_batch = batch.size();
            done_cv.notify_all();
        }
        return std::move(*w.result);
    }

    std::vector<std::optional<Result<int64_t>>> run_batch(const std::vector<Write*>& batch) {
        std::vector<std::optional<Result<int64_t>>> results(batch.size());
        std::lock_guard dl(db_mu);
        auto fail_all = [&](const Error& e) {
            for (auto& r : results)
                if (!r || r->ok()) r = e;
            return std::move(results);
        };
        if (auto r = run(st.begin, "begin"); !r) return fail_all(r.error());
        for (size_t i = 0; i < batch.size(); ++i) {
            if (auto r = run(st.savepoint, "savepoint"); !r)
                return rolled_back(fail_all(r.error()));
            Result<int64_t> r = batch[i]->fn();
            // An I/O error, a full disk or no memory rolls the whole transaction back.
            if (sqlite3_get_autocommit(db)) return fail_all(storage_error(db, "write"));
            if (!r.ok())
                if (auto rb = run(st.rollback_to, "rollback to savepoint"); !rb)
                    return rolled_back(fail_all(rb.error()));
            if (auto rel = run(st.release, "release savepoint"); !rel)
                return rolled_back(fail_all(rel.error()));
            results[i] = std::move(r);
        }
        if (auto r = run(st.commit, "commit"); !r) return rolled_back(fail_all(r.error()));
        commits.fetch_add(1, std::memory_order_relaxed);
        writes.fetch_add(batch.size(), std::memory_order_relaxed);
        return results;
    }

    template <typename T>
    T rolled_back(T results) {
        if (!sqlite3_get_autocommit(db)) (void)run(st.rollback, "rollback");
        return results;
    }

    // ---- pieces of writes (db_mu held, inside the batch transaction) ----

    struct Row {
        int state = -1;  // -1: no such seq
        bool head = false;
        std::string key;
    };

    Result<Row> row(int64_t seq) {
        Stmt u(st.state_of);
        u.bind(1, seq);
        const int rc = u.step();
        if (rc == SQLITE_DONE) return Row{};
        if (rc != SQLITE_ROW) return storage_error(db, "read message state");
        return Row{sqlite3_column_int(*u, 0), sqlite3_column_int(*u, 1) != 0,
                   Stmt::column_text(*u, 2)};
    }

    // The next pending message of `key` becomes its head (after the head left pending).
    Result<void> promote(const std::string& key) {
        Stmt u(st.promote);
        u.bind(1, key, Stmt::keep);
        if (u.step() != SQLITE_DONE) return storage_error(db, "promote next message");
        return {};
    }

    static Error unknown(int64_t seq) {
        return outbox_error(errc::outbox_unknown_message,
                            "no message with seq " + std::to_string(seq) + " in the outbox");
    }

    static Error not_pending(int64_t seq, int state) {
        return outbox_error(errc::outbox_not_pending, "message " + std::to_string(seq) + " is " +
                                                          (state == kDead ? "dead" : "delivered") +
                                                          ", not pending");
    }

    void release_lease(int64_t seq) {
        std::lock_guard dl(db_mu);
        leases.erase(seq);
    }
};

Outbox::Outbox(std::unique_ptr<State> impl) : impl_(std::move(impl)) {}
Outbox::Outbox(Outbox&&) noexcept = default;
Outbox& Outbox::operator=(Outbox&&) noexcept = default;
Outbox::~Outbox() = default;

Result<Outbox> Outbox::open(OutboxOptions options) {
    if (options.path.empty())
        return outbox_error(errc::outbox_open, "cannot open the outbox: no file given");
    auto impl = std::make_unique<State>();
    impl->opts = std::move(options);
    internal::SqliteFileSpec spec{
        .code = errc::outbox_open,
        .what = "the outbox",
        .own_tables = "'messages', 'dead_letters', 'sqlite_sequence'",
        .schema = kSchema,
        .known_version = kSchemaVersion,
        .migrate = [](sqlite3* db, int version) {
            auto exec = [db](const char* sql) {
                return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
            };
            return (version >= 2 || exec(kMigrate2)) && exec(kRepairHeads);
        }};
    if (auto o = internal::open_sqlite_file(impl->opts.path, &impl->db, spec); !o) return o.error();
    if (auto r = impl->prepare_all(); !r) return r.error();
    return Outbox(std::move(impl));
}

namespace {
Error moved_from() {
    return outbox_error(errc::outbox_storage, "outbox storage failure: the Outbox was moved from");
}
}  // namespace

Result<int64_t> Outbox::enqueue(const OutboxEntry& entry) {
    if (!impl_) return moved_from();
    if (entry.identifier.empty())
        return outbox_error(errc::outbox_invalid_entry,
                            "cannot enqueue a message without an identifier (the idempotency key)");
    if (entry.endpoint.empty())
        return outbox_error(
            errc::outbox_invalid_entry,
            "cannot enqueue message '" + entry.identifier + "' without an endpoint");
    const int64_t now = wall_ms();
    State& im = *impl_;
    return im.write([&im, &entry, now]() -> Result<int64_t> {
        {
            Stmt u(im.st.insert);
            u.bind(1, entry.identifier, Stmt::keep);
            u.bind(2, entry.ordering_key, Stmt::keep);
            u.bind(3, entry.endpoint, Stmt::keep);
            u.bind(4, entry.content_type, Stmt::keep);
            u.bind_blob(5, entry.body, Stmt::keep);
            u.bind(6, now);
            if (u.step() != SQLITE_DONE) return storage_error(im.db, "insert message");
            if (sqlite3_changes(im.db) == 1) return sqlite3_last_insert_rowid(im.db);
        }
        Stmt u(im.st.seq_of);  // already present: the idempotent producer gets the first seq
        u.bind(1, entry.identifier, Stmt::keep);
        if (u.step() != SQLITE_ROW) return storage_error(im.db, "find existing message");
        return sqlite3_column_int64(*u, 0);
    });
}

Result<std::vector<OutboxMessage>> Outbox::due(size_t max, int64_t now_ms) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    std::vector<OutboxMessage> out;
    if (max == 0) return out;
    std::lock_guard dl(im.db_mu);
    std::erase_if(im.leases, [now_ms](const auto& l) { return l.second <= now_ms; });
    Stmt u(im.st.due);
    u.bind(1, now_ms);
    u.bind(2, static_cast<int64_t>(max + im.leases.size()));
    int rc;
    while (out.size() < max && (rc = u.step()) == SQLITE_ROW) {
        const int64_t seq = sqlite3_column_int64(*u, 0);
        if (im.leases.contains(seq)) continue;
        out.push_back(read_message(*u));
    }
    if (out.size() < max && rc != SQLITE_DONE) return storage_error(im.db, "read due messages");
    const int64_t until = now_ms + im.opts.lease.count();
    for (const OutboxMessage& m : out)
        im.leases[m.seq] = until;
    return out;
}

Result<void> Outbox::mark_delivered(int64_t seq, int status) {
    return mark_delivered(seq, status, std::string());
}

Result<void> Outbox::mark_delivered(int64_t seq, int status, std::string location) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    const int64_t now = wall_ms();
    auto r = im.write([&im, seq, status, now, &location]() -> Result<int64_t> {
        auto row = im.row(seq);
        if (!row) return row.error();
        if (row->state < 0) return State::unknown(seq);
        if (row->state == kDelivered) return 0;  // marked before: nothing to change
        if (row->state == kDead) return State::not_pending(seq, row->state);
        Stmt u(im.st.delivered);
        u.bind(1, seq);
        u.bind(2, status);
        u.bind(3, now);
        u.bind(4, location, Stmt::keep);
        if (u.step() != SQLITE_DONE) return storage_error(im.db, "mark delivered");
        if (row->head)
            if (auto p = im.promote(row->key); !p) return p.error();
        return 0;
    });
    im.release_lease(seq);
    if (!r) return std::move(r).error();
    return {};
}

Result<void> Outbox::mark_retry(int64_t seq, int64_t next_attempt_ms, std::string error,
                                int status) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    auto r = im.write([&]() -> Result<int64_t> {
        auto row = im.row(seq);
        if (!row) return row.error();
        if (row->state < 0) return State::unknown(seq);
        if (row->state != kPending) return State::not_pending(seq, row->state);
        Stmt u(im.st.retry);
        u.bind(1, seq);
        u.bind(2, next_attempt_ms);
        u.bind(3, error, Stmt::keep);
        u.bind(4, status);
        if (u.step() != SQLITE_DONE) return storage_error(im.db, "mark retry");
        return 0;
    });
    im.release_lease(seq);
    if (!r) return std::move(r).error();
    return {};
}

Result<void> Outbox::mark_dead(int64_t seq, int status, std::string outcome_json) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    const int64_t now = wall_ms();
    auto r = im.write([&]() -> Result<int64_t> {
        auto row = im.row(seq);
        if (!row) return row.error();
        if (row->state < 0) return State::unknown(seq);
        if (row->state != kPending) return State::not_pending(seq, row->state);
        {
            Stmt u(im.st.dead);
            u.bind(1, seq);
            u.bind(2, status);
            if (u.step() != SQLITE_DONE) return storage_error(im.db, "mark dead");
        }
        {
            Stmt u(im.st.dead_letter);
            u.bind(1, seq);
            u.bind(2, status);
            u.bind(3, outcome_json, Stmt::keep);
            u.bind(4, now);
            if (u.step() != SQLITE_DONE) return storage_error(im.db, "store dead letter");
        }
        if (row->head)
            if (auto p = im.promote(row->key); !p) return p.error();
        return 0;
    });
    im.release_lease(seq);
    if (!r) return std::move(r).error();
    return {};
}

Result<OutboxCounts> Outbox::counts() {
    if (!impl_) return moved_from();
    State& im = *impl_;
    std::lock_guard dl(im.db_mu);
    OutboxCounts c;
    {
        Stmt u(im.st.count);
        int rc;
        while ((rc = u.step()) == SQLITE_ROW) {
            const auto n = static_cast<size_t>(sqlite3_column_int64(*u, 1));
            switch (sqlite3_column_int(*u, 0)) {
                case kPending:
                    c.pending = n;
                    break;
                case kDelivered:
                    c.delivered = n;
                    break;
                case kDead:
                    c.dead = n;
                    break;
                default:
                    break;
            }
        }
        if (rc != SQLITE_DONE) return storage_error(im.db, "count messages");
    }
    Stmt u(im.st.oldest);
    const int rc = u.step();
    if (rc == SQLITE_ROW)
        c.oldest_pending_ms = sqlite3_column_int64(*u, 0);
    else if (rc != SQLITE_DONE)
        return storage_error(im.db, "find oldest pending message");
    return c;
}

Result<std::vector<OutboxMessage>> Outbox::list(OutboxState state, size_t limit) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    std::lock_guard dl(im.db_mu);
    Stmt u(state == OutboxState::delivered ? im.st.list_desc : im.st.list_asc);
    u.bind(1, state_value(state));
    u.bind(2, limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit));
    std::vector<OutboxMessage> out;
    int rc;
    while ((rc = u.step()) == SQLITE_ROW)
        out.push_back(read_message(*u));
    if (rc != SQLITE_DONE) return storage_error(im.db, "list messages");
    return out;
}

Result<size_t> Outbox::retry_dead(std::optional<int64_t> seq) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    const int64_t now = wall_ms();
    auto r = im.write([&]() -> Result<int64_t> {
        {
            Stmt u(seq ? im.st.revive_one : im.st.revive_all);
            if (seq) {
                u.bind(1, *seq);
                u.bind(2, now);
            } else {
                u.bind(1, now);
            }
            if (u.step() != SQLITE_DONE) return storage_error(im.db, "retry dead messages");
        }
        const int64_t n = sqlite3_changes64(im.db);
        if (n == 0) return 0;
        if (auto c = im.run(im.st.clean_letters, "remove dead letters"); !c) return c.error();
        if (auto h = im.run(im.st.repair, "order retried messages"); !h) return h.error();
        return n;
    });
    if (!r) return std::move(r).error();
    return static_cast<size_t>(*r);
}

Result<size_t> Outbox::drop(int64_t seq) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    auto r = im.write([&]() -> Result<int64_t> {
        auto row = im.row(seq);
        if (!row) return row.error();
        if (row->state < 0 || row->state == kDelivered) return 0;
        for (sqlite3_stmt* s : {im.st.drop_letter, im.st.drop_message}) {
            Stmt u(s);
            u.bind(1, seq);
            if (u.step() != SQLITE_DONE) return storage_error(im.db, "drop message");
        }
        if (row->head)
            if (auto p = im.promote(row->key); !p) return p.error();
        return 1;
    });
    im.release_lease(seq);
    if (!r) return std::move(r).error();
    return static_cast<size_t>(*r);
}

Result<size_t> Outbox::purge_delivered(int64_t before_ms) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    auto r = im.write([&]() -> Result<int64_t> {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(im.db, "DELETE FROM messages WHERE state = 1 AND delivered_ms < ?1",
                               -1, &s, nullptr) != SQLITE_OK)
            return storage_error(im.db, "purge delivered messages");
        sqlite3_bind_int64(s, 1, before_ms);
        const int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE) return storage_error(im.db, "purge delivered messages");
        return static_cast<int64_t>(sqlite3_changes(im.db));
    });
    if (!r) return std::move(r).error();
    return static_cast<size_t>(*r);
}

OutboxStats Outbox::stats() const {
    if (!impl_) return {};
    return {impl_->writes.load(std::memory_order_relaxed),
            impl_->commits.load(std::memory_order_relaxed)};
}

}  // namespace vft

namespace vft {

Result<std::vector<OutboxMessage>> Outbox::follow_ups(size_t max, int64_t polled_before_ms) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    std::vector<OutboxMessage> out;
    if (max == 0) return out;
    std::lock_guard dl(im.db_mu);
    Stmt u(im.st.follow_ups);
    u.bind(1, polled_before_ms);
    u.bind(2, static_cast<int64_t>(max));
    int rc;
    while ((rc = u.step()) == SQLITE_ROW)
        out.push_back(read_message(*u));
    if (rc != SQLITE_DONE) return storage_error(im.db, "read follow-ups");
    return out;
}

Result<void> Outbox::record_status(int64_t seq, std::string status_json, bool final) {
    if (!impl_) return moved_from();
    State& im = *impl_;
    const int64_t now = wall_ms();
    auto r = im.write([&]() -> Result<int64_t> {
        auto row = im.row(seq);
        if (!row) return row.error();
        if (row->state < 0) return State::unknown(seq);
        if (row->state != kDelivered) return State::not_pending(seq, row->state);
        Stmt u(im.st.set_status);
        u.bind(1, seq);
        u.bind(2, status_json, Stmt::keep);
        u.bind(3, final ? 1 : 0);
        u.bind(4, now);
        if (u.step() != SQLITE_DONE) return storage_error(im.db, "record status");
        return 0;
    });
    if (!r) return std::move(r).error();
    return {};
}

}  // namespace vft
