#include "vft/core/time.hpp"

#include <cstdio>

#include "vft/core/error_codes.hpp"

namespace vft {

std::string format_fhir_time(Time t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd(day);
    const std::chrono::hh_mm_ss hms(t - day);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

Result<Time> parse_fhir_time(std::string_view s) {
    auto bad = [&] {
        return Error{std::string(errc::read_invalid_value),
                     "not a FHIR dateTime with a time zone: '" + std::string(s) + "'",
                     {},
                     "use YYYY-MM-DDThh:mm:ss+01:00 or ...Z",
                     0,
                     false};
    };
    auto num = [&](size_t pos, size_t n, int& out) {
        if (pos + n > s.size()) return false;
        out = 0;
        for (size_t i = pos; i < pos + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            out = out * 10 + (s[i] - '0');
        }
        return true;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (!num(0, 4, y) || s.size() < 10 || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' ||
        !num(8, 2, d))
        return bad();
    const std::chrono::year_month_day ymd{std::chrono::year(y),
                                          std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return bad();
    Time t = std::chrono::sys_days(ymd);
    if (s.size() == 10) return t;
    if (s[10] != 'T' || !num(11, 2, h) || s[13] != ':' || !num(14, 2, mi) || s[16] != ':' ||
        !num(17, 2, se))
        return bad();
    if (h > 23 || mi > 59 || se > 60) return bad();
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
    }
    t += std::chrono::hours(h) + std::chrono::minutes(mi) + std::chrono::seconds(se);
    if (i < s.size() && s[i] == 'Z' && i + 1 == s.size()) return t;
    int oh = 0, om = 0;
    if (i + 6 != s.size() || (s[i] != '+' && s[i] != '-') || !num(i + 1, 2, oh) ||
        s[i + 3] != ':' || !num(i + 4, 2, om))
        return bad();
    const auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return s[i] == '+' ? t - offset : t + offset;
}

}  // namespace vft
