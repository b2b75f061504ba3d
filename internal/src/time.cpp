#include "vft/internal/time.hpp"

#include <cstdio>
#include <ctime>

#include "vft/core/time.hpp"

namespace vft::internal {

std::string utc_seconds(std::chrono::system_clock::time_point t) {
    return format_fhir_time(std::chrono::floor<std::chrono::seconds>(t));
}

std::string utc_now() {
    return utc_seconds(std::chrono::system_clock::now());
}

std::string utc_millis(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    const int frac = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    return buf;
}

std::optional<int64_t> parse_utc_millis(std::string_view s) {
    int y, mo, d, h, mi, sec, ms = 0;
    const std::string text(s);
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &y, &mo, &d, &h, &mi, &sec, &ms) <
        6)
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace vft::internal
