// Named defects: deliberate spec violations a mock can be started with (`--defect NAME`), so the
// conformance suite can prove it catches each one (DESIGN.md, "mocks"). Every defect names the
// suite group that must catch it; conformance/defects.json says which test IDs must fail, and
// with which symptom in their failure message.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::mocks {

struct DefectInfo {
    std::string_view name;         // permanent, kebab-case
    std::string_view group;        // suite group that catches it: auth, journaling, validation,
                                   // duplicates, search, robustness, jft, pmd, kith
    std::string_view description;  // one line: what the defective mock does wrong
};

// Every defect the mocks know, sorted by name.
[[nodiscard]] const std::vector<DefectInfo>& all_defects();

// A set of enabled defects. Thread-safe to read after construction.
class Defects {
  public:
    Defects() = default;
    // Errors: VFT-MOCK-1205 for an unknown name (the message lists the known ones).
    [[nodiscard]] static Result<Defects> parse(const std::vector<std::string>& names);
    [[nodiscard]] bool has(std::string_view name) const { return on_.count(std::string(name)) > 0; }
    [[nodiscard]] bool empty() const { return on_.empty(); }
    [[nodiscard]] const std::set<std::string>& names() const { return on_; }

  private:
    std::set<std::string> on_;
};

}  // namespace vft::mocks
