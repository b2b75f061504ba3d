// JftReader: sync from the JFT ReadAPI with a durable cursor and exactly-once import
// (vft/client/jft_reader.hpp).
#include "vft/client/jft_reader.hpp"

#include <rapidjson/document.h>
#include <sqlite3.h>

#include <chrono>

#include "client/client_util.hpp"
#include "json/json_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/sqlite.hpp"
#include "vft/internal/sqlite_file.hpp"

namespace vft::client {

namespace {

constexpr int kSchemaVersion = 1;

// state: 0 importing (the callback was started), 1 imported, 2 acknowledged.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS jft_documents ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " resource_type TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " state INTEGER NOT NULL,"
    " last_updated TEXT NOT NULL DEFAULT '',"
    " changed_ms INTEGER NOT NULL,"
    " UNIQUE (resource_type, id));"
    "CREATE TABLE IF NOT EXISTS jft_cursor ("
    " resource_type TEXT PRIMARY KEY,"
    " next_url TEXT NOT NULL);";

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Error reader_error(std::string_view code, std::string message, bool retryable = false) {
    return Error{std::string(code), std::move(message), {}, {}, 0, retryable};
}

}  // namespace

struct JftReader::Impl {
    JftClient client;
    JftReaderOptions options;
    sqlite3* db = nullptr;

    Impl(JftClient c, JftReaderOptions o) : client(std::move(c)), options(std::move(o)) {}
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() { sqlite3_close(db); }

    Error storage(const std::string& what) const {
        const int rc = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
        return reader_error(
            errc::reader_storage,
            "JFT reader state failure (" + what + "): " + (db ? sqlite3_errmsg(db) : "no database"),
            internal::sqlite_transient(rc));
    }

    // Runs one statement with text bindings; ok when it completed.
    Result<void> exec(const char* sql, std::initializer_list<std::string_view> binds,
                      int64_t number = -1) const {
        internal::Stmt st(db, sql);
        if (!st.ok()) return storage("prepare");
        int i = 1;
        for (auto b : binds)
            sqlite3_bind_text(*st, i++, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
        if (number >= 0) sqlite3_bind_int64(*st, i, number);
        const int rc = sqlite3_step(*st);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) return storage("write");
        return {};
    }

