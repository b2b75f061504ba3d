// The synthetic municipality data (fixtures/epj) compiled into the mocks.
#pragma once

#include "vft/internal/embedded.hpp"  // vft::detail::EmbeddedFile

namespace vft::detail {
const EmbeddedFile* embedded_epj_files();
}  // namespace vft::detail
