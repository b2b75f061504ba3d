// FHIRPath math functions (§5.7, FHIRPath 2.0 STU additions). Exact where the result is exact
// (abs, ceiling, floor, round, truncate); through double for exp, ln, log, power, sqrt.
#include <cmath>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

std::optional<Value> number_focus(Evaluator& ev, const Coll& f, const std::string& fn) {
    auto v = focus_value(ev, f, fn.c_str());
    if (!v) return std::nullopt;
    if (v->kind != Kind::integer && v->kind != Kind::decimal && v->kind != Kind::quantity)
        throw EvalError{fn + "() expects a number, got " + ev.type_of(*v)};
    return v;
}

Decimal as_decimal(const Value& v) {
    return v.kind == Kind::integer ? Decimal::of(v.i) : v.d;
}

Coll from_double(double d) {
    if (!std::isfinite(d)) return {};
    auto x = Decimal::from_double(d);
    if (!x) return {};
    return {Value::decimal(*x)};
}

Coll fn_abs(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = number_focus(ev, f, call.name);
    if (!v) return {};
    if (v->kind == Kind::integer) {
        if (v->i == INT64_MIN) return {};
        return {Value::integer(v->i < 0 ? -v->i : v->i)};
    }
    if (v->kind == Kind::quantity) {
        Quantity q = v->q;
        if (q.value.m < 0) q.value = neg(q.value);
        return {Value::quantity(q)};
    }
    Decimal d = v->d;
    if (d.m < 0) d = neg(d);
    return {Value::decimal(d)};
}

Coll integer_result(const Decimal& d) {
    auto i = d.to_int64();
    if (!i) return {};
    return {Value::integer(*i)};
}

Coll fn_ceiling(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = number_focus(ev, f, call.name);
    if (!v) return {};
    if (v->kind == Kind::integer) return {*v};
    Decimal d = as_decimal(*v);
    auto t = d.to_int64();
    if (!t) return {};
    Decimal whole = Decimal::of(*t);
    return {Value::integer(*t + (d.compare(whole) > 0 ? 1 : 0))};
}

Coll fn_floor(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = number_focus(ev, f, call.name);
    if (!v) return {};
    if (v->kind == Kind::integer) return {*v};
    Decimal d = as_decimal(*v);
    auto t = d.to_int64();
    if (!t) return {};
    return {Value::integer(*t - (d.compare(Decimal::of(*t)) < 0 ? 1 : 0))};
}

Coll fn_truncate(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = number_focus(ev, f, call.name);
    if (!v) return {};
    if (v->kind == Kind::integer) return {*v};
    return integer_result(as_decimal(*v));
}

Coll fn_round(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto v = number_focus(ev, f, call.name);
    if (!v) return {};
    int64_t precision = 0;
    if (!call.args.empty()) {
        auto p = integer_arg(ev, call, 0, f, frame);
        if (!p) return {};
        if (*p < 0) throw EvalError{"round() precision must be >= 0"};
        precision = std::min<int64_t>(*p, 30);
    }
    return {Value::decimal(as_decimal(*v).rescaled_down(static_cast<int>(precision)))};
}

template <double (*F)(double)>
Coll fn_unary_double(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto v = number_focus(ev, f, call.name);
    if (!v) return {};
    return from_double(F(as_decimal(*v).to_double()));
}

Coll fn_log(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto v = number_focus(ev, f, call.name);
    Coll b = arg(ev, call, 0, f, frame);
    auto base = number_focus(ev, b, call.name);
    if (!v || !base) return {};
    return from_double(std::log(as_decimal(*v).to_double()) /
                       std::log(as_decimal(*base).to_double()));
}

Coll fn_power(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto v = number_focus(ev, f, call.name);
    Coll e = arg(ev, call, 0, f, frame);
    auto exp = number_focus(ev, e, call.name);
    if (!v || !exp) return {};
    if (v->kind == Kind::integer && exp->kind == Kind::integer && exp->i >= 0) {
        int64_t r = 1;
        for (int64_t i = 0; i < exp->i; ++i) {
            if (__builtin_mul_overflow(r, v->i, &r)) return {};
            if (r == 0 || r == 1) break;
        }
        return {Value::integer(r)};
    }
    return from_double(std::pow(as_decimal(*v).to_double(), as_decimal(*exp).to_double()));
}

double d_sqrt(double x) {
    return std::sqrt(x);
}
double d_exp(double x) {
    return std::exp(x);
}
double d_ln(double x) {
    return std::log(x);
}

}  // namespace

void add_math_functions(FunctionTable& t) {
    t["abs"] = {fn_abs, 0, 0};
    t["ceiling"] = {fn_ceiling, 0, 0};
    t["floor"] = {fn_floor, 0, 0};
    t["truncate"] = {fn_truncate, 0, 0};
    t["round"] = {fn_round, 0, 1};
    t["sqrt"] = {fn_unary_double<d_sqrt>, 0, 0};
    t["exp"] = {fn_unary_double<d_exp>, 0, 0};
    t["ln"] = {fn_unary_double<d_ln>, 0, 0};
    t["log"] = {fn_log, 1, 1};
    t["power"] = {fn_power, 1, 1};
}

}  // namespace vft::fhirpath::detail
