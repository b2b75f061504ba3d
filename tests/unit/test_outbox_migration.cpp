// Outbox schema version 2 (issue 19): a version 1 file — as an earlier vft wrote it — opens,
// migrates in place (ALTER TABLE, PRAGMA user_version 2) and keeps its messages; a delivered
// message keeps its location and status across a reopen (the pipeline's durable JFT status).
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

#include "vft/outbox/outbox.hpp"

using namespace vft;
namespace fs = std::filesystem;

namespace {

// The version 1 schema exactly as vft 0.1 created it, with one pending message.
void write_v1(const std::string& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const char* sql =
        "CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, identifier TEXT NOT NULL"
        " UNIQUE, ordering_key TEXT NOT NULL, endpoint TEXT NOT NULL, content_type TEXT NOT NULL,"
        " body BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),"
        " head INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT"
        " NOT NULL DEFAULT '', last_status INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT"
        " NULL, next_attempt_ms INTEGER NOT NULL, delivered_ms INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE dead_letters (seq INTEGER PRIMARY KEY REFERENCES messages(seq), status"
        " INTEGER NOT NULL, outcome TEXT NOT NULL, died_ms INTEGER NOT NULL);"
        "CREATE INDEX messages_due ON messages(next_attempt_ms) WHERE state = 0 AND head = 1;"
        "CREATE INDEX messages_by_key ON messages(ordering_key, state);"
        "CREATE INDEX messages_by_state ON messages(state);"
        "INSERT INTO messages (identifier, ordering_key, endpoint, content_type, body, head,"
        " created_ms, next_attempt_ms) VALUES ('urn:uuid:00000000-0000-4000-8000-000000000001',"
        " 'k', 'jft:Bundle', 'application/fhir+json', X'7B7D', 1, 1, 1);"
        "PRAGMA user_version = 1;";
    REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

int user_version(const std::string& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    const int v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

}  // namespace

TEST_CASE("outbox: a version 1 file migrates to version 2 and keeps its messages",
          "[outbox][migration]") {
    const fs::path dir =
        fs::temp_directory_path() / ("vft-outbox-migration-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string path = (dir / "v1.db").string();
    write_v1(path);
    REQUIRE(user_version(path) == 1);
    {
        auto box = Outbox::open(OutboxOptions{path});
        REQUIRE(box.ok());
        auto pending = box->list(OutboxState::pending, 10);
        REQUIRE(pending.ok());
        REQUIRE(pending->size() == 1);
        CHECK(pending->front().entry.body == "{}");
        CHECK(pending->front().location.empty());
        auto due = box->due(10, 2);
        REQUIRE(due.ok());
        REQUIRE(due->size() == 1);
        const int64_t seq = due->front().seq;
        auto none = box->follow_ups(10, INT64_MAX);
        REQUIRE(none.ok());
        CHECK(none->empty());
        REQUIRE(box->mark_delivered(seq, 202, "http://x/v1/Bundle/1/$status").ok());
        auto unread = box->follow_ups(10, 0);
        REQUIRE(unread.ok());
        REQUIRE(unread->size() == 1);
        CHECK(unread->front().location == "http://x/v1/Bundle/1/$status");
        REQUIRE(box->record_status(seq, R"({"registered":"2026"})", false).ok());
        auto read_once = box->follow_ups(10, 0);
        REQUIRE(read_once.ok());
        CHECK(read_once->empty());  // read now: not "never read" any more
    }
    CHECK(user_version(path) == 2);
    {
        auto box = Outbox::open(OutboxOptions{path});  // a second open: no migration again
        REQUIRE(box.ok());
        auto again = box->follow_ups(10, INT64_MAX);
        REQUIRE(again.ok());
        REQUIRE(again->size() == 1);
        CHECK(again->front().status == R"({"registered":"2026"})");
        CHECK(again->front().status_ms > 0);
        CHECK_FALSE(again->front().status_final);
        REQUIRE(box->record_status(again->front().seq, R"({"journaled":"x"})", true).ok());
        auto done = box->follow_ups(10, INT64_MAX);
        REQUIRE(done.ok());
        CHECK(done->empty());
        auto bad = box->record_status(12345, "{}", true);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().code == "VFT-OUTBOX-1103");
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}
