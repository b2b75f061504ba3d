// The receiver journal's write path and its maintenance thread (mocks/src/journal.cpp,
// docs/http-engine.md): a write commits its journal row alone; the lookups and the record rows
// are written afterwards, in batches, and the WAL is checkpointed off the request path. Whatever
// was committed and not yet indexed is found by the duplicate check, by every read, and after a
// crash (open() indexes it); a journal of the previous schema is upgraded in place.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "../../mocks/src/journal.hpp"
#include "journal_scratch.hpp"

using vft::mocks::detail::Journal;
using vft::mocks::detail::Record;
using vft::mocks::detail::StoredOutcome;

namespace {

// No automatic indexing or checkpoint: the test decides when.
Journal::Tuning manual() {
    Journal::Tuning t;
    t.index_batch = 0;
    t.index_every = std::chrono::milliseconds(0);
    t.checkpoint_frames = 0;
    return t;
}

vft::Result<StoredOutcome> write(Journal& j, const std::string& identifier, int n = 0,
                                 const std::string& api = "vkp") {
    return j.record_once(
        api, identifier, "MedicationDispense", "312229544",
        "{\"resourceType\":\"MedicationDispense\",\"n\":" + std::to_string(n) + "}",
        [](const std::string& id) {
            return StoredOutcome{201, "answer for " + id, "/MedicationDispense/" + id, {}, 1};
        },
        {Record{"MedicationDispense", "12854812341", 1773298872, ""},
         Record{"Observation", "12854812341", std::nullopt, "{\"resourceType\":\"Observation\"}"}});
}

}  // namespace

TEST_CASE("journal: a write not yet indexed is a duplicate, readable, and found by resource id",
          "[mocks][journal]") {
    ScratchDb scratch;
    auto opened = Journal::open(scratch.path(), manual());
    REQUIRE(opened);
    Journal& j = **opened;
    auto first = write(j, "urn:uuid:a", 0, "jft");
    REQUIRE(first);
    CHECK(first->count == 1);
    // Committed, not indexed.
    CHECK(j.maintenance().indexed_through < j.maintenance().written_through);
    auto again = write(j, "urn:uuid:a", 0, "jft");
    REQUIRE(again);
    CHECK(again->count == 2);
    CHECK(again->body == first->body);
    // A read indexes first.
    auto recs =
        j.records("jft", "312229544", "Observation", "12854812341", std::nullopt, std::nullopt);
    REQUIRE(recs);
    REQUIRE(recs->size() == 1);
    CHECK((*recs)[0] == "{\"resourceType\":\"Observation\"}");
    CHECK(j.maintenance().indexed_through == j.maintenance().written_through);
    // Once indexed, the duplicate check finds it in the lookup table.
    auto third = write(j, "urn:uuid:a", 0, "jft");
    REQUIRE(third);
    CHECK(third->count == 3);
    CHECK(third->body == first->body);
    auto entries = j.entries();
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    const std::string id = (*entries)[0].resource_id;
    auto found = j.by_resource_id("MedicationDispense", id);
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->identifier == "urn:uuid:a");
    CHECK((*found)->count == 3);
}

TEST_CASE("journal: an answered write survives a crash before it was indexed", "[mocks][journal]") {
    ScratchDb scratch;
    // The child journals and dies without closing anything (as a SIGKILLed receiver would):
    // the rows are in the WAL, the lookups and records not written.
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto opened = Journal::open(scratch.path(), manual());
        if (!opened) _exit(2);
        for (int i = 0; i < 20; ++i)
            if (!write(**opened, "urn:uuid:crash-" + std::to_string(i), i)) _exit(3);
        const auto m = (*opened)->maintenance();
        _exit(m.indexed_through == 0 && m.written_through == 20 ? 0 : 4);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);

    auto opened = Journal::open(scratch.path(), manual());
    REQUIRE(opened);
    Journal& j = **opened;
    // open() indexed what the crash left.
    CHECK(j.maintenance().indexed_through == 20);
    auto entries = j.entries();
    REQUIRE(entries);
    CHECK(entries->size() == 20);
    auto recs =
        j.records("vkp", "312229544", "MedicationDispense", "12854812341", 1773298872, 1773298872);
    REQUIRE(recs);
    CHECK(recs->size() == 20);
    // Resubmitted after the restart: recognised, counted, answered as the first time.
    auto again = write(j, "urn:uuid:crash-7");
    REQUIRE(again);
    CHECK(again->count == 2);
    auto entries_after = j.entries();
    REQUIRE(entries_after);
    CHECK(entries_after->size() == 20);
}

