// The national profiles compiled from the published StructureDefinitions (validate/profiles.hpp):
// for EVERY upstream StructureDefinition, a minimal valid instance generated from its compiled
// form, and one mutation per constraint it declares (cardinality, fixed/pattern, binding,
// slice, closed slicing), each expecting the rule it breaks; every profile invariant evaluated.
// Hand-written instances for the important profiles follow.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "fhir/model.hpp"
#include "validate/invariants.hpp"
#include "validate/primitives.hpp"
#include "validate/profiles.hpp"
#include "vft/fhirpath/fhirpath.hpp"
#include "vft/validate/validator.hpp"

using vft::Issue;
using vft::detail::BindingStrength;
using vft::detail::FhirModel;
using vft::detail::JValue;
using vft::detail::ProfileModel;
using vft::detail::SdElement;
using vft::detail::SdProfile;

namespace {

using Alloc = rapidjson::Document::AllocatorType;

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
}

std::string upper_first(std::string_view s) {
    std::string out(s);
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
    return out;
}

const SdElement* sliced_of(const SdElement& sl) {
    return sl.sliced_from;
}

// The elements of a slice at a relative discriminator path, through sub-slices.
void candidates(const SdElement& sl, std::string_view rel, std::vector<const SdElement*>& out) {
    out = {&sl};
    if (rel == "$this") return;
    while (!rel.empty() && !out.empty()) {
        const size_t dot = rel.find('.');
        const std::string_view seg = rel.substr(0, dot);
        rel = dot == std::string_view::npos ? std::string_view() : rel.substr(dot + 1);
        std::vector<const SdElement*> next;
        for (const SdElement* cur : out)
            for (const SdElement* k : cur->children)
                if (k->name == seg) {
                    next.push_back(k);
                    for (const SdElement* s : k->slices)
                        next.push_back(s);
                }
        out.swap(next);
    }
}

// The innermost slice whose discriminator reads `e` (its value identifies the slice).
const SdElement* discriminating_slice(const SdElement& e) {
    const SdElement* found = nullptr;
    for (const SdElement& s : e.profile->elements) {
        if (!s.sliced_from) continue;
        for (const auto& d : s.sliced_from->discriminators) {
            std::vector<const SdElement*> at;
            candidates(s, d.path, at);
            for (const SdElement* x : at)
                if (x == &e) found = &s;
        }
    }
    return found;
}

bool at_or_under(const SdElement& e, const SdElement& top) {
    const std::string_view a = e.id, t = top.id;
    return a.size() >= t.size() && a.substr(0, t.size()) == t &&
           (a.size() == t.size() || a[t.size()] == '.' || a[t.size()] == ':');
}

// The innermost slice enclosing `e` (or `e` itself) whose discriminator reads `e` or something
// below it.
const SdElement* slice_identified_below(const SdElement& e) {
    const SdElement* best = nullptr;
    for (const SdElement& s : e.profile->elements) {
        if (!s.sliced_from || !at_or_under(e, s)) continue;
        for (const auto& d : s.sliced_from->discriminators) {
            std::vector<const SdElement*> at;
            candidates(s, d.path, at);
            for (const SdElement* x : at)
                if (at_or_under(*x, e) && (!best || s.id.size() > best->id.size())) best = &s;
        }
    }
    return best;
}

// `k` is, or holds, what a discriminator of an enclosing slice reads (performer:author's
// identifier.system, told by its required binding): given, so the item is in the slice.
bool identifies_a_slice(const SdElement& k) {
    for (const SdElement& s : k.profile->elements) {
        if (!s.sliced_from || !at_or_under(k, s) || &s == &k) continue;
        for (const auto& d : s.sliced_from->discriminators) {
            std::vector<const SdElement*> at;
            candidates(s, d.path, at);
            for (const SdElement* x : at)
                if (at_or_under(*x, k)) return true;
        }
    }
    return false;
}

enum class Kind { none, omit, extra, wrong_fixed, bad_code, unknown_slice };

struct Mutation {
    Kind kind = Kind::none;
    const SdElement* target = nullptr;
};

// Builds an instance of a compiled profile: every element with min >= 1 (slices included),
// fixed/pattern values as given, codes from the bound value set, the path to the mutation's
// target made present, and the mutation applied there.
class Builder {
  public:
    Builder(const ProfileModel& pm, Mutation mut, Alloc& a) : pm_(pm), mut_(mut), a_(a) {}

    JValue resource(const SdProfile& p) {
        JValue v = object(*p.root(), std::string(p.type), 0);
        if (!p.extension) {
            JValue rt;
            rt.SetString(p.type.data(), static_cast<rapidjson::SizeType>(p.type.size()), a_);
            v.AddMember("resourceType", rt, a_);
        }
        return v;
    }

