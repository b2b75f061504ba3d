// The FHIRPath evaluator: paths over the parsed JSON, operators, three-valued logic.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}

std::string lower_first(std::string_view s) {
    std::string r(s);
    if (!r.empty()) r[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(r[0])));
    return r;
}

const JValue* shadow_at(const JValue* shadow, rapidjson::SizeType i, bool array) {
    if (!shadow) return nullptr;
    if (array) {
        if (!shadow->IsArray() || i >= shadow->Size()) return nullptr;
        const JValue& s = (*shadow)[i];
        return s.IsObject() ? &s : nullptr;
    }
    return shadow->IsObject() ? shadow : nullptr;
}

// The member `prefix` + `key` of `obj` (prefix "_" for a primitive's shadow), without
// building the name.
const JValue* find_member(const JValue& obj, std::string_view prefix, std::string_view key) {
    const size_t len = prefix.size() + key.size();
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
        if (m->name.GetStringLength() != len) continue;
        const char* n = m->name.GetString();
        if (std::memcmp(n, prefix.data(), prefix.size()) == 0 &&
            std::memcmp(n + prefix.size(), key.data(), key.size()) == 0)
            return &m->value;
    }
    return nullptr;
}

std::string suffix_type(const TypeModel& model, std::string_view suffix) {
    std::string lower = lower_first(suffix);
    return model.is_primitive(lower) ? lower : std::string(suffix);
}

// Adds the items of property `json_name` (its value `json` and "_name" shadow) of `parent`.
// `type` is the property's type when the caller knows it (choice suffix without a model).
void add_member(const Evaluator& ev, const Value& parent, const JValue* json, const JValue* shadow,
                std::string_view json_name, std::string type, Coll& out) {
    TypeModel::Child info;
    if (type.empty()) {
        info = ev.model.child(parent.type, parent.element, json_name);
        type = info.type;
    }
    auto make = [&](const JValue* item, const JValue* sh) {
        if (item && item->IsObject()) {
            auto rt = item->FindMember("resourceType");
            if (rt != item->MemberEnd() && rt->value.IsString())
                return Evaluator::node_value(item, sh, rt->value.GetString());
        }
        return Evaluator::node_value(item, sh, type, info.element);
    };
    if (json && json->IsArray()) {
        for (rapidjson::SizeType i = 0; i < json->Size(); ++i) {
            const JValue* item = &(*json)[i];
            const JValue* sh = shadow_at(shadow, i, true);
            if (item->IsNull() && !sh) continue;
            out.push_back(make(item->IsNull() ? nullptr : item, sh));
        }
        return;
    }
    if (!json && shadow && shadow->IsArray()) {
        for (rapidjson::SizeType i = 0; i < shadow->Size(); ++i) {
            const JValue* sh = shadow_at(shadow, i, true);
            if (sh) out.push_back(make(nullptr, sh));
        }
        return;
    }
    if (json && json->IsNull()) json = nullptr;
    const JValue* sh = shadow_at(shadow, 0, false);
    if (!json && !sh) return;
    out.push_back(make(json, sh));
}

}  // namespace

Value Evaluator::node_value(const JValue* json, const JValue* shadow, std::string type,
                            const void* element) {
    Value v;
    v.kind = Kind::node;
    v.node = json;
    v.shadow = shadow;
    v.type = std::move(type);
    v.element = element;
    return v;
}

