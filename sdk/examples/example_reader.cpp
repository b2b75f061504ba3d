// The reference trigger adapter for the conformance suite's reader role (docs/conformance.md,
// "Role reader"): an EPJ that synchronises journal notes from JFT's ReadAPI with the SDK's
// vft::client::JftReader — keyset paging to the end, a durable cursor, acknowledgement
// (`$journaling-acknowledged`) only after the note is in its journal, exactly once across
// crashes — with HelseID client_credentials + private_key_jwt and DPoP-bound tokens (a fresh
// DPoP proof per request). Its journal is a SQLite file in the instruction's `outbox` folder.
//
// Usage: example_reader --instruction FILE [--key PEM] [--kid KID] [--defect NAME]...
//        example_reader --list-defects
// Actions: `sync` (exit 0 synced · 1 the sync failed · 3 stopped as the instruction's `crash`
// asked) and `report-journal` (the journal as JSON on stdout, exit 0). Exit 2: could not run.
//
// --defect makes it misbehave on purpose so the reader suite can prove it catches it:
//   ack-before-import           acknowledges a document before storing it
//   skips-page                  takes every second page as imported without storing it
//   acks-twice                  acknowledges every document a second time
//   imports-twice-after-crash   does not look in its journal for a document it may have imported
//   ignores-retry-after         retries at once instead of waiting the server's Retry-After
//   truncates-long-notes        stores at most 4,000 bytes of a note (a journal column's limit)
//   resyncs-from-scratch        forgets what it read: no reader state kept between syncs and no
//                               unacknowledged filter, so every sync imports everything again
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <vft/auth/key.hpp>
#include <vft/client/auth.hpp>
#include <vft/client/jft_client.hpp>
#include <vft/client/jft_reader.hpp>
#include <vft/client/token_client.hpp>
#include <vft/core/time.hpp>

