// The human-readable report: ONE self-contained HTML file (inline CSS, no script, no network,
// no external asset) with the verdict and product on top, a result per module, failures first
// with their exchanges, requirement coverage per rule family, and every test (its id as the
// element id and data-test-id). Written for a procurement officer, useful to a developer.
// Thread-safety: a pure function of its arguments.
#pragma once

#include <cstddef>
#include <string>

#include "vft/reports/report.hpp"

namespace vft::reports {

struct HtmlOptions {
    // One line under the verdict on how to check the report's signature (write_report_files
    // fills it in); empty → "not signed".
    std::string signature_note;
    size_t max_body_bytes = 16 * 1024;  // a body longer than this is cut, its full size stated
};

// Everything from the report is HTML-escaped; hashed fødselsnummer ("FNR#" + hex) show as
// "fnr ••••••" + the first 4 hex digits, and any raw 11-digit number is masked.
[[nodiscard]] std::string render_html(const Report& report, const HtmlOptions& options = {});

}  // namespace vft::reports
