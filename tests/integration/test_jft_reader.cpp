// vft::client::JftReader against the real mock receiver's JFT ReadAPI on loopback: paging to the
// end with documents arriving during paging, acknowledgement only after a successful import,
// nothing imported twice, faults during paging (503 + Retry-After, dropped connections, a token
// the receiver stops accepting mid-sync), and exactly-once import across SIGKILLs of the
// importing process (tests/tools/jft_reader_child.cpp).
#include <httplib.h>
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/files.hpp"
#include "child_process.hpp"
#include "pipeline_support.hpp"
#include "process.hpp"
#include "vft/client/jft_client.hpp"
#include "vft/client/jft_reader.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace vft::client;

namespace {

// The fixture Composition with another note text (plain text: no quotes or backslashes).
std::string composition(const std::string& text) {
    std::string json =
        vft::test::source_file("fixtures/messages/valid/jft/composition-single.json");
    const std::string old =
        "Olga ringte responssenteret for å høre når hjemmetjenesten kommer i kveld. Informert om "
        "besøk kl. 21.00.";
    const auto at = json.find(old);
    REQUIRE(at != std::string::npos);
    return json.replace(at, old.size(), text);
}

std::string note_text(int n) {
    return "Notat " + std::to_string(n) +
           ": Åse og Ørjan var på besøk; brukeren ønsket ærlig tale.";
}

ApiOptions fast_api(const std::string& base) {
    ApiOptions o;
    o.base_url = base;
    o.retry.initial_backoff = 5ms;
    o.retry.max_backoff = 50ms;
    o.http.connect_timeout = 2000ms;
    o.http.total_timeout = 10000ms;
    return o;
}

Auth dpop_auth(const vft::test::PipelineMocks& m) {
    TokenClientOptions t;
    t.token_url = m.token_base + "/connect/token";
    t.client_id = "dispenser-platform";
    t.client_key = m.client_key;
    t.dpop_key = vft::auth::Key::generate(vft::auth::Algorithm::es256).value();
    auto tc = TokenClient::create(t);
    REQUIRE(tc.ok());
    auto a = Auth::dpop(*tc);
    REQUIRE(a.ok());
    return *a;
}

JftClient jft_client(const std::string& base, Auth auth) {
    JftClientOptions o;
    o.api = fast_api(base);
    auto c = JftClient::create(o, std::move(auth));
    REQUIRE(c.ok());
    return *c;
}

// Submits `n` Compositions numbered from `from`; returns their ids.
std::vector<std::string> submit(const JftClient& c, int from, int n) {
    std::vector<std::string> ids;
    for (int i = from; i < from + n; ++i) {
        auto loc = c.submit("Composition", composition(note_text(i)));
        REQUIRE(loc.ok());
        ids.push_back(jft_id_from_status_url(loc->value));
        REQUIRE_FALSE(ids.back().empty());
    }
    return ids;
}

// The note text of a Composition as received (the first section's div, markup kept).
std::string div_of(const std::string& json) {
    const auto at = json.find("xhtml\\\">");
    if (at == std::string::npos) return {};
    const auto start = at + 8;
    return json.substr(start, json.find("</div>", start) - start);
}

// Rows in the child's journal (0 before it made its table).
int journal_rows(const std::string& path) {
    sqlite3* db = nullptr;
    int n = 0;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM journal", -1, &s, nullptr) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return n;
}

struct Imported {
    std::map<std::string, int> calls;         // id -> callback calls
    std::map<std::string, std::string> text;  // id -> note text
};

}  // namespace

