// The SDK's example EPJ reader (sdk/examples/example_reader.cpp) obeying the reader role's
// instructions (docs/conformance.md, "Role reader") against the in-process mock JFT with HelseID
// tokens and DPoP: `sync` pages to the end and imports every document once with its text byte for
// byte, a second `sync` imports nothing, `report-journal` prints the journal; a `crash` during an
// import is recovered without loss or double import; and the named defects show the faults the
// reader suite is there to catch.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "../support/files.hpp"
#include "child_process.hpp"
#include "pipeline_support.hpp"
#include "vft/client/jft_client.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace vft::client;

namespace {

constexpr const char* kDiv = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";

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

struct Jft {
    vft::test::PipelineMocks mocks;
    fs::path key_file;
    JftClient writer;
    std::map<std::string, std::string> texts;  // id -> the div as submitted

    explicit Jft(const std::string& name)
        : mocks(name), key_file(mocks.dir / "client.key.pem"), writer(make_writer()) {
        std::ofstream(key_file) << mocks.client_key.private_pem();
    }
    JftClient make_writer() {
        TokenClientOptions t;
        t.token_url = mocks.token_base + "/connect/token";
        t.client_id = "dispenser-platform";
        t.client_key = mocks.client_key;
        t.dpop_key = vft::auth::Key::generate(vft::auth::Algorithm::es256).value();
        auto tc = TokenClient::create(t);
        REQUIRE(tc.ok());
        auto auth = Auth::dpop(*tc);
        REQUIRE(auth.ok());
        JftClientOptions o;
        o.api.base_url = mocks.receiver_base;
        auto c = JftClient::create(o, *auth);
        REQUIRE(c.ok());
        return *c;
    }
    std::vector<std::string> queue(int n, int from = 0) {
        std::vector<std::string> ids;
        for (int i = from; i < from + n; ++i) {
            std::string text = "Notat " + std::to_string(i) + ": Ærlig talt, Åse på rom ø" +
                               std::to_string(i) + " hadde det bra.";
            if (i == 3) text += std::string(300000, 'x');  // a large note
            auto loc = writer.submit("Composition", composition(text));
            REQUIRE(loc.ok());
            ids.push_back(jft_id_from_status_url(loc->value));
            texts[ids.back()] = kDiv + text + "</div>";
        }
        return ids;
    }
    bool acknowledged(const std::string& id) const {
        auto s = writer.status("Composition", id);
        REQUIRE(s.ok());
        return !s->value.journaled.empty();
    }
    // Runs the example reader with one instruction; the exit code and its stdout lines.
    std::pair<int, std::vector<std::string>> run(const std::string& action,
                                                 const std::vector<std::string>& defects = {},
                                                 const std::string& crash = "") {
        const fs::path file = mocks.dir / ("instruction-" + action + ".json");
        std::ofstream(file) << R"({"version": 1, "action": ")" << action
                            << R"(", "test_id": "it", "endpoint": ")" << mocks.receiver_base
                            << R"(", "api": "jft", "orgnr": "312229544", "token_url": ")"
                            << mocks.token_base << R"(/connect/token", "client_id": )"
                            << R"("dispenser-platform", "outbox": ")"
                            << (mocks.dir / "state").string() << "\""
                            << (crash.empty() ? "" : ", \"crash\": " + crash) << "}";
        std::vector<std::string> argv = {VFT_EXAMPLE_READER_PATH, "--instruction", file.string(),
                                         "--key", key_file.string()};
        for (const auto& d : defects) {
            argv.push_back("--defect");
            argv.push_back(d);
        }
        vft::test::Child c(argv);
        const int code = c.wait_exit(120s);
        return {code, c.lines()};
    }
    // report-journal: id -> the texts imported for it (one per import).
    std::map<std::string, std::vector<std::string>> journal() {
        auto [code, lines] = run("report-journal");
        REQUIRE(code == 0);
        REQUIRE(lines.size() == 1);
        rapidjson::Document d;
        d.Parse(lines[0].c_str());
        REQUIRE_FALSE(d.HasParseError());
        REQUIRE(d["version"].GetInt() == 1);
        std::map<std::string, std::vector<std::string>> out;
        for (const auto& e : d["documents"].GetArray()) {
            CHECK(std::string(e["resource_type"].GetString()) == "Composition");
            CHECK(std::string(e["imported_at"].GetString()).size() >= 20);
            out[e["id"].GetString()].push_back(e["text"].GetString());
        }
        return out;
    }
};

}  // namespace