    bool applied = false;

  private:
    bool on_path(const SdElement& e) const {
        if (!mut_.target) return false;
        const std::string_view t = mut_.target->id;
        if (t.size() < e.id.size() || t.substr(0, e.id.size()) != e.id) return false;
        return t.size() == e.id.size() || t[e.id.size()] == '.' || t[e.id.size()] == ':';
    }

    static bool has_prop(const JValue& v, const SdElement& c) {
        const std::string_view stem = c.choice() ? c.name.substr(0, c.name.size() - 3) : c.name;
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            const std::string_view n(it->name.GetString(), it->name.GetStringLength());
            if (c.choice() ? n.size() > stem.size() && n.substr(0, stem.size()) == stem : n == stem)
                return true;
        }
        return false;
    }

    static bool fixes_something(const SdElement& e) {
        if (e.fixed) return true;
        for (const SdElement* k : e.children)
            if (fixes_something(*k)) return true;
        return false;
    }

    JValue str(std::string_view s) {
        JValue v;
        v.SetString(s.data(), static_cast<rapidjson::SizeType>(s.size()), a_);
        return v;
    }

    void first_code(const SdElement& e, std::string_view& system, std::string_view& code) const {
        for (const auto& s : e.expansion->systems)
            if (!s.codes.empty()) {
                system = s.system;
                code = s.codes.front();
                return;
            }
    }

    JValue primitive(const SdElement& e, std::string_view type) {
        if (e.expansion) {
            std::string_view system, code;
            first_code(e, system, code);
            if (!code.empty()) return str(code);
        }
        if (type == "boolean") return JValue(true);
        if (type == "integer" || type == "positiveInt" || type == "unsignedInt" ||
            type == "decimal" || type == "System.Integer" || type == "System.Decimal")
            return JValue(1);
        if (type == "System.Boolean") return JValue(true);
        if (type == "date") return str("2024-01-01");
        if (type == "dateTime" || type == "instant") return str("2024-01-01T10:00:00+01:00");
        if (type == "time") return str("10:00:00");
        if (type == "uri" || type == "url" || type == "canonical")
            return str("http://example.org/x");
        if (type == "oid") return str("urn:oid:1.2.3");
        if (type == "uuid") return str("urn:uuid:0f7e2f8e-3f5a-4d0e-9b7a-2a4b8b2c1d10");
        return str("x");
    }

    void mutate_value(JValue& v) {
        if (v.IsString()) {
            const std::string s = std::string(v.GetString()) + "-wrong";
            v.SetString(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a_);
        } else if (v.IsBool()) {
            v.SetBool(!v.GetBool());
        } else if (v.IsNumber()) {
            v.SetDouble(v.GetDouble() + 1.5);
        } else if (v.IsObject()) {
            for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
                mutate_value(it->value);
                return;
            }
        } else if (v.IsArray() && !v.Empty()) {
            mutate_value(v[0]);
        }
    }

    JValue value(const SdElement& e, std::string_view type, int depth) {
        JValue v;
        const bool here = mut_.target == &e;
        if (e.fixed) {
            v.CopyFrom(*e.fixed, a_);
            if (here && mut_.kind == Kind::wrong_fixed) {
                mutate_value(v);
                applied = true;
            }
            return v;
        }
        if (here && mut_.kind == Kind::bad_code) {
            applied = true;
            return bad_code(type);
        }
        const bool prim = type.substr(0, 7) == "System." || FhirModel::r4().is_primitive(type);
        if (prim) return primitive(e, type);
        v = object(e, std::string(type), depth + 1);
        return v;
    }

    JValue bad_code(std::string_view type) {
        JValue v(rapidjson::kObjectType);
        if (type == "CodeableConcept") {
            JValue coding(rapidjson::kObjectType);
            coding.AddMember("system", str("http://example.org/cs"), a_);
            coding.AddMember("code", str("vft-no"), a_);
            JValue arr(rapidjson::kArrayType);
            arr.PushBack(coding, a_);
            v.AddMember("coding", arr, a_);
            return v;
        }
        if (type == "Coding" || type == "Quantity") {
            v.AddMember("system", str("http://example.org/cs"), a_);
            v.AddMember("code", str("vft-no"), a_);
            if (type == "Quantity") v.AddMember("value", 1, a_);
            return v;
        }
        return str(type == "uri" ? "http://example.org/not-in-the-value-set" : "vft-no");
    }

    JValue object(const SdElement& e, std::string type, int depth) {
        JValue v(rapidjson::kObjectType);
        if (depth > 12) return v;
        for (const SdElement* c : e.children)
            items(*c, v, depth);
        // what the type's profile requires (Patient.name as no-vft-HumanName); not on the
        // mutation's path (the profile's own element decides there)
        for (const auto& t : on_path(e) ? std::vector<vft::detail::SdType>{} : e.types)
            for (std::string_view url : t.profiles)
                if (const SdProfile* tp = pm_.profile(url); tp && tp != e.profile && tp->root())
                    for (const SdElement* c : tp->root()->children)
                        if (!has_prop(v, *c)) items(*c, v, depth);
        if (type == "Extension" && !v.HasMember("url")) {
            std::string url = "http://example.org/extension";
            if (!e.types.empty() && !e.types[0].profiles.empty())
                url = std::string(e.types[0].profiles[0]);
            v.AddMember("url", str(url), a_);
        }
        bool child_omitted = false;
        for (const SdElement* k : e.children)
            child_omitted = child_omitted || (mut_.kind == Kind::omit && mut_.target == k);
        if (e.expansion && !child_omitted && !v.HasMember("coding") && !v.HasMember("code")) {
            std::string_view system, code;
            first_code(e, system, code);
            if (!code.empty()) {
                if (type == "CodeableConcept") {
                    JValue coding(rapidjson::kObjectType);
                    coding.AddMember("system", str(system), a_);
                    coding.AddMember("code", str(code), a_);
                    JValue arr(rapidjson::kArrayType);
                    arr.PushBack(coding, a_);
                    v.AddMember("coding", arr, a_);
                } else if (type == "Coding" || type == "Quantity") {
                    v.AddMember("system", str(system), a_);
                    v.AddMember("code", str(code), a_);
                }
            }
        }
        if (v.MemberCount() == 0 && type == "Reference") v.AddMember("display", str("x"), a_);
        return v;
    }

    // The JSON property and type of one occurrence of `c` (or of its slice `s`).
    static std::pair<std::string, std::string> naming(const SdElement& c, const SdElement& s) {
        std::string type = s.types.empty() ? (c.types.empty() ? std::string("BackboneElement")
                                                              : std::string(c.types[0].code))
                                           : std::string(s.types[0].code);
        if (c.choice()) {
            const std::string_view stem = c.name.substr(0, c.name.size() - 3);
            return {std::string(stem) + upper_first(type), type};
        }
        return {std::string(c.name), type};
    }

    void items(const SdElement& c, JValue& parent, int depth) {
        std::vector<std::pair<std::string, JValue>> made;  // (property, value)
        std::vector<const SdElement*> src;                 // what each was made as
        auto make = [&](const SdElement& as_el, const std::string& prop, const std::string& type) {
            made.emplace_back(prop, value(as_el, type, depth));
            src.push_back(&as_el);
        };
        const bool omit = mut_.kind == Kind::omit;
        size_t from_slices = 0;
        for (const SdElement* s : c.slices) {
            uint32_t n = std::max<uint32_t>(s->min, on_path(*s) ? 1 : 0);
            if (omit && mut_.target == s) {
                n = 0;
                applied = true;
            }
            for (uint32_t i = 0; i < n; ++i) {
                auto [prop, type] = naming(c, *s);
                make(*s, prop, type);
                ++from_slices;
            }
        }
        uint32_t base = c.min > from_slices ? c.min - static_cast<uint32_t>(from_slices) : 0;
        // a value where the profile says what it is (the vital-signs invariants vs-2/vs-3 ask
        // for one)
        bool any_slice_open = c.slices.empty();
        for (const SdElement* sl : c.slices)
            any_slice_open = any_slice_open || sl->max > 0;
        bool slice_omitted = false;
        for (const SdElement* sl : c.slices)
            slice_omitted = slice_omitted || (omit && mut_.target == sl);
        if (c.choice() && c.name == "value[x]" && made.empty() && base == 0 && c.max > 0 &&
            any_slice_open && !slice_omitted && !(mut_.target == &c && omit))
            base = 1;
        // an optional element whose content the profile fixes is given as fixed (a coding whose
        // system the profile fixes is not then made from the expansion)
        if (made.empty() && base == 0 && c.max > 0 &&
            (fixes_something(c) || identifies_a_slice(c)) && !(mut_.target == &c && omit))
            base = 1;
        if (on_path(c) && made.empty() && base == 0 && mut_.target != nullptr &&
            !(mut_.target == &c && omit))
            base = 1;
        if (omit && mut_.target == &c) {
            applied = true;
            return;
        }
        // items beyond the required slices: as the first slice whose own constraints are not
        // the mutation's target (a closed slicing admits nothing else), else as the element
        const SdElement* as = &c;
        for (const SdElement* s : c.slices)
            if (as == &c && !on_path(*s) && s->max > 0) as = s;
        for (uint32_t i = 0; i < base; ++i) {
            auto [prop, type] = naming(c, *as);
            make(*as, prop, type);
        }
        // the target is below the element itself (not below one of its slices): one item made
        // as the element
        bool via_slice = false;
        for (const SdElement* sl : c.slices)
            via_slice = via_slice || on_path(*sl);
        if (on_path(c) && mut_.target != &c && !via_slice &&
            std::find(src.begin(), src.end(), &c) == src.end()) {
            auto [prop, type] = naming(c, c);
            make(c, prop, type);
        }
        if (mut_.target == &c && mut_.kind == Kind::unknown_slice) {
            auto [prop, type] = naming(c, c);
            JValue x(rapidjson::kObjectType);
            x.AddMember("id", str("vft-matches-no-slice"), a_);
            made.emplace(made.begin(), prop, std::move(x));  // first: a single element keeps it
            src.insert(src.begin(), &c);
            applied = true;
        }
        if (mut_.target == &c && mut_.kind == Kind::extra) {
            while (made.size() <= c.max) {
                auto [prop, type] = naming(c, c);
                make(c, prop, type);
            }
            applied = true;
        }
        for (const SdElement* s : c.slices)
            if (mut_.target == s && mut_.kind == Kind::extra) {
                uint32_t have = 0;
                for (uint32_t i = 0; i < s->max + 1; ++i) {
                    auto [prop, type] = naming(c, *s);
                    make(*s, prop, type);
                    ++have;
                }
                applied = have > 0;
            }
        if (made.empty()) return;
        const bool array = c.r4 ? c.r4->is_array() : c.base_max > 1;
        const std::string prop = made.front().first;
        // a primitive whose extensions the profile constrains: the `_name` companion
        const bool prim = !made.front().second.IsObject();
        bool companion = false;
        for (const SdElement* e : src)
            for (const SdElement* k : e->children)
                companion = companion || k->min > 0 || on_path(*k);
        JValue comps(rapidjson::kArrayType);
        if (prim && companion)
            for (const SdElement* e : src)
                comps.PushBack(object(*e, "Element", depth + 1), a_);
        if (array) {
            JValue arr(rapidjson::kArrayType);
            for (auto& m : made)
                if (m.first == prop) arr.PushBack(m.second, a_);
            parent.AddMember(str(prop), arr, a_);
            if (prim && companion) parent.AddMember(str("_" + prop), comps, a_);
        } else {
            parent.AddMember(str(prop), made.front().second, a_);
            if (prim && companion) parent.AddMember(str("_" + prop), comps[0], a_);
        }
    }

    const ProfileModel& pm_;
    Mutation mut_;
    Alloc& a_;
};

