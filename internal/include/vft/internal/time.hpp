// UTC time as RFC 3339 text.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vft::internal {

// "2026-11-28T10:11:12Z" (second precision, truncated).
[[nodiscard]] std::string utc_seconds(std::chrono::system_clock::time_point t);
[[nodiscard]] std::string utc_now();

// "2026-11-28T10:11:12.345Z" (millisecond precision).
[[nodiscard]] std::string utc_millis(std::chrono::system_clock::time_point t);

// Milliseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.mmm]Z"; nullopt when not that shape.
[[nodiscard]] std::optional<int64_t> parse_utc_millis(std::string_view s);

}  // namespace vft::internal
