// Opening a durable SQLite state file the one way the outbox and the JFT reader do: created when
// missing, extended result codes, a busy timeout, WAL (SQLite stays in rollback-journal mode
// where the file system cannot do WAL) with synchronous=FULL, and the schema created, checked
// and migrated in one IMMEDIATE transaction.
#pragma once

#include <sqlite3.h>

#include <functional>
#include <string>
#include <string_view>

#include "vft/core/result.hpp"

namespace vft::internal {

// A lock held by another process, a full disk or an I/O error may pass; nothing else will.
[[nodiscard]] bool sqlite_transient(int extended_rc);

struct SqliteFileSpec {
    std::string_view code;   // the error code of a failed open (errc::outbox_open, ...)
    std::string_view what;   // "the outbox": "cannot open the outbox 'PATH': why"
    const char* own_tables;  // the tables the file may hold, SQL: "'a', 'b', 'sqlite_sequence'"
    const char* schema;      // creates schema version 1 in a new file (user_version 0)
    int known_version;       // the newest user_version this code reads; a newer file is refused
    // Inside the transaction, after the check: later migrations and repairs, given the schema
    // version found (1 for a file just created); false = an SQLite error (sqlite3_errmsg).
    std::function<bool(sqlite3*, int version)> migrate;
    int busy_timeout_ms = 5000;
};

// Opens `path` into `*db`, which the caller owns and closes (also after an error). Errors:
// spec.code, retryable when SQLite's error may pass (sqlite_transient).
[[nodiscard]] Result<void> open_sqlite_file(const std::string& path, sqlite3** db,
                                            const SqliteFileSpec& spec);

}  // namespace vft::internal
