#include "journal.hpp"

#include <chrono>
#include <cstdio>
#include <semaphore>

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

}  // namespace

Result<std::unique_ptr<Journal>> Journal::open(const std::string& path) {
    sqlite3* db = nullptr;
    const std::string file = path.empty() ? ":memory:" : path;
    if (sqlite3_open_v2(file.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        Error e = db_error(db, "cannot open journal '" + file + "'");
        sqlite3_close(db);
        return e;
    }
    std::unique_ptr<Journal> j(new Journal(db));
    sqlite3_busy_timeout(db, 5000);
    // One receiver owns its journal (locking_mode=EXCLUSIVE, set before WAL is entered): no file
    // lock per transaction, no shared-memory index. A second process on the file gets 1201.
    for (const char* sql :
         {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
          "CREATE TABLE IF NOT EXISTS journal ("
          // seq without AUTOINCREMENT (no sqlite_sequence page per write): rows are never
          // deleted, so max(seq) + 1 keeps it increasing, as the JFT cursor needs.
          " seq INTEGER PRIMARY KEY, api TEXT NOT NULL, identifier TEXT NOT NULL,"
          " resource_type TEXT NOT NULL, orgnr TEXT NOT NULL, resource_id TEXT NOT NULL,"
          " count INTEGER NOT NULL, received TEXT NOT NULL, body TEXT NOT NULL,"
          " status INTEGER NOT NULL, response TEXT NOT NULL, location TEXT NOT NULL,"
          " content_type TEXT NOT NULL, read_at TEXT, journaled_at TEXT)",
          // Not UNIQUE: record_once keeps an identifier once (under the mutex, in one
          // transaction); the journals-duplicates defect must be able to journal it again.
          "CREATE INDEX IF NOT EXISTS journal_by_key ON journal(api, identifier)",
          "CREATE INDEX IF NOT EXISTS journal_by_id ON journal(resource_type, resource_id)",
          "CREATE TABLE IF NOT EXISTS record ("
          " seq INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL, api TEXT NOT NULL,"
          " orgnr TEXT NOT NULL, type TEXT NOT NULL, patient TEXT NOT NULL, at INTEGER,"
          " body TEXT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS record_by_patient ON record(api, type, patient, orgnr)"})
        if (auto r = j->exec(sql); !r) return r.error();
    return j;
}

Journal::~Journal() {
    for (sqlite3_stmt* st : stmts_)
        sqlite3_finalize(st);
    sqlite3_close(db_);
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

struct Journal::Write {
    const std::string& api;
    const std::string& identifier;
    const std::string& resource_type;
    const std::string& orgnr;
    const std::string& body;
    const std::vector<Record>& records;
    bool once;
    std::string resource_id{};  // the new entry's, if the identifier is new
    StoredOutcome fresh{};      // the answer to a new entry, built before the commit
    std::optional<Result<StoredOutcome>> result{};  // written by the committing thread
    bool lead = false;                              // under queue_mu_: commit the next batch
    std::binary_semaphore wake{0};                  // released once: answered, or lead
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
        auto known = contains(api, identifier);
        if (!known) return known.error();
        if (!*known) {
            hold_race_window(api + '\n' + identifier);
            once = false;
        }
    }
    Write w{api, identifier, resource_type, orgnr, body, records, once};
    // Built outside the commit (and dropped when the identifier is known): concurrent writes
    // build their answers in parallel, and the transaction holds only the inserts.
    w.resource_id = new_uuid();
    w.fresh = outcome(w.resource_id);
    {
        std::unique_lock q(queue_mu_);
        queue_.push_back(&w);
        ++queued_;
        if (t_expecting == this) {
            t_expecting = nullptr;
            --expected_;
        }
        if (committing_) {
            if (gathering_) gather_cv_.notify_one();
            q.unlock();
            w.wake.acquire();  // answered by a leader, or made the next leader
            if (!w.lead) return std::move(*w.result);
        } else {
            committing_ = true;
        }
    }
    lead(w);
    return std::move(*w.result);
}

// Commits everything queued (this write included), answers the batch, and hands the writes
// that queued meanwhile to one of them. Before committing, it waits (at most kGather) for the
// writes announced when it began (Expecting) to queue or give up: with the CPU busy validating,
// writes rarely arrive during a commit, and a commit costs nearly as much for one write as for
// ten. A Write lives on its writer's stack: it is not touched after its semaphore is released.
void Journal::lead(Write& self) {
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
    Write* next = nullptr;
    {
        std::lock_guard q(queue_mu_);
        if (queue_.empty()) {
            committing_ = false;
        } else {
            next = queue_.front();
            next->lead = true;
        }
    }
    for (Write* x : batch)
        if (x != &self) x->wake.release();
    if (next) next->wake.release();
}

Result<bool> Journal::contains(const std::string& api, const std::string& identifier) {
    std::lock_guard lock(mu_);
    Stmt q(db_, "SELECT 1 FROM journal WHERE api = ?1 AND identifier = ?2 LIMIT 1");
    if (!q.ok()) return db_error(db_, "journal query");
    sqlite3_bind_text(q.get(), 1, api.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q.get(), 2, identifier.c_str(), -1, SQLITE_TRANSIENT);
    const int rc = sqlite3_step(q.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_error(db_, "journal query");
    return rc == SQLITE_ROW;
}

// The first arrival that found `key` absent waits for a second one to find it absent too; a later
// arrival releases it and goes on at once. Both then insert: the duplicate the defect is about.
void Journal::hold_race_window(const std::string& key) {
    std::unique_lock lock(race_mu_);
    const int arrival = ++race_checked_[key];
    if (arrival > 1) {
        race_cv_.notify_all();
        return;
    }
    race_cv_.wait_for(lock, race_window_, [&] { return race_checked_[key] > 1; });
    race_checked_.erase(key);
}

void Journal::commit_batch(const std::vector<Write*>& batch) {
    std::lock_guard lock(mu_);
    auto fail_all = [&](const Error& e) {
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
}

Result<StoredOutcome> Journal::write_one(Write& w, const std::string& now) {
    const std::string& api = w.api;
    const std::string& identifier = w.identifier;
    const std::string& resource_type = w.resource_type;
    const std::string& orgnr = w.orgnr;
    const std::string& body = w.body;
    // On an error the caller rolls the whole batch back.
    if (w.once) {
        sqlite3_stmt* up =
            prepared(0,
                     "UPDATE journal SET count = count + 1 WHERE api = ?1 AND identifier = ?2 "
                     "RETURNING status, response, location, content_type, count");
        if (!up) return db_error(db_, "journal update");
        sqlite3_bind_text(up, 1, api.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(up, 2, identifier.c_str(), -1, SQLITE_STATIC);
        const int stepped = sqlite3_step(up);
        if (stepped == SQLITE_ROW) {
            StoredOutcome o{sqlite3_column_int(up, 0), Stmt::column_text(up, 1),
                            Stmt::column_text(up, 2), Stmt::column_text(up, 3),
                            sqlite3_column_int(up, 4)};
            sqlite3_reset(up);
            return o;
        }
        sqlite3_reset(up);
        if (stepped != SQLITE_DONE) return db_error(db_, "journal update");
    }
    const std::string& resource_id = w.resource_id;
    const StoredOutcome& o = w.fresh;
    sqlite3_stmt* ins =
        prepared(1,
                 "INSERT INTO journal (api, identifier, resource_type, orgnr, resource_id, count,"
                 " received, body, status, response, location, content_type)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?8, ?9, ?10, ?11)");
    if (!ins) return db_error(db_, "journal insert");
    const std::string* texts[] = {&api,         &identifier, &resource_type, &orgnr,
                                  &resource_id, &now,        &body};
    for (int i = 0; i < 7; ++i)
        sqlite3_bind_text(ins, i + 1, texts[i]->c_str(), static_cast<int>(texts[i]->size()),
                          SQLITE_STATIC);
    sqlite3_bind_int(ins, 8, o.status);
    sqlite3_bind_text(ins, 9, o.body.c_str(), static_cast<int>(o.body.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins, 10, o.location.c_str(), -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 11, o.content_type.c_str(), -1, SQLITE_STATIC);
    const int done = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (done != SQLITE_DONE) return db_error(db_, "journal insert");
    const int64_t journal_seq = sqlite3_last_insert_rowid(db_);
    for (const Record& r : w.records) {
        sqlite3_stmt* rec = prepared(2,
                                     "INSERT INTO record (journal_seq, api, orgnr, type, patient, "
                                     "at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        if (!rec) return db_error(db_, "record insert");
        sqlite3_bind_int64(rec, 1, journal_seq);
        sqlite3_bind_text(rec, 2, api.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(rec, 3, orgnr.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(rec, 4, r.type.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(rec, 5, r.patient.c_str(), -1, SQLITE_STATIC);
        if (r.when)
            sqlite3_bind_int64(rec, 6, *r.when);
        else
            sqlite3_bind_null(rec, 6);
        sqlite3_bind_text(rec, 7, r.body.c_str(), static_cast<int>(r.body.size()), SQLITE_STATIC);
        const int rc = sqlite3_step(rec);
        sqlite3_reset(rec);
        if (rc != SQLITE_DONE) return db_error(db_, "record insert");
    }
    return std::move(w.fresh);
}

Result<std::vector<std::string>> Journal::records(const std::string& api, const std::string& orgnr,
                                                  const std::string& type,
                                                  const std::string& patient,
                                                  std::optional<int64_t> from,
                                                  std::optional<int64_t> to) {
    std::lock_guard lock(mu_);
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
    sqlite3_stmt* q = prepared(
        4,
        "SELECT api, identifier, resource_type, orgnr, count, received, resource_id, read_at,"
        " journaled_at FROM journal WHERE resource_type = ?1 AND resource_id = ?2");
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
    const std::string sql = std::string("UPDATE journal SET ") + column + " = COALESCE(" + column +
                            ", ?1) WHERE api = 'jft' AND resource_type = ?2 AND resource_id = ?3";
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
    // `received` is always "YYYY-MM-DDThh:mm:ssZ", so text order is time order.
    std::string sql =
        "SELECT seq, resource_id, body, received, journaled_at FROM journal WHERE api = 'jft' AND "
        "resource_type = ?1 AND ";
    sql += descending ? "seq < ?2" : "seq > ?2";
    if (!filter.received_from.empty()) sql += " AND received >= ?4";
    if (!filter.received_to.empty()) sql += " AND received < ?5";
    if (filter.acknowledged == 0) sql += " AND journaled_at IS NULL";
    if (filter.acknowledged == 1) sql += " AND journaled_at IS NOT NULL";
    sql += descending ? " ORDER BY seq DESC" : " ORDER BY seq";
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
