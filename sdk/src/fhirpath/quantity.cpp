// FHIRPath quantities: calendar durations and the UCUM units vft converts (docs/fhirpath.md
// lists them). Other units compare only with the same unit.
#include <array>

#include "fhirpath/value.hpp"

namespace vft::fhirpath::detail {

namespace {

struct UnitDef {
    std::string_view code;
    std::string_view dimension;
    std::string_view factor;  // to the dimension's base unit
};

// Base units: g (mass), m (length), s (time), L (volume), mol/L (substance concentration),
// g/L (mass concentration), 1 (dimensionless), Cel/K are not converted (offset scales).
constexpr std::array<UnitDef, 40> kUnits{{
    {"kg", "mass", "1000"},
    {"g", "mass", "1"},
    {"mg", "mass", "0.001"},
    {"ug", "mass", "0.000001"},
    {"ng", "mass", "0.000000001"},
    {"[lb_av]", "mass", "453.59237"},
    {"[oz_av]", "mass", "28.349523125"},
    {"km", "length", "1000"},
    {"m", "length", "1"},
    {"dm", "length", "0.1"},
    {"cm", "length", "0.01"},
    {"mm", "length", "0.001"},
    {"um", "length", "0.000001"},
    {"[in_i]", "length", "0.0254"},
    {"[ft_i]", "length", "0.3048"},
    {"a", "year", "1"},  // UCUM year (365.25 d) is not the calendar year; kept apart
    {"mo", "month", "1"},
    {"wk", "time", "604800"},
    {"d", "time", "86400"},
    {"h", "time", "3600"},
    {"min", "time", "60"},
    {"s", "time", "1"},
    {"ms", "time", "0.001"},
    {"us", "time", "0.000001"},
    {"L", "volume", "1"},
    {"l", "volume", "1"},
    {"dL", "volume", "0.1"},
    {"cL", "volume", "0.01"},
    {"mL", "volume", "0.001"},
    {"ml", "volume", "0.001"},
    {"uL", "volume", "0.000001"},
    {"mol/L", "substance-concentration", "1"},
    {"mmol/L", "substance-concentration", "0.001"},
    {"mmol/l", "substance-concentration", "0.001"},
    {"umol/L", "substance-concentration", "0.000001"},
    {"g/L", "mass-concentration", "1"},
    {"g/dL", "mass-concentration", "10"},
    {"mg/dL", "mass-concentration", "0.01"},
    {"1", "one", "1"},
    {"%", "one", "0.01"},
}};

// Calendar durations (FHIRPath §5.6): week and below are definite and equal their UCUM unit;
// year and month are not comparable with UCUM 'a' and 'mo'.
struct CalendarDef {
    std::string_view word;
    std::string_view ucum;
};
constexpr std::array<CalendarDef, 16> kCalendar{{
    {"year", "calendar-year"},
    {"years", "calendar-year"},
    {"month", "calendar-month"},
    {"months", "calendar-month"},
    {"week", "wk"},
    {"weeks", "wk"},
    {"day", "d"},
    {"days", "d"},
    {"hour", "h"},
    {"hours", "h"},
    {"minute", "min"},
    {"minutes", "min"},
    {"second", "s"},
    {"seconds", "s"},
    {"millisecond", "ms"},
    {"milliseconds", "ms"},
}};

std::string_view canonical(std::string_view unit) {
    for (const auto& c : kCalendar)
        if (c.word == unit) return c.ucum;
    return unit;
}

const UnitDef* find(std::string_view code) {
    for (const auto& u : kUnits)
        if (u.code == code) return &u;
    return nullptr;
}

// The value in the dimension's base unit.
std::optional<Decimal> to_base(const Quantity& q, const UnitDef& u) {
    auto f = Decimal::parse(u.factor);
    if (!f) return std::nullopt;
    return mul(q.value, *f);
}

}  // namespace

bool is_calendar_unit(std::string_view unit) {
    for (const auto& c : kCalendar)
        if (c.word == unit) return true;
    return false;
}

std::string calendar_singular(std::string_view unit) {
    std::string s(unit);
    if (is_calendar_unit(s) && s.back() == 's') s.pop_back();
    return s;
}

std::optional<int> compare(const Quantity& a, const Quantity& b, bool equivalence) {
    std::string_view ua = canonical(a.unit), ub = canonical(b.unit);
    if (ua == ub) return a.value.compare(b.value);
    // Calendar year/month equal only themselves; equivalence (~) lets them meet UCUM a/mo.
    if (equivalence) {
        if ((ua == "calendar-year" && ub == "a") || (ua == "a" && ub == "calendar-year") ||
            (ua == "calendar-month" && ub == "mo") || (ua == "mo" && ub == "calendar-month"))
            return a.value.compare(b.value);
    }
    const UnitDef* da = find(ua);
    const UnitDef* db = find(ub);
    if (!da || !db || da->dimension != db->dimension) return std::nullopt;
    auto va = to_base(a, *da), vb = to_base(b, *db);
    if (!va || !vb) return std::nullopt;
    return va->compare(*vb);
}

std::optional<Quantity> convert(const Quantity& q, std::string_view unit) {
    std::string_view from = canonical(q.unit), to = canonical(unit);
    if (from == to) return Quantity{q.value, std::string(unit)};
    const UnitDef* df = find(from);
    const UnitDef* dt = find(to);
    if (!df || !dt || df->dimension != dt->dimension) return std::nullopt;
    auto base = to_base(q, *df);
    auto f = Decimal::parse(dt->factor);
    if (!base || !f) return std::nullopt;
    auto v = div(*base, *f);
    if (!v) return std::nullopt;
    return Quantity{*v, std::string(unit)};
}

}  // namespace vft::fhirpath::detail