void Evaluator::children_named(const Value& v, std::string_view name, Coll& out) {
    step();
    if (v.kind != Kind::node) return;
    const JValue* obj = v.node;
    if (!obj || !obj->IsObject()) {
        // A primitive: id and extension live in the "_name" shadow object; value is itself.
        if (v.shadow && (name == "id" || name == "extension")) {
            auto it = v.shadow->FindMember(rapidjson::StringRef(name.data(), name.size()));
            if (it != v.shadow->MemberEnd())
                add_member(*this, v, &it->value, nullptr, name,
                           name == "id" ? "string" : "Extension", out);
        } else if (name == "value" && obj) {
            if (auto p = primitive(v)) out.push_back(*p);
        }
        return;
    }
    const JValue* json = find_member(*obj, "", name);
    const JValue* shadow = find_member(*obj, "_", name);
    if (json || shadow) {
        if (env.strict) {
            auto info = model.child(v.type, v.element, name);
            if (info.parent_known && (!info.found || info.via_type_suffix))
                throw EvalError{
                    "'" + std::string(name) + "' is not an element of " + v.type +
                    (info.via_type_suffix ? " (name the choice element without its type)" : "")};
        }
        add_member(*this, v, json, shadow, name, {}, out);
        return;
    }
    auto info = model.child(v.type, v.element, name);
    if (info.parent_known && !info.choice_name) {
        if (env.strict && !info.found)
            throw EvalError{"'" + std::string(name) + "' is not an element of " + v.type};
        return;
    }
    // A choice element (value -> valueQuantity, valueString, ...): the model resolves the JSON
    // name; without a model the suffix names the type.
    for (auto m = obj->MemberBegin(); m != obj->MemberEnd(); ++m) {
        std::string_view key(m->name.GetString(), m->name.GetStringLength());
        bool shadow_only = !key.empty() && key[0] == '_';
        std::string_view base = shadow_only ? key.substr(1) : key;
        if (base.size() <= name.size() || base.substr(0, name.size()) != name ||
            !is_upper(base[name.size()]))
            continue;
        if (shadow_only && obj->HasMember(std::string(base).c_str())) continue;
        std::string sn = "_" + std::string(base);
        auto sm = obj->FindMember(rapidjson::StringRef(sn.data(), sn.size()));
        const JValue* sh = sm != obj->MemberEnd() ? &sm->value : nullptr;
        const JValue* val = shadow_only ? nullptr : &m->value;
        std::string t =
            info.parent_known ? std::string() : suffix_type(model, base.substr(name.size()));
        add_member(*this, v, val, sh, base, t, out);
    }
}

void Evaluator::all_children(const Value& v, Coll& out) {
    step();
    if (v.kind != Kind::node) return;
    if (v.node && v.node->IsObject()) {
        out.reserve(out.size() + v.node->MemberCount());
        for (auto m = v.node->MemberBegin(); m != v.node->MemberEnd(); ++m) {
            std::string_view key(m->name.GetString(), m->name.GetStringLength());
            if (key == "resourceType") continue;
            if (!key.empty() && key[0] == '_') {
                std::string_view base = key.substr(1);
                if (find_member(*v.node, "", base)) continue;  // shown with its value
                add_member(*this, v, nullptr, &m->value, base, {}, out);
                continue;
            }
            add_member(*this, v, &m->value, find_member(*v.node, "_", key), key, {}, out);
        }
    } else if (v.shadow) {
        Value s = v;
        for (const char* n : {"id", "extension"})
            children_named(s, n, out);
    }
}

std::optional<Value> Evaluator::primitive(const Value& v) const {
    if (v.kind != Kind::node) return v;
    const JValue* j = v.node;
    if (!j) return std::nullopt;
    const std::string& t = v.type;
    if (j->IsBool()) return Value::boolean(j->GetBool());
    if (j->IsNumber()) {
        if (t == "decimal" || (!j->IsInt64() && !j->IsUint64())) {
            auto d = j->IsInt64() ? std::optional<Decimal>(Decimal::of(j->GetInt64()))
                                  : Decimal::from_double(j->GetDouble());
            if (!d) return std::nullopt;
            return Value::decimal(*d);
        }
        if (j->IsInt64()) return Value::integer(j->GetInt64());
        auto d = Decimal::from_double(j->GetDouble());
        if (!d) return std::nullopt;
        return Value::decimal(*d);
    }
    if (j->IsString()) {
        std::string_view s(j->GetString(), j->GetStringLength());
        if (t == "date" || t == "dateTime" || t == "instant") {
            auto kind = t == "date" ? Temporal::Kind::date : Temporal::Kind::datetime;
            if (auto p = Temporal::parse(s, kind)) return Value::temporal(*p);
            if (kind == Temporal::Kind::date)
                if (auto p = Temporal::parse(s, Temporal::Kind::datetime))
                    return Value::temporal(*p);
        } else if (t == "time") {
            if (auto p = Temporal::parse(s, Temporal::Kind::time)) return Value::temporal(*p);
        }
        return Value::string(std::string(s));
    }
    return std::nullopt;
}

