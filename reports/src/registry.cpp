// The local registry of certification records (registry.hpp): one SQLite file, one table.
// A stored record keeps its exact bytes, its .sig and the issuer's public key, and is verified
// again whenever it answers a check (a file edited behind vft's back answers no).
#include "vft/reports/registry.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "reports_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
#include "vft/internal/sqlite.hpp"
#include "vft/reports/signature.hpp"

namespace vft::reports {
namespace {

Error storage(std::string message, const std::filesystem::path& file) {
    return detail::report_error(errc::report_registry, std::move(message), file.string());
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS records(
  id INTEGER PRIMARY KEY,
  record_sha256 TEXT NOT NULL UNIQUE,
  product TEXT NOT NULL,
  product_version TEXT NOT NULL,
  suite TEXT NOT NULL,
  record_json TEXT NOT NULL,
  signature TEXT NOT NULL,
  issuer_public_key TEXT NOT NULL,
  added TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_product ON records(product, product_version, suite);
CREATE TABLE IF NOT EXISTS reports(
  record_id INTEGER PRIMARY KEY REFERENCES records(id),
  report_json BLOB NOT NULL,
  report_sig TEXT NOT NULL,
  report_html BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS revocations(
  record_id INTEGER PRIMARY KEY REFERENCES records(id),
  reason TEXT NOT NULL,
  revoked TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS withdrawn_suites(
  suite TEXT NOT NULL,
  suite_version TEXT NOT NULL,
  reason TEXT NOT NULL,
  withdrawn TEXT NOT NULL,
  PRIMARY KEY(suite, suite_version));
)sql";

Error refused(std::string message, std::string location = {}) {
    return detail::report_error(errc::report_registry_refused, std::move(message),
                                std::move(location), "`vft registry list` shows the records");
}

using internal::Stmt;

// "2027-01-01" or any RFC 3339 date-time → "YYYY-MM-DDTHH:MM:SSZ" (UTC), the form records use.
std::optional<std::string> normalise_time(std::string_view at) {
    std::string text(at);
    if (text.size() == 10) text += "T00:00:00Z";
    auto t = parse_fhir_time(text);
    if (!t) return std::nullopt;
    return format_fhir_time(*t);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

}  // namespace

struct Registry::State {
    sqlite3* db = nullptr;
    std::filesystem::path file;
    ~State() { sqlite3_close(db); }
};

Registry::Registry(std::unique_ptr<State> impl) : impl_(std::move(impl)) {}
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

std::filesystem::path default_registry_file() {
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "vft" / "registry.sqlite";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".local" / "share" / "vft" /
           "registry.sqlite";
}

Result<Registry> Registry::open(const RegistryOptions& options) {
    auto impl = std::make_unique<State>();
    impl->file = options.file;
    std::error_code ec;
    if (options.file.has_parent_path())
        std::filesystem::create_directories(options.file.parent_path(), ec);
    if (ec) return storage("cannot create the registry's folder: " + ec.message(), options.file);
    if (sqlite3_open_v2(options.file.c_str(), &impl->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK)
        return storage(std::string("cannot open the registry: ") + sqlite3_errmsg(impl->db),
                       options.file);
    sqlite3_busy_timeout(impl->db, 5000);
    if (!options.durable)
        sqlite3_exec(impl->db, "PRAGMA synchronous=OFF", nullptr, nullptr, nullptr);
    char* err = nullptr;
    if (sqlite3_exec(impl->db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string m = err ? err : "unknown error";
        sqlite3_free(err);
        return storage("the file is not a vft registry (or cannot be written): " + m, options.file);
    }
    return Registry(std::move(impl));
}

Result<int64_t> Registry::add(std::string_view record_json, std::string_view sig_text,
                              const auth::Key& issuer) {
    if (auto ok = verify_signature(record_json, sig_text, issuer); !ok) return ok.error();
    auto record = certification_from_json(record_json);
    if (!record) return record.error();
    if (record->issuer_key_id != issuer.thumbprint())
        return detail::report_error(errc::report_cert_malformed,
                                    "the record names issuer key " + record->issuer_key_id +
                                        " but was signed by " + issuer.thumbprint(),
                                    "issuer_key_id");
    const std::string hash = sha256_hex(record_json);
    // OR IGNORE: the same record added again (or by two processes at once) keeps its first row.
    Stmt ins(impl_->db,
             "INSERT OR IGNORE INTO records(record_sha256, product, product_version, suite, "
             "record_json, "
             "signature, issuer_public_key, added) VALUES(?,?,?,?,?,?,?,?)");
    if (!ins.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    ins.bind(1, hash);
    ins.bind(2, record->product);
    ins.bind(3, record->product_version);
    ins.bind(4, record->suite);
    ins.bind(5, record_json);
    ins.bind(6, sig_text);
    ins.bind(7, issuer.public_pem());
    ins.bind(8, detail::now_utc());
    if (ins.step() != SQLITE_DONE)
        return storage(std::string("cannot store the record: ") + sqlite3_errmsg(impl_->db),
                       impl_->file);
    Stmt find(impl_->db, "SELECT id FROM records WHERE record_sha256 = ?");
    if (!find.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    find.bind(1, hash);
    if (find.step() != SQLITE_ROW)
        return storage(
            std::string("the stored record cannot be read back: ") + sqlite3_errmsg(impl_->db),
            impl_->file);
    return find.integer(0);
}

Result<std::vector<RegistryEntry>> Registry::list() const {
    Stmt q(impl_->db,
           "SELECT r.id, r.record_json, r.added, v.revoked, v.reason, p.record_id IS NOT NULL "
           "FROM records r LEFT JOIN revocations v ON v.record_id = r.id "
           "LEFT JOIN reports p ON p.record_id = r.id ORDER BY r.id");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    std::vector<RegistryEntry> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        auto rec = certification_from_json(q.text(1));
        if (!rec)
            return storage("record " + std::to_string(q.integer(0)) +
                               " in the registry is damaged: " + rec.error().message,
                           impl_->file);
        out.push_back(RegistryEntry{q.integer(0), std::move(*rec), q.text(2), q.text(3), q.text(4),
                                    q.integer(5) != 0});
    }
    if (rc != SQLITE_DONE) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    return out;
}

Result<CheckAnswer> Registry::check(const CheckQuery& query) const {
    const auto at = normalise_time(query.at.empty() ? detail::now_utc() : query.at);
    if (!at)
        return detail::report_error(errc::report_cert_malformed,
                                    "'" + query.at + "' is not a date (YYYY-MM-DD) or date-time",
                                    "--at");
    Stmt q(impl_->db,
           "SELECT id, record_json, signature, issuer_public_key FROM records "
           "WHERE product = ? AND product_version = ? AND suite = ? ORDER BY id DESC");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    q.bind(1, query.product);
    q.bind(2, query.version);
    q.bind(3, query.suite);
    CheckAnswer best;
    int best_rank = -1;  // how close the closest "no" came: the reason we give
    auto consider = [&](int rank, int64_t id, std::string reason) {
        if (rank > best_rank) {
            best_rank = rank;
            best.record_id = id;
            best.reason = std::move(reason);
        }
    };
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        const int64_t id = q.integer(0);
        const std::string json = q.text(1), sig = q.text(2);
        const std::string rec_name = "record #" + std::to_string(id);
        auto key = auth::Key::load_pem(q.text(3));
        if (!key || !verify_signature(json, sig, *key).ok()) {
            // Ranked above every ordinary "no": an altered registry must be noticed.
            consider(10, id, rec_name + " no longer verifies (the registry file was altered)");
            continue;
        }
        auto rec = certification_from_json(json);
        if (!rec) {
            consider(10, id, rec_name + " is damaged: " + rec.error().message);
            continue;
        }
        const std::string suite = rec->suite + " " + rec->suite_version;
        if (rec->verdict != Verdict::pass) {
            consider(1, id,
                     rec_name + " (" + suite + ") has verdict " +
                         std::string(to_string(rec->verdict)) + ", not pass");
            continue;
        }
        if (std::find(rec->modules_passed.begin(), rec->modules_passed.end(), query.module) ==
            rec->modules_passed.end()) {
            consider(2, id,
                     rec_name + " (" + suite + ") does not include module " + query.module +
                         " (modules passed: " + join(rec->modules_passed) + ")");
            continue;
        }
        if (*at < rec->issued) {
            consider(3, id,
                     rec_name + " (" + suite + ") was issued " + rec->issued + ", after " + *at);
            continue;
        }
        if (*at >= rec->expires) {
            consider(3, id, rec_name + " (" + suite + ") expired " + rec->expires);
            continue;
        }
        {
            Stmt rv(impl_->db, "SELECT revoked, reason FROM revocations WHERE record_id = ?");
            if (!rv.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
            rv.bind(1, id);
            if (rv.step() == SQLITE_ROW && rv.text(0) <= *at) {
                consider(
                    4, id,
                    rec_name + " (" + suite + ") was revoked " + rv.text(0) + ": " + rv.text(1));
                continue;
            }
            Stmt wd(impl_->db,
                    "SELECT withdrawn, reason FROM withdrawn_suites WHERE suite = ? AND "
                    "suite_version = ?");
            if (!wd.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
            wd.bind(1, rec->suite);
            wd.bind(2, rec->suite_version);
            if (wd.step() == SQLITE_ROW && wd.text(0) <= *at) {
                consider(3, id,
                         rec_name + " expired " + wd.text(0) + ": suite " + suite +
                             " was withdrawn (" + wd.text(1) + ")");
                continue;
            }
        }
        CheckAnswer yes;
        yes.certified = true;
        yes.record_id = id;
        yes.reason = "certified: " + query.product + " " + query.version + " passed module " +
                     query.module + " under suite " + suite + " (" + rec_name + ", issued " +
                     rec->issued + ", valid until " + rec->expires + ", signed by key " +
                     rec->issuer_key_id + ")";
        return yes;
    }
    if (rc != SQLITE_DONE) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    if (best_rank < 0) {
        best.reason = "no record for " + query.product + " version " + query.version +
                      " under suite " + query.suite;
        Stmt others(impl_->db,
                    "SELECT DISTINCT product_version FROM records WHERE product = ? AND suite = ? "
                    "ORDER BY product_version");
        if (others.ok()) {
            others.bind(1, query.product);
            others.bind(2, query.suite);
            std::vector<std::string> versions;
            while (others.step() == SQLITE_ROW)
                versions.push_back(others.text(0));
            if (!versions.empty())
                best.reason += " (records exist for version " + join(versions) + ")";
        }
    }
    best.reason = "not certified: " + best.reason;
    return best;
}

Result<void> Registry::add_report(int64_t id, std::string_view report_json,
                                  std::string_view report_sig, std::string_view report_html) {
    Stmt q(impl_->db, "SELECT record_json, issuer_public_key FROM records WHERE id = ?");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    q.bind(1, id);
    if (q.step() != SQLITE_ROW) return refused("no record #" + std::to_string(id), "RECORD");
    auto rec = certification_from_json(q.text(0));
    if (!rec) return rec.error();
    auto key = auth::Key::load_pem(q.text(1));
    if (!key) return key.error();
    if (auto ok = verify_signature(report_json, report_sig, *key); !ok) return ok.error();
    if (sha256_hex(report_json) != rec->report_sha256)
        return detail::report_error(errc::report_sig_invalid,
                                    "this report.json is not the report record #" +
                                        std::to_string(id) + " names (its SHA-256 is " +
                                        sha256_hex(report_json) + ", the record names " +
                                        rec->report_sha256 + ")",
                                    "report_sha256");
    Stmt ins(impl_->db,
             "INSERT OR REPLACE INTO reports(record_id, report_json, report_sig, report_html) "
             "VALUES(?,?,?,?)");
    if (!ins.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    ins.bind(1, id);
    ins.bind(2, report_json);
    ins.bind(3, report_sig);
    ins.bind(4, report_html);
    if (ins.step() != SQLITE_DONE)
        return storage(std::string("cannot store the report: ") + sqlite3_errmsg(impl_->db),
                       impl_->file);
    return {};
}

Result<StoredReport> Registry::report(int64_t id) const {
    Stmt q(impl_->db,
           "SELECT report_json, report_sig, report_html FROM reports WHERE record_id = ?");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    q.bind(1, id);
    StoredReport r;
    if (q.step() == SQLITE_ROW) {
        r.report_json = q.text(0);
        r.report_sig = q.text(1);
        r.report_html = q.text(2);
    }
    return r;
}

Result<std::vector<std::string>> Registry::issuer_keys() const {
    Stmt q(impl_->db,
           "SELECT issuer_public_key FROM records GROUP BY issuer_public_key ORDER BY "
           "MIN(id)");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    std::vector<std::string> out;
    while (q.step() == SQLITE_ROW)
        out.push_back(q.text(0));
    return out;
}

Result<std::pair<std::string, std::string>> Registry::record_files(int64_t id) const {
    Stmt q(impl_->db, "SELECT record_json, signature FROM records WHERE id = ?");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    q.bind(1, id);
    if (q.step() != SQLITE_ROW) return refused("no record #" + std::to_string(id), "RECORD");
    return std::make_pair(q.text(0), q.text(1));
}

Result<void> Registry::revoke(int64_t id, std::string_view reason, std::string_view at) {
    if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return refused("a revocation needs a reason (--reason TEXT)", "--reason");
    const auto when = normalise_time(at.empty() ? detail::now_utc() : at);
    if (!when) return refused("'" + std::string(at) + "' is not a date or date-time", "--at");
    Stmt q(impl_->db,
           "SELECT r.id, v.revoked FROM records r LEFT JOIN revocations v ON "
           "v.record_id = r.id WHERE r.id = ?");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    q.bind(1, id);
    if (q.step() != SQLITE_ROW) return refused("no record #" + std::to_string(id), "RECORD");
    if (!q.text(1).empty())
        return refused("record #" + std::to_string(id) + " was already revoked " + q.text(1),
                       "RECORD");
    Stmt ins(impl_->db, "INSERT INTO revocations(record_id, reason, revoked) VALUES(?,?,?)");
    if (!ins.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    ins.bind(1, id);
    ins.bind(2, reason);
    ins.bind(3, *when);
    if (ins.step() != SQLITE_DONE)
        return storage(std::string("cannot store the revocation: ") + sqlite3_errmsg(impl_->db),
                       impl_->file);
    return {};
}

Result<void> Registry::withdraw_suite(std::string_view suite, std::string_view suite_version,
                                      std::string_view reason, std::string_view at) {
    if (suite.empty() || suite_version.empty())
        return refused("name the suite and its version", "SUITE VERSION");
    if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return refused("a withdrawal needs a reason (--reason TEXT)", "--reason");
    const auto when = normalise_time(at.empty() ? detail::now_utc() : at);
    if (!when) return refused("'" + std::string(at) + "' is not a date or date-time", "--at");
    Stmt ins(impl_->db,
             "INSERT OR IGNORE INTO withdrawn_suites(suite, suite_version, reason, "
             "withdrawn) VALUES(?,?,?,?)");
    if (!ins.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    ins.bind(1, suite);
    ins.bind(2, suite_version);
    ins.bind(3, reason);
    ins.bind(4, *when);
    if (ins.step() != SQLITE_DONE)
        return storage(std::string("cannot store the withdrawal: ") + sqlite3_errmsg(impl_->db),
                       impl_->file);
    if (sqlite3_changes(impl_->db) == 0)
        return refused("suite " + std::string(suite) + " " + std::string(suite_version) +
                           " was already withdrawn",
                       "SUITE VERSION");
    return {};
}

Result<std::vector<WithdrawnSuite>> Registry::withdrawn_suites() const {
    Stmt q(impl_->db,
           "SELECT suite, suite_version, withdrawn, reason FROM withdrawn_suites "
           "ORDER BY suite, suite_version");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    std::vector<WithdrawnSuite> out;
    while (q.step() == SQLITE_ROW)
        out.push_back({q.text(0), q.text(1), q.text(2), q.text(3)});
    return out;
}

std::string_view to_string(RecordStatus s) noexcept {
    switch (s) {
        case RecordStatus::valid:
            return "valid";
        case RecordStatus::superseded:
            return "superseded";
        case RecordStatus::revoked:
            return "revoked";
        case RecordStatus::expired:
            return "expired";
        case RecordStatus::not_certified:
            return "not_certified";
    }
    return "valid";
}

int compare_versions(std::string_view a, std::string_view b) noexcept {
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
        const size_t ie = std::min(a.find('.', i), a.size());
        const size_t je = std::min(b.find('.', j), b.size());
        const std::string_view pa = i < a.size() ? a.substr(i, ie - i) : std::string_view();
        const std::string_view pb = j < b.size() ? b.substr(j, je - j) : std::string_view();
        auto numeric = [](std::string_view p) {
            return !p.empty() && p.size() < 10 &&
                   std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
        };
        int c = 0;
        if (numeric(pa) && numeric(pb)) {
            const long na = std::stol(std::string(pa)), nb = std::stol(std::string(pb));
            c = na < nb ? -1 : na > nb ? 1 : 0;
        } else {
            c = pa.compare(pb) < 0 ? -1 : pa.compare(pb) > 0 ? 1 : 0;
        }
        if (c != 0) return c;
        i = ie + 1;
        j = je + 1;
    }
    return 0;
}

std::vector<RecordState> record_states(const std::vector<RegistryEntry>& entries,
                                       const std::vector<WithdrawnSuite>& withdrawn,
                                       std::string_view at) {
    std::vector<RecordState> out(entries.size());
    auto withdrawal = [&](const Certification& c) -> const WithdrawnSuite* {
        for (const auto& w : withdrawn)
            if (w.suite == c.suite && w.suite_version == c.suite_version && w.withdrawn <= at)
                return &w;
        return nullptr;
    };
    // First pass: revoked / expired / not certified / valid.
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        const auto& c = e.record;
        auto& s = out[i];
        if (c.verdict != Verdict::pass) {
            s.status = RecordStatus::not_certified;
            s.reason = "verdict " + std::string(to_string(c.verdict));
        } else if (!e.revoked.empty() && e.revoked <= at) {
            s.status = RecordStatus::revoked;
            s.reason = e.revoked_reason;
        } else if (const auto* w = withdrawal(c)) {
            s.status = RecordStatus::expired;
            s.reason = "suite " + c.suite + " " + c.suite_version + " withdrawn " + w->withdrawn +
                       ": " + w->reason;
        } else if (at >= c.expires) {
            s.status = RecordStatus::expired;
            s.reason = "expired " + c.expires;
        } else if (at < c.issued) {
            s.status = RecordStatus::not_certified;
            s.reason = "issued " + c.issued;
        }
    }
    // Second pass: a valid record is superseded by a valid one under a newer suite version of
    // the same vendor, product, product version, suite and role (grouped: 10,000 records).
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& c = entries[i].record;
        if (out[i].status != RecordStatus::valid) continue;
        std::string k;
        for (const auto* f : {&c.vendor, &c.product, &c.product_version, &c.suite, &c.role})
            k += std::to_string(f->size()) + ":" + *f;
        groups[k].push_back(i);
    }
    for (const auto& [k, members] : groups) {
        if (members.size() < 2) continue;
        size_t newest = members.front();
        for (size_t m : members)
            if (compare_versions(entries[m].record.suite_version,
                                 entries[newest].record.suite_version) > 0)
                newest = m;
        const auto& d = entries[newest].record;
        for (size_t m : members) {
            if (compare_versions(entries[m].record.suite_version, d.suite_version) >= 0) continue;
            out[m].status = RecordStatus::superseded;
            out[m].superseded_by = entries[newest].id;
            out[m].reason = "superseded by record #" + std::to_string(entries[newest].id) + " (" +
                            d.suite + " " + d.suite_version + ")";
        }
    }
    return out;
}

}  // namespace vft::reports