TEST_CASE("journal: the maintenance thread indexes and checkpoints, and the journal reopens whole",
          "[mocks][journal]") {
    ScratchDb scratch;
    Journal::Tuning t;
    t.index_batch = 8;
    t.index_every = std::chrono::milliseconds(0);
    t.checkpoint_frames = 16;
    {
        auto opened = Journal::open(scratch.path(), t);
        REQUIRE(opened);
        Journal& j = **opened;
        for (int i = 0; i < 200; ++i)
            REQUIRE(write(j, "urn:uuid:m-" + std::to_string(i), i));
        // Poll with a deadline: the thread runs on its own.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        auto done = [&] {
            const auto m = j.maintenance();
            return m.checkpoints > 0 && m.indexed_through >= 192;
        };
        while (!done() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        const auto m = j.maintenance();
        CHECK(m.checkpoints > 0);
        // Indexed by the thread in batches of 8 (no read asked for it).
        CHECK(m.indexed_through >= 192);
    }
    auto opened = Journal::open(scratch.path(), manual());
    REQUIRE(opened);
    auto entries = (*opened)->entries();
    REQUIRE(entries);
    CHECK(entries->size() == 200);
    auto recs = (*opened)->records("vkp", "312229544", "Observation", "12854812341", std::nullopt,
                                   std::nullopt);
    REQUIRE(recs);
    CHECK(recs->size() == 200);
}

TEST_CASE("journal: a journal of the previous schema is upgraded in place", "[mocks][journal]") {
    ScratchDb scratch;
    {
        // Schema 1 as it was written: lookups as indexes on `journal`, records written at once.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(scratch.path().c_str(), &db) == SQLITE_OK);
        const char* sql =
            "PRAGMA journal_mode=WAL;"
            "CREATE TABLE journal (seq INTEGER PRIMARY KEY, api TEXT NOT NULL,"
            " identifier TEXT NOT NULL, resource_type TEXT NOT NULL, orgnr TEXT NOT NULL,"
            " resource_id TEXT NOT NULL, count INTEGER NOT NULL, received TEXT NOT NULL,"
            " body TEXT NOT NULL, status INTEGER NOT NULL, response TEXT NOT NULL,"
            " location TEXT NOT NULL, content_type TEXT NOT NULL, read_at TEXT,"
            " journaled_at TEXT);"
            "CREATE INDEX journal_by_key ON journal(api, identifier);"
            "CREATE INDEX journal_by_id ON journal(resource_type, resource_id);"
            "CREATE TABLE record (seq INTEGER PRIMARY KEY, journal_seq INTEGER NOT NULL,"
            " api TEXT NOT NULL, orgnr TEXT NOT NULL, type TEXT NOT NULL, patient TEXT NOT NULL,"
            " at INTEGER, body TEXT NOT NULL);"
            "CREATE INDEX record_by_patient ON record(api, type, patient, orgnr);"
            "INSERT INTO journal VALUES (1, 'jft', 'urn:uuid:old', 'Bundle', '312229544',"
            " 'rid-1', 1, '2026-12-01T10:00:00Z', '{}', 202, '', '/v1/Bundle/rid-1', '',"
            " NULL, NULL);"
            "INSERT INTO record VALUES (1, 1, 'jft', '312229544', 'Composition', '12854812341',"
            " 1773298872, '{\"resourceType\":\"Composition\"}');";
        REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto opened = Journal::open(scratch.path(), manual());
    if (!opened) FAIL(opened.error().message);
    Journal& j = **opened;
    auto found = j.by_resource_id("Bundle", "rid-1");
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->identifier == "urn:uuid:old");
    auto recs =
        j.records("jft", "312229544", "Composition", "12854812341", std::nullopt, std::nullopt);
    REQUIRE(recs);
    CHECK(recs->size() == 1);
    auto page = j.search("Bundle", 0, 10, false, {});
    REQUIRE(page);
    CHECK(page->size() == 1);
    auto marked = j.mark("Bundle", "rid-1", "read_at");
    REQUIRE(marked);
    CHECK(*marked);
    // The old entry is still the identifier's: a resubmission is a duplicate.
    auto again =
        j.record_once("jft", "urn:uuid:old", "Bundle", "312229544", "{}", [](const std::string&) {
            return StoredOutcome{202, "new", {}, {}, 1};
        });
    REQUIRE(again);
    CHECK(again->count == 2);
    CHECK(again->status == 202);
    CHECK(again->location == "/v1/Bundle/rid-1");
    // A new write gets the next seq, and is found by a JFT search after the old one.
    REQUIRE(j.record_once("jft", "urn:uuid:new", "Bundle", "312229544", "{}",
                          [](const std::string& id) {
                              return StoredOutcome{202, "", "/v1/Bundle/" + id, {}, 1};
                          }));
    auto next = j.search("Bundle", 1, 10, false, {});
    REQUIRE(next);
    REQUIRE(next->size() == 1);
    CHECK((*next)[0].seq == 2);
}

