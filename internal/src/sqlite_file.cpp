#include "vft/internal/sqlite_file.hpp"

#include "vft/internal/error.hpp"
#include "vft/internal/sqlite.hpp"

namespace vft::internal {

bool sqlite_transient(int extended_rc) {
    const int primary = extended_rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL ||
           primary == SQLITE_IOERR;
}

Result<void> open_sqlite_file(const std::string& path, sqlite3** out, const SqliteFileSpec& spec) {
    auto open_error = [&](const std::string& why, bool retryable = false) {
        return make_error(spec.code,
                          "cannot open " + std::string(spec.what) + " '" + path + "': " + why, {},
                          {}, 0, retryable);
    };
    const int rc =
        sqlite3_open_v2(path.c_str(), out,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return open_error(*out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
    sqlite3* db = *out;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, spec.busy_timeout_ms);
    auto db_failed = [&] {
        return open_error(sqlite3_errmsg(db), sqlite_transient(sqlite3_extended_errcode(db)));
    };
    auto exec = [&](const char* sql) {
        return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
    };
    // WAL: commits append and fsync the log only; readers never block the writer.
    if (!exec("PRAGMA journal_mode=WAL") || !exec("PRAGMA synchronous=FULL") ||
        !exec("BEGIN IMMEDIATE"))
        return db_failed();
    auto rollback = [&](Error e) {
        exec("ROLLBACK");
        return e;
    };
    int version = -1, foreign = 0;
    {
        Stmt st(db, "PRAGMA user_version");
        if (!st.ok()) return rollback(db_failed());
        if (st.step() == SQLITE_ROW) version = static_cast<int>(st.integer(0));
    }
    {
        const std::string sql =
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name NOT IN (" +
            std::string(spec.own_tables) + ")";
        Stmt st(db, sql.c_str());
        if (!st.ok()) return rollback(db_failed());
        if (st.step() == SQLITE_ROW) foreign = static_cast<int>(st.integer(0));
    }
    if (version < 0) return rollback(db_failed());
    if (version > spec.known_version)
        return rollback(open_error("written by a newer vft (schema version " +
                                   std::to_string(version) + ", this one knows " +
                                   std::to_string(spec.known_version) + ")"));
    if (version == 0) {
        if (foreign > 0) return rollback(open_error("the file is a database of something else"));
        if (!exec(spec.schema) || !exec("PRAGMA user_version = 1")) return rollback(db_failed());
        version = 1;
    }
    if (spec.migrate && !spec.migrate(db, version)) return rollback(db_failed());
    if (!exec("COMMIT")) return rollback(db_failed());
    return {};
}

}  // namespace vft::internal