std::optional<Quantity> Evaluator::quantity_of(const Value& v) const {
    if (v.kind == Kind::quantity) return v.q;
    if (v.kind != Kind::node || !v.node || !v.node->IsObject()) return std::nullopt;
    auto val = v.node->FindMember("value");
    if (val == v.node->MemberEnd() || !val->value.IsNumber()) return std::nullopt;
    auto d = val->value.IsInt64() ? std::optional<Decimal>(Decimal::of(val->value.GetInt64()))
                                  : Decimal::from_double(val->value.GetDouble());
    if (!d) return std::nullopt;
    Quantity q{*d, "1"};
    auto code = v.node->FindMember("code");
    auto unit = v.node->FindMember("unit");
    if (code != v.node->MemberEnd() && code->value.IsString()) {
        q.unit = code->value.GetString();
    } else if (unit != v.node->MemberEnd() && unit->value.IsString()) {
        q.unit = unit->value.GetString();
    }
    return q;
}

std::string Evaluator::type_of(const Value& v) const {
    switch (v.kind) {
        case Kind::node:
            if (!v.type.empty()) return v.type;
            if (!v.node) return "Element";
            if (v.node->IsBool()) return "boolean";
            if (v.node->IsInt64()) return "integer";
            if (v.node->IsNumber()) return "decimal";
            if (v.node->IsString()) return "string";
            return "Element";
        case Kind::boolean:
            return "System.Boolean";
        case Kind::string:
            return "System.String";
        case Kind::integer:
            return "System.Integer";
        case Kind::decimal:
            return "System.Decimal";
        case Kind::date:
            return "System.Date";
        case Kind::datetime:
            return "System.DateTime";
        case Kind::time:
            return "System.Time";
        case Kind::quantity:
            return "System.Quantity";
    }
    return "";
}

bool Evaluator::is_type(const Value& v, std::string_view type) const {
    std::string want(type);
    bool system = false, fhir = false;
    if (want.rfind("System.", 0) == 0) {
        want = want.substr(7);
        system = true;
    } else if (want.rfind("FHIR.", 0) == 0) {
        want = want.substr(5);
        fhir = true;
    }
    static const char* kSystem[] = {"Boolean", "String",   "Integer", "Decimal",
                                    "Date",    "DateTime", "Time",    "Quantity"};
    if (model.complete() && !system && !model.is_known(want)) {
        bool sys = false;
        for (const char* k : kSystem)
            sys = sys || want == k;
        if (!sys) throw EvalError{"unknown type '" + std::string(type) + "'"};
    }
    std::string actual = type_of(v);
    if (v.kind != Kind::node) {
        if (fhir) return false;
        return actual.substr(7) == want;
    }
    if (system) return false;
    for (int guard = 0; !actual.empty() && guard < 32; ++guard) {
        if (actual == want) return true;
        actual = model.base_type(actual);
    }
    return false;
}

std::optional<bool> Evaluator::single_boolean(const Coll& c, const char* what) const {
    if (c.empty()) return std::nullopt;
    if (c.size() > 1)
        throw EvalError{std::string(what) + " expects a single Boolean, got " +
                        std::to_string(c.size()) + " items"};
    auto p = primitive(c[0]);
    if (p && p->kind == Kind::boolean) return p->b;
    return true;  // a single non-Boolean item is true (singleton evaluation, §4.5)
}