TEST_CASE("example_reader: sync imports every document once, text byte for byte; again nothing",
          "[integration][example_reader]") {
    Jft jft("example-reader-sync");
    const auto ids = jft.queue(45);  // three pages of 20
    auto [code, lines] = jft.run("sync");
    REQUIRE(code == 0);
    REQUIRE_FALSE(lines.empty());
    // Three pages of Compositions, one empty page each of Bundle and MedicationDispense.
    CHECK(lines.back() == "synced: 5 page(s), 45 fetched, 45 imported, 45 acknowledged");
    auto journal = jft.journal();
    CHECK(journal.size() == 45);
    for (const auto& id : ids) {
        INFO(id);
        REQUIRE(journal[id].size() == 1);
        CHECK(journal[id][0] == jft.texts[id]);
        CHECK(jft.acknowledged(id));
    }
    auto [again, again_lines] = jft.run("sync");
    REQUIRE(again == 0);
    // One empty page per resource type: everything is acknowledged (_tag:not filters it).
    CHECK(again_lines.back() == "synced: 3 page(s), 0 fetched, 0 imported, 0 acknowledged");
    CHECK(jft.journal().size() == 45);
}

TEST_CASE("example_reader: a crash after the note is stored: acknowledged later, not reimported",
          "[integration][example_reader]") {
    for (const bool defective : {false, true}) {
        Jft jft(defective ? "example-reader-crash-d" : "example-reader-crash");
        const auto ids = jft.queue(8);
        const std::vector<std::string> defects =
            defective ? std::vector<std::string>{"imports-twice-after-crash"}
                      : std::vector<std::string>{};
        auto [crashed, unused] =
            jft.run("sync", defects, R"({"after_imports": 5, "point": "after-store"})");
        CHECK(crashed == 3);
        CHECK_FALSE(jft.acknowledged(ids[4]));
        auto [code, lines] = jft.run("sync", defects);
        REQUIRE(code == 0);
        auto journal = jft.journal();
        for (const auto& id : ids) {
            CHECK(jft.acknowledged(id));
            // The defect imports the crashed document a second time.
            CHECK(journal[id].size() == (defective && id == ids[4] ? 2u : 1u));
        }
    }
}

TEST_CASE("example_reader: a crash before the note is stored; ack-before-import loses it",
          "[integration][example_reader]") {
    for (const bool defective : {false, true}) {
        Jft jft(defective ? "example-reader-before-d" : "example-reader-before");
        const auto ids = jft.queue(8);
        const std::vector<std::string> defects =
            defective ? std::vector<std::string>{"ack-before-import"} : std::vector<std::string>{};
        auto [crashed, unused] =
            jft.run("sync", defects, R"({"after_imports": 5, "point": "before-store"})");
        CHECK(crashed == 3);
        // The defect acknowledged the fifth document before it was stored.
        CHECK(jft.acknowledged(ids[4]) == defective);
        auto [code, lines] = jft.run("sync", defects);
        REQUIRE(code == 0);
        auto journal = jft.journal();
        for (const auto& id : ids)
            CHECK(jft.acknowledged(id));
        // ... and so it never came back: acknowledged, never journaled.
        CHECK(journal.count(ids[4]) == (defective ? 0u : 1u));
        CHECK(journal.size() == (defective ? 7u : 8u));
    }
}

TEST_CASE("example_reader: skips-page acknowledges a page it never journaled",
          "[integration][example_reader]") {
    Jft jft("example-reader-skip");
    const auto ids = jft.queue(45);
    auto [code, lines] = jft.run("sync", {"skips-page"});
    REQUIRE(code == 0);
    auto journal = jft.journal();
    CHECK(journal.size() == 25);  // pages 1 and 3; page 2 (20 documents) lost
    int acknowledged = 0;
    for (const auto& id : ids)
        acknowledged += jft.acknowledged(id) ? 1 : 0;
    CHECK(acknowledged == 45);
}

TEST_CASE("example_reader: bad instructions are refused with exit 2",
          "[integration][example_reader]") {
    const fs::path dir =
        fs::temp_directory_path() / ("vft-example-reader-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "bad.json") << R"({"version": 2, "action": "sync"})";
    std::ofstream(dir / "noaction.json") << R"({"version": 1, "action": "dance", "outbox": "x"})";
    for (const char* f : {"bad.json", "noaction.json", "missing.json"}) {
        vft::test::Child c({VFT_EXAMPLE_READER_PATH, "--instruction", (dir / f).string()});
        CHECK(c.wait_exit(30s) == 2);
    }
    vft::test::Child list({VFT_EXAMPLE_READER_PATH, "--list-defects"});
    CHECK(list.wait_exit(30s) == 0);
    CHECK(list.lines() ==
          std::vector<std::string>{"ack-before-import", "acks-twice", "ignores-retry-after",
                                   "imports-twice-after-crash", "resyncs-from-scratch",
                                   "skips-page", "truncates-long-notes"});
    fs::remove_all(dir);
}