TEST_CASE("journal: one receiver per journal file, the next may open it once the first closed",
          "[mocks][journal]") {
    ScratchDb scratch;
    {
        auto first = Journal::open(scratch.path());
        REQUIRE(first);
        REQUIRE(write(**first, "urn:uuid:one"));
        Journal::Tuning quick;
        quick.lock_wait = std::chrono::milliseconds(50);
        auto second = Journal::open(scratch.path(), quick);
        REQUIRE_FALSE(second);
        CHECK(second.error().code == "VFT-MOCK-1201");
        CHECK(second.error().message.find("in use") != std::string::npos);
    }
    auto again = Journal::open(scratch.path());
    REQUIRE(again);
    auto entries = (*again)->entries();
    REQUIRE(entries);
    CHECK(entries->size() == 1);
}

TEST_CASE("journal: under writes that never pause, the WAL still starts over", "[mocks][journal]") {
    // Checkpoints run beside the writes; what came meanwhile is copied with writes held once the
    // WAL holds 8 x the trigger, and the WAL starts over; a write does it itself at 16 x the
    // trigger when the host is too busy to run the maintenance thread in time. Without that it
    // would hold a frame or more per write (2,000 here; 2,512 measured with the bound disabled).
    // The peak is the bound (256 frames here) plus the largest single transaction after it (an
    // index batch of 256 writes: up to ~600 frames measured), so 1,500 tells the two apart.
    ScratchDb scratch;
    Journal::Tuning t;
    t.checkpoint_frames = 16;
    auto opened = Journal::open(scratch.path(), t);
    REQUIRE(opened);
    Journal& j = **opened;
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; i < 500; ++i)
                if (!write(j, "urn:uuid:w" + std::to_string(w) + "-" + std::to_string(i), i))
                    ++failures;
        });
    for (auto& th : writers)
        th.join();
    CHECK(failures == 0);
    const auto m = j.maintenance();
    CHECK(m.checkpoints > 0);
    CHECK(m.wal_frames_peak < 1500);
    auto entries = j.entries();
    REQUIRE(entries);
    CHECK(entries->size() == 2000);
}

// A lock that outlives its journal by moments (a forked child holding the descriptor until it
// execs) is waited for, not called "in use": the next open takes it once it is released.
TEST_CASE("journal: open waits for a lock released moments later", "[mocks][journal]") {
    ScratchDb scratch;
    const int held = ::open(scratch.path().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX | LOCK_NB) == 0);
    std::thread releaser([held] {
        // the holder keeps it a while (open() below starts while it is held), then lets go
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ::close(held);
    });
    auto j = Journal::open(scratch.path());
    releaser.join();
    REQUIRE(j);
    CHECK(write(**j, "urn:uuid:after-wait"));
}