struct Outcome {
    std::vector<Issue> issues;
    std::vector<vft::UncheckedInvariant> unchecked;
    std::string json;
    bool applied = false;
};

// What the generator cannot infer: content an invariant asks for.
// no-basis-AppointmentResponse inv-1 ("extension.where(url = '…no-basis-shortnotice').value
// .exists() and actor.type.value = 'Patient'") fails unless the shortNotice extension is there.
const std::map<std::string, std::string>& supplements() {
    static const std::map<std::string, std::string> s{
        {"http://hl7.no/fhir/StructureDefinition/no-basis-AppointmentResponse",
         R"({"extension":[{"url":"http://hl7.no/fhir/StructureDefinition/no-basis-shortnotice",)"
         R"("valueBoolean":true}],"actor":{"type":"Patient","display":"x"}})"}};
    return s;
}

Outcome run(const SdProfile& p, Mutation m) {
    const ProfileModel& pm = ProfileModel::embedded();
    rapidjson::Document doc;
    Builder b(pm, m, doc.GetAllocator());
    JValue v = b.resource(p);
    doc.CopyFrom(v, doc.GetAllocator());
    if (auto it = supplements().find(std::string(p.url));
        it != supplements().end() && m.kind == Kind::none) {
        rapidjson::Document extra;
        extra.Parse(it->second.c_str());
        for (auto& mbr : extra.GetObject()) {
            doc.RemoveMember(mbr.name.GetString());
            JValue name, val;
            name.CopyFrom(mbr.name, doc.GetAllocator());
            val.CopyFrom(mbr.value, doc.GetAllocator());
            doc.AddMember(name, val, doc.GetAllocator());
        }
    }
    Outcome o;
    o.applied = b.applied;
    o.json = to_json(doc);
    vft::detail::validate_profile(pm, p, doc, doc, std::string(p.type), o.issues, &o.unchecked);
    return o;
}

