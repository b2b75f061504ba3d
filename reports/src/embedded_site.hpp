// The registry site's assets (reports/site: HTML templates, CSS, JS) compiled into vft::reports
// (generated table, cmake/EmbedSpecs.cmake).
#pragma once

#include "vft/internal/embedded.hpp"  // vft::detail::EmbeddedFile

namespace vft::detail {
const EmbeddedFile* embedded_site_files();
}  // namespace vft::detail
