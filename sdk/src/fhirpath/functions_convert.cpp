// FHIRPath conversion functions (§5.5: toX / convertsToX) and the current date/time functions.
#include <cctype>
#include <chrono>
#include <ctime>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::optional<Value> to_boolean(const Value& v) {
    switch (v.kind) {
        case Kind::boolean:
            return v;
        case Kind::integer:
            if (v.i == 1 || v.i == 0) return Value::boolean(v.i == 1);
            return std::nullopt;
        case Kind::decimal:
            if (v.d.compare(Decimal::of(1)) == 0) return Value::boolean(true);
            if (v.d.compare(Decimal::of(0)) == 0) return Value::boolean(false);
            return std::nullopt;
        case Kind::string: {
            std::string s = lower(v.s);
            if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0")
                return Value::boolean(true);
            if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0")
                return Value::boolean(false);
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<Value> to_integer(const Value& v) {
    switch (v.kind) {
        case Kind::integer:
            return v;
        case Kind::boolean:
            return Value::integer(v.b ? 1 : 0);
        case Kind::string: {
            const std::string& s = v.s;
            size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
            if (i == s.size()) return std::nullopt;
            for (size_t k = i; k < s.size(); ++k)
                if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
            errno = 0;
            long long x = std::strtoll(s.c_str(), nullptr, 10);
            if (errno == ERANGE) return std::nullopt;
            return Value::integer(x);
        }
        default:
            return std::nullopt;
    }
}

std::optional<Value> to_decimal(const Value& v) {
    switch (v.kind) {
        case Kind::decimal:
            return v;
        case Kind::integer:
            return Value::decimal(Decimal::of(v.i));
        case Kind::boolean:
            return Value::decimal(Decimal::of(v.b ? 1 : 0));
        case Kind::string: {
            if (v.s.find_first_of("eE") != std::string::npos) return std::nullopt;
            auto d = Decimal::parse(v.s);
            if (!d) return std::nullopt;
            return Value::decimal(*d);
        }
        default:
            return std::nullopt;
    }
}

std::optional<Value> to_temporal(const Value& v, Temporal::Kind kind) {
    if (v.kind == Kind::string) {
        auto t = Temporal::parse(v.s, kind);
        if (!t) return std::nullopt;
        return Value::temporal(*t);
    }
    if (kind == Temporal::Kind::date && (v.kind == Kind::date || v.kind == Kind::datetime)) {
        Temporal t = v.t;
        t.kind = Temporal::Kind::date;
        if (t.prec > Prec::day) t.prec = Prec::day;
        t.has_tz = false;
        return Value::temporal(t);
    }
    if (kind == Temporal::Kind::datetime && (v.kind == Kind::date || v.kind == Kind::datetime)) {
        Temporal t = v.t;
        t.kind = Temporal::Kind::datetime;
        return Value::temporal(t);
    }
    if (kind == Temporal::Kind::time && v.kind == Kind::time) return v;
    return std::nullopt;
}

std::optional<Quantity> parse_quantity(const std::string& s) {
    size_t sp = s.find(' ');
    std::string num = s.substr(0, sp);
    auto d = Decimal::parse(num);
    if (!d || num.find_first_of("eE") != std::string::npos) return std::nullopt;
    if (sp == std::string::npos) return Quantity{*d, "1"};
    std::string unit = s.substr(sp + 1);
    while (!unit.empty() && unit[0] == ' ')
        unit.erase(0, 1);
    if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'')
        return Quantity{*d, unit.substr(1, unit.size() - 2)};
    if (is_calendar_unit(unit)) return Quantity{*d, unit};
    return std::nullopt;
}

std::optional<Value> to_quantity(const Value& v) {
    switch (v.kind) {
        case Kind::quantity:
            return v;
        case Kind::integer:
            return Value::quantity(Quantity{Decimal::of(v.i), "1"});
        case Kind::decimal:
            return Value::quantity(Quantity{v.d, "1"});
        case Kind::boolean:
            return Value::quantity(Quantity{Decimal::of(v.b ? 1 : 0), "1"});
        case Kind::string: {
            auto q = parse_quantity(v.s);
            if (!q) return std::nullopt;
            return Value::quantity(*q);
        }
        default:
            return std::nullopt;
    }
}

std::optional<Value> to_string(const Value& v) {
    if (v.kind == Kind::node) return std::nullopt;
    return Value::string(item_text(v));
}

using Converter = std::optional<Value> (*)(const Value&);

std::optional<Value> to_date(const Value& v) {
    return to_temporal(v, Temporal::Kind::date);
}
std::optional<Value> to_datetime(const Value& v) {
    return to_temporal(v, Temporal::Kind::datetime);
}
std::optional<Value> to_time(const Value& v) {
    return to_temporal(v, Temporal::Kind::time);
}

template <Converter C>
Coll fn_to(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = focus_value(ev, f, call.name.c_str());
    if (!v) return {};
    auto r = C(*v);
    if (!r) return {};
    return {*r};
}

template <Converter C>
Coll fn_converts(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = focus_value(ev, f, call.name.c_str());
    if (!v) return {};
    return {Value::boolean(C(*v).has_value())};
}

Coll fn_to_quantity(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto v = focus_value(ev, f, call.name.c_str());
    if (!v) return {};
    auto q = to_quantity(*v);
    if (!q) return {};
    if (!call.args.empty()) {
        auto unit = string_arg(ev, call, 0, f, frame);
        if (!unit) return {};
        auto c = convert(q->q, *unit);
        if (!c) return {};
        return {Value::quantity(*c)};
    }
    return {*q};
}

Coll fn_converts_to_quantity(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    Coll r = fn_to_quantity(ev, call, f, frame);
    if (f.empty()) return {};
    return {Value::boolean(!r.empty())};
}

Temporal now_local(Temporal::Kind kind) {
    auto now = std::chrono::system_clock::now();
    std::time_t tt = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    Temporal t;
    t.kind = kind;
    t.year = tm.tm_year + 1900;
    t.month = tm.tm_mon + 1;
    t.day = tm.tm_mday;
    t.hour = tm.tm_hour;
    t.minute = tm.tm_min;
    t.second = tm.tm_sec;
    t.millis = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000);
    t.prec = kind == Temporal::Kind::date ? Prec::day : Prec::millis;
    t.has_tz = kind == Temporal::Kind::datetime;
    return t;
}

