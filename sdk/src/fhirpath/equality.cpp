// Equality (=), equivalence (~), date arithmetic and the rendering of items.
#include <algorithm>
#include <cctype>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "calendar.hpp"
#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

std::optional<Value> comparable(const Evaluator& ev, const Value& v) {
    if (auto p = ev.primitive(v)) return p;
    if (auto q = ev.quantity_of(v)) return Value::quantity(*q);
    return std::nullopt;
}

std::optional<Decimal> number(const Value& v) {
    if (v.kind == Kind::integer) return Decimal::of(v.i);
    if (v.kind == Kind::decimal) return v.d;
    return std::nullopt;
}

std::string normalize_ws(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool json_equal(const JValue& a, const JValue& b, bool equivalent) {
    if (a.GetType() != b.GetType()) {
        if (a.IsNumber() && b.IsNumber()) return a.GetDouble() == b.GetDouble();
        return false;
    }
    if (a.IsObject()) {
        size_t na = 0, nb = 0;
        for (auto m = a.MemberBegin(); m != a.MemberEnd(); ++m) {
            if (equivalent && std::string_view(m->name.GetString()) == "id") continue;
            ++na;
            auto o = b.FindMember(m->name);
            if (o == b.MemberEnd() || !json_equal(m->value, o->value, equivalent)) return false;
        }
        for (auto m = b.MemberBegin(); m != b.MemberEnd(); ++m)
            if (!(equivalent && std::string_view(m->name.GetString()) == "id")) ++nb;
        return na == nb;
    }
    if (a.IsArray()) {
        if (a.Size() != b.Size()) return false;
        for (rapidjson::SizeType i = 0; i < a.Size(); ++i)
            if (!json_equal(a[i], b[i], equivalent)) return false;
        return true;
    }
    if (a.IsString()) {
        if (equivalent) return normalize_ws(a.GetString()) == normalize_ws(b.GetString());
        return a == b;
    }
    if (a.IsNumber()) return a.GetDouble() == b.GetDouble();
    return a == b;
}

bool is_complex(const Value& v) {
    return v.kind == Kind::node && v.node && v.node->IsObject();
}

}  // namespace

std::optional<bool> items_equal(const Evaluator& ev, const Value& a, const Value& b) {
    if (is_complex(a) || is_complex(b)) {
        if (is_complex(a) && is_complex(b)) return json_equal(*a.node, *b.node, false);
        auto qa = ev.quantity_of(a), qb = ev.quantity_of(b);
        if (qa && qb) {
            auto c = compare(*qa, *qb, false);
            if (!c) return std::nullopt;
            return *c == 0;
        }
        return false;
    }
    auto x = comparable(ev, a), y = comparable(ev, b);
    if (!x || !y) return false;
    if (auto n = number(*x), m = number(*y); n && m) return n->compare(*m) == 0;
    if (x->kind == Kind::string && y->kind == Kind::string) return x->s == y->s;
    if (x->kind == Kind::boolean && y->kind == Kind::boolean) return x->b == y->b;
    if (x->kind == Kind::quantity && y->kind == Kind::quantity) {
        auto c = compare(x->q, y->q, false);
        if (!c) return std::nullopt;
        return *c == 0;
    }
    bool tx = x->kind == Kind::date || x->kind == Kind::datetime || x->kind == Kind::time;
    bool ty = y->kind == Kind::date || y->kind == Kind::datetime || y->kind == Kind::time;
    if (tx || ty) {
        try {
            auto c = compare_items(ev, *x, *y);
            if (!c) return std::nullopt;
            return *c == 0;
        } catch (const EvalError&) {
            return false;
        }
    }
    return false;
}