const Value* Evaluator::singleton(const Coll& c, const char* what) const {
    if (c.empty()) return nullptr;
    if (c.size() > 1)
        throw EvalError{std::string(what) + " expects a single item, got " +
                        std::to_string(c.size()) + " items"};
    return &c[0];
}

Coll Evaluator::eval_on(const Node& n, const Value& item, int64_t index, const Frame& outer) {
    Frame f{&item, index, outer.total, &outer};
    Coll focus{item};
    return eval(n, focus, f);
}

namespace {

Coll boolean_result(std::optional<bool> b) {
    if (!b) return {};
    return {Value::boolean(*b)};
}

std::optional<Value> operand(Evaluator& ev, const Coll& c, std::string_view op_view) {
    const std::string op(op_view);
    if (c.empty()) return std::nullopt;
    if (c.size() > 1)
        throw EvalError{"operator '" + op + "' expects a single item on each side, got " +
                        std::to_string(c.size())};
    auto p = ev.primitive(c[0]);
    if (!p) {
        if (auto q = ev.quantity_of(c[0])) return Value::quantity(*q);
        throw EvalError{"operator '" + op + "' cannot take a " + ev.type_of(c[0])};
    }
    return p;
}

// A string node compared with a date literal takes the literal's kind (JSON carries no type).
void coerce_pair(Value& a, Value& b) {
    auto coerce = [](Value& s, const Value& t) {
        if (s.kind != Kind::string) return;
        if (t.kind == Kind::date || t.kind == Kind::datetime) {
            if (auto p = Temporal::parse(s.s, Temporal::Kind::datetime)) {
                s = Value::temporal(*p);
                if (p->prec <= Prec::day && t.kind == Kind::date) s.kind = Kind::date;
            }
        } else if (t.kind == Kind::time) {
            if (auto p = Temporal::parse(s.s, Temporal::Kind::time)) s = Value::temporal(*p);
        }
    };
    coerce(a, b);
    coerce(b, a);
}

Coll arithmetic(Evaluator& ev, std::string_view op_view, const Coll& l, const Coll& r) {
    const std::string op(op_view);  // for messages; compared as a view below

    if (op == "&") {
        std::string s;
        for (const Coll* c : {&l, &r}) {
            if (auto v = operand(ev, *c, op)) {
                if (v->kind != Kind::string) throw EvalError{"'&' needs strings"};
                s += v->s;
            }
        }
        return {Value::string(s)};
    }
    auto a = operand(ev, l, op);
    auto b = operand(ev, r, op);
    if (!a || !b) return {};
    coerce_pair(*a, *b);
    auto num = [](const Value& v) -> std::optional<Decimal> {
        if (v.kind == Kind::integer) return Decimal::of(v.i);
        if (v.kind == Kind::decimal) return v.d;
        return std::nullopt;
    };
    if (a->kind == Kind::string && b->kind == Kind::string && op == "+")
        return {Value::string(a->s + b->s)};
    if (a->kind == Kind::integer && b->kind == Kind::integer && op != "/") {
        int64_t x = a->i, y = b->i, z = 0;
        bool overflow = false;
        if (op == "+") {
            overflow = __builtin_add_overflow(x, y, &z);
        } else if (op == "-") {
            overflow = __builtin_sub_overflow(x, y, &z);
        } else if (op == "*") {
            overflow = __builtin_mul_overflow(x, y, &z);
        } else if (op == "div" || op == "mod") {
            if (y == 0 || (x == INT64_MIN && y == -1)) return {};
            z = op == "div" ? x / y : x % y;
        }
        if (overflow) return {};
        return {Value::integer(z)};
    }
    auto x = num(*a), y = num(*b);
    if (x && y) {
        std::optional<Decimal> z;
        if (op == "+") z = add(*x, *y);
        if (op == "-") z = sub(*x, *y);
        if (op == "*") z = mul(*x, *y);
        if (op == "/") z = div(*x, *y);
        if (op == "div" || op == "mod") {
            auto q = div(*x, *y);
            if (!q) return {};
            Decimal t{q->m, q->scale};
            auto ti = t.to_int64();
            if (!ti) return {};
            if (op == "div") return {Value::integer(*ti)};
            auto prod = mul(Decimal::of(*ti), *y);
            if (!prod) return {};
            z = sub(*x, *prod);
        }
        if (!z) return {};
        return {Value::decimal(*z)};
    }
    if ((a->kind == Kind::date || a->kind == Kind::datetime || a->kind == Kind::time) &&
        b->kind == Kind::quantity && (op == "+" || op == "-")) {
        Decimal amount = op == "-" ? neg(b->q.value) : b->q.value;
        auto t = add_duration(a->t, amount, b->q.unit);
        if (!t) throw EvalError{"cannot add '" + b->q.unit + "' to a date or time"};
        Value v = Value::temporal(*t);
        return {v};
    }
    if (a->kind == Kind::quantity && b->kind == Kind::quantity && (op == "+" || op == "-")) {
        auto bq = convert(b->q, a->q.unit);
        if (!bq) return {};
        auto z = op == "+" ? add(a->q.value, bq->value) : sub(a->q.value, bq->value);
        if (!z) return {};
        return {Value::quantity(Quantity{*z, a->q.unit})};
    }
    if (a->kind == Kind::quantity && (op == "*" || op == "/") && (y || b->kind == Kind::quantity)) {
        if (y) {
            auto z = op == "*" ? mul(a->q.value, *y) : div(a->q.value, *y);
            if (!z) return {};
            return {Value::quantity(Quantity{*z, a->q.unit})};
        }
        auto z = op == "*" ? mul(a->q.value, b->q.value) : div(a->q.value, b->q.value);
        if (!z) return {};
        std::string unit;
        if (op == "/" && a->q.unit == b->q.unit) {
            unit = "1";
        } else {
            unit = "(" + a->q.unit + ")" + (op == "*" ? "." : "/") + "(" + b->q.unit + ")";
        }
        return {Value::quantity(Quantity{*z, unit})};
    }
    if (b->kind == Kind::quantity && x && op == "*") {
        auto z = mul(*x, b->q.value);
        if (!z) return {};
        return {Value::quantity(Quantity{*z, b->q.unit})};
    }
    throw EvalError{"operator '" + op + "' cannot take " + ev.type_of(*a) + " and " +
                    ev.type_of(*b)};
}

}  // namespace

