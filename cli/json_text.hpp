// JSON string escaping for the CLI's --format json output: the one vft_internal escaper
// (RapidJSON's Writer).
#pragma once

#include <string>
#include <string_view>

#include "vft/internal/json.hpp"

namespace vft::cli {

inline std::string esc(std::string_view s) {
    return internal::json_escape(s);
}

}  // namespace vft::cli