TEST_CASE("JftReader: pages to the end, imports and acknowledges each document once",
          "[integration][jft_reader]") {
    vft::test::PipelineMocks m("jft-reader-basic");
    const JftClient writer = jft_client(m.receiver_base, dpop_auth(m));
    auto ids = submit(writer, 0, 23);  // five pages of five, the last one short

    const fs::path state = m.dir / "reader.db";
    auto reader = JftReader::open(jft_client(m.receiver_base, dpop_auth(m)),
                                  JftReaderOptions{state.string(), {"Composition"}, 5});
    REQUIRE(reader.ok());
    Imported got;
    int calls = 0;
    std::vector<std::string> late;
    auto stats = reader->sync([&](const JftDocument& d) -> vft::Result<void> {
        // Every document handed over is not yet acknowledged: the acknowledgement follows the
        // import, never precedes it.
        auto s = writer.status("Composition", d.id);
        REQUIRE(s.ok());
        CHECK(s->value.journaled.empty());
        CHECK_FALSE(d.maybe_imported);
        ++got.calls[d.id];
        got.text[d.id] = div_of(d.json);
        // Two documents arrive while the reader is on its second page: they come on later pages.
        if (++calls == 7) late = submit(writer, 100, 2);
        return {};
    });
    INFO((stats.ok() ? std::string() : stats.error().to_string()));
    REQUIRE(stats.ok());
    ids.insert(ids.end(), late.begin(), late.end());
    REQUIRE(ids.size() == 25);
    CHECK(stats->imported == 25);
    CHECK(stats->acknowledged == 25);
    CHECK(stats->import_failed == 0);
    CHECK(stats->pages == 6);  // 5 full pages, then the empty one after the last next link
    CHECK(got.calls.size() == 25);
    for (size_t i = 0; i < ids.size(); ++i) {
        INFO("document " << i << " " << ids[i]);
        CHECK(got.calls[ids[i]] == 1);
        CHECK(got.text[ids[i]] == note_text(i < 23 ? static_cast<int>(i) : 100 + int(i) - 23));
        auto s = writer.status("Composition", ids[i]);
        REQUIRE(s.ok());
        CHECK_FALSE(s->value.journaled.empty());
    }
    auto entries = reader->entries();
    REQUIRE(entries.ok());
    CHECK(entries->size() == 25);
    for (const auto& e : *entries)
        CHECK(e.state == JftReaderEntry::State::acknowledged);

    // A second sync: nothing new to import or acknowledge.
    auto again = reader->sync([&](const JftDocument& d) -> vft::Result<void> {
        ++got.calls[d.id];
        return {};
    });
    REQUIRE(again.ok());
    CHECK(again->imported == 0);
    CHECK(again->acknowledged == 0);
    CHECK(again->fetched == 0);

    // Without the _tag:not filter the state file alone keeps it from importing anything again.
    reader = JftReader::open(jft_client(m.receiver_base, dpop_auth(m)),
                             JftReaderOptions{state.string(), {"Composition"}, 5, ""});
    REQUIRE(reader.ok());
    auto unfiltered = reader->sync([&](const JftDocument&) -> vft::Result<void> {
        FAIL("imported again");
        return {};
    });
    REQUIRE(unfiltered.ok());
    CHECK(unfiltered->fetched == 25);
    CHECK(unfiltered->already_known == 25);
    CHECK(unfiltered->acknowledged == 0);
}

TEST_CASE("JftReader: a failed import is not acknowledged and is offered again next sync",
          "[integration][jft_reader]") {
    vft::test::PipelineMocks m("jft-reader-fail");
    const JftClient writer = jft_client(m.receiver_base, dpop_auth(m));
    const auto ids = submit(writer, 0, 4);
    auto reader =
        JftReader::open(jft_client(m.receiver_base, dpop_auth(m)),
                        JftReaderOptions{(m.dir / "reader.db").string(), {"Composition"}, 2});
    REQUIRE(reader.ok());
    auto first = reader->sync([&](const JftDocument& d) -> vft::Result<void> {
        if (d.id == ids[1]) return vft::Error{"VFT-TEST", "journal full", {}, {}, 0, true};
        return {};
    });
    INFO((first.ok() ? std::string() : first.error().to_string()));
    REQUIRE(first.ok());
    CHECK(first->imported == 3);
    CHECK(first->import_failed == 1);
    CHECK(first->acknowledged == 3);
    auto s = writer.status("Composition", ids[1]);
    REQUIRE(s.ok());
    CHECK(s->value.journaled.empty());

    std::vector<std::string> second_ids;
    auto second = reader->sync([&](const JftDocument& d) -> vft::Result<void> {
        second_ids.push_back(d.id);
        return {};
    });
    REQUIRE(second.ok());
    CHECK(second_ids == std::vector<std::string>{ids[1]});
    CHECK(second->acknowledged == 1);
    s = writer.status("Composition", ids[1]);
    REQUIRE(s.ok());
    CHECK_FALSE(s->value.journaled.empty());
}

TEST_CASE("JftReader: 503 + Retry-After, dropped connections and a refused token mid-sync",
          "[integration][jft_reader]") {
    vft::test::PipelineMocks m("jft-reader-faults", R"({"seed": 11, "rules": [
        {"method": "GET", "path": "/v1/Composition", "first": 2, "status": 503,
         "retry_after": "1"},
        {"method": "GET", "path": "/v1/Composition", "probability": 0.3, "action": "drop-before"},
        {"method": "POST", "path": "/v1/Composition/*", "probability": 0.3,
         "action": "drop-after"}]})");
    const JftClient writer = jft_client(m.receiver_base, dpop_auth(m));
    const auto ids = submit(writer, 0, 17);
    auto reader =
        JftReader::open(jft_client(m.receiver_base, dpop_auth(m)),
                        JftReaderOptions{(m.dir / "reader.db").string(), {"Composition"}, 4});
    REQUIRE(reader.ok());
    std::map<std::string, int> calls;
    auto stats = reader->sync([&](const JftDocument& d) -> vft::Result<void> {
        // Mid-sync the token service changes its signing key: the receiver refuses the token
        // the reader holds (401), and the reader must fetch a new one and go on.
        if (calls.size() == 9) m.rotate_token_key();
        ++calls[d.id];
        return {};
    });
    INFO((stats.ok() ? std::string() : stats.error().to_string()));
    REQUIRE(stats.ok());
    CHECK(m.rotations == 1);
    CHECK(calls.size() == 17);
    for (const auto& id : ids) {
        INFO(id);
        CHECK(calls[id] == 1);
        auto s = writer.status("Composition", id);
        REQUIRE(s.ok());
        CHECK_FALSE(s->value.journaled.empty());
    }
    auto again = reader->sync([&](const JftDocument& d) -> vft::Result<void> {
        ++calls[d.id];
        return {};
    });
    REQUIRE(again.ok());
    CHECK(again->imported == 0);
}

