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
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/certification.hpp"

namespace vft::reports {

struct RegistryOptions {
    std::filesystem::path file;  // created (with its folder) when missing
};

struct RegistryEntry {
    int64_t id = 0;
    Certification record;
    std::string added;  // RFC 3339 UTC
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
    // Every record, oldest first. Errors: VFT-REPORT-1315.
    [[nodiscard]] Result<std::vector<RegistryEntry>> list() const;
    // Yes only for a record of that product, version and suite with verdict pass, the module in
    // modules_passed, and issued <= at < expires. Errors: VFT-REPORT-1315, VFT-REPORT-1314 (bad
    // --at date).
    [[nodiscard]] Result<CheckAnswer> check(const CheckQuery& query) const;

  private:
    struct Impl;
    explicit Registry(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// ~/.local/share/vft/registry.sqlite ($XDG_DATA_HOME honoured).
[[nodiscard]] std::filesystem::path default_registry_file();

}  // namespace vft::reports
