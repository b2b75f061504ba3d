// The local registry of certification records (registry.hpp): one SQLite file, one table.
// A stored record keeps its exact bytes, its .sig and the issuer's public key, and is verified
// again whenever it answers a check (a file edited behind vft's back answers no).
#include "vft/reports/registry.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>

#include "reports_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
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
)sql";

// RAII statement.
class Stmt {
  public:
    Stmt(sqlite3* db, const char* sql) {
        ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK;
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    [[nodiscard]] bool ok() const { return ok_; }
    void bind(int i, std::string_view v) {
        sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    int step() { return sqlite3_step(s_); }
    std::string text(int i) const {
        const auto* p = sqlite3_column_text(s_, i);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<size_t>(sqlite3_column_bytes(s_, i)))
                 : std::string();
    }
    int64_t integer(int i) const { return sqlite3_column_int64(s_, i); }

  private:
    sqlite3_stmt* s_ = nullptr;
    bool ok_ = false;
};

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

struct Registry::Impl {
    sqlite3* db = nullptr;
    std::filesystem::path file;
    ~Impl() { sqlite3_close(db); }
};

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
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
    auto impl = std::make_unique<Impl>();
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
    Stmt q(impl_->db, "SELECT id, record_json, added FROM records ORDER BY id");
    if (!q.ok()) return storage(sqlite3_errmsg(impl_->db), impl_->file);
    std::vector<RegistryEntry> out;
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
        auto rec = certification_from_json(q.text(1));
        if (!rec)
            return storage("record " + std::to_string(q.integer(0)) +
                               " in the registry is damaged: " + rec.error().message,
                           impl_->file);
        out.push_back(RegistryEntry{q.integer(0), std::move(*rec), q.text(2)});
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

}  // namespace vft::reports
