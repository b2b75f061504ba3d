// A local registry of certification records (SQLite file), for `vft registry add|list|check`:
// a municipality adds the records it has verified and asks, offline, "is product P version V
// certified for module M under suite S on date D". Only records whose signature verified with
// the key given to add() are stored.
// Thread-safety: one Registry per thread (it owns one SQLite connection); several processes may
// use the same file (SQLite locking, busy timeout 5 s).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/certification.hpp"

namespace vft::reports {

struct RegistryOptions {
    std::filesystem::path file;  // created (with its folder) when missing
    // false: SQLite does not wait for the disk at each write (PRAGMA synchronous=OFF) — for bulk
    // imports and benchmarks; a crash may then lose the latest writes.
    bool durable = true;
};

struct RegistryEntry {
    int64_t id = 0;
    Certification record;
    std::string added;           // RFC 3339 UTC
    std::string revoked;         // RFC 3339 UTC when revoked (`revoke`), empty otherwise
    std::string revoked_reason;  // the program's reason, as given to `revoke`
    bool has_report = false;     // the full report (report.json + .sig) is stored with it
};

// A suite version the program has withdrawn: every record under it expires at `withdrawn`.
struct WithdrawnSuite {
    std::string suite;
    std::string suite_version;
    std::string withdrawn;  // RFC 3339 UTC
    std::string reason;
};

// The full report of a record, as stored by `add_report`.
struct StoredReport {
    std::string report_json;  // the exact signed bytes
    std::string report_sig;   // report.json.sig
    std::string report_html;  // report.html as written by the run; empty = not stored
};

struct CheckQuery {
    std::string product;
    std::string version;  // product version
    std::string module;
    std::string suite;
    std::string at;  // RFC 3339 date or date-time; empty = now
};

struct CheckAnswer {
    bool certified = false;
    std::string reason;     // one line: why (or why not)
    int64_t record_id = 0;  // the record that answered yes, or the closest one that did not
};

class Registry {
  public:
    // Errors: VFT-REPORT-1315.
    [[nodiscard]] static Result<Registry> open(const RegistryOptions& options);
    Registry(Registry&&) noexcept;
    Registry& operator=(Registry&&) noexcept;
    ~Registry();

    // Verifies `sig_text` over `record_json` with `issuer` and stores the record. Adding the same
    // record twice is a no-op that returns the first id. Errors: VFT-REPORT-1311/1312 (signature),
    // VFT-REPORT-1301/1310/1314 (record), VFT-REPORT-1315 (storage).
    [[nodiscard]] Result<int64_t> add(std::string_view record_json, std::string_view sig_text,
                                      const auth::Key& issuer);
    // Stores the full report of record `id`: report.json's signature must verify with the key
    // that signed the record and its SHA-256 must be the record's report_sha256. Storing it again
    // replaces the copy. Errors: VFT-REPORT-1318 (no such record), VFT-REPORT-1311/1312
    // (signature), VFT-REPORT-1312 (not the report the record names), VFT-REPORT-1315.
    [[nodiscard]] Result<void> add_report(int64_t id, std::string_view report_json,
                                          std::string_view report_sig,
                                          std::string_view report_html);
    // The stored report of record `id`; a StoredReport with empty report_json when none.
    // Errors: VFT-REPORT-1315.
    [[nodiscard]] Result<StoredReport> report(int64_t id) const;
    // The public keys (PEM) that verified the stored records, each once, in order of first use.
    [[nodiscard]] Result<std::vector<std::string>> issuer_keys() const;
    // The stored record's exact bytes and .sig. Errors: VFT-REPORT-1318, VFT-REPORT-1315.
    [[nodiscard]] Result<std::pair<std::string, std::string>> record_files(int64_t id) const;
    // Revokes record `id` with a reason (at: RFC 3339, empty = now). A record is revoked once;
    // `vft registry check` then answers no and the published site shows the reason.
    // Errors: VFT-REPORT-1318 (no such record, already revoked, empty reason), VFT-REPORT-1315.
    [[nodiscard]] Result<void> revoke(int64_t id, std::string_view reason,
                                      std::string_view at = {});
    // Withdraws suite version `suite_version` of `suite`: every record under it expires at `at`
    // (empty = now). Errors: VFT-REPORT-1318 (already withdrawn, empty reason), VFT-REPORT-1315.
    [[nodiscard]] Result<void> withdraw_suite(std::string_view suite,
                                              std::string_view suite_version,
                                              std::string_view reason, std::string_view at = {});
    [[nodiscard]] Result<std::vector<WithdrawnSuite>> withdrawn_suites() const;
    // Every record, oldest first. Errors: VFT-REPORT-1315.
    [[nodiscard]] Result<std::vector<RegistryEntry>> list() const;
    // Yes only for a record of that product, version and suite with verdict pass, the module in
    // modules_passed, issued <= at < expires, not revoked, and its suite version not withdrawn
    // at `at`. Errors: VFT-REPORT-1315, VFT-REPORT-1314 (bad
    // --at date).
    [[nodiscard]] Result<CheckAnswer> check(const CheckQuery& query) const;

  private:
    struct State;
    explicit Registry(std::unique_ptr<State> impl);
    std::unique_ptr<State> impl_;
};

// A record's standing on a date, as the published site and `vft registry list` show it:
// revoked (with the reason) > expired (past `expires`, or its suite version withdrawn) >
// superseded (the registry holds a valid pass record of the same vendor, product, product
// version, suite and role under a newer suite version) > valid. Records whose verdict is not
// pass are `not_certified`.
enum class RecordStatus { valid, superseded, revoked, expired, not_certified };
[[nodiscard]] std::string_view to_string(RecordStatus s) noexcept;
struct RecordState {
    RecordStatus status = RecordStatus::valid;
    std::string reason;  // why (revocation reason, "expired 2028-…", "suite … withdrawn …")
    int64_t superseded_by = 0;  // the newer record, for superseded
};
// One state per entry (same order). `at`: RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ".
[[nodiscard]] std::vector<RecordState> record_states(const std::vector<RegistryEntry>& entries,
                                                     const std::vector<WithdrawnSuite>& withdrawn,
                                                     std::string_view at);
// Compares suite versions: numeric dot-separated parts numerically ("1.10" > "1.9"), others as
// text. <0, 0, >0.
[[nodiscard]] int compare_versions(std::string_view a, std::string_view b) noexcept;

// ~/.local/share/vft/registry.sqlite ($XDG_DATA_HOME honoured).
[[nodiscard]] std::filesystem::path default_registry_file();

}  // namespace vft::reports