std::string dump(const Outcome& o) {
    std::string out = o.json + "\n";
    for (const Issue& i : o.issues)
        out += i.rule + " " + i.path + " " + i.message + " [" + i.source + "]\n";
    for (const auto& u : o.unchecked)
        out += "unchecked " + u.key + " " + u.path + "\n";
    return out;
}

bool has_rule(const Outcome& o, std::string_view rule) {
    for (const Issue& i : o.issues)
        if (i.rule == rule) return true;
    return false;
}

}  // namespace

TEST_CASE("profiles: every upstream StructureDefinition is compiled", "[profiles]") {
    const ProfileModel& pm = ProfileModel::embedded();
    // specs/upstream: 28 VKP R4 (27 with a type; the ImplementationGuide SD is a logical
    // model), 7 VFT-EPJ, 35 no-basis, 13 PMD
    CHECK(pm.profiles().size() == 82);
    for (const SdProfile& p : pm.profiles()) {
        INFO(p.url);
        REQUIRE(p.root() != nullptr);
        CHECK(p.file.substr(0, 15) == "specs/upstream/");
        CHECK(FhirModel::r4().type(p.type) != nullptr);
    }
    // differential elements naming an element R4 does not have (STU3 names) are listed
    std::set<std::string_view> skipped(pm.skipped().begin(), pm.skipped().end());
    CHECK(skipped.count("CarePlan.context") == 1);
    CHECK(skipped.count("MessageHeader.receiver") == 1);
}