bool items_equivalent(const Evaluator& ev, const Value& a, const Value& b) {
    if (is_complex(a) && is_complex(b)) return json_equal(*a.node, *b.node, true);
    auto x = comparable(ev, a), y = comparable(ev, b);
    if (!x || !y) return false;
    if (auto n = number(*x), m = number(*y); n && m) {
        int p = std::min(n->normalized().scale, m->normalized().scale);
        return n->rescaled_down(p).compare(m->rescaled_down(p)) == 0;
    }
    if (x->kind == Kind::string && y->kind == Kind::string)
        return normalize_ws(x->s) == normalize_ws(y->s);
    if (x->kind == Kind::boolean && y->kind == Kind::boolean) return x->b == y->b;
    if (x->kind == Kind::quantity && y->kind == Kind::quantity) {
        // Equivalent at the precision of the less precise value (4 'g' ~ 4040 'mg').
        auto yq = convert(y->q, x->q.unit);
        if (yq) {
            int p = std::min(x->q.value.normalized().scale, y->q.value.normalized().scale);
            return x->q.value.rescaled_down(p).compare(yq->value.rescaled_down(p)) == 0;
        }
        auto c = compare(x->q, y->q, true);
        return c && *c == 0;
    }
    try {
        auto c = compare_items(ev, *x, *y);
        if (!c) return false;
        auto eff = [](Prec p) { return p == Prec::millis ? Prec::second : p; };
        return *c == 0 && eff(x->t.prec) == eff(y->t.prec);
    } catch (const EvalError&) {
        return false;
    }
}

std::optional<bool> collections_equal(const Evaluator& ev, const Coll& a, const Coll& b) {
    if (a.empty() || b.empty()) return std::nullopt;
    if (a.size() != b.size()) return false;
    bool unknown = false;
    for (size_t i = 0; i < a.size(); ++i) {
        auto e = items_equal(ev, a[i], b[i]);
        if (!e) {
            unknown = true;
        } else if (!*e) {
            return false;
        }
    }
    if (unknown) return std::nullopt;
    return true;
}

bool collections_equivalent(const Evaluator& ev, const Coll& a, const Coll& b) {
    if (a.size() != b.size()) return false;
    std::vector<bool> used(b.size(), false);
    for (const auto& x : a) {
        bool found = false;
        for (size_t j = 0; j < b.size(); ++j) {
            if (!used[j] && items_equivalent(ev, x, b[j])) {
                used[j] = true;
                found = true;
                break;
            }
        }
        if (!found) return false;
    }
    return true;
}