Coll fn_today(Evaluator&, const Node&, const Coll&, const Frame&) {
    return {Value::temporal(now_local(Temporal::Kind::date))};
}
Coll fn_now(Evaluator&, const Node&, const Coll&, const Frame&) {
    return {Value::temporal(now_local(Temporal::Kind::datetime))};
}
Coll fn_time_of_day(Evaluator&, const Node&, const Coll&, const Frame&) {
    return {Value::temporal(now_local(Temporal::Kind::time))};
}

}  // namespace

void add_conversion_functions(FunctionTable& t) {
    t["toBoolean"] = {fn_to<to_boolean>, 0, 0};
    t["convertsToBoolean"] = {fn_converts<to_boolean>, 0, 0};
    t["toInteger"] = {fn_to<to_integer>, 0, 0};
    t["convertsToInteger"] = {fn_converts<to_integer>, 0, 0};
    t["toDecimal"] = {fn_to<to_decimal>, 0, 0};
    t["convertsToDecimal"] = {fn_converts<to_decimal>, 0, 0};
    t["toString"] = {fn_to<to_string>, 0, 0};
    t["convertsToString"] = {fn_converts<to_string>, 0, 0};
    t["toDate"] = {fn_to<to_date>, 0, 0};
    t["convertsToDate"] = {fn_converts<to_date>, 0, 0};
    t["toDateTime"] = {fn_to<to_datetime>, 0, 0};
    t["convertsToDateTime"] = {fn_converts<to_datetime>, 0, 0};
    t["toTime"] = {fn_to<to_time>, 0, 0};
    t["convertsToTime"] = {fn_converts<to_time>, 0, 0};
    t["toQuantity"] = {fn_to_quantity, 0, 1};
    t["convertsToQuantity"] = {fn_converts_to_quantity, 0, 1};
    t["today"] = {fn_today, 0, 0};
    t["now"] = {fn_now, 0, 0};
    t["timeOfDay"] = {fn_time_of_day, 0, 0};
}

}  // namespace vft::fhirpath::detail
