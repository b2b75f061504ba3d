// The SDK's names for the shared JSON helpers (vft/internal/json.hpp); never in public headers.
#pragma once

#include "vft/internal/json.hpp"

namespace vft::detail {

using internal::json_escape;
using internal::JValue;
using internal::line_col;
using internal::member;
using internal::str;
using internal::str_member;

}  // namespace vft::detail