TEST_CASE(
    "profiles: generated minimal instance of every profile is valid, every invariant "
    "evaluated",
    "[profiles]") {
    size_t n = 0, invariants = 0;
    for (const SdProfile& p : ProfileModel::embedded().profiles()) {
        const Outcome o = run(p, {});
        INFO(p.url << "\n" << dump(o));
        CHECK(o.issues.empty());
        CHECK(o.unchecked.empty());  // --list-unchecked stays empty for every national invariant
        ++n;
        for (const SdElement& e : p.elements)
            invariants += e.constraints.size();
    }
    CHECK(n == 82);
    CHECK(invariants > 0);
}

TEST_CASE("profiles: one mutation per declared constraint breaks exactly that rule", "[profiles]") {
    std::map<std::string, size_t> proven;  // rule -> mutations that showed it
    size_t skipped_open = 0, skipped_undecidable = 0;
    for (const SdProfile& p : ProfileModel::embedded().profiles()) {
        for (const SdElement& e : p.elements) {
            if (&e == p.root()) continue;
            std::vector<std::pair<Mutation, std::string>> cases;
            const SdElement* disc = discriminating_slice(e);
            // a type slice of a choice with one type whose element is itself required: any
            // value is that slice, the element's own min says it (not a mutation of its own)
            const bool only_type = e.sliced_from && e.sliced_from->choice() &&
                                   e.sliced_from->types.size() == 1 && e.sliced_from->min >= 1;
            // cardinality: min
            if (e.min >= 1 && (!e.slice_name.empty() || e.min > e.base_min) && !only_type)
                cases.push_back(
                    {{Kind::omit, &e}, e.slice_name.empty() ? "FHIR-PRF-001" : "FHIR-PRF-005"});
            // cardinality: max (only where JSON can repeat)
            if (e.max != SdElement::kUnbounded && e.max < e.base_max && e.r4 && e.r4->is_array() &&
                e.max > 0)
                cases.push_back(
                    {{Kind::extra, &e}, e.slice_name.empty() ? "FHIR-PRF-001" : "FHIR-PRF-005"});
            // fixed / pattern
            if (e.fixed) {
                std::string want = "FHIR-PRF-002";
                if (disc) {
                    const SdElement* base = sliced_of(*disc);
                    want = disc->min >= 1         ? "FHIR-PRF-005"
                           : base && base->closed ? "FHIR-PRF-006"
                                                  : "";
                }
                if (want.empty())
                    ++skipped_open;  // an optional slice of open slicing: another item, valid
                else
                    cases.push_back({{Kind::wrong_fixed, &e}, want});
            }
            // binding
            if (e.expansion && !e.fixed && !disc && e.types.size() == 1) {
                const std::string_view t = e.types[0].code;
                if (t == "code" || t == "Coding" || t == "CodeableConcept" || t == "uri" ||
                    t == "Quantity" || t == "string")
                    cases.push_back({{Kind::bad_code, &e},
                                     e.strength == BindingStrength::required ? "FHIR-PRF-003"
                                                                             : "FHIR-PRF-004"});
            }
            // closed slicing: an item that matches no slice
            if (e.closed && !e.slices.empty() && !e.choice())
                cases.push_back({{Kind::unknown_slice, &e}, "FHIR-PRF-006"});
            // under a slice nothing identifies (no value at its discriminator path): not judged
            bool undecidable = false;
            for (const SdElement& sl : p.elements)
                if (sl.sliced_from && !sl.decidable && at_or_under(e, sl)) undecidable = true;
            if (undecidable) {
                skipped_undecidable += cases.size();
                continue;
            }
            for (auto& [m, rule] : cases) {
                // a mutation at or above what identifies an enclosing slice takes the item out
                // of that slice: the slice's rule, not the element's
                if (const SdElement* s = slice_identified_below(*m.target);
                    s && !(m.kind == Kind::omit && m.target == s) && m.kind != Kind::extra &&
                    m.kind != Kind::unknown_slice) {
                    rule = s->min >= 1                                ? "FHIR-PRF-005"
                           : s->sliced_from && s->sliced_from->closed ? "FHIR-PRF-006"
                                                                      : "";
                    if (rule.empty()) {
                        ++skipped_open;
                        continue;
                    }
                }
                const Outcome o = run(p, m);
                INFO(p.url << " " << e.id << " expects " << rule << "\n" << dump(o));
                REQUIRE(o.applied);
                CHECK(has_rule(o, rule));
                ++proven[rule];
            }
        }
    }
    INFO("open optional slices whose fixed value only identifies them: " << skipped_open);
    INFO("mutations under slices nothing identifies (not judged): " << skipped_undecidable);
    for (const char* rule : {"FHIR-PRF-001", "FHIR-PRF-002", "FHIR-PRF-003", "FHIR-PRF-004",
                             "FHIR-PRF-005", "FHIR-PRF-006"}) {
        INFO(rule);
        CHECK(proven[rule] > 0);
    }
}

