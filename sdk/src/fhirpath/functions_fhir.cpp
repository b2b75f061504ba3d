// The FHIR additions to FHIRPath (FHIR R4 §2.6.2 "FHIRPath"): extension(), hasValue(),
// getValue(), resolve(), memberOf(), htmlChecks(), conformsTo().
#include <cctype>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

// txt-1: the narrative uses only basic HTML formatting (HTML 4.0 chapters 7-11 and 12, <a>,
// images, style attributes; no script, forms, frames, objects or event-handler attributes) and
// (txt-2, the same htmlChecks() in R4) has some non-whitespace content. `rule` asks for one of
// the two (the invariant keys say which: a whitespace-only div breaks txt-2, not txt-1) or both
// (the htmlChecks() function).
namespace {

// The scan behind html_ok: false when the text is not a div or a tag is not closed (both halves
// fail); else the halves in `names` and `content`. A txt-1 failure ends the scan unless only
// txt-2 is asked for.
bool html_scan(std::string_view x, HtmlRule rule, bool& names, bool& content) {
    // (no allocation: the walker runs this on every narrative, twice for txt-1 and txt-2)
    static constexpr std::string_view kAllowed[] = {
        "div",    "p",      "br",       "hr",      "span",       "b",       "i",     "u",    "em",
        "strong", "small",  "big",      "tt",      "sub",        "sup",     "a",     "img",  "h1",
        "h2",     "h3",     "h4",       "h5",      "h6",         "ul",      "ol",    "li",   "dl",
        "dt",     "dd",     "table",    "caption", "thead",      "tbody",   "tfoot", "tr",   "th",
        "td",     "col",    "colgroup", "pre",     "blockquote", "q",       "cite",  "code", "samp",
        "kbd",    "var",    "dfn",      "abbr",    "acronym",    "address", "ins",   "del",  "s",
        "strike", "center", "font",     "bdo",     "map",        "area"};
    const auto lower = [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    // `a` contains `word` (lower case), ignoring case
    const auto contains = [&](std::string_view a, std::string_view word) {
        for (size_t p = 0; p + word.size() <= a.size(); ++p) {
            size_t k = 0;
            while (k < word.size() && lower(a[p + k]) == word[k])
                ++k;
            if (k == word.size()) return true;
        }
        return false;
    };
    size_t i = 0;
    bool first = true;
    names = true;     // txt-1: only the allowed elements and attributes
    content = false;  // txt-2: some non-whitespace text (or an image)
    // a txt-1 failure ends the scan unless only txt-2 is asked for
    const auto bad_name = [&] {
        names = false;
        return rule != HtmlRule::content;
    };
    while ((i = x.find('<', i)) != std::string_view::npos) {
        ++i;
        if (i < x.size() && (x[i] == '!' || x[i] == '?')) continue;  // comments, declarations
        bool closing = i < x.size() && x[i] == '/';
        if (closing) ++i;
        size_t b = i;
        while (i < x.size() && (std::isalnum(static_cast<unsigned char>(x[i])) || x[i] == ':'))
            ++i;
        char buf[16];
        const bool too_long = i - b >= sizeof buf;  // longer than any allowed name
        if (too_long && bad_name()) return false;
        const size_t n = too_long ? 0 : i - b;
        for (size_t k = 0; k < n; ++k)
            buf[k] = lower(x[b + k]);
        const std::string_view name(buf, n);
        if (first && !closing && name != "div" && bad_name()) return false;
        first = false;
        bool ok = false;
        for (std::string_view a : kAllowed)
            if (name == a) ok = true;
        if (!ok && bad_name()) return false;
        size_t end = x.find('>', i);
        if (end == std::string_view::npos) return false;
        const std::string_view attrs = x.substr(i, end - i);
        // an event-handler attribute: a word starting "on", then letters, spaces and '='
        for (size_t p = 0; p + 1 < attrs.size();) {
            if (lower(attrs[p]) != 'o' || lower(attrs[p + 1]) != 'n') {
                ++p;
                continue;
            }
            bool word_start = p == 0 || std::isspace(static_cast<unsigned char>(attrs[p - 1]));
            size_t q = p + 2;
            while (q < attrs.size() && std::isalpha(static_cast<unsigned char>(attrs[q])))
                ++q;
            while (q < attrs.size() && attrs[q] == ' ')
                ++q;
            if (word_start && q > p + 2 && q < attrs.size() && attrs[q] == '=' && bad_name())
                return false;
            p += 2;
        }
        if (contains(attrs, "javascript:") && bad_name()) return false;
        if (name == "img" && !closing) content = true;
        i = end + 1;
        for (size_t t = i; t < x.size() && x[t] != '<' && !content; ++t)
            content = !std::isspace(static_cast<unsigned char>(x[t]));
    }
    return !first;  // no element: not a div
}

}  // namespace

HtmlVerdict html_check(std::string_view x) {
    HtmlVerdict v;
    if (!html_scan(x, HtmlRule::content, v.names, v.content)) return HtmlVerdict{};
    return v;
}

bool html_ok(std::string_view x, HtmlRule rule) {
    bool names = false, content = false;
    if (!html_scan(x, rule, names, content)) return false;
    switch (rule) {
        case HtmlRule::names:
            return names;
        case HtmlRule::content:
            return content;
        case HtmlRule::both:
            break;
    }
    return names && content;
}

namespace {

std::string_view sv(const JValue& v) {
    return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

Coll fn_extension(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto url = string_arg(ev, call, 0, f, frame);
    if (!url) return {};
    Coll out;
    for (const auto& v : f) {
        Coll ext;
        ev.children_named(v, "extension", ext);
        for (auto& e : ext) {
            if (!e.node || !e.node->IsObject()) continue;
            auto u = e.node->FindMember("url");
            if (u != e.node->MemberEnd() && sv(u->value) == *url) out.push_back(e);
        }
    }
    return out;
}

bool has_primitive_value(const Value& v) {
    return v.kind == Kind::node && v.node && !v.node->IsObject() && !v.node->IsArray() &&
           !v.node->IsNull();
}

Coll fn_has_value(Evaluator&, const Node&, const Coll& f, const Frame&) {
    return {Value::boolean(f.size() == 1 && has_primitive_value(f[0]))};
}

Coll fn_get_value(Evaluator& ev, const Node&, const Coll& f, const Frame&) {
    if (f.size() != 1 || !has_primitive_value(f[0])) return {};
    auto p = ev.primitive(f[0]);
    if (!p) return {};
    return {*p};
}

const JValue* find_resource_in_bundle(const JValue& bundle, std::string_view ref) {
    auto entries = bundle.FindMember("entry");
    if (entries == bundle.MemberEnd() || !entries->value.IsArray()) return nullptr;
    for (const auto& e : entries->value.GetArray()) {
        if (!e.IsObject()) continue;
        auto res = e.FindMember("resource");
        if (res == e.MemberEnd() || !res->value.IsObject()) continue;
        auto full = e.FindMember("fullUrl");
        if (full != e.MemberEnd() && sv(full->value) == ref) return &res->value;
        auto rt = res->value.FindMember("resourceType");
        auto id = res->value.FindMember("id");
        if (rt == res->value.MemberEnd() || id == res->value.MemberEnd()) continue;
        std::string local = std::string(sv(rt->value)) + "/" + std::string(sv(id->value));
        // "Patient/1", or an absolute URL ending in "/Patient/1" (with or without _history).
        std::string_view r = ref;
        if (auto h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
        if (r == local) return &res->value;
        if (r.size() > local.size() && r.substr(r.size() - local.size()) == local &&
            r[r.size() - local.size() - 1] == '/' && full == e.MemberEnd())
            return &res->value;
    }
    return nullptr;
}

const JValue* find_contained(const JValue& resource, std::string_view id) {
    if (!resource.IsObject()) return nullptr;
    auto c = resource.FindMember("contained");
    if (c == resource.MemberEnd() || !c->value.IsArray()) return nullptr;
    for (const auto& r : c->value.GetArray()) {
        if (!r.IsObject()) continue;
        auto i = r.FindMember("id");
        if (i != r.MemberEnd() && sv(i->value) == id) return &r;
    }
    return nullptr;
}

Coll fn_resolve(Evaluator& ev, const Node&, const Coll& f, const Frame&) {
    Coll out;
    for (const auto& v : f) {
        std::string ref;
        if (v.kind == Kind::string) {
            ref = v.s;
        } else if (v.kind == Kind::node && v.node && v.node->IsString()) {
            ref = std::string(sv(*v.node));
        } else if (v.kind == Kind::node && v.node && v.node->IsObject()) {
            auto r = v.node->FindMember("reference");
            if (r == v.node->MemberEnd()) continue;
            ref = std::string(sv(r->value));
        }
        if (ref.empty()) continue;
        const JValue* found = nullptr;
        if (ref[0] == '#') {
            found = find_contained(*ev.resource.node, ref.substr(1));
            if (!found && ev.root_resource.node)
                found = find_contained(*ev.root_resource.node, ref.substr(1));
        } else if (ev.root_resource.node && ev.root_resource.type == "Bundle") {
            found = find_resource_in_bundle(*ev.root_resource.node, ref);
        }
        if (!found) continue;
        auto rt = found->FindMember("resourceType");
        out.push_back(Evaluator::node_value(
            found, nullptr, rt != found->MemberEnd() ? std::string(sv(rt->value)) : ""));
    }
    return out;
}

Coll fn_member_of(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto url = string_arg(ev, call, 0, f, frame);
    const Value* v = ev.singleton(f, "memberOf()");
    if (!url || !v || !ev.env.member_of) return {};
    // (system, code) pairs of a code, Coding or CodeableConcept
    std::vector<std::pair<std::string, std::string>> codes;
    auto coding = [&](const JValue& c) {
        auto s = c.FindMember("system");
        auto k = c.FindMember("code");
        if (k != c.MemberEnd())
            codes.emplace_back(s != c.MemberEnd() ? std::string(sv(s->value)) : "",
                               std::string(sv(k->value)));
    };
    if (v->kind == Kind::string) {
        codes.emplace_back("", v->s);
    } else if (v->kind == Kind::node && v->node && v->node->IsString()) {
        codes.emplace_back("", std::string(sv(*v->node)));
    } else if (v->kind == Kind::node && v->node && v->node->IsObject()) {
        auto cs = v->node->FindMember("coding");
        if (cs != v->node->MemberEnd() && cs->value.IsArray()) {
            for (const auto& c : cs->value.GetArray())
                if (c.IsObject()) coding(c);
        } else {
            coding(*v->node);
        }
    }
    bool unknown = false;
    for (const auto& [system, code] : codes) {
        Membership m = ev.env.member_of(*url, system, code);
        if (m == Membership::member) return {Value::boolean(true)};
        if (m == Membership::unknown) unknown = true;
    }
    if (unknown || codes.empty()) return {};
    return {Value::boolean(false)};
}

Coll fn_html_checks(Evaluator& ev, const Node&, const Coll& f, const Frame&) {
    const Value* v = ev.singleton(f, "htmlChecks()");
    if (!v) return {};
    // txt-1 runs on the Narrative: check its div.
    Value target = *v;
    if (v->kind == Kind::node && v->node && v->node->IsObject()) {
        Coll div;
        ev.children_named(*v, "div", div);
        if (div.size() != 1) return {Value::boolean(false)};
        target = div[0];
    }
    auto p = ev.primitive(target);
    if (!p || p->kind != Kind::string) return {Value::boolean(false)};
    return {Value::boolean(html_ok(p->s))};
}

Coll fn_conforms_to(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto url = string_arg(ev, call, 0, f, frame);
    const Value* v = ev.singleton(f, "conformsTo()");
    if (!url || !v) return {};
    const std::string kCore = "http://hl7.org/fhir/StructureDefinition/";
    if (url->rfind(kCore, 0) == 0 && v->kind == Kind::node)
        return {Value::boolean(ev.is_type(*v, url->substr(kCore.size())))};
    if (url->find("/StructureDefinition/") == std::string::npos)
        throw EvalError{"conformsTo(): '" + *url + "' is not a StructureDefinition URL"};
    if (ev.env.conforms_to && v->kind == Kind::node && v->node) {
        auto r = ev.env.conforms_to(json_of(*v->node), *url);
        if (r) return {Value::boolean(*r)};
    }
    return {};
}

}  // namespace

void add_fhir_functions(FunctionTable& t) {
    t["extension"] = {fn_extension, 1, 1};
    t["hasValue"] = {fn_has_value, 0, 0};
    t["getValue"] = {fn_get_value, 0, 0};
    t["resolve"] = {fn_resolve, 0, 0};
    t["memberOf"] = {fn_member_of, 1, 1};
    t["htmlChecks"] = {fn_html_checks, 0, 0};
    t["conformsTo"] = {fn_conforms_to, 1, 1};
}

}  // namespace vft::fhirpath::detail
