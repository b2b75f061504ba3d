// JUnit XML rendering of a report, for CI systems: one <testcase> per test (classname = group,
// name = test id); fail → <failure>, error → <error>, skip and omit → <skipped>.
// Thread-safety: a pure function of its argument.
#pragma once

#include <string>

#include "vft/reports/report.hpp"

namespace vft::reports {

// Well-formed XML 1.0 (UTF-8) whatever the report holds: markup characters are escaped, control
// characters XML cannot carry and invalid UTF-8 are replaced by U+FFFD, and raw 11-digit person
// numbers are masked.
[[nodiscard]] std::string render_junit(const Report& report);

}  // namespace vft::reports
