// JSON Schema checks of the files vft writes and reads (reports/schema/*.schema.json, draft-07,
// compiled into the library): report.json and certification records.
// Thread-safety: free functions; the compiled schemas are built once and only read afterwards,
// so any number of threads may call these at once.
#pragma once

#include <string_view>

#include "vft/core/result.hpp"

namespace vft::reports {

// Checks report.json text against report.schema.json. Errors: VFT-REPORT-1301 (not JSON or not
// UTF-8, location "offset N"), VFT-REPORT-1310 (does not conform; location is the member path of
// the first violation, e.g. "tests[3].exchanges[0].status", the message lists every violation).
[[nodiscard]] Result<void> validate_report_json(std::string_view json);
// The same for a certification record against certification.schema.json.
[[nodiscard]] Result<void> validate_certification_json(std::string_view json);

// The same for registry.json, the published site's index (registry.schema.json).
[[nodiscard]] Result<void> validate_registry_json(std::string_view json);

// The schema texts as shipped (for `vft report schema`-style tools and documentation tests).
[[nodiscard]] std::string_view report_schema_text() noexcept;
[[nodiscard]] std::string_view certification_schema_text() noexcept;
[[nodiscard]] std::string_view registry_schema_text() noexcept;

}  // namespace vft::reports
