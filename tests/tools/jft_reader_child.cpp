// An EPJ process for the JFT reader's kill test (tests/integration/test_jft_reader.cpp): it syncs
// from a JFT ReadAPI (auth none) with vft::client::JftReader and imports each document into its
// own SQLite journal — a plain INSERT, so a second call of the callback for a document would show
// up as a second row. When the reader says a document may have been imported already
// (`maybe_imported`, a crash inside the callback), it looks in the journal first, as a product
// must. The test SIGKILLs it at random points and starts it again.
//
//   vft_test_jft_reader --state FILE --journal FILE --url BASE [--page N]
//
// Prints "syncing" before the first request and "done imported=I acknowledged=A" at the end.
// Exit 0: synced; 1: the sync failed (the error on stdout); 2: could not run.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "vft/client/jft_reader.hpp"

int main(int argc, char** argv) {
    std::string state, journal, url;
    int page = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--state")
            state = argv[i + 1];
        else if (flag == "--journal")
            journal = argv[i + 1];
        else if (flag == "--url")
            url = argv[i + 1];
        else if (flag == "--page")
            page = std::atoi(argv[i + 1]);
    }
    if (state.empty() || journal.empty() || url.empty()) return 2;
    sqlite3* db = nullptr;
    if (sqlite3_open(journal.c_str(), &db) != SQLITE_OK) return 2;
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS journal (type TEXT NOT NULL, id TEXT NOT NULL)",
                     nullptr, nullptr, nullptr) != SQLITE_OK)
        return 2;

    vft::client::JftClientOptions o;
    o.api.base_url = url;
    o.api.retry.initial_backoff = std::chrono::milliseconds(5);
    auto client = vft::client::JftClient::create(o, vft::client::Auth::none());
    if (!client) return 2;
    vft::client::JftReaderOptions ro;
    ro.state_path = state;
    ro.page_size = page;
    ro.resource_types = {"Composition"};
    auto reader = vft::client::JftReader::open(*client, ro);
    if (!reader) {
        std::printf("%s\n", reader.error().to_string().c_str());
        return 2;
    }
    auto in_journal = [&](const vft::client::JftDocument& d) {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM journal WHERE type=? AND id=?", -1, &s,
                           nullptr);
        sqlite3_bind_text(s, 1, d.resource_type.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, d.id.c_str(), -1, SQLITE_TRANSIENT);
        const bool found = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
        sqlite3_finalize(s);
        return found;
    };
    std::printf("syncing\n");
    std::fflush(stdout);
    auto stats = reader->sync([&](const vft::client::JftDocument& d) -> vft::Result<void> {
        if (d.maybe_imported && in_journal(d)) return {};
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "INSERT INTO journal (type, id) VALUES (?, ?)", -1, &s, nullptr);
        sqlite3_bind_text(s, 1, d.resource_type.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, d.id.c_str(), -1, SQLITE_TRANSIENT);
        const int rc = sqlite3_step(s);
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return vft::Error{"VFT-TEST", "journal insert failed", {}, {}, 0, true};
        // A little work after the commit, so that kills land between the journal and the
        // reader's own record too.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return {};
    });
    sqlite3_close(db);
    if (!stats) {
        std::printf("error %s\n", stats.error().to_string().c_str());
        return 1;
    }
    std::printf("done imported=%d acknowledged=%d\n", stats->imported, stats->acknowledged);
    return 0;
}
