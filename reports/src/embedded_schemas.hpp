// The JSON Schemas of reports/schema compiled into vft::reports (generated table).
#pragma once

#include "vft/internal/embedded.hpp"  // vft::detail::EmbeddedFile

namespace vft::detail {
const EmbeddedFile* embedded_report_schemas();
}  // namespace vft::detail
