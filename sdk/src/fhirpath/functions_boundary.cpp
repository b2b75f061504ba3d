// FHIRPath 2.1 (STU) precision functions used by the suite and R4-era invariants:
// lowBoundary(), highBoundary(), precision(), comparable(); and type() (reflection, §10).
#include <rapidjson/document.h>

#include "calendar.hpp"
#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

constexpr int kMaxBoundaryPrecision = 28;

i128 pow10(int n) {
    i128 r = 1;
    for (int i = 0; i < n; ++i)
        r *= 10;
    return r;
}

// floor (up = false) or ceiling (up = true) of d at `scale` fractional digits.
Decimal round_to(const Decimal& d, int scale, bool up) {
    if (scale >= d.scale) return d.rescaled_down(scale);  // exact: pads zeros
    i128 div = pow10(d.scale - scale);
    i128 q = d.m / div, r = d.m % div;
    if (r != 0) {
        if (up && d.m > 0) ++q;
        if (!up && d.m < 0) --q;
    }
    return Decimal{q, scale};
}

std::optional<Decimal> decimal_boundary(const Decimal& d, int p, bool high) {
    // half a unit of the last digit given: 1.587 -> +-0.0005
    Decimal half{5, d.scale + 1};
    auto b = high ? add(d, half) : sub(d, half);
    if (!b) return std::nullopt;
    return round_to(*b, p, high);
}

Prec prec_of_digits(int p, bool time) {
    if (time)
        return p <= 2 ? Prec::hour : p <= 4 ? Prec::minute : p <= 6 ? Prec::second : Prec::millis;
    return p <= 4    ? Prec::year
           : p <= 6  ? Prec::month
           : p <= 8  ? Prec::day
           : p <= 10 ? Prec::hour
           : p <= 12 ? Prec::minute
           : p <= 14 ? Prec::second
                     : Prec::millis;
}

int digits_of(const Temporal& t) {
    if (t.kind == Temporal::Kind::time) {
        switch (t.prec) {
            case Prec::hour:
                return 2;
            case Prec::minute:
                return 4;
            case Prec::second:
                return 6;
            default:
                return 9;
        }
    }
    switch (t.prec) {
        case Prec::year:
            return 4;
        case Prec::month:
            return 6;
        case Prec::day:
            return 8;
        case Prec::hour:
            return 10;
        case Prec::minute:
            return 12;
        case Prec::second:
            return 14;
        default:
            return 17;
    }
}

Temporal temporal_boundary(Temporal t, Prec target, bool high) {
    if (t.prec == Prec::hour) t.prec = Prec::minute;  // T08 means T08:00 (FHIR has no hour-only)
    if (t.prec < Prec::month) t.month = high ? 12 : 1;
    if (t.prec < Prec::day) t.day = high ? days_in_month(t.year, t.month) : 1;
    if (t.prec < Prec::hour) t.hour = high ? 23 : 0;
    if (t.prec < Prec::minute) t.minute = high ? 59 : 0;
    if (t.prec < Prec::second) t.second = high ? 59 : 0;
    if (t.prec < Prec::millis) t.millis = high ? 999 : 0;
    if (t.kind == Temporal::Kind::datetime && !t.has_tz && target >= Prec::hour) {
        t.has_tz = true;
        t.tz_minutes = high ? -12 * 60 : 14 * 60;
    }
    t.prec = target;
    return t;
}

Coll boundary(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame, bool high) {
    auto v = focus_value(ev, f, call.name.c_str());
    if (!v) return {};
    std::optional<int64_t> p;
    if (!call.args.empty()) {
        p = integer_arg(ev, call, 0, f, frame);
        if (!p) return {};
    }
    if (v->kind == Kind::integer || v->kind == Kind::decimal || v->kind == Kind::quantity) {
        int prec = static_cast<int>(p.value_or(8));
        if (p && (*p < 0 || *p > kMaxBoundaryPrecision)) return {};
        Decimal d = v->kind == Kind::integer   ? Decimal::of(v->i)
                    : v->kind == Kind::decimal ? v->d
                                               : v->q.value;
        auto b = decimal_boundary(d, prec, high);
        if (!b) return {};
        if (v->kind == Kind::quantity) return {Value::quantity(Quantity{*b, v->q.unit})};
        return {Value::decimal(*b)};
    }
    if (v->kind == Kind::date || v->kind == Kind::datetime || v->kind == Kind::time) {
        bool time = v->kind == Kind::time;
        int digits = static_cast<int>(p.value_or(time ? 9 : v->kind == Kind::date ? 8 : 17));
        if (digits < 0 || digits > 17) return {};
        Prec target = prec_of_digits(digits, time);
        if (v->kind == Kind::date && target > Prec::day) target = Prec::day;
        Value r = Value::temporal(temporal_boundary(v->t, target, high));
        return {r};
    }
    throw EvalError{call.name + "() expects a number, quantity, date or time"};
}

Coll fn_low(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    return boundary(ev, call, f, frame, false);
}
Coll fn_high(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    return boundary(ev, call, f, frame, true);
}

Coll fn_precision(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = focus_value(ev, f, call.name.c_str());
    if (!v) return {};
    if (v->kind == Kind::decimal) return {Value::integer(v->d.scale)};
    if (v->kind == Kind::integer) return {Value::integer(0)};
    if (v->kind == Kind::date || v->kind == Kind::datetime || v->kind == Kind::time)
        return {Value::integer(digits_of(v->t))};
    return {};
}

Coll fn_comparable(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto v = focus_value(ev, f, call.name.c_str());
    Coll o = arg(ev, call, 0, f, frame);
    auto w = focus_value(ev, o, call.name.c_str());
    if (!v || !w) return {};
    if (v->kind != Kind::quantity || w->kind != Kind::quantity)
        throw EvalError{"comparable() expects quantities"};
    return {Value::boolean(compare(v->q, w->q, false).has_value())};
}

Coll fn_type(Evaluator& ev, const Node&, const Coll& f, const Frame&) {
    Coll out;
    for (const auto& v : f) {
        std::string t = ev.type_of(v);
        std::string ns = "FHIR";
        if (t.rfind("System.", 0) == 0) {
            ns = "System";
            t = t.substr(7);
        }
        if (!ev.arena) ev.arena = std::make_shared<Arena>();
        auto& doc = ev.arena->emplace_back(std::make_unique<rapidjson::Document>());
        doc->SetObject();
        auto& a = doc->GetAllocator();
        doc->AddMember("namespace", rapidjson::Value(ns.c_str(), a), a);
        doc->AddMember("name", rapidjson::Value(t.c_str(), a), a);
        out.push_back(Evaluator::node_value(doc.get(), nullptr, "SimpleTypeInfo"));
    }
    return out;
}

}  // namespace

void add_boundary_functions(FunctionTable& t) {
    t["lowBoundary"] = {fn_low, 0, 1};
    t["highBoundary"] = {fn_high, 0, 1};
    t["precision"] = {fn_precision, 0, 0};
    t["comparable"] = {fn_comparable, 1, 1};
    t["type"] = {fn_type, 0, 0};
}

}  // namespace vft::fhirpath::detail