// --- hand-written instances for the important profiles, through the whole validator ---------

namespace {

const vft::Validator& validator() {
    static vft::Validator v = vft::Validator::create().value();
    return v;
}

vft::ValidationReport judge(const std::string& json, const char* spec = nullptr,
                            bool unchecked = false) {
    vft::ValidateOptions o;
    if (spec) o.spec = spec;
    o.list_unchecked = unchecked;
    return validator().validate(json, o);
}

const Issue* find(const vft::ValidationReport& r, std::string_view rule, std::string_view path) {
    for (const Issue& i : r.issues)
        if (i.rule == rule && i.path == path) return &i;
    return nullptr;
}

std::string all(const vft::ValidationReport& r) {
    std::string out;
    for (const Issue& i : r.issues)
        out += std::string(vft::to_string(i.severity)) + " " + i.rule + " " + i.path + " " +
               i.message + " [" + i.source + "]\n";
    return out;
}

// A published PMD vital sign (vkp-Observation-Bodytemp of the IG) in a batch.
std::string bodytemp(const std::string& value, const std::string& effective,
                     const std::string& subject =
                         R"({"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.2",)"
                         R"("value":"52854812335"},"display":"Piotr Kowalski"})") {
    return R"({"resourceType":"Bundle","type":"batch","identifier":{"system":)"
           R"("https://www.nhn.no/komlink/bundle-identifier","value":)"
           R"("urn:uuid:eea5cf98-d839-5eb2-9bf4-d02698656c8b"},"entry":[{"fullUrl":)"
           R"("urn:uuid:93bcead0-0d12-5284-baf3-947b5fea1dee","request":{"method":"POST",)"
           R"("url":"Observation"},"resource":{"resourceType":"Observation","meta":{"profile":[)"
           R"("http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation-Bodytemp"]},)"
           R"("status":"final","category":[{"coding":[{"system":)"
           R"("http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],)"
           R"("code":{"coding":[{"system":"http://loinc.org","code":"8310-5"},{"system":)"
           R"("http://snomed.info/sct","code":"276885007"}]},"subject":)" +
           subject + R"(,"effectiveDateTime":")" + effective + R"(",)" + value + "}}]}";
}

const char* kCelsius =
    R"("valueQuantity":{"value":37.2,"unit":"C","system":"http://unitsofmeasure.org","code":"Cel"})";

