#include "journal.hpp"

#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"
#include "vft/internal/error.hpp"
#include "vft/internal/sqlite.hpp"

namespace vft::mocks::detail {
namespace {

constexpr std::string_view kCode = errc::mock_journal;
using internal::Stmt;

Error db_error(sqlite3* db, const std::string& what) {
    return internal::make_error(kCode, what + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

std::string now_text() {
    return format_fhir_time(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// The records of a write, kept in its journal row until the maintenance thread writes them to
// the `record` table: per record four fields (type, patient, when or empty, body), each
// "<length>:<bytes>".
std::string encode_records(const std::vector<Record>& records) {
    std::string out;
    auto field = [&](std::string_view v) {
        out += std::to_string(v.size());
        out += ':';
        out.append(v);
    };
    for (const Record& r : records) {
        field(r.type);
        field(r.patient);
        field(r.when ? std::to_string(*r.when) : std::string());
        field(r.body);
    }
    return out;
}

// The inverse of encode_records; false if the text is not what it wrote.
bool decode_records(std::string_view in, std::vector<Record>& out) {
    auto field = [&](std::string& v) {
        const size_t colon = in.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon > 10) return false;
        size_t n = 0;
        for (size_t i = 0; i < colon; ++i) {
            if (in[i] < '0' || in[i] > '9') return false;
            n = n * 10 + static_cast<size_t>(in[i] - '0');
        }
        if (in.size() - colon - 1 < n) return false;
        v.assign(in.substr(colon + 1, n));
        in.remove_prefix(colon + 1 + n);
        return true;
    };
    while (!in.empty()) {
        Record r;
        std::string when;
        if (!field(r.type) || !field(r.patient) || !field(when) || !field(r.body)) return false;
        if (!when.empty()) {
            char* end = nullptr;
            r.when = std::strtoll(when.c_str(), &end, 10);
            if (!end || *end != '\0') return false;
        }
        out.push_back(std::move(r));
    }
    return true;
}

std::string pending_key(const std::string& api, const std::string& identifier) {
    std::string k;
    k.reserve(api.size() + 1 + identifier.size());
    k += api;
    k += '\n';
    k += identifier;
    return k;
}

// Schema version 2 (PRAGMA user_version): the journal rows alone on the write path. Version 1
// (before; user_version 0) had the lookups as SQLite indexes on `journal` and wrote the record
// rows in the write's transaction; open() upgrades it in place.
constexpr int kSchema = 2;

}  // namespace

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path) {
    return open(path, Tuning{});
}

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path, Tuning tuning) {
    const std::string file = path.empty() ? ":memory:" : path;
    // One receiver owns its journal (the duplicate check keeps the writes not yet indexed in
    // memory): an exclusive flock on the file, held until after SQLite closed it (closing a
    // descriptor of the file would drop SQLite's own locks). A second process gets 1201.
    int lock_fd = -1;
    if (!path.empty()) {
        lock_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock_fd < 0)
            return internal::make_error(
                kCode, "cannot open journal '" + file + "': " + std::strerror(errno));
        const auto deadline = std::chrono::steady_clock::now() + tuning.lock_wait;
        auto pause = std::chrono::milliseconds(1);
        while (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            if ((err != EWOULDBLOCK && err != EINTR) ||
                std::chrono::steady_clock::now() >= deadline) {
                ::close(lock_fd);
                return internal::make_error(
                    kCode, err == EWOULDBLOCK || err == EINTR
                               ? "journal '" + file + "' is in use by another receiver"
                               : "cannot lock journal '" + file + "': " + std::strerror(err));
            }
            std::this_thread::sleep_for(pause);  // backing off: a lock has no wake-up to wait on
            pause = std::min(pause * 2, std::chrono::milliseconds(50));
        }
    }
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        Error e = db_error(db, "cannot open journal '" + file + "'");
        sqlite3_close(db);
        if (lock_fd >= 0) ::close(lock_fd);
        return e;
    }
    std::unique_ptr<Journal> j(new Journal(db, tuning));
    j->lock_fd_ = lock_fd;
    sqlite3_busy_timeout(db, 5000);
    // Checkpoints are the maintenance thread's (wal_autocheckpoint=0), on a second connection,
    // so normal locking (a shared-memory WAL index) instead of locking_mode=EXCLUSIVE.
    for (const char* sql :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA wal_autocheckpoint=0"})
        if (auto r = j->exec(sql); !r) return r.error();
    if (auto r = j->create_or_upgrade(); !r) return r.error();
    {
        std::lock_guard lock(j->mu_);
        {
            Stmt q(db,
                   "SELECT COALESCE(MAX(seq), 0), (SELECT through FROM indexed WHERE id = 1)"
                   " FROM journal");
            if (!q.ok() || q.step() != SQLITE_ROW) return db_error(db, "journal open");
            j->written_through_ = j->inserted_through_ = q.integer(0);
            j->indexed_through_ = q.integer(1);
        }
        // What a crash left unindexed is indexed before the journal answers anything.
        if (auto r = j->catch_up(); !r) return r.error();
    }
    if (!path.empty()) {
        if (sqlite3_open_v2(file.c_str(), &j->checkpoint_db_,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
            return db_error(j->checkpoint_db_, "cannot open journal '" + file + "'");
        sqlite3_busy_timeout(j->checkpoint_db_, 5000);
        // The checkpoint syncs the WAL, then the database file (synchronous=NORMAL): the
        // connection that checkpoints decides.
        if (sqlite3_exec(j->checkpoint_db_, "PRAGMA synchronous=NORMAL", nullptr, nullptr,
                         nullptr) != SQLITE_OK)
            return db_error(j->checkpoint_db_, "journal open");
    }
    sqlite3_wal_hook(db, &Journal::on_wal, j.get());
    j->maintainer_ = std::thread([p = j.get()] { p->maintain(); });
    // Started here, not at the first record_async: a record_once leader may hand it a batch
    // of record_async writes at any time.
    j->committer_ = std::thread([p = j.get()] { p->commit_loop(); });
    return j;
}

Result<void> Journal::create_or_upgrade() {
    int64_t version = 0;
    bool v1 = false;
    {
        Stmt v(db_, "PRAGMA user_version");
        if (!v.ok() || v.step() != SQLITE_ROW) return db_error(db_, "journal schema");
        version = v.integer(0);
        Stmt t(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'");
        if (!t.ok()) return db_error(db_, "journal schema");
        v1 = t.step() == SQLITE_ROW;
    }
    if (version > kSchema)
        return internal::make_error(
            kCode, "journal schema " + std::to_string(version) + " is newer than this vft's");
    if (version == kSchema) return {};
    if (auto r = exec("BEGIN IMMEDIATE"); !r) return r;
    std::vector<const char*> steps = {
        "CREATE TABLE IF NOT EXISTS journal ("
        // seq without AUTOINCREMENT (no sqlite_sequence page per write): rows are never
        // deleted, so max(seq) + 1 keeps it increasing, as the JFT cursor needs.
        " seq INTEGER PRIMARY KEY, api TEXT NOT NULL, identifier TEXT NOT NULL,"
        " resource_type TEXT NOT NULL, orgnr TEXT NOT NULL, resource_id TEXT NOT NULL,"
        " count INTEGER NOT NULL, received TEXT NOT NULL, body TEXT NOT NULL,"
        " status INTEGER NOT NULL, response TEXT NOT NULL, location TEXT NOT NULL,"
        " content_type TEXT NOT NULL, read_at TEXT, journaled_at TEXT, records BLOB)"};
    if (v1) steps.push_back("ALTER TABLE journal ADD COLUMN records BLOB");
    for (const char* sql :
         {// The lookups, derived from the journal rows (written by catch_up). Not unique:
          // record_once keeps an identifier once; the journals-duplicates defect must be able
          // to journal it again.
          "CREATE TABLE IF NOT EXISTS journal_key (api TEXT NOT NULL, identifier TEXT NOT NULL,"
          " seq INTEGER NOT NULL, PRIMARY KEY (api, identifier, seq)) WITHOUT ROWID",
          "CREATE TABLE IF NOT EXISTS journal_rid (resource_type TEXT NOT NULL,"
          " resource_id TEXT NOT NULL, seq INTEGER NOT NULL,"
          " PRIMARY KEY (resource_type, resource_id, seq)) WITHOUT ROWID",
          "CREATE TABLE IF NOT EXISTS journal_type (api TEXT NOT NULL,"
          " resource_type TEXT NOT NULL, seq INTEGER NOT NULL,"
          " PRIMARY KEY (api, resource_type, seq)) WITHOUT ROWID",
          "CREATE TABLE IF NOT EXISTS record ("
          " seq INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL, api TEXT NOT NULL,"
          " orgnr TEXT NOT NULL, type TEXT NOT NULL, patient TEXT NOT NULL, at INTEGER,"
          " body TEXT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS record_by_patient ON record(api, type, patient, orgnr)",
          // The journal seq through which the tables above are complete.
          "CREATE TABLE IF NOT EXISTS indexed (id INTEGER PRIMARY KEY CHECK (id = 1),"
          " through INTEGER NOT NULL)",
          "INSERT OR IGNORE INTO indexed VALUES (1, 0)"})
        steps.push_back(sql);
    if (v1)
        // Version 1's rows already have their record rows: fill the lookups from them.
        for (const char* sql :
             {"INSERT INTO journal_key SELECT api, identifier, seq FROM journal",
              "INSERT INTO journal_rid SELECT resource_type, resource_id, seq FROM journal"
              " WHERE api = 'jft'",
              "INSERT INTO journal_type SELECT api, resource_type, seq FROM journal"
              " WHERE api = 'jft'",
              "UPDATE indexed SET through = (SELECT COALESCE(MAX(seq), 0) FROM journal)",
              "DROP INDEX IF EXISTS journal_by_key", "DROP INDEX IF EXISTS journal_by_id"})
            steps.push_back(sql);
    steps.push_back("PRAGMA user_version = 2");
    for (const char* sql : steps)
        if (auto r = exec(sql); !r) {
            (void)exec("ROLLBACK");
            return r;
        }
    return exec("COMMIT");
}

Journal::~Journal() {
    {
        // Every record_async write is committed and answered before the journal closes.
        std::lock_guard q(queue_mu_);
        commit_stop_ = true;
    }
    commit_cv_.notify_all();
    if (committer_.joinable()) committer_.join();
    {
        std::lock_guard m(maint_mu_);
        maint_stop_ = true;
    }
    maint_cv_.notify_all();
    if (maintainer_.joinable()) maintainer_.join();
    {
        std::lock_guard lock(mu_);
        (void)catch_up();  // not needed (open() would), but leaves a tidy file
    }
    for (sqlite3_stmt* st : stmts_)
        sqlite3_finalize(st);
    sqlite3_close(checkpoint_db_);
    sqlite3_close(db_);  // the last connection: checkpoints the WAL and removes it
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

sqlite3_stmt* Journal::prepared(int slot, const char* sql) {
    sqlite3_stmt*& st = stmts_[slot];
    if (!st) {
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK)
            return nullptr;
    } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return st;
}

Result<void> Journal::exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "";
        sqlite3_free(err);
        return internal::make_error(kCode, "journal: " + msg);
    }
    return {};
}

// Released once by the committing thread, waited on by its writer: a futex word, without the
// spinning (sched_yield) of std::binary_semaphore's wait, which cost the receiver ~5 % of its
// CPU in system calls under load. A spurious wake-up (the word's address reused) is rechecked.
class Wake {
  public:
    void release() {
        v_.store(1, std::memory_order_release);
        ::syscall(SYS_futex, &v_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
    void acquire() {
        while (v_.load(std::memory_order_acquire) == 0)
            ::syscall(SYS_futex, &v_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
    }

  private:
    std::atomic<int> v_{0};
};

// What a record_async write owns: the strings and records its Write refers to, and `done`.
struct AsyncWrite {
    std::string api, identifier, resource_type, orgnr, body;
    std::vector<Record> records;
    std::function<void(Result<StoredOutcome>)> done;
};

struct Journal::Write {
    const std::string& api;
    const std::string& identifier;
    const std::string& resource_type;
    const std::string& orgnr;
    const std::string& body;
    const std::vector<Record>& records;
    bool once;
    std::string resource_id{};   // the new entry's, if the identifier is new
    std::string records_blob{};  // encode_records(records), built before the commit
    StoredOutcome fresh{};       // the answer to a new entry, built before the commit
    std::optional<Result<StoredOutcome>> result{};  // written by the committing thread
    bool lead = false;                              // under queue_mu_: commit the next batch
    Wake wake{};                                    // released once: answered, or lead
    // record_async: what the write owns (it outlives the caller's frame) and whom it answers;
    // null for record_once, whose writer waits on `wake`.
    std::unique_ptr<AsyncWrite> owned{};
};

// The journal a write announced on this thread is on its way to (Journal::Expecting).
thread_local Journal* t_expecting = nullptr;

Journal::Expecting::Expecting(Journal& j) : journal_(j) {
    {
        std::lock_guard q(j.queue_mu_);
        ++j.expected_;
    }
    t_expecting = &j;
}

Journal::Expecting::~Expecting() {
    if (t_expecting != &journal_) return;  // it reached the queue
    t_expecting = nullptr;
    std::lock_guard q(journal_.queue_mu_);
    --journal_.expected_;
    if (journal_.gathering_) journal_.gather_cv_.notify_one();
}

Result<void> Journal::step(int slot, const char* sql) {
    sqlite3_stmt* st = prepared(slot, sql);
    if (!st) return db_error(db_, sql);
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return db_error(db_, sql);
    return {};
}

Result<StoredOutcome> Journal::record_once(
    const std::string& api, const std::string& identifier, const std::string& resource_type,
    const std::string& orgnr, const std::string& body,
    const std::function<StoredOutcome(const std::string&)>& outcome,
    const std::vector<Record>& records, bool once) {
    if (once && racy_) {
        // journals-concurrent-duplicates: check, then insert without the claim.
        auto claim = racy_once(api, identifier);
        if (!claim) return claim.error();
        once = *claim;
    }
    Write w{api, identifier, resource_type, orgnr, body, records, once};
    // Built outside the commit (and dropped when the identifier is known): concurrent writes
    // build their answers in parallel, and the transaction holds only the inserts.
    w.resource_id = new_uuid();
    w.fresh = outcome(w.resource_id);
    w.records_blob = encode_records(records);
    {
        std::unique_lock q(queue_mu_);
        queue_write(w);
        if (committing_) {
            if (gathering_) gather_cv_.notify_one();
            q.unlock();
            w.wake.acquire();  // answered by a leader, or made the next leader
            if (!w.lead) return std::move(*w.result);
        } else {
            committing_ = true;
        }
    }
    lead(&w);
    return std::move(*w.result);
}

void Journal::queue_write(Write& w) {
    queue_.push_back(&w);
    ++queued_;
    if (t_expecting == this) {
        t_expecting = nullptr;
        --expected_;
    }
}

void Journal::record_async(std::string api, std::string identifier, std::string resource_type,
                           std::string orgnr, std::string body,
                           const std::function<StoredOutcome(const std::string&)>& outcome,
                           std::vector<Record> records, bool once,
                           std::function<void(Result<StoredOutcome>)> done) {
    auto owned = std::make_unique<AsyncWrite>(
        AsyncWrite{std::move(api), std::move(identifier), std::move(resource_type),
                   std::move(orgnr), std::move(body), std::move(records), std::move(done)});
    auto* w = new Write{owned->api,   owned->identifier, owned->resource_type,
                        owned->orgnr, owned->body,       owned->records,
                        once};
    w->owned = std::move(owned);
    w->resource_id = new_uuid();
    w->fresh = outcome(w->resource_id);
    w->records_blob = encode_records(w->records);
    {
        std::lock_guard q(queue_mu_);
        queue_write(*w);
        if (committing_) {  // the running commit hands this one on
            if (gathering_) gather_cv_.notify_one();
            return;
        }
        committing_ = true;
        commit_due_ = true;
    }
    commit_cv_.notify_one();
}

// Leads whenever a record_async write finds no commit running, or a commit leaves only
// record_async writes queued (none of them has a thread to lead).
void Journal::commit_loop() {
    (void)pthread_setname_np(pthread_self(), "journal-commit");  // named in top, perf, gdb
    std::unique_lock q(queue_mu_);
    for (;;) {
        commit_cv_.wait(q, [&] { return commit_due_ || commit_stop_; });
        if (!commit_due_) return;  // stopping, and nothing queued
        commit_due_ = false;
        q.unlock();
        while (lead(nullptr)) {
        }
        q.lock();
    }
}

// Commits everything queued (this write included), answers the batch, and hands the writes
// that queued meanwhile to one of them. Before committing, it waits (at most kGather) for the
// writes announced when it began (Expecting) to queue or give up: with the CPU busy validating,
// writes rarely arrive during a commit, and a commit costs nearly as much for one write as for
// ten. A record_once Write lives on its writer's stack: it is not touched after its wake-up is
// released; a record_async one is owned by the queue and freed once answered.
bool Journal::lead(Write* self) {
    constexpr auto kGather = std::chrono::milliseconds(2);
    std::vector<Write*> batch;
    {
        std::unique_lock q(queue_mu_);
        if (expected_ > 0) {
            const uint64_t want = queued_ + expected_;
            gathering_ = true;
            gather_cv_.wait_for(q, kGather, [&] { return queued_ >= want || expected_ == 0; });
            gathering_ = false;
        }
        batch.swap(queue_);
    }
    commit_batch(batch);
    // The next leader: a record_once writer if one queued meanwhile, else (record_async writes
    // only) the commit thread.
    Write* next = nullptr;
    bool again = false;
    bool wake_committer = false;
    {
        std::lock_guard q(queue_mu_);
        for (Write* x : queue_)
            if (!x->owned) {
                next = x;
                break;
            }
        if (next) {
            next->lead = true;
        } else if (queue_.empty()) {
            committing_ = false;
        } else if (self) {
            commit_due_ = wake_committer = true;
        } else {
            again = true;
        }
    }
    for (Write* x : batch) {
        if (x->owned) {
            std::unique_ptr<Write> mine(x);
            mine->owned->done(std::move(*mine->result));
        } else if (x != self) {
            x->wake.release();
        }
    }
    if (next) next->wake.release();
    if (wake_committer) commit_cv_.notify_one();
    return again;
}

Result<bool> Journal::contains(const std::string& api, const std::string& identifier) {
    std::lock_guard lock(mu_);
    auto seqs = seqs_of(api, identifier);
    if (!seqs) return seqs.error();
    return !seqs->empty();
}

// Under mu_. The lookup table has the indexed writes, pending_ the others (committed, or
// written earlier in the open transaction).
Result<std::vector<int64_t>> Journal::seqs_of(const std::string& api,
                                              const std::string& identifier) {
    std::vector<int64_t> out;
    sqlite3_stmt* q =
        prepared(8, "SELECT seq FROM journal_key WHERE api = ?1 AND identifier = ?2 ORDER BY seq");
    if (!q) return db_error(db_, "journal query");
    sqlite3_bind_text(q, 1, api.c_str(), static_cast<int>(api.size()), SQLITE_STATIC);
    sqlite3_bind_text(q, 2, identifier.c_str(), static_cast<int>(identifier.size()), SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        out.push_back(sqlite3_column_int64(q, 0));
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_error(db_, "journal query");
    if (!pending_.empty()) {
        const size_t indexed = out.size();
        for (auto [it, end] = pending_.equal_range(pending_key(api, identifier)); it != end; ++it)
            out.push_back(it->second);
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(indexed), out.end());
    }
    return out;
}

// The first arrival of an identifier waits (at most the window) for a second one; alone, it claims
// the identifier as usual. Met, it looks the identifier up once for everyone who came meanwhile,
// and when absent each inserts: the duplicate the defect is about. The meeting is in memory and
// comes first: a lookup may wait for a commit (its fsync on a busy disk can take longer than the
// window), and arrivals queued for the connection behind one that had already looked missed it
// (CI once saw eight simultaneous writes journaled once that way).
Result<bool> Journal::racy_once(const std::string& api, const std::string& identifier) {
    const std::string key = api + '\n' + identifier;
    std::unique_lock lock(race_mu_);
    auto& slot = races_[key];
    if (!slot) slot = std::make_shared<Race>();
    const std::shared_ptr<Race> race = slot;
    if (++race->arrivals > 1) {  // one came before: it looks the identifier up for us
        race_cv_.notify_all();
        race_cv_.wait(lock, [&] { return race->decided; });
        if (!race->known) return race->known.error();
        return *race->known;  // known: claim it (the first entry answers); absent: a new entry
    }
    race_cv_.wait_for(lock, race_window_, [&] { return race->arrivals > 1; });
    races_.erase(key);                     // whoever comes from now on meets afresh
    if (race->arrivals == 1) return true;  // alone: no race, the claim as usual
    lock.unlock();
    Result<bool> known = contains(api, identifier);
    lock.lock();
    race->known = known;
    race->decided = true;
    race_cv_.notify_all();
    if (!known) return known.error();
    return *known;
}

void Journal::commit_batch(const std::vector<Write*>& batch) {
    {
        std::lock_guard lock(mu_);
        auto fail_all = [&](const Error& e) {
            // The rows of the rolled-back transaction are not in the journal: forget them.
            for (auto it = pending_.begin(); it != pending_.end();)
                it = it->second > written_through_ ? pending_.erase(it) : std::next(it);
            inserted_through_ = written_through_;
            for (Write* w : batch)
                w->result = e;
        };
        if (auto r = step(5, "BEGIN IMMEDIATE"); !r) return fail_all(r.error());
        const std::string now = now_text();
        for (Write* w : batch) {
            w->result = write_one(*w, now);
            if (!*w->result) {
                const Error e = w->result->error();
                (void)step(7, "ROLLBACK");
                return fail_all(e);
            }
        }
        if (auto r = step(6, "COMMIT"); !r) {
            (void)step(7, "ROLLBACK");
            return fail_all(r.error());
        }
        written_through_ = inserted_through_;
        unindexed_ = written_through_ - indexed_through_;
        // The backstop of the WAL's bound: the maintenance thread keeps it (checkpoint()), but
        // on a host too busy to run that thread in time the writes would grow the WAL without
        // end. Once it holds kWalBackstopFactor times the trigger, this write copies it, with
        // the writes held (mu_).
        constexpr int kWalBackstopFactor = 16;
        if (checkpoint_db_ && tuning_.checkpoint_frames > 0 &&
            wal_frames_ >= kWalBackstopFactor * tuning_.checkpoint_frames) {
            // RESTART: waits (busy timeout) for the maintenance thread's checkpoint, if one
            // runs, then copies everything, so the next write starts the WAL over.
            int log = 0, done = 0;
            if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done) ==
                SQLITE_OK)
                backfilled_ = done;
        }
    }
    maintenance_due();
}

Result<StoredOutcome> Journal::write_one(Write& w, const std::string& now) {
    const std::string& api = w.api;
    const std::string& identifier = w.identifier;
    // On an error the caller rolls the whole batch back.
    if (w.once) {
        auto known = seqs_of(api, identifier);
        if (!known) return known.error();
        // Every entry of the identifier counts the submission (more than one only after the
        // journals-duplicates defect); the answer is the first one's.
        std::optional<StoredOutcome> first;
        for (const int64_t seq : *known) {
            sqlite3_stmt* up =
                prepared(0,
                         "UPDATE journal SET count = count + 1 WHERE seq = ?1 "
                         "RETURNING status, response, location, content_type, count");
            if (!up) return db_error(db_, "journal update");
            sqlite3_bind_int64(up, 1, seq);
            const int stepped = sqlite3_step(up);
            if (stepped == SQLITE_ROW && !first)
                first = StoredOutcome{sqlite3_column_int(up, 0), Stmt::column_text(up, 1),
                                      Stmt::column_text(up, 2), Stmt::column_text(up, 3),
                                      sqlite3_column_int(up, 4)};
            sqlite3_reset(up);
            if (stepped != SQLITE_ROW && stepped != SQLITE_DONE)
                return db_error(db_, "journal update");
        }
        if (first) return std::move(*first);
    }
    const StoredOutcome& o = w.fresh;
    sqlite3_stmt* ins =
        prepared(1,
                 "INSERT INTO journal (api, identifier, resource_type, orgnr, resource_id, count,"
                 " received, body, status, response, location, content_type, records)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    if (!ins) return db_error(db_, "journal insert");
    const std::string* texts[] = {&api,           &identifier, &w.resource_type, &w.orgnr,
                                  &w.resource_id, &now,        &w.body};
    for (int i = 0; i < 7; ++i)
        sqlite3_bind_text(ins, i + 1, texts[i]->c_str(), static_cast<int>(texts[i]->size()),
                          SQLITE_STATIC);
    sqlite3_bind_int(ins, 8, o.status);
    sqlite3_bind_text(ins, 9, o.body.c_str(), static_cast<int>(o.body.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins, 10, o.location.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 11, o.content_type.c_str(), -1, SQLITE_STATIC);
    if (w.records_blob.empty())
        sqlite3_bind_null(ins, 12);
    else
        sqlite3_bind_blob(ins, 12, w.records_blob.data(), static_cast<int>(w.records_blob.size()),
                          SQLITE_STATIC);
    const int done = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (done != SQLITE_DONE) return db_error(db_, "journal insert");
    inserted_through_ = sqlite3_last_insert_rowid(db_);
    pending_.emplace(pending_key(api, identifier), inserted_through_);
    return std::move(w.fresh);
}

// Under mu_. Writes the lookup rows and the record rows of every journal row after
// indexed_through_, in one transaction with the new mark; then those rows are no longer pending.
Result<void> Journal::catch_up() {
    if (written_through_ <= indexed_through_) return {};
    if (auto r = step(5, "BEGIN IMMEDIATE"); !r) return r;
    auto fail = [&](const char* what) {
        Error e = db_error(db_, what);
        (void)step(7, "ROLLBACK");
        return e;
    };
    sqlite3_stmt* q = prepared(9,
                               "SELECT seq, api, identifier, resource_type, resource_id, orgnr,"
                               " records FROM journal WHERE seq > ?1 ORDER BY seq");
    if (!q) return fail("journal index");
    sqlite3_bind_int64(q, 1, indexed_through_);
    // Collected first: the inserts below must not run while this statement reads.
    struct Row {
        int64_t seq;
        std::string api, identifier, resource_type, resource_id, orgnr, records;
    };
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        rows.push_back({sqlite3_column_int64(q, 0), Stmt::column_text(q, 1),
                        Stmt::column_text(q, 2), Stmt::column_text(q, 3), Stmt::column_text(q, 4),
                        Stmt::column_text(q, 5), Stmt::column_blob(q, 6)});
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return fail("journal index");
    auto run = [&](int slot, const char* sql, auto&& bind) {
        sqlite3_stmt* st = prepared(slot, sql);
        if (!st) return false;
        bind(st);
        const int done = sqlite3_step(st);
        sqlite3_reset(st);
        return done == SQLITE_DONE;
    };
    auto text = [](sqlite3_stmt* st, int i, const std::string& v) {
        sqlite3_bind_text(st, i, v.c_str(), static_cast<int>(v.size()), SQLITE_STATIC);
    };
    int64_t last = indexed_through_;
    for (const Row& row : rows) {
        // By resource id and by type only what is read that way: JFT's $status and search. (A
        // resource id is a random UUID: each one lands on its own page of journal_rid.)
        const bool jft = row.api == "jft";
        const bool ok =
            run(10, "INSERT INTO journal_key VALUES (?1, ?2, ?3)",
                [&](sqlite3_stmt* st) {
                    text(st, 1, row.api);
                    text(st, 2, row.identifier);
                    sqlite3_bind_int64(st, 3, row.seq);
                }) &&
            (!jft || run(11, "INSERT INTO journal_rid VALUES (?1, ?2, ?3)",
                         [&](sqlite3_stmt* st) {
                             text(st, 1, row.resource_type);
                             text(st, 2, row.resource_id);
                             sqlite3_bind_int64(st, 3, row.seq);
                         })) &&
            (!jft || run(12, "INSERT INTO journal_type VALUES (?1, ?2, ?3)", [&](sqlite3_stmt* st) {
                text(st, 1, row.api);
                text(st, 2, row.resource_type);
                sqlite3_bind_int64(st, 3, row.seq);
            }));
        if (!ok) return fail("journal index");
        std::vector<Record> records;
        if (!decode_records(row.records, records))
            return fail(("journal index: the records of entry " + std::to_string(row.seq) +
                         " are unreadable")
                            .c_str());
        for (const Record& r : records)
            if (!run(2,
                     "INSERT INTO record (journal_seq, api, orgnr, type, patient, at, body)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                     [&](sqlite3_stmt* st) {
                         sqlite3_bind_int64(st, 1, row.seq);
                         text(st, 2, row.api);
                         text(st, 3, row.orgnr);
                         text(st, 4, r.type);
                         text(st, 5, r.patient);
                         if (r.when)
                             sqlite3_bind_int64(st, 6, *r.when);
                         else
                             sqlite3_bind_null(st, 6);
                         text(st, 7, r.body);
                     }))
                return fail("record insert");
        last = row.seq;
    }
    if (!run(13, "UPDATE indexed SET through = ?1 WHERE id = 1",
             [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, last); }))
        return fail("journal index");
    if (auto r = step(6, "COMMIT"); !r) {
        (void)step(7, "ROLLBACK");
        return r;
    }
    indexed_through_ = last;
    written_through_ = std::max(written_through_, last);
    unindexed_ = 0;
    for (auto it = pending_.begin(); it != pending_.end();)
        it = it->second <= last ? pending_.erase(it) : std::next(it);
    return {};
}

// PASSIVE: copies what no reader still needs into the database file and syncs it (with
// synchronous=NORMAL, the WAL is synced first); never waits for a writer or a reader.
Result<void> Journal::passive_checkpoint(sqlite3* db, int& log, int& done) {
    if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK)
        return db_error(db, "journal checkpoint");
    return {};
}

Result<void> Journal::checkpoint() {
    constexpr int kWalRestartFactor = 8;
    if (!checkpoint_db_) return {};  // in memory: no WAL
    std::lock_guard one(checkpoint_mu_);
    int log = 0, done = 0;
    // Writes commit meanwhile; what they add is copied next time.
    if (auto r = passive_checkpoint(checkpoint_db_, log, done); !r) return r;
    ++checkpoints_;
    backfilled_ = done;
    // A checkpoint that cannot copy everything (writes went on) leaves the pages it copied
    // unsynced in the database file: SQLite syncs the file only when a checkpoint completes,
    // which is the held one below, so that one would flush them all with writes held (6-25
    // ms measured). Synced here instead, with writes going on: the held one then has only its
    // own few pages to flush.
    if (lock_fd_ >= 0) (void)::fdatasync(lock_fd_);
    if (wal_frames_ > done &&
        wal_frames_ >= kWalRestartFactor * std::max(tuning_.checkpoint_frames, 1)) {
        // Writes went on during the checkpoint, so it could not copy everything and the WAL does
        // not start over: it grows. Once it holds kWalRestartFactor times the trigger, copy the
        // rest (what came during the checkpoint above) with writes held: the next write starts
        // the WAL from its beginning. This is the one checkpoint that holds writes (its two
        // syncs: ~7 ms measured on a loaded host), once every kWalRestartFactor checkpoints.
        std::lock_guard lock(mu_);
        if (auto r = passive_checkpoint(db_, log, done); !r) return r;
        backfilled_ = done;
    }
    return {};
}

int Journal::on_wal(void* self, sqlite3*, const char*, int frames) {
    auto* j = static_cast<Journal*>(self);
    if (frames < j->wal_frames_) j->backfilled_ = 0;  // the WAL started over
    j->wal_frames_ = frames;
    if (frames > j->wal_frames_peak_) j->wal_frames_peak_ = frames;
    return SQLITE_OK;
}

void Journal::maintenance_due() {
    const bool index = tuning_.index_batch > 0 && unindexed_ >= tuning_.index_batch;
    const bool checkpoint =
        tuning_.checkpoint_frames > 0 && wal_frames_ - backfilled_ >= tuning_.checkpoint_frames;
    if (!index && !checkpoint) return;
    {
        std::lock_guard m(maint_mu_);
        maint_due_ = true;
    }
    maint_cv_.notify_one();
}

// The maintenance thread: indexes when index_batch writes wait or index_every passed with any
// waiting, checkpoints when the WAL holds checkpoint_frames frames not yet copied. Indexing takes
// the connection (mu_) for its transaction (~1 ms for 256 writes), writes queue meanwhile and
// share the next group commit; the checkpoint has its own connection and holds no write (but
// see checkpoint()). A failure is tried again next time (a read or open() would report it).
void Journal::maintain() {
    (void)pthread_setname_np(pthread_self(), "journal-maint");
    std::unique_lock m(maint_mu_);
    const auto every =
        tuning_.index_every.count() > 0 ? tuning_.index_every : std::chrono::milliseconds(1000);
    while (!maint_stop_) {
        const bool asked = maint_cv_.wait_for(m, every, [&] { return maint_stop_ || maint_due_; });
        if (maint_stop_) break;
        maint_due_ = false;
        if (!asked && tuning_.index_every.count() <= 0) continue;
        m.unlock();
        if ((tuning_.index_batch > 0 && unindexed_ >= tuning_.index_batch) ||
            (!asked && tuning_.index_every.count() > 0)) {
            std::lock_guard lock(mu_);
            (void)catch_up();
        }
        if (tuning_.checkpoint_frames > 0 && wal_frames_ - backfilled_ >= tuning_.checkpoint_frames)
            (void)checkpoint();
        m.lock();
    }
}

Result<void> Journal::index_now() {
    std::lock_guard lock(mu_);
    return catch_up();
}

Result<void> Journal::checkpoint_now() {
    return checkpoint();
}

Journal::Maintenance Journal::maintenance() {
    std::lock_guard lock(mu_);
    return {indexed_through_, written_through_, checkpoints_.load(), wal_frames_peak_.load()};
}

Result<std::vector<std::string>> Journal::records(const std::string& api, const std::string& orgnr,
                                                  const std::string& type,
                                                  const std::string& patient,
                                                  std::optional<int64_t> from,
                                                  std::optional<int64_t> to) {
    std::lock_guard lock(mu_);
    if (auto r = catch_up(); !r) return r.error();
    sqlite3_stmt* q = prepared(3,
                               "SELECT CASE WHEN r.body = '' THEN j.body ELSE r.body END"
                               " FROM record r JOIN journal j ON j.seq = r.journal_seq"
                               " WHERE r.api = ?1 AND r.orgnr = ?2 AND r.type = ?3"
                               " AND r.patient = ?4 AND (?5 IS NULL OR r.at >= ?5)"
                               " AND (?6 IS NULL OR r.at <= ?6) ORDER BY r.seq");
    if (!q) return db_error(db_, "record query");
    sqlite3_bind_text(q, 1, api.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, orgnr.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, type.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, patient.c_str(), -1, SQLITE_STATIC);
    if (from) sqlite3_bind_int64(q, 5, *from);
    if (to) sqlite3_bind_int64(q, 6, *to);
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        out.push_back(Stmt::column_text(q, 0));
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) return db_error(db_, "record query");
    return out;
}

Result<std::vector<JournalEntry>> Journal::entries() {
    std::lock_guard lock(mu_);
    Stmt q(db_,
           "SELECT api, identifier, resource_type, orgnr, count, received, resource_id, read_at,"
           " journaled_at FROM journal ORDER BY seq");
    if (!q.ok()) return db_error(db_, "journal query");
    std::vector<JournalEntry> out;
    while (sqlite3_step(q.get()) == SQLITE_ROW) {
        JournalEntry e;
        e.api = Stmt::column_text(q.get(), 0);
        e.identifier = Stmt::column_text(q.get(), 1);
        e.resource_type = Stmt::column_text(q.get(), 2);
        e.orgnr = Stmt::column_text(q.get(), 3);
        e.count = sqlite3_column_int(q.get(), 4);
        e.received = Stmt::column_text(q.get(), 5);
        e.resource_id = Stmt::column_text(q.get(), 6);
        e.status_registered = e.received;
        e.status_read = Stmt::column_text(q.get(), 7);
        e.status_journaled = Stmt::column_text(q.get(), 8);
        out.push_back(std::move(e));
    }
    return out;
}

Result<std::optional<JournalEntry>> Journal::by_resource_id(const std::string& type,
                                                            const std::string& id) {
    std::lock_guard lock(mu_);
    if (auto r = catch_up(); !r) return r.error();
    sqlite3_stmt* q = prepared(
        4,
        "SELECT j.api, j.identifier, j.resource_type, j.orgnr, j.count, j.received,"
        " j.resource_id, j.read_at, j.journaled_at FROM journal_rid r JOIN journal j"
        " ON j.seq = r.seq WHERE r.resource_type = ?1 AND r.resource_id = ?2 AND j.api = 'jft'"
        " ORDER BY r.seq");
    if (!q) return db_error(db_, "journal query");
    sqlite3_bind_text(q, 1, type.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, id.c_str(), -1, SQLITE_STATIC);
    std::optional<JournalEntry> out;
    if (sqlite3_step(q) == SQLITE_ROW) {
        JournalEntry e;
        e.api = Stmt::column_text(q, 0);
        e.identifier = Stmt::column_text(q, 1);
        e.resource_type = Stmt::column_text(q, 2);
        e.orgnr = Stmt::column_text(q, 3);
        e.count = sqlite3_column_int(q, 4);
        e.received = Stmt::column_text(q, 5);
        e.resource_id = Stmt::column_text(q, 6);
        e.status_registered = e.received;
        e.status_read = Stmt::column_text(q, 7);
        e.status_journaled = Stmt::column_text(q, 8);
        out = std::move(e);
    }
    sqlite3_reset(q);
    return out;
}

Result<bool> Journal::mark(const std::string& type, const std::string& id, const char* column) {
    std::lock_guard lock(mu_);
    if (auto r = catch_up(); !r) return r.error();
    const std::string sql = std::string("UPDATE journal SET ") + column + " = COALESCE(" + column +
                            ", ?1) WHERE api = 'jft' AND seq IN (SELECT seq FROM journal_rid"
                            " WHERE resource_type = ?2 AND resource_id = ?3)";
    Stmt s(db_, sql.c_str());
    const std::string now = now_text();
    sqlite3_bind_text(s.get(), 1, now.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s.get(), 2, type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s.get(), 3, id.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return db_error(db_, "journal update");
    return sqlite3_changes(db_) > 0;
}

Result<std::vector<Journal::Found>> Journal::search(const std::string& type, int64_t after,
                                                    size_t count, bool descending,
                                                    const SearchFilter& filter) {
    if (filter.none) return std::vector<Found>{};
    std::lock_guard lock(mu_);
    if (auto r = catch_up(); !r) return r.error();
    // `received` is always "YYYY-MM-DDThh:mm:ssZ", so text order is time order.
    std::string sql =
        "SELECT j.seq, j.resource_id, j.body, j.received, j.journaled_at FROM journal_type t"
        " JOIN journal j ON j.seq = t.seq WHERE t.api = 'jft' AND t.resource_type = ?1 AND ";
    sql += descending ? "t.seq < ?2" : "t.seq > ?2";
    if (!filter.received_from.empty()) sql += " AND j.received >= ?4";
    if (!filter.received_to.empty()) sql += " AND j.received < ?5";
    if (filter.acknowledged == 0) sql += " AND j.journaled_at IS NULL";
    if (filter.acknowledged == 1) sql += " AND j.journaled_at IS NOT NULL";
    sql += descending ? " ORDER BY t.seq DESC" : " ORDER BY t.seq";
    sql += " LIMIT ?3";
    Stmt q(db_, sql.c_str());
    if (!q.ok()) return db_error(db_, "journal search");
    sqlite3_bind_text(q.get(), 1, type.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q.get(), 2, after);
    sqlite3_bind_int64(q.get(), 3, static_cast<int64_t>(count));
    if (!filter.received_from.empty())
        sqlite3_bind_text(q.get(), 4, filter.received_from.c_str(), -1, SQLITE_TRANSIENT);
    if (!filter.received_to.empty())
        sqlite3_bind_text(q.get(), 5, filter.received_to.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<Found> out;
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW)
        out.push_back({sqlite3_column_int64(q.get(), 0), Stmt::column_text(q.get(), 1),
                       Stmt::column_text(q.get(), 2), Stmt::column_text(q.get(), 3),
                       Stmt::column_text(q.get(), 4)});
    if (rc != SQLITE_DONE) return db_error(db_, "journal search");
    return out;
}

}  // namespace vft::mocks::detail