namespace {

constexpr int kSynced = 0, kFailed = 1, kCannotRun = 2, kCrashed = 3;
constexpr const char* kDefects[] = {
    "ack-before-import",    "acks-twice", "ignores-retry-after", "imports-twice-after-crash",
    "resyncs-from-scratch", "skips-page", "truncates-long-notes"};

struct Args {
    std::string instruction, key, kid;
    std::set<std::string> defects;
    bool has(const char* d) const { return defects.count(d) > 0; }
};

std::string str(const rapidjson::Value& o, const char* name) {
    return o.IsObject() && o.HasMember(name) && o[name].IsString() ? o[name].GetString() : "";
}

// ---- the journal (what the EPJ imported), SQLite in the state folder ------------------------

struct Journal {
    sqlite3* db = nullptr;
    ~Journal() { sqlite3_close(db); }
    bool open(const std::string& path) {
        return sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
               sqlite3_exec(db,
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            "CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, "
                            "resource_type TEXT, id TEXT, text TEXT, imported_at TEXT)",
                            nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    bool has(const std::string& id) const {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, "SELECT 1 FROM journal WHERE id = ?", -1, &s, nullptr);
        sqlite3_bind_text(s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
        const bool found = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        return found;
    }
    bool store(const vft::client::JftDocument& d, const std::string& text) const {
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db,
                           "INSERT INTO journal (resource_type, id, text, imported_at) "
                           "VALUES (?, ?, ?, ?)",
                           -1, &s, nullptr);
        const std::string now = vft::format_fhir_time(
            std::chrono::time_point_cast<vft::Time::duration>(std::chrono::system_clock::now()));
        for (int i = 0; const std::string* v : {&d.resource_type, &d.id, &text, &now})
            sqlite3_bind_text(s, ++i, v->data(), static_cast<int>(v->size()), SQLITE_TRANSIENT);
        const bool ok = sqlite3_step(s) == SQLITE_DONE;
        sqlite3_finalize(s);
        return ok;
    }
};

// The note text: the XHTML `div` of every Composition section, depth first, joined by "\n" (a
// Bundle: its Composition entries'); a MedicationDispense: its `text.div`.
void section_divs(const rapidjson::Value& sections, std::string& out) {
    if (!sections.IsArray()) return;
    for (const auto& s : sections.GetArray()) {
        if (s.IsObject() && s.HasMember("text")) {
            const std::string div = str(s["text"], "div");
            if (!div.empty()) out += (out.empty() ? "" : "\n") + div;
        }
        if (s.IsObject() && s.HasMember("section")) section_divs(s["section"], out);
    }
}
std::string note_text(const rapidjson::Value& r) {
    std::string out;
    const std::string type = str(r, "resourceType");
    if (type == "Composition" && r.HasMember("section")) section_divs(r["section"], out);
    if (type == "Bundle" && r.HasMember("entry") && r["entry"].IsArray())
        for (const auto& e : r["entry"].GetArray())
            if (e.IsObject() && e.HasMember("resource") &&
                str(e["resource"], "resourceType") == "Composition")
                section_divs(e["resource"]["section"], out);
    if (type == "MedicationDispense" && r.HasMember("text")) out = str(r["text"], "div");
    return out;
}

int report_journal(const Journal& j) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("version");
    w.Int(1);
    w.Key("documents");
    w.StartArray();
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(j.db,
                       "SELECT id, resource_type, text, imported_at FROM journal ORDER BY seq", -1,
                       &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
        w.StartObject();
        for (int i = 0; const char* k : {"id", "resource_type", "text", "imported_at"}) {
            w.Key(k);
            w.String(reinterpret_cast<const char*>(sqlite3_column_text(s, i)),
                     static_cast<rapidjson::SizeType>(sqlite3_column_bytes(s, i)));
            ++i;
        }
        w.EndObject();
    }
    sqlite3_finalize(s);
    w.EndArray();
    w.EndObject();
    std::cout << b.GetString() << "\n";
    return kSynced;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--list-defects") {
        for (const char* d : kDefects)
            std::cout << d << "\n";
        return kSynced;
    }
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--instruction")
            args.instruction = value;
        else if (flag == "--key")
            args.key = value;
        else if (flag == "--kid")
            args.kid = value;
        else if (flag == "--defect" &&
                 std::find(std::begin(kDefects), std::end(kDefects), value) != std::end(kDefects))
            args.defects.insert(value);
        else
            args.instruction.clear(), i = argc;
    }
    if (args.instruction.empty() || argc % 2 == 0) {
        std::cerr << "usage: example_reader --instruction FILE [--key PEM] [--kid KID] "
                     "[--defect NAME]...\n";
        return kCannotRun;
    }
    std::ifstream file(args.instruction);
    std::stringstream text;
    text << file.rdbuf();
    rapidjson::Document in;
    in.Parse(text.str().c_str());
    if (!file || in.HasParseError() || !in.IsObject() || !in.HasMember("version") ||
        !in["version"].IsInt() || in["version"].GetInt() != 1) {
        std::cerr << "cannot read instruction " << args.instruction
                  << ": not a version 1 instruction JSON object\n";
        return kCannotRun;
    }
    const std::string action = str(in, "action"), folder = str(in, "outbox");
    if (folder.empty() || (action != "sync" && action != "report-journal")) {
        std::cerr << "the instruction needs `outbox` and an action sync or report-journal\n";
        return kCannotRun;
    }
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    Journal journal;
    if (!journal.open(folder + "/journal.db")) {
        std::cerr << "cannot open the journal in " << folder << "\n";
        return kCannotRun;
    }
    if (action == "report-journal") return report_journal(journal);

    // HelseID: client_credentials + private_key_jwt, tokens bound to a DPoP key of our own.
    auto auth = vft::client::Auth::none();
    if (!str(in, "token_url").empty()) {
        auto key = vft::auth::Key::load_file(args.key);
        auto dpop_key = vft::auth::Key::generate(vft::auth::Algorithm::es256);
        if (!key || !dpop_key) {
            std::cerr << "cannot load the client key '" << args.key << "'\n";
            return kCannotRun;
        }
        vft::client::TokenClientOptions t;
        t.token_url = str(in, "token_url");
        t.client_id = str(in, "client_id");
        t.client_key = *key;
        t.kid = args.kid;
        t.dpop_key = *dpop_key;
        auto tokens = vft::client::TokenClient::create(t);
        auto a = tokens ? vft::client::Auth::dpop(*tokens)
                        : vft::Result<vft::client::Auth>(tokens.error());
        if (!a) {
            std::cerr << a.error().to_string() << "\n";
            return kCannotRun;
        }
        auth = *a;
    }
    vft::client::JftClientOptions o;
    o.api.base_url = str(in, "endpoint");
    o.api.retry.initial_backoff = std::chrono::milliseconds(200);
    o.api.retry.max_retry_after = args.has("ignores-retry-after")
                                      ? std::chrono::milliseconds(0)  // defect: no waiting
                                      : std::chrono::milliseconds(30000);
    o.source_system = "vft example_reader";
    auto client = vft::client::JftClient::create(o, auth);
    if (!client) {
        std::cerr << client.error().to_string() << "\n";
        return kCannotRun;
    }

    // The crash the instruction may ask for: stop abruptly while importing the N-th document.
    int crash_after = 0;
    std::string crash_point;
    if (in.HasMember("crash") && in["crash"].IsObject()) {
        const auto& c = in["crash"];
        if (c.HasMember("after_imports") && c["after_imports"].IsInt())
            crash_after = c["after_imports"].GetInt();
        crash_point = str(c, "point");
    }
    int imports = 0, page_docs = 0, page_size = 20;
    auto import = [&](const vft::client::JftDocument& d) -> vft::Result<void> {
        // skips-page (defect): every second page is "imported" without storing anything.
        const bool skipped = args.has("skips-page") && (page_docs++ / page_size) % 2 == 1;
        if (d.maybe_imported && !args.has("imports-twice-after-crash") && journal.has(d.id))
            return {};  // stored before a crash; only the acknowledgement is missing
        if (args.has("ack-before-import")) (void)client->acknowledge(d.resource_type, d.id);
        const bool crash = crash_after > 0 && ++imports == crash_after;
        if (crash && crash_point == "before-store") std::_Exit(kCrashed);
        rapidjson::Document r;
        r.Parse(d.json.c_str());
        std::string text = r.HasParseError() ? std::string() : note_text(r);
        if (args.has("truncates-long-notes") && text.size() > 4000) {
            size_t cut = 4000;  // defect: the note cut to a column's size (at a UTF-8 boundary)
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
                --cut;
            text.resize(cut);
        }
        if (!skipped && !journal.store(d, text))
            return vft::Error{
                "VFT-READER-1702", "the journal could not store the note", {}, {}, 0, true};
        if (crash) std::_Exit(kCrashed);  // after-store: stored, nothing recorded or acknowledged
        if (args.has("acks-twice")) (void)client->acknowledge(d.resource_type, d.id);
        return {};
    };
    vft::client::JftReaderOptions ro;
    ro.state_path = folder + "/reader.db";
    ro.page_size = page_size;
    if (args.has("resyncs-from-scratch")) {  // defect: a fresh state file, every document again
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(ro.state_path + suffix, ec);
        ro.unacknowledged_filter.clear();
    }
    auto reader = vft::client::JftReader::open(*client, ro);
    if (!reader) {
        std::cerr << reader.error().to_string() << "\n";
        return kCannotRun;
    }
    auto stats = reader->sync(import);
    if (!stats) {
        std::cerr << "sync failed: " << stats.error().to_string() << "\n";
        return kFailed;
    }
    std::cout << "synced: " << stats->pages << " page(s), " << stats->fetched << " fetched, "
              << stats->imported << " imported, " << stats->acknowledged << " acknowledged\n";
    return stats->import_failed == 0 ? kSynced : kFailed;
}