size_t count_prefix(const vft::ValidationReport& r, std::string_view prefix,
                    vft::Severity at_most) {
    size_t n = 0;
    for (const Issue& i : r.issues)
        if (i.rule.rfind(prefix, 0) == 0 && i.severity <= at_most) ++n;
    return n;
}

}  // namespace

TEST_CASE("profiles: PMD vkp-Observation-Bodytemp as published", "[profiles]") {
    const auto ok = judge(bodytemp(kCelsius, "2026-03-03T19:42:10+01:00"), "pmd", true);
    INFO(all(ok));
    CHECK(count_prefix(ok, "FHIR-PRF-", vft::Severity::warning) == 0);
    CHECK(ok.unchecked.empty());  // every invariant met (vs-1, vs-2, the R4 ones) evaluated

    // [degF] is in the published ucum-bodytemp value set
    const auto f = judge(bodytemp(R"("valueQuantity":{"value":99.1,"unit":"F","system":)"
                                  R"("http://unitsofmeasure.org","code":"[degF]"})",
                                  "2026-03-03T19:42:10+01:00"),
                         "pmd");
    INFO(all(f));
    CHECK(count_prefix(f, "FHIR-PRF-", vft::Severity::warning) == 0);

    // a unit outside ucum-bodytemp: the required binding of value[x]:valueQuantity.code
    const auto k = judge(bodytemp(R"("valueQuantity":{"value":310,"unit":"K","system":)"
                                  R"("http://unitsofmeasure.org","code":"K"})",
                                  "2026-03-03T19:42:10+01:00"),
                         "pmd");
    INFO(all(k));
    const Issue* b = find(k, "FHIR-PRF-003", "Bundle.entry[0].resource.valueQuantity.code");
    REQUIRE(b);
    CHECK(b->source ==
          "specs/upstream/vkp-observation/published/StructureDefinition-vkp-Observation-"
          "Bodytemp.json#Observation.value[x]:valueQuantity.code");

    // value[x] restricted to Quantity
    const auto s = judge(bodytemp(R"("valueString":"warm")", "2026-03-03T19:42:10+01:00"), "pmd");
    INFO(all(s));
    CHECK(find(s, "FHIR-PRF-007", "Bundle.entry[0].resource.valueString"));

    // vs-1 (vital signs): a dateTime effective[x] precise to the day
    const auto d = judge(bodytemp(kCelsius, "2026-03"), "pmd");
    INFO(all(d));
    const Issue* v = find(d, "FHIR-PRF-008", "Bundle.entry[0].resource.effectiveDateTime");
    REQUIRE(v);
    CHECK(v->message.rfind("vs-1: ", 0) == 0);
    CHECK(v->severity == vft::Severity::error);

    // the subject identifier system: the required binding vkp-subject-identifiers
    const auto id = judge(bodytemp(kCelsius, "2026-03-03T19:42:10+01:00",
                                   R"({"identifier":{"system":"http://cosdoc.dips.no/lopenummer",)"
                                   R"("value":"4711"},"display":"P"})"),
                          "pmd");
    INFO(all(id));
    CHECK(find(id, "FHIR-PRF-003", "Bundle.entry[0].resource.subject.identifier.system"));

    // Reference(Patient | no-basis-Patient): a Group is not a Patient
    const auto g = judge(
        bodytemp(kCelsius, "2026-03-03T19:42:10+01:00", R"({"reference":"Group/1","display":"G"})"),
        "pmd");
    INFO(all(g));
    CHECK(find(g, "FHIR-PRF-009", "Bundle.entry[0].resource.subject.reference"));

    // a LOINC code for the slice BodyTempCode (8310-5) missing: the slice's min
    const std::string no_loinc = [] {
        std::string doc = bodytemp(kCelsius, "2026-03-03T19:42:10+01:00");
        const std::string loinc = R"({"system":"http://loinc.org","code":"8310-5"},)";
        doc.erase(doc.find(loinc), loinc.size());
        return doc;
    }();
    const auto sl = judge(no_loinc, "pmd");
    INFO(all(sl));
    CHECK(find(sl, "FHIR-PRF-005", "Bundle.entry[0].resource.code.coding"));
}

