// Named defects: deliberate spec violations a mock can be started with (`--defect NAME`), so the
// conformance suite can prove it catches each one (DESIGN.md, "mocks"). Every defect names the
// suite group that must catch it; conformance/defects.json says which test IDs must fail, and
// with which symptom in their failure message.
//
// The table (mocks/src/defects.cpp) is the one source: the mocks switch on `Defect` values, `vft
// mock defects` lists it, and the defect table of docs/mocks-defects.md is generated from it
// (`vft mock defects --markdown`; CTest docs.defects fails when the page differs).
#pragma once

#include <bitset>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::mocks {

// One value per named defect, in the order of their names. The names (kebab-case) are the CLI
// contract and permanent; the enumerators may be added to, never renumbered in a stored form.
enum class Defect : std::uint8_t {
    accepts_expired_token,
    accepts_invalid_bundles,
    accepts_wrong_content_type,
    apprec_wrong_original_msgid,
    apprec_wrong_status,
    careplan_ignores_date_range,
    dpop_replay_accepted,
    ignores_auth,
    ignores_orgnr_authorization,
    ignores_scope,
    invalid_fnr_accepted,
    jft_200_instead_of_202,
    jft_status_stuck,
    journals_concurrent_duplicates,
    journals_duplicates,
    lost_write_under_load,
    mangles_norwegian_characters,
    missing_service_code_allowed,
    no_body_limit,
    no_dpop_check,
    no_operation_outcome,
    pmd_all_or_nothing,
    search_ignores_identifier,
    server_error_on_invalid,
};
inline constexpr size_t kDefectCount = 24;

struct DefectInfo {
    std::string_view name;         // permanent, kebab-case
    std::string_view group;        // suite group that catches it: auth, journaling, validation,
                                   // duplicates, search, robustness, jft, pmd, kith
    std::string_view description;  // one line: what the defective mock does wrong
    Defect id = Defect::accepts_expired_token;
    std::string_view details;     // for the docs: what the mock does wrong, in full (Markdown)
    std::string_view observable;  // for the docs: how a suite sees it (Markdown)
    std::string_view hook;        // for the docs: where its branch is, beside the rule it breaks
};

// Every defect the mocks know, sorted by name (= enum order).
[[nodiscard]] const std::vector<DefectInfo>& all_defects();
[[nodiscard]] const DefectInfo& defect_info(Defect d);

// A set of enabled defects. Thread-safe to read after construction.
class Defects {
  public:
    Defects() = default;
    // Errors: VFT-MOCK-1205 for an unknown name (the message lists the known ones).
    [[nodiscard]] static Result<Defects> parse(const std::vector<std::string>& names);
    [[nodiscard]] bool has(Defect d) const { return on_[static_cast<size_t>(d)]; }
    [[nodiscard]] bool has(std::string_view name) const { return names_.count(std::string(name)); }
    [[nodiscard]] bool empty() const { return on_.none(); }
    [[nodiscard]] const std::set<std::string>& names() const { return names_; }

  private:
    std::bitset<kDefectCount> on_;
    std::set<std::string> names_;
};

}  // namespace vft::mocks