    // The stored state of a document: -1 unknown.
    Result<int> state_of(const std::string& type, const std::string& id) const {
        internal::Stmt st(db, "SELECT state FROM jft_documents WHERE resource_type=? AND id=?");
        if (!st.ok()) return storage("prepare");
        sqlite3_bind_text(*st, 1, type.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(*st, 2, id.c_str(), -1, SQLITE_TRANSIENT);
        const int rc = sqlite3_step(*st);
        if (rc == SQLITE_ROW) return sqlite3_column_int(*st, 0);
        if (rc == SQLITE_DONE) return -1;
        return storage("read");
    }

    Result<void> set_state(const JftDocument& d, int state) const {
        return exec(
            "INSERT INTO jft_documents (resource_type, id, state, last_updated, changed_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (resource_type, id) DO UPDATE SET "
            "state = excluded.state, changed_ms = excluded.changed_ms",
            {d.resource_type, d.id, std::to_string(state), d.last_updated}, now_ms());
    }

    Result<std::string> cursor(const std::string& type) const {
        internal::Stmt st(db, "SELECT next_url FROM jft_cursor WHERE resource_type=?");
        if (!st.ok()) return storage("prepare");
        sqlite3_bind_text(*st, 1, type.c_str(), -1, SQLITE_TRANSIENT);
        const int rc = sqlite3_step(*st);
        if (rc == SQLITE_ROW) return st.text(0);
        if (rc == SQLITE_DONE) return std::string();
        return storage("read");
    }

    Result<void> set_cursor(const std::string& type, const std::string& next) const {
        if (next.empty()) return exec("DELETE FROM jft_cursor WHERE resource_type=?", {type});
        return exec(
            "INSERT INTO jft_cursor (resource_type, next_url) VALUES (?1, ?2) "
            "ON CONFLICT (resource_type) DO UPDATE SET next_url = excluded.next_url",
            {type, next});
    }

    // Acknowledges and records it; the HTTP error when the server did not take it.
    Result<void> acknowledge(const JftDocument& d, JftSyncStats& stats) const {
        auto ack = client.acknowledge(d.resource_type, d.id);
        if (!ack) return ack.error();
        ++stats.acknowledged;
        return set_state(d, 2);
    }

    // Acknowledges what an earlier sync imported but could not acknowledge.
    Result<void> acknowledge_imported(const std::string& type, JftSyncStats& stats) const {
        std::vector<std::string> ids;
        {
            internal::Stmt st(
                db, "SELECT id FROM jft_documents WHERE resource_type=? AND state=1 ORDER BY seq");
            if (!st.ok()) return storage("prepare");
            sqlite3_bind_text(*st, 1, type.c_str(), -1, SQLITE_TRANSIENT);
            int rc;
            while ((rc = sqlite3_step(*st)) == SQLITE_ROW)
                ids.push_back(st.text(0));
            if (rc != SQLITE_DONE) return storage("read");
        }
        for (const auto& id : ids)
            if (auto a = acknowledge(JftDocument{type, id, {}, {}, false}, stats); !a) return a;
        return {};
    }

    Result<void> handle(JftDocument d, const JftImport& import, JftSyncStats& stats) const {
        auto state = state_of(d.resource_type, d.id);
        if (!state) return state.error();
        if (*state == 2) {
            ++stats.already_known;
            return {};
        }
        if (*state == 0) d.maybe_imported = true;
        if (*state != 1) {
            // Durable before the callback: a crash inside it is seen at the next run.
            if (auto s = set_state(d, 0); !s) return s;
            auto imported = import(d);
            if (!imported) {
                ++stats.import_failed;
                // Not in the journal: forget the attempt, the next sync offers it afresh.
                return exec("DELETE FROM jft_documents WHERE resource_type=? AND id=? AND state=0",
                            {d.resource_type, d.id});
            }
            ++stats.imported;
            if (auto s = set_state(d, 1); !s) return s;
        }
        return acknowledge(d, stats);
    }

    Result<void> sync_type(const std::string& type, const JftImport& import,
                           JftSyncStats& stats) const {
        if (auto a = acknowledge_imported(type, stats); !a) return a;
        auto stored = cursor(type);
        if (!stored) return stored.error();
        Result<Reply<JftPage>> page = Error{};
        if (!stored->empty()) {
            stats.resumed = true;
            page = client.next(*stored);
        } else {
            JftSearch q;
            q.count = options.page_size;
            q.params.emplace_back("_sort", "_lastUpdated");
            if (!options.unacknowledged_filter.empty())
                q.params.emplace_back("_tag:not", options.unacknowledged_filter);
            page = client.search(type, q);
        }
        for (int pages = 1;; ++pages) {
            if (!page) return page.error();
            ++stats.pages;
            for (size_t i = 0; i < page->value.resources.size(); ++i) {
                const std::string& json = page->value.resources[i];
                ++stats.fetched;
                rapidjson::Document doc;
                doc.Parse(json.data(), json.size());
                JftDocument d;
                d.resource_type = type;
                d.json = json;
                if (!doc.HasParseError() && doc.IsObject()) {
                    d.id = std::string(vft::detail::str_member(doc, "id"));
                    if (const auto* meta = vft::detail::member(doc, "meta");
                        meta && meta->IsObject())
                        d.last_updated = std::string(vft::detail::str_member(*meta, "lastUpdated"));
                }
                // A search entry's resource should carry its id; else the fullUrl's last segment
                // (".../v1/{type}/{id}") names it.
                if (d.id.empty() && i < page->value.full_urls.size()) {
                    const std::string& url = page->value.full_urls[i];
                    const std::string prefix = "/v1/" + type + "/";
                    const auto at = url.rfind(prefix);
                    if (at != std::string::npos &&
                        url.find('/', at + prefix.size()) == std::string::npos)
                        d.id = url.substr(at + prefix.size());
                }
                if (d.id.empty())
                    return detail::make_error(errc::read_missing_element,
                                              "a JFT " + type + " on the search page has no id",
                                              "the acknowledgement needs the resource id");
                if (auto h = handle(std::move(d), import, stats); !h) return h;
            }
            // The page is done: a crash from here on resumes at the next page.
            if (auto c = set_cursor(type, page->value.next); !c) return c;
            if (page->value.next.empty()) return {};
            if (pages >= options.max_pages)
                return detail::make_error(errc::build_invalid_value,
                                          "JFT search of " + type + " has more than max_pages (" +
                                              std::to_string(options.max_pages) + ") pages",
                                          "raise JftReaderOptions::max_pages");
            page = client.next(page->value.next);
        }
    }
};

JftReader::JftReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JftReader::~JftReader() = default;
JftReader::JftReader(JftReader&&) noexcept = default;
JftReader& JftReader::operator=(JftReader&&) noexcept = default;

Result<JftReader> JftReader::open(JftClient client, JftReaderOptions options) {
    if (options.page_size < 1 || options.page_size > 100)
        return detail::make_error(errc::build_invalid_value,
                                  "JftReaderOptions::page_size must be 1..100");
    if (options.max_pages < 1)
        return detail::make_error(errc::build_invalid_value,
                                  "JftReaderOptions::max_pages must be at least 1");
    for (const auto& t : options.resource_types)
        if (t != "Bundle" && t != "Composition" && t != "MedicationDispense")
            return detail::make_error(errc::build_invalid_value,
                                      "JFT resource type must be Bundle, Composition or "
                                      "MedicationDispense, got '" +
                                          detail::sanitize(t, 60) + "'");
    if (options.state_path.empty())
        return reader_error(errc::reader_open, "cannot open the JFT reader state: no file given");
    auto impl = std::make_unique<Impl>(std::move(client), std::move(options));
    const internal::SqliteFileSpec spec{
        .code = errc::reader_open,
        .what = "the JFT reader state",
        .own_tables = "'jft_documents', 'jft_cursor', 'sqlite_sequence'",
        .schema = kSchema,
        .known_version = kSchemaVersion,
        .migrate = {}};
    if (auto o = internal::open_sqlite_file(impl->options.state_path, &impl->db, spec); !o)
        return o.error();
    return JftReader(std::move(impl));
}

Result<JftSyncStats> JftReader::sync(const JftImport& import) {
    if (!impl_) return reader_error(errc::reader_storage, "the JftReader was moved from");
    if (!import)
        return detail::make_error(errc::build_invalid_value, "JftReader::sync needs a callback");
    JftSyncStats stats;
    for (const auto& type : impl_->options.resource_types)
        if (auto r = impl_->sync_type(type, import, stats); !r) return r.error();
    return stats;
}

Result<std::vector<JftReaderEntry>> JftReader::entries() const {
    if (!impl_) return reader_error(errc::reader_storage, "the JftReader was moved from");
    internal::Stmt st(impl_->db, "SELECT resource_type, id, state FROM jft_documents ORDER BY seq");
    if (!st.ok()) return impl_->storage("prepare");
    std::vector<JftReaderEntry> out;
    int rc;
    while ((rc = sqlite3_step(*st)) == SQLITE_ROW) {
        const int s = sqlite3_column_int(*st, 2);
        out.push_back({st.text(0), st.text(1),
                       s == 0   ? JftReaderEntry::State::importing
                       : s == 1 ? JftReaderEntry::State::imported
                                : JftReaderEntry::State::acknowledged});
    }
    if (rc != SQLITE_DONE) return impl_->storage("read");
    return out;
}

}  // namespace vft::client
