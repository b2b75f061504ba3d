// Verifying a report from the file alone, offline (`vft report verify`): the signature over the
// exact bytes, then the report's own evidence — each exchange's body hashes, the summary against
// the tests, the verdict against compute_verdict — so a change is named precisely (which test,
// which exchange), not only reported as a bad signature.
// Thread-safety: free functions over immutable values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/reports/report.hpp"

namespace vft::reports {

// One reason a report is not authentic or not intact.
struct Finding {
    std::string code;     // VFT-REPORT-13xx
    std::string where;    // "signature", "tests[3] (vkp_r4.x.y) exchanges[1].response_body", ...
    std::string message;  // one sentence
};

struct VerifyResult {
    bool signature_checked = false;  // a .sig and a trusted key were given
    bool signature_valid = false;    // the trusted key signed exactly these bytes
    std::string signer_kid;          // the key id the .sig names ("" without a .sig)
    bool intact = false;             // the report parses, meets its schema, hashes agree
    std::vector<Finding> findings;   // empty when authentic and intact
    // True only when a trusted key verified the signature and the report is intact.
    [[nodiscard]] bool ok() const noexcept { return signature_valid && intact && findings.empty(); }
};

// The internal evidence of a parsed report: exchange body hashes, summary, verdict,
// modules_passed ⊆ modules of passed tests. Empty when consistent.
[[nodiscard]] std::vector<Finding> check_consistency(const Report& report);

// Verifies report.json bytes. `sig_text` empty = no .sig; `trusted_key` empty = no key given
// (the signature is then checked only against the key the .sig names, and ok() stays false:
// authenticity needs a key the caller trusts).
[[nodiscard]] VerifyResult verify_report(std::string_view json_bytes, std::string_view sig_text,
                                         const std::optional<auth::Key>& trusted_key);

}  // namespace vft::reports