TEST_CASE("JftReader: bad options and a foreign state file are refused with their codes",
          "[integration][jft_reader]") {
    auto client =
        JftClient::create({fast_api("http://127.0.0.1:9"), {"nhn:jft/api"}, "", 10}, Auth::none());
    REQUIRE(client.ok());
    const fs::path dir = fs::temp_directory_path() / ("vft-jft-reader-" + std::to_string(getpid()));
    fs::create_directories(dir);
    auto no_file = JftReader::open(*client, JftReaderOptions{""});
    REQUIRE_FALSE(no_file.ok());
    CHECK(no_file.error().code == "VFT-READER-1701");
    auto bad_page = JftReader::open(*client, JftReaderOptions{(dir / "a.db").string(), {}, 0});
    REQUIRE_FALSE(bad_page.ok());
    CHECK(bad_page.error().code == "VFT-BUILD-0704");
    auto bad_type =
        JftReader::open(*client, JftReaderOptions{(dir / "a.db").string(), {"Patient"}, 5});
    REQUIRE_FALSE(bad_type.ok());
    CHECK(bad_type.error().code == "VFT-BUILD-0704");
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir / "other.db").string().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto foreign = JftReader::open(*client, JftReaderOptions{(dir / "other.db").string()});
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error().code == "VFT-READER-1701");
    // A server that is not there: the sync fails with the transport error, nothing stored.
    auto reader = JftReader::open(*client, JftReaderOptions{(dir / "b.db").string()});
    REQUIRE(reader.ok());
    auto stats = reader->sync([](const JftDocument&) -> vft::Result<void> { return {}; });
    CHECK_FALSE(stats.ok());
    fs::remove_all(dir);
}

// The exactly-once proof: the importing process is SIGKILLed at random points while it syncs
// (seeded; VFT_KILL_SEED repeats another run), restarted each time, then left to finish.
TEST_CASE("JftReader: SIGKILLs of the importing process, every document imported exactly once",
          "[integration][jft_reader_kill]") {
    constexpr int kDocuments = 300, kKills = 40;
    const vft::test::KillDir scratch("jft-reader-kill");
    const fs::path& dir = scratch.dir;
    const std::string faults = (dir / "faults.json").string();
    // Acknowledgements that are recorded but whose answer is lost, and some latency so kills land
    // while requests are in flight.
    std::ofstream(faults) << R"({"seed": 5, "rules": [
        {"method": "POST", "path": "/v1/Composition/*", "probability": 0.1, "action": "drop-after"},
        {"path": "/v1/*", "latency_ms": 3}]})";
    vft::test::Process receiver({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0",
                                 "--db", (dir / "jft.db").string(), "--auth", "none", "--faults",
                                 faults});
    REQUIRE_FALSE(receiver.url().empty());
    const JftClient writer = jft_client(receiver.url(), Auth::none());
    const auto ids = submit(writer, 0, kDocuments);

    std::mt19937_64 rng(vft::test::kill_seed("jft_reader_kill", 20261206u));
    const std::string journal = (dir / "epj.db").string();
    const std::vector<std::string> argv = {VFT_JFT_READER_CHILD_PATH,
                                           "--state",
                                           (dir / "state.db").string(),
                                           "--journal",
                                           journal,
                                           "--url",
                                           receiver.url(),
                                           "--page",
                                           "7"};
    int landed = 0, cycles = 0;
    while (landed < kKills && cycles < 3 * kKills) {
        ++cycles;
        vft::test::Child c(argv);
        REQUIRE(c.wait_line("syncing", 30s));
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 40)(rng)));
        if (c.kill9() && journal_rows(journal) < kDocuments) ++landed;  // killed with work left
    }
    std::printf("jft_reader_kill: %d cycles, %d kills landed while documents were left\n", cycles,
                landed);
    REQUIRE(landed >= kKills);
    {
        vft::test::Child last(argv);
        const int code = last.wait_exit(120s);
        INFO("last reader said: " << (last.lines().empty() ? "" : last.lines().back()));
        REQUIRE(code == 0);
    }
    // The EPJ's journal: each document exactly once, nothing else.
    std::map<std::string, int> rows;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(journal.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT id FROM journal", -1, &s, nullptr) == SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
        ++rows[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))];
    sqlite3_finalize(s);
    sqlite3_close(db);
    int missing = 0, doubled = 0, unacknowledged = 0;
    for (const auto& id : ids) {
        if (!rows.count(id)) ++missing;
        if (rows[id] > 1) ++doubled;
        auto st = writer.status("Composition", id);
        REQUIRE(st.ok());
        if (st->value.journaled.empty()) ++unacknowledged;
    }
    CHECK(missing == 0);
    CHECK(doubled == 0);
    CHECK(unacknowledged == 0);
    CHECK(rows.size() == ids.size());
}