TEST_CASE("profiles: vkp-MedicationDispense subject must carry an FNR, DNR or FHN identifier",
          "[profiles]") {
    const std::string base =
        R"({"resourceType":"MedicationDispense","meta":{"profile":[)"
        R"("http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090"]},)"
        R"("identifier":[{"system":"urn:ietf:rfc:3986","value":)"
        R"("urn:uuid:8ea838cc-f528-5c8c-a030-522210534231"}],"status":"completed",)"
        R"("category":{"coding":[{"system":)"
        R"("http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090","code":"1.1"}]},)"
        R"("medicationCodeableConcept":{"text":"Multidosepose"},"subject":SUBJECT,)"
        R"("performer":[{"actor":{"identifier":{"system":)"
        R"("https://fhir.evondos.com/e300-codes/serialnumber","value":"E300-0042117"}}}],)"
        R"("whenHandedOver":"2026-03-12T08:01:12+01:00"})";
    auto with = [&base](const std::string& subject) {
        std::string d = base;
        d.replace(d.find("SUBJECT"), 7, subject);
        return d;
    };
    const auto ok = judge(with(R"({"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1",)"
                               R"("value":"01686014416"},"display":"Nina Fjeld"})"),
                          "vkp-r4");
    INFO(all(ok));
    CHECK(count_prefix(ok, "FHIR-PRF-", vft::Severity::warning) == 0);

    // only a reference: MedicationDispense.subject.identifier is 1..1 in the published profile
    const auto ref = judge(with(R"({"reference":"Patient/1"})"), "vkp-r4");
    INFO(all(ref));
    const Issue* i = find(ref, "FHIR-PRF-001", "MedicationDispense.subject.identifier");
    REQUIRE(i);
    CHECK(i->source ==
          "specs/upstream/vkp-r4/StructureDefinition/vkp-MedicationDispense-v090."
          "structuredefinition-profile.xml#MedicationDispense.subject.identifier");

    // a local identifier: the closed slicing FNR | DNR | FHN
    const auto local = judge(with(R"({"identifier":{"system":"http://cosdoc.dips.no/lopenummer",)"
                                  R"("value":"4711"}})"),
                             "vkp-r4");
    INFO(all(local));
    CHECK(find(local, "FHIR-PRF-006", "MedicationDispense.subject.identifier"));
    // the hand-written VKP-SUBJ-001 said the same and defers to it
    bool deferred = false;
    for (const Issue& d : local.deferred)
        deferred = deferred || d.rule == "VKP-SUBJ-001";
    CHECK(deferred);
    for (const Issue& x : local.issues)
        CHECK(x.rule != "VKP-SUBJ-001");
}

TEST_CASE("profiles: meta.profile names what is judged; unknown profiles are noted", "[profiles]") {
    const auto r = judge(
        R"({"resourceType":"Patient","meta":{"profile":["http://example.org/StructureDefinition/x"]},)"
        R"("identifier":[{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"01686014416"}],)"
        R"("name":[{"family":"Fjeld","given":["Nina"]}]})",
        "vkp-r4");
    INFO(all(r));
    const Issue* i = find(r, "FHIR-PRF-010", "Patient.meta.profile[0]");
    REQUIRE(i);
    CHECK(i->severity == vft::Severity::information);

    // the VFT-EPJ Patient (no-vft-Patient) by meta.profile: its HumanName profile requires family
    const auto v =
        judge(R"({"resourceType":"Patient","meta":{"profile":[)"
              R"("http://hl7.no/fhir/StructureDefinition/no-vft-Patient"]},)"
              R"("identifier":[{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"01686014416"}],)"
              R"("name":[{"given":["Nina"]}],"gender":"female"})",
              "vkp-r4");
    INFO(all(v));
    CHECK(find(v, "FHIR-PRF-001", "Patient.name[0].family"));
}

TEST_CASE("profiles: every national invariant parses and is evaluated on an instance",
          "[profiles]") {
    const ProfileModel& pm = ProfileModel::embedded();
    for (const auto& c : pm.constraints()) {
        INFO(c.key << ": " << c.expression);
        CHECK(vft::fhirpath::compile(c.expression).ok());
    }
    // Count the evaluations per constraint through the evaluator hook, then put it back.
    const vft::detail::InvariantEvaluator saved = vft::detail::invariant_evaluator();
    std::set<const char*> seen;
    vft::detail::set_invariant_evaluator([&saved, &seen](const vft::detail::InvariantNode& n) {
        seen.insert(n.constraint.expression.data());
        return saved(n);
    });
    for (const SdProfile& p : pm.profiles())
        for (const SdElement& e : p.elements)
            if (!e.constraints.empty()) {
                const Outcome o = run(p, {Kind::none, &e});  // the element made present
                INFO(p.url << " " << e.id << "\n" << dump(o));
                CHECK(o.unchecked.empty());
            }
    vft::detail::set_invariant_evaluator(saved);
    for (const auto& c : pm.constraints()) {
        INFO(c.key << ": " << c.expression);
        CHECK(seen.count(c.expression.data()) == 1);
    }
}