std::optional<Temporal> add_duration(const Temporal& t, const Decimal& amount,
                                     std::string_view unit) {
    std::string u = calendar_singular(unit);
    // UCUM 'a' and 'mo' are not calendar years and months: adding them is an error (suite).
    if (u == "a" || u == "mo") return std::nullopt;
    if (u == "wk") u = "week";
    if (u == "d") u = "day";
    if (u == "h") u = "hour";
    if (u == "min") u = "minute";
    if (u == "s") u = "second";
    if (u == "ms") u = "millisecond";
    Temporal r = t;
    auto whole = amount.to_int64();
    if (!whole || *whole > 100000000 || *whole < -100000000) return std::nullopt;
    int64_t n = *whole;
    if (t.kind == Temporal::Kind::time) {
        if (u == "year" || u == "month" || u == "week" || u == "day") return std::nullopt;
    } else if (t.kind == Temporal::Kind::date) {
        if (u == "hour" || u == "minute" || u == "second" || u == "millisecond") {
            int64_t per_day = u == "hour"     ? 24
                              : u == "minute" ? 1440
                              : u == "second" ? 86400
                                              : 86400000;
            n = n / per_day;
            u = "day";
        }
    }
    if (u == "week") {
        n *= 7;
        u = "day";
    }
    if (u == "year" || u == "month") {
        int64_t months = u == "year" ? n * 12 : n;
        if (r.prec < Prec::month) {
            r.year += static_cast<int>(months / 12);
        } else {
            int64_t total = static_cast<int64_t>(r.year) * 12 + (r.month - 1) + months;
            r.year = static_cast<int>(total / 12);
            r.month = static_cast<int>(total % 12) + 1;
            if (r.prec >= Prec::day) r.day = std::min(r.day, days_in_month(r.year, r.month));
        }
        if (r.year < 1 || r.year > 9999) return std::nullopt;
        return r;
    }
    if (u == "day" && t.kind != Temporal::Kind::time) {
        if (r.prec < Prec::day) {
            if (r.prec == Prec::month) {
                int64_t total = static_cast<int64_t>(r.year) * 12 + (r.month - 1) + n / 30;
                r.year = static_cast<int>(total / 12);
                r.month = static_cast<int>(total % 12) + 1;
            } else {
                r.year += static_cast<int>(n / 365);
            }
        } else {
            int64_t days = days_from_civil(r.year, static_cast<unsigned>(r.month),
                                           static_cast<unsigned>(r.day)) +
                           n;
            civil_from_days(days, r.year, r.month, r.day);
        }
        if (r.year < 1 || r.year > 9999) return std::nullopt;
        return r;
    }
    // hour and below on a dateTime or time: millisecond arithmetic.
    int64_t ms_per = u == "day"           ? 86400000
                     : u == "hour"        ? 3600000
                     : u == "minute"      ? 60000
                     : u == "second"      ? 1000
                     : u == "millisecond" ? 1
                                          : 0;
    if (ms_per == 0) return std::nullopt;
    int64_t delta = n * ms_per;  // whole units only (the suite: + 0.1 's' adds nothing)
    if (t.kind == Temporal::Kind::datetime && t.prec < Prec::hour) {
        Temporal d = r;
        d.kind = Temporal::Kind::date;
        auto x = add_duration(d, Decimal::of(delta / 86400000), "day");
        if (!x) return std::nullopt;
        x->kind = Temporal::Kind::datetime;
        return x;
    }
    int64_t day0 =
        t.kind == Temporal::Kind::time
            ? 0
            : days_from_civil(r.year, static_cast<unsigned>(r.month), static_cast<unsigned>(r.day));
    int64_t ms =
        day0 * 86400000 + r.hour * 3600000LL + r.minute * 60000LL + r.second * 1000LL + r.millis;
    ms += delta;
    int64_t day = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    int64_t rest = ms - day * 86400000;
    if (t.kind != Temporal::Kind::time) civil_from_days(day, r.year, r.month, r.day);
    r.hour = static_cast<int>(rest / 3600000);
    r.minute = static_cast<int>(rest / 60000 % 60);
    r.second = static_cast<int>(rest / 1000 % 60);
    r.millis = static_cast<int>(rest % 1000);
    if (r.year < 1 || r.year > 9999) return std::nullopt;
    return r;
}

std::string json_of(const JValue& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

namespace {

std::string json_string(std::string_view s) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

std::string item_text(const Value& v) {
    switch (v.kind) {
        case Kind::node:
            if (!v.node) return v.shadow ? json_of(*v.shadow) : "";
            if (v.node->IsString())
                return std::string(v.node->GetString(), v.node->GetStringLength());
            return json_of(*v.node);
        case Kind::boolean:
            return v.b ? "true" : "false";
        case Kind::string:
            return v.s;
        case Kind::integer:
            return std::to_string(v.i);
        case Kind::decimal:
            return v.d.str();
        case Kind::date:
        case Kind::datetime:
            return v.t.str();
        case Kind::time:
            return v.t.str();
        case Kind::quantity:
            if (is_calendar_unit(v.q.unit)) return v.q.value.str() + " " + v.q.unit;
            return v.q.value.str() + " '" + v.q.unit + "'";
    }
    return "";
}

std::string item_json(const Value& v) {
    switch (v.kind) {
        case Kind::node:
            if (!v.node) return v.shadow ? json_of(*v.shadow) : "null";
            return json_of(*v.node);
        case Kind::boolean:
            return v.b ? "true" : "false";
        case Kind::integer:
            return std::to_string(v.i);
        case Kind::decimal:
            return v.d.str();
        case Kind::string:
            return json_string(v.s);
        case Kind::date:
        case Kind::datetime:
            return json_string(v.t.str());
        case Kind::time:
            return json_string("T" + v.t.str());
        case Kind::quantity:
            return "{\"value\":" + v.q.value.str() + ",\"unit\":" + json_string(v.q.unit) + "}";
    }
    return "null";
}

}  // namespace vft::fhirpath::detail
