// Helpers shared by the vft::reports sources (errors, UTC time, strict JSON parsing): the shared
// ones from vft_internal under the names the reports sources use.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <string_view>

#include "vft/core/error.hpp"
#include "vft/internal/error.hpp"
#include "vft/internal/json.hpp"
#include "vft/internal/time.hpp"

namespace vft::reports::detail {

inline Error report_error(std::string_view code, std::string message, std::string location = {},
                          std::string hint = {}) {
    return internal::make_error(code, std::move(message), std::move(location), std::move(hint));
}

// "2026-11-28T10:11:12Z" for a time point (seconds).
inline std::string format_utc(std::chrono::system_clock::time_point t) {
    return internal::utc_seconds(t);
}
inline std::string now_utc() {
    return internal::utc_now();
}

// Parses JSON strictly (iterative, UTF-8 checked); false with `offset` set when it does not.
inline bool parse_json(std::string_view text, rapidjson::Document& doc, size_t& offset) {
    return internal::parse_strict(text, doc, offset);
}

}  // namespace vft::reports::detail
