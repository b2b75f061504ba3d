// FHIRPath Date, DateTime and Time with partial precision and the comparison rules for
// differing precision (FHIRPath 2.0 §5.1 "Comparison": an unknown comparison is empty).
#include <cstdio>

#include "calendar.hpp"
#include "fhirpath/value.hpp"

namespace vft::fhirpath::detail {

namespace {

bool digits(std::string_view t, size_t pos, size_t n, int& out) {
    if (pos + n > t.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        char c = t[pos + i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

// Parses hh(:mm(:ss(.fff)?)?)? at pos; returns the new position or npos.
size_t parse_time_part(std::string_view t, size_t p, Temporal& r) {
    if (!digits(t, p, 2, r.hour) || r.hour > 23) return std::string_view::npos;
    p += 2;
    r.prec = Prec::hour;
    if (p < t.size() && t[p] == ':') {
        if (!digits(t, p + 1, 2, r.minute) || r.minute > 59) return std::string_view::npos;
        p += 3;
        r.prec = Prec::minute;
        if (p < t.size() && t[p] == ':') {
            if (!digits(t, p + 1, 2, r.second) || r.second > 59) return std::string_view::npos;
            p += 3;
            r.prec = Prec::second;
            if (p < t.size() && t[p] == '.') {
                size_t q = p + 1;
                int ms = 0, n = 0;
                while (q < t.size() && t[q] >= '0' && t[q] <= '9') {
                    if (n < 3) ms = ms * 10 + (t[q] - '0');
                    ++n;
                    ++q;
                }
                if (n == 0) return std::string_view::npos;
                for (int k = n; k < 3; ++k)
                    ms *= 10;
                r.millis = ms;
                r.prec = Prec::millis;
                p = q;
            }
        }
    }
    return p;
}

// Shifts a dateTime with a timezone to UTC (only when it carries a time of day).
Temporal to_utc(const Temporal& t) {
    if (!t.has_tz || t.kind != Temporal::Kind::datetime || t.prec < Prec::hour) return t;
    Temporal r = t;
    int64_t minutes =
        days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day)) *
            1440 +
        t.hour * 60 + t.minute - t.tz_minutes;
    int64_t days = minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440;
    int64_t rest = minutes - days * 1440;
    civil_from_days(days, r.year, r.month, r.day);
    r.hour = static_cast<int>(rest / 60);
    r.minute = static_cast<int>(rest % 60);
    r.tz_minutes = 0;
    return r;
}

}  // namespace

std::optional<Temporal> Temporal::parse(std::string_view t, Kind kind) {
    Temporal r;
    r.kind = kind;
    size_t p = 0;
    if (kind == Kind::time) {
        p = parse_time_part(t, 0, r);
        if (p != t.size()) return std::nullopt;
        return r;
    }
    if (!digits(t, 0, 4, r.year)) return std::nullopt;
    p = 4;
    r.prec = Prec::year;
    if (p < t.size() && t[p] == '-') {
        if (!digits(t, p + 1, 2, r.month) || r.month < 1 || r.month > 12) return std::nullopt;
        p += 3;
        r.prec = Prec::month;
        if (p < t.size() && t[p] == '-') {
            if (!digits(t, p + 1, 2, r.day) || r.day < 1 || r.day > days_in_month(r.year, r.month))
                return std::nullopt;
            p += 3;
            r.prec = Prec::day;
        }
    }
    if (kind == Kind::date) {
        if (p != t.size()) return std::nullopt;
        return r;
    }
    if (p < t.size() && t[p] == 'T') {
        ++p;
        if (p < t.size() && t[p] >= '0' && t[p] <= '9') {
            if (r.prec != Prec::day) return std::nullopt;
            p = parse_time_part(t, p, r);
            if (p == std::string_view::npos) return std::nullopt;
        }
    }
    if (p < t.size()) {
        if (t[p] == 'Z') {
            r.has_tz = true;
            ++p;
        } else if (t[p] == '+' || t[p] == '-') {
            int hh = 0, mm = 0;
            if (!digits(t, p + 1, 2, hh) || p + 3 >= t.size() || t[p + 3] != ':' ||
                !digits(t, p + 4, 2, mm) || hh > 14 || mm > 59)
                return std::nullopt;
            r.has_tz = true;
            r.tz_minutes = (hh * 60 + mm) * (t[p] == '-' ? -1 : 1);
            p += 6;
        }
    }
    if (p != t.size()) return std::nullopt;
    return r;
}

std::string Temporal::str() const {
    char buf[64];
    std::string out;
    if (kind != Kind::time) {
        std::snprintf(buf, sizeof buf, "%04d", year);
        out = buf;
        if (prec >= Prec::month) {
            std::snprintf(buf, sizeof buf, "-%02d", month);
            out += buf;
        }
        if (prec >= Prec::day) {
            std::snprintf(buf, sizeof buf, "-%02d", day);
            out += buf;
        }
        if (kind == Kind::date || prec <= Prec::day) return out;
        out += 'T';
    }
    std::snprintf(buf, sizeof buf, "%02d", hour);
    out += buf;
    if (prec >= Prec::minute) {
        std::snprintf(buf, sizeof buf, ":%02d", minute);
        out += buf;
    }
    if (prec >= Prec::second) {
        std::snprintf(buf, sizeof buf, ":%02d", second);
        out += buf;
    }
    if (prec >= Prec::millis) {
        std::snprintf(buf, sizeof buf, ".%03d", millis);
        out += buf;
    }
    if (kind == Kind::datetime && has_tz) {
        if (tz_minutes == 0) {
            out += 'Z';
        } else {
            int a = tz_minutes < 0 ? -tz_minutes : tz_minutes;
            std::snprintf(buf, sizeof buf, "%c%02d:%02d", tz_minutes < 0 ? '-' : '+', a / 60,
                          a % 60);
            out += buf;
        }
    }
    return out;
}

bool Temporal::valid_calendar() const {
    if (prec >= Prec::day) return day >= 1 && day <= days_in_month(year, month);
    return true;
}

std::optional<int> compare(const Temporal& x, const Temporal& y) {
    Temporal a = x, b = y;
    // One with a timezone, one without, both with a time of day: the offset is unknown.
    if (a.has_tz != b.has_tz && a.prec >= Prec::hour && b.prec >= Prec::hour &&
        a.kind == Temporal::Kind::datetime && b.kind == Temporal::Kind::datetime)
        return std::nullopt;
    if (a.has_tz && b.has_tz) {
        a = to_utc(a);
        b = to_utc(b);
    }
    auto cmp = [](int u, int v) { return u < v ? -1 : u > v ? 1 : 0; };
    // Seconds and milliseconds are one precision for comparison.
    auto eff = [](Prec p) { return p == Prec::millis ? Prec::second : p; };
    Prec pa = eff(a.prec), pb = eff(b.prec);
    const bool time = a.kind == Temporal::Kind::time;
    int fields_a[] = {a.year, a.month, a.day, a.hour, a.minute, a.second * 1000 + a.millis};
    int fields_b[] = {b.year, b.month, b.day, b.hour, b.minute, b.second * 1000 + b.millis};
    int start = time ? 3 : 0;
    for (int f = start; f < 6; ++f) {
        Prec need = static_cast<Prec>(f + 1);
        bool ha = pa >= need, hb = pb >= need;
        if (!ha && !hb) return 0;
        if (ha != hb) return std::nullopt;
        int c = cmp(fields_a[f], fields_b[f]);
        if (c != 0) return c;
    }
    return 0;
}

}  // namespace vft::fhirpath::detail