std::optional<int> compare_items(const Evaluator& ev, const Value& x, const Value& y) {
    auto a = ev.primitive(x), b = ev.primitive(y);
    if (!a) {
        if (auto q = ev.quantity_of(x)) a = Value::quantity(*q);
    }
    if (!b) {
        if (auto q = ev.quantity_of(y)) b = Value::quantity(*q);
    }
    if (!a || !b) throw EvalError{"cannot compare " + ev.type_of(x) + " with " + ev.type_of(y)};
    coerce_pair(*a, *b);
    auto num = [](const Value& v) -> std::optional<Decimal> {
        if (v.kind == Kind::integer) return Decimal::of(v.i);
        if (v.kind == Kind::decimal) return v.d;
        return std::nullopt;
    };
    if (auto n = num(*a), m = num(*b); n && m) return n->compare(*m);
    if (a->kind == Kind::string && b->kind == Kind::string) {
        int c = a->s.compare(b->s);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    bool ta = a->kind == Kind::date || a->kind == Kind::datetime;
    bool tb = b->kind == Kind::date || b->kind == Kind::datetime;
    if ((ta && tb) || (a->kind == Kind::time && b->kind == Kind::time)) return compare(a->t, b->t);
    if (a->kind == Kind::quantity && b->kind == Kind::quantity) {
        auto c = compare(a->q, b->q, false);
        if (!c) return std::nullopt;
        return c;
    }
    throw EvalError{"cannot compare " + ev.type_of(x) + " with " + ev.type_of(y)};
}

Coll Evaluator::eval(const Node& n, const Coll& focus, const Frame& frame) {
    step();
    switch (n.kind) {
        case NodeKind::literal:
            if (n.empty_literal) return {};
            return {n.value};
        case NodeKind::this_:
            if (frame.this_) return {*frame.this_};
            return focus;
        case NodeKind::index:
            if (frame.index < 0) return {};
            return {Value::integer(frame.index)};
        case NodeKind::total:
            if (!frame.total) return {};
            return *frame.total;
        case NodeKind::external: {
            if (n.name == "resource") return {resource};
            if (n.name == "rootResource") return {root_resource};
            if (n.name == "context") return {context};
            if (n.name == "ucum") return {Value::string("http://unitsofmeasure.org")};
            if (n.name == "sct") return {Value::string("http://snomed.info/sct")};
            if (n.name == "loinc") return {Value::string("http://loinc.org")};
            if (n.name.rfind("vs-", 0) == 0)
                return {Value::string("http://hl7.org/fhir/ValueSet/" + n.name.substr(3))};
            if (n.name.rfind("ext-", 0) == 0)
                return {
                    Value::string("http://hl7.org/fhir/StructureDefinition/" + n.name.substr(4))};
            auto it = env.string_variables.find(n.name);
            if (it != env.string_variables.end()) return {Value::string(it->second)};
            throw EvalError{"unknown external constant %" + n.name};
        }
        case NodeKind::identifier: {
            Coll out;
            for (const auto& item : focus) {
                // At the start of a path a type name selects the context item (Patient.name).
                if (item.kind == Kind::node && !n.name.empty() && is_upper(n.name[0]) &&
                    (!model.complete() || model.is_known(n.name)) && is_type(item, n.name) &&
                    !(item.node && item.node->IsObject() && item.node->HasMember(n.name.c_str()))) {
                    out.push_back(item);
                    continue;
                }
                children_named(item, n.name, out);
            }
            return out;
        }
        case NodeKind::member: {
            Coll left = eval(*n.children[0], focus, frame);
            Coll out;
            for (const auto& item : left)
                children_named(item, n.name, out);
            return out;
        }
        case NodeKind::indexer: {
            Coll left = eval(*n.children[0], focus, frame);
            Coll idx = eval(*n.children[1], focus, frame);
            if (idx.empty()) return {};
            auto p = primitive(idx[0]);
            if (idx.size() != 1 || !p || p->kind != Kind::integer)
                throw EvalError{"an index must be a single Integer"};
            if (p->i < 0 || static_cast<size_t>(p->i) >= left.size()) return {};
            return {left[static_cast<size_t>(p->i)]};
        }
        case NodeKind::function: {
            const auto* def = static_cast<const FunctionDef*>(n.function);
            if (!def) throw EvalError{"unknown function " + n.name + "()"};
            int argc = static_cast<int>(n.args.size());
            if (argc < def->min_args || argc > def->max_args)
                throw EvalError{"wrong number of arguments to " + n.name + "()"};
            if (n.children[0]) {
                Coll f = eval(*n.children[0], focus, frame);
                return def->fn(*this, n, f, frame);
            }
            return def->fn(*this, n, focus, frame);
        }
        case NodeKind::is_type: {
            Coll left = eval(*n.children[0], focus, frame);
            if (left.empty()) return {};
            if (left.size() > 1) throw EvalError{"'is' expects a single item"};
            return {Value::boolean(is_type(left[0], n.name))};
        }
        case NodeKind::as_type: {
            Coll left = eval(*n.children[0], focus, frame);
            if (left.size() > 1) throw EvalError{"'as' expects a single item"};
            Coll out;
            for (const auto& v : left)
                if (cast_matches(*this, v, n.name)) out.push_back(v);
            return out;
        }
        case NodeKind::unary: {
            Coll v = eval(*n.children[0], focus, frame);
            if (n.name == "+") return v;
            auto x = operand(*this, v, "-");
            if (!x) return {};
            if (x->kind == Kind::integer) {
                if (x->i == INT64_MIN) return {};
                return {Value::integer(-x->i)};
            }
            if (x->kind == Kind::decimal) return {Value::decimal(neg(x->d))};
            if (x->kind == Kind::quantity)
                return {Value::quantity(Quantity{neg(x->q.value), x->q.unit})};
            throw EvalError{"unary '-' cannot take a " + type_of(*x)};
        }
        case NodeKind::binary:
            break;
    }
    const std::string_view op = n.name;
    // Three-valued logic: the right side of and/or/implies is still evaluated (no side effects)
    // but a decided left side short-circuits.
    if (op == "and" || op == "or" || op == "xor" || op == "implies") {
        auto l = single_boolean(eval(*n.children[0], focus, frame), n.name.c_str());
        if (op == "and" && l && !*l) return {Value::boolean(false)};
        if (op == "or" && l && *l) return {Value::boolean(true)};
        if (op == "implies" && l && !*l) return {Value::boolean(true)};
        auto r = single_boolean(eval(*n.children[1], focus, frame), n.name.c_str());
        if (op == "and") {
            if (r && !*r) return {Value::boolean(false)};
            if (l && r) return {Value::boolean(true)};
            return {};
        }
        if (op == "or") {
            if (r && *r) return {Value::boolean(true)};
            if (l && r) return {Value::boolean(false)};
            return {};
        }
        if (op == "xor") {
            if (!l || !r) return {};
            return {Value::boolean(*l != *r)};
        }
        // implies, l is true or empty
        if (r && *r) return {Value::boolean(true)};
        if (l && r) return {Value::boolean(false)};
        return {};
    }
    Coll l = eval(*n.children[0], focus, frame);
    Coll r = eval(*n.children[1], focus, frame);
    if (op == "|") {
        Coll out;
        for (const Coll* c : {&l, &r})
            for (const auto& v : *c) {
                bool dup = false;
                for (const auto& o : out) {
                    step();
                    if (items_equal(*this, o, v).value_or(false)) {
                        dup = true;
                        break;
                    }
                }
                if (!dup) out.push_back(v);
            }
        return out;
    }
    if (op == "=") return boolean_result(collections_equal(*this, l, r));
    if (op == "!=") {
        auto e = collections_equal(*this, l, r);
        if (!e) return {};
        return {Value::boolean(!*e)};
    }
    if (op == "~") return {Value::boolean(collections_equivalent(*this, l, r))};
    if (op == "!~") return {Value::boolean(!collections_equivalent(*this, l, r))};
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
        if (l.empty() || r.empty()) return {};
        if (l.size() > 1 || r.size() > 1)
            throw EvalError{"operator '" + n.name + "' expects single items"};
        auto c = compare_items(*this, l[0], r[0]);
        if (!c) return {};
        bool res = op == "<" ? *c < 0 : op == ">" ? *c > 0 : op == "<=" ? *c <= 0 : *c >= 0;
        return {Value::boolean(res)};
    }
    if (op == "in" || op == "contains") {
        const Coll& item = op == "in" ? l : r;
        const Coll& coll = op == "in" ? r : l;
        if (item.empty()) return {};
        if (item.size() > 1) throw EvalError{"operator '" + n.name + "' expects a single item"};
        for (const auto& v : coll) {
            step();
            if (items_equal(*this, item[0], v).value_or(false)) return {Value::boolean(true)};
        }
        return {Value::boolean(false)};
    }
    return arithmetic(*this, op, l, r);
}

}  // namespace vft::fhirpath::detail
