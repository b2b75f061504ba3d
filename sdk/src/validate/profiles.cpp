// National profiles: loading specs/compiled/profiles.model and judging resources (profiles.hpp).
#include "validate/profiles.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "json/literal_member.hpp"
#include "validate/embedded_specs.hpp"
#include "validate/extensions.hpp"
#include "validate/invariants.hpp"
#include "validate/issue_out.hpp"

namespace vft::detail {

namespace {

constexpr std::string_view kMagic = "vft-fhir-profiles";
constexpr std::string_view kFormat = "1";
constexpr std::string_view kCore = "http://hl7.org/fhir/StructureDefinition/";

// Rule IDs (specs/README.md "National profiles, compiled from the published StructureDefinitions").
constexpr const char* kCardinality = "FHIR-PRF-001";
constexpr const char* kFixed = "FHIR-PRF-002";
constexpr const char* kRequired = "FHIR-PRF-003";
constexpr const char* kExtensible = "FHIR-PRF-004";
constexpr const char* kSliceCardinality = "FHIR-PRF-005";
constexpr const char* kClosedSlicing = "FHIR-PRF-006";
constexpr const char* kType = "FHIR-PRF-007";
constexpr const char* kInvariant = "FHIR-PRF-008";
constexpr const char* kTarget = "FHIR-PRF-009";
constexpr const char* kUnknownProfile = "FHIR-PRF-010";

void split(std::string_view s, char sep, std::vector<std::string_view>& out) {
    out.clear();
    size_t start = 0;
    while (true) {
        const size_t p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string_view::npos ? p : p - start));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
}

uint32_t parse_max(std::string_view s) {
    if (s == "*" || s.empty()) return SdElement::kUnbounded;
    uint32_t v = 0;
    for (char c : s)
        if (c >= '0' && c <= '9') v = v * 10 + static_cast<uint32_t>(c - '0');
    return v;
}

std::string_view strip_version(std::string_view url) {
    return url.substr(0, url.find('|'));
}

std::string_view sv(const JValue& v) {
    return {v.GetString(), v.GetStringLength()};
}

Error model_error(const std::string& what, size_t line) {
    Error e;
    e.code = "VFT-SPEC-0202";
    e.message = what;
    e.location = "specs/compiled/profiles.model:" + std::to_string(line);
    e.hint = "regenerate it with scripts/update-specs.sh";
    return e;
}

// The base R4 element at a snapshot path ("Patient.identifier.system" -> Identifier.system).
const FhirElement* r4_element(const FhirModel& m, std::string_view path) {
    std::vector<std::string_view> segs;
    split(path, '.', segs);
    const FhirType* t = m.type(segs[0]);
    if (!t || !t->root) return nullptr;
    const FhirElement* cur = t->root;
    for (size_t i = 1; i < segs.size(); ++i) {
        const FhirElement* next = nullptr;
        for (const FhirElement* k : m.children(*cur))
            if (k->name == segs[i]) next = k;
        if (!next) return nullptr;
        cur = next;
    }
    return cur;
}

// The elements of a slice at a relative dotted path ("code.coding.code"), through the
// slices of the elements on the way (code.coding:LOINC.code), or the slice itself.
void candidates(const SdElement& sl, std::string_view rel, std::vector<const SdElement*>& out) {
    out.clear();
    out.push_back(&sl);
    if (rel == "$this" || rel.empty()) return;
    std::vector<const SdElement*> next;
    while (!rel.empty() && !out.empty()) {
        const size_t dot = rel.find('.');
        const std::string_view seg = rel.substr(0, dot);
        rel = dot == std::string_view::npos ? std::string_view() : rel.substr(dot + 1);
        next.clear();
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

bool decidable(const SdElement& sl) {
    const SdElement* base = sl.sliced_from;
    if (!base || base->discriminators.empty()) return false;
    std::vector<const SdElement*> at;
    for (const SdDiscriminator& d : base->discriminators) {
        if (d.type == "type") {
            if (sl.types.empty()) return false;
            continue;
        }
        candidates(sl, d.path, at);
        if (d.type == "exists") {
            if (at.empty()) return false;
            continue;
        }
        if (d.type == "profile") {
            bool any = false;
            for (const SdType& t : sl.types)
                any = any || !t.profiles.empty();
            if (!any) return false;
            continue;
        }
        bool any = false;
        for (const SdElement* e : at)
            any = any || e->fixed || (e->expansion && e->strength == BindingStrength::required);
        if (d.path == "url" && !sl.types.empty() && !sl.types[0].profiles.empty()) any = true;
        if (!any) return false;
    }
    return true;
}

}  // namespace

ProfileModel::~ProfileModel() = default;

const ProfileModel& ProfileModel::embedded() {
    static const ProfileModel* model = [] {
        std::string text;
        for (const EmbeddedFile* f = embedded_compiled_model(); f->path; ++f)
            if (std::string_view(f->path) == "profiles.model") text.assign(f->data, f->size);
        auto parsed = parse(std::move(text), FhirModel::r4());
        if (!parsed) return static_cast<const ProfileModel*>(new ProfileModel());
        return static_cast<const ProfileModel*>(std::move(parsed).value().release());
    }();
    return *model;
}

Result<std::unique_ptr<ProfileModel>> ProfileModel::parse(std::string text, const FhirModel& r4) {
    std::unique_ptr<ProfileModel> m(new ProfileModel());
    m->text_ = std::move(text);
    if (auto r = m->load(r4); !r) return r.error();
    return m;
}

const SdProfile* ProfileModel::profile(std::string_view url) const {
    auto it = index_.find(strip_version(url));
    return it == index_.end() ? nullptr : it->second;
}

Result<void> ProfileModel::load(const FhirModel& r4) {
    std::vector<std::string_view> f, parts, names;
    auto unescape = [this](std::string_view s) -> std::string_view {
        if (s.find('\\') == std::string_view::npos) return s;
        std::string out;
        for (size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '\\' && i + 1 < s.size()) {
                const char c = s[++i];
                out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
            } else {
                out += s[i];
            }
        }
        unescaped_.push_back(std::move(out));
        return unescaped_.back();
    };
    struct PendingCons {
        size_t profile, element;
        std::vector<uint32_t> idx;
    };
    struct PendingVs {
        size_t profile, element;
    };
    std::vector<PendingCons> pcons;
    std::vector<PendingVs> pvs;
    unescaped_.reserve(4096);
    std::string_view rest(text_);
    size_t line_no = 0;
    while (!rest.empty()) {
        const size_t nl = rest.find('\n');
        const std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        split(line, '\t', f);
        const std::string_view kind = f[0];
        if (line_no == 1) {
            if (kind != kMagic || f.size() < 3 || f[1] != kFormat)
                return model_error("not a compiled profile model of format 1", line_no);
        } else if (kind == "C" && f.size() == 5) {
            constraints_.push_back({f[1], f[2], unescape(f[3]), unescape(f[4])});
            constraints_.back().error = f[2] == "error";
            constraints_.back().ele1 = f[1] == "ele-1";
        } else if (kind == "V" && f.size() >= 3) {
            if (valuesets_.empty() || valuesets_.back().url != f[1])
                valuesets_.push_back(FhirValueSet{f[1], {}});
            if (!f[2].empty()) {
                FhirValueSet::System s{f[2], {f.begin() + 3, f.end()}};
                std::sort(s.codes.begin(), s.codes.end());
                valuesets_.back().systems.push_back(std::move(s));
            }
        } else if (kind == "U" && f.size() == 2) {
        } else if (kind == "S" && f.size() == 3) {
            skipped_.push_back(f[2]);
        } else if (kind == "P" && f.size() == 8) {
            SdProfile p;
            p.url = f[1];
            p.type = f[2];
            p.extension = f[3] == "x";
            p.base = f[4];
            p.file = f[5];
            p.name = f[6];
            p.version = f[7];
            profiles_.push_back(std::move(p));
        } else if (kind == "N" && f.size() == 12 && !profiles_.empty()) {
            SdProfile& p = profiles_.back();
            SdElement e;
            e.id = f[1];
            e.path = f[2];
            e.name = e.path.substr(e.path.rfind('.') + 1);
            if (const size_t colon = e.id.rfind(':');
                colon != std::string_view::npos && e.id.find('.', colon) == std::string_view::npos)
                e.slice_name = e.id.substr(colon + 1);
            e.min = parse_max(f[3]);
            e.max = parse_max(f[4]);
            if (!f[5].empty()) {
                split(f[5], ';', parts);
                for (std::string_view t : parts) {
                    SdType pt;
                    const size_t brace = t.find('{'), paren = t.find('(');
                    pt.code = t.substr(0, std::min(brace, paren));
                    if (brace != std::string_view::npos) {
                        split(t.substr(brace + 1, t.find('}', brace) - brace - 1), '|', names);
                        pt.profiles = names;
                    }
                    if (paren != std::string_view::npos) {
                        split(t.substr(paren + 1, t.find(')', paren) - paren - 1), '|', names);
                        pt.targets = names;
                    }
                    e.types.push_back(std::move(pt));
                }
            }
            if (!f[6].empty()) {
                const size_t sp = f[6].find(' ');
                const std::string_view s = f[6].substr(0, sp);
                e.valueset = f[6].substr(sp + 1);
                e.strength = s == "required"     ? BindingStrength::required
                             : s == "extensible" ? BindingStrength::extensible
                             : s == "preferred"  ? BindingStrength::preferred
                                                 : BindingStrength::example;
                pvs.push_back({profiles_.size() - 1, p.elements.size()});
            }
            if (!f[7].empty()) {
                e.sliced = true;
                const size_t semi = f[7].rfind(';');
                e.closed = f[7].substr(semi + 1) == "closed";
                if (semi > 0) {
                    split(f[7].substr(0, semi), ',', parts);
                    for (std::string_view d : parts) {
                        const size_t at = d.find('@');
                        e.discriminators.push_back({d.substr(0, at), d.substr(at + 1)});
                    }
                }
            }
            if (!f[8].empty()) {
                split(f[8], ',', parts);
                PendingCons pc{profiles_.size() - 1, p.elements.size(), {}};
                for (std::string_view n : parts) {
                    const uint32_t i = parse_max(n);
                    if (i >= constraints_.size())
                        return model_error("constraint index out of range", line_no);
                    pc.idx.push_back(i);
                }
                pcons.push_back(std::move(pc));
            }
            if (!f[9].empty()) {
                auto doc = std::make_unique<rapidjson::Document>();
                doc->Parse(f[9].data(), f[9].size());
                if (doc->HasParseError() || !doc->IsObject() || doc->MemberCount() != 1)
                    return model_error("fixed/pattern is not one JSON member", line_no);
                e.fixed_key = {doc->MemberBegin()->name.GetString(),
                               doc->MemberBegin()->name.GetStringLength()};
                e.fixed = &doc->MemberBegin()->value;
                fixed_docs_.push_back(std::move(doc));
            }
            e.base_min = parse_max(f[10]);
            e.base_max = parse_max(f[11]);
            e.r4 = r4_element(r4, e.path);
            p.elements.push_back(std::move(e));
        } else {
            return model_error("unknown or malformed record", line_no);
        }
    }
    std::unordered_map<std::string_view, const FhirValueSet*> vs_index;
    for (const FhirValueSet& v : valuesets_)
        vs_index.emplace(v.url, &v);
    for (const PendingVs& v : pvs) {
        SdElement& e = profiles_[v.profile].elements[v.element];
        if (e.strength == BindingStrength::required || e.strength == BindingStrength::extensible)
            if (auto it = vs_index.find(e.valueset); it != vs_index.end()) e.expansion = it->second;
    }
    for (const PendingCons& c : pcons)
        for (uint32_t i : c.idx)
            profiles_[c.profile].elements[c.element].constraints.push_back(&constraints_[i]);
    // The tree: children by id prefix, slices by "<id>:".
    for (SdProfile& p : profiles_) {
        std::unordered_map<std::string_view, SdElement*> by_id;
        for (SdElement& e : p.elements) {
            e.profile = &p;
            by_id.emplace(e.id, &e);
        }
        for (SdElement& e : p.elements) {
            if (!e.slice_name.empty()) {
                const std::string_view base = e.id.substr(0, e.id.size() - e.slice_name.size() - 1);
                if (auto it = by_id.find(base); it != by_id.end()) {
                    it->second->slices.push_back(&e);
                    e.sliced_from = it->second;
                }
                continue;
            }
            const size_t dot = e.id.rfind('.');
            if (dot == std::string_view::npos) continue;
            if (auto it = by_id.find(e.id.substr(0, dot)); it != by_id.end())
                it->second->children.push_back(&e);
        }
        index_.emplace(p.url, &p);
    }
    for (SdProfile& p : profiles_)
        for (SdElement& e : p.elements) {
            if (e.sliced_from) e.decidable = decidable(e);
            for (SdType& t : e.types)
                for (std::string_view url : t.profiles)
                    if (const SdProfile* tp = profile(url); tp && tp != &p && tp->root()) {
                        t.profile_target = tp;
                        break;
                    }
        }
    return {};
}

namespace {

// The JSON type name a choice property carries: "valueQuantity" with stem "value" -> "Quantity",
// "valueString" -> "string" (primitive types start lower-case). Points into the document or the
// model: nothing is allocated.
std::string_view choice_type(std::string_view prop, std::string_view stem, const FhirModel& m) {
    const std::string_view t = prop.substr(stem.size());
    if (t.empty()) return t;
    if (!m.type(t) && t.size() < 64) {  // no R4 type name is that long
        char lower[64];
        t.copy(lower, t.size());
        lower[0] = static_cast<char>(lower[0] - 'A' + 'a');
        if (const FhirType* ft = m.type(std::string_view(lower, t.size()))) return ft->name;
    }
    return t;
}

// A place in the instance ("Bundle.entry[1].resource.code[0]"), kept as a chain of frames on the
// walker's stack and rendered only when an issue needs it.
struct PathRef {
    const PathRef* parent = nullptr;
    std::string_view root;  // the start, when there is no parent
    std::string_view name;  // ".name" after the parent, when has_name
    bool has_name = false;
    int index = -1;  // then "[index]"

    void append(std::string& out) const {
        if (parent)
            parent->append(out);
        else
            out += root;
        if (has_name) {
            out += '.';
            out += name;
        }
        if (index >= 0) {
            out += '[';
            out += std::to_string(index);
            out += ']';
        }
    }
    [[nodiscard]] std::string str() const {
        std::string out;
        append(out);
        return out;
    }
};

bool contains_pattern(const JValue& pattern, const JValue& value) {
    if (pattern.IsObject()) {
        if (!value.IsObject()) return false;
        for (auto it = pattern.MemberBegin(); it != pattern.MemberEnd(); ++it) {
            auto v = value.FindMember(it->name);
            if (v == value.MemberEnd() || !contains_pattern(it->value, v->value)) return false;
        }
        return true;
    }
    if (pattern.IsArray()) {
        if (!value.IsArray()) return false;
        for (const auto& p : pattern.GetArray()) {
            bool found = false;
            for (const auto& v : value.GetArray())
                found = found || contains_pattern(p, v);
            if (!found) return false;
        }
        return true;
    }
    return pattern == value;
}

std::string shown(const JValue& v) {
    if (v.IsString()) {
        std::string s(v.GetString(), v.GetStringLength());
        return s.size() > 80 ? s.substr(0, 77) + "..." : s;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    std::string s(buf.GetString(), buf.GetSize());
    return s.size() > 120 ? s.substr(0, 117) + "..." : s;
}

class ProfileWalker {
  public:
    ProfileWalker(const ProfileModel& pm, const JValue& root, std::vector<Issue>& out,
                  std::vector<UncheckedInvariant>* unchecked)
        : pm_(pm),
          m_(FhirModel::r4()),
          root_(root),
          out_(out),
          unchecked_(unchecked),
          eval_(invariant_evaluator()) {
        trade(spare());  // a walker made while another is alive gets empty ones: still correct
    }
    ~ProfileWalker() {
        items_.clear();
        counts_.clear();
        trade(spare());
    }
    ProfileWalker(const ProfileWalker&) = delete;
    ProfileWalker& operator=(const ProfileWalker&) = delete;

    void run(const SdProfile& p, const JValue& resource, const PathRef& path) {
        if (!p.root()) return;
        const JValue* saved = resource_;
        resource_ = &resource;
        node(*p.root(), &resource, nullptr, p.type, path, 0);
        resource_ = saved;
    }

  private:
    // One instance node against one profile element (and its children). `v` is the JSON value
    // (null for a primitive given only by its `_name` companion), `companion` that object: the
    // children of a primitive's element (id, extension) are read from it.
    void node(const SdElement& pe, const JValue* v, const JValue* companion, std::string_view type,
              const PathRef& path, int depth) {
        if (depth > 24) return;  // type profiles referring to each other: bounded
        if (v) {
            if (pe.fixed) fixed(pe, *v, path);
            if (pe.expansion) binding(pe, *v, path);
            for (const FhirConstraint* c : pe.constraints)
                invariant(pe, *c, *v, type, path);
        }
        for (const SdType& t : pe.types) {
            if (t.code == type || pe.types.size() == 1) {
                if (const SdProfile* tp = t.profile_target)  // resolved at load
                    node(*tp->root(), v, companion, type, path, depth + 1);
                if (!t.targets.empty() && v && v->IsObject()) target(pe, t, *v, path);
            }
        }
        const JValue* obj = v && v->IsObject()                   ? v
                            : companion && companion->IsObject() ? companion
                                                                 : nullptr;
        if (!obj) return;
        for (const SdElement* c : pe.children)
            children(*c, *obj, path, depth);
    }

    struct Item {
        const JValue* v;
        const JValue* companion;
        std::string_view type;
        std::string_view name;  // the property, without a leading '_'
        int index;              // in its array; -1: not in an array
        const SdElement* matched;
    };

    void children(const SdElement& c, const JValue& v, const PathRef& path, int depth) {
        // The items of this call are items_[first, last): nested calls append after them and
        // truncate back, so they are addressed by index (the vector may grow meanwhile).
        const size_t first = items_.size();
        const bool choice = c.choice();
        const std::string_view stem = choice ? c.name.substr(0, c.name.size() - 3) : c.name;
        const size_t sl = stem.size();
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            std::string_view n = sv(it->name);
            const bool underscore = !n.empty() && n[0] == '_';
            if (underscore) n.remove_prefix(1);
            // most members are not this element: rejected by length and first letter
            if (choice ? n.size() <= sl : n.size() != sl) continue;
            if (sl != 0 && (n[0] != stem[0] || !bytes_equal(n.data(), stem.data(), sl))) continue;
            std::string_view type;
            if (choice) {
                if (!(n[sl] >= 'A' && n[sl] <= 'Z')) continue;
                type = choice_type(n, stem, m_);
            } else if (c.types.size() == 1) {
                type = c.types[0].code;
            } else if (c.types.empty()) {
                type = "BackboneElement";
            }
            // a primitive and its `_name` companion are one item (judged from the primary)
            const JValue* other = nullptr;
            for (auto o = v.MemberBegin(); o != v.MemberEnd(); ++o) {
                const std::string_view on = sv(o->name);
                if (underscore ? on.size() == n.size() && bytes_equal(on.data(), n.data(), n.size())
                               : on.size() == n.size() + 1 && on[0] == '_' &&
                                     bytes_equal(on.data() + 1, n.data(), n.size()))
                    other = &o->value;
            }
            if (underscore && other) continue;  // counted with its primary
            const JValue* primary = underscore ? nullptr : &it->value;
            const JValue* comp = underscore ? &it->value : other;
            const JValue& shape = primary ? *primary : *comp;
            if (shape.IsArray()) {
                for (rapidjson::SizeType i = 0; i < shape.Size(); ++i) {
                    const JValue* p = primary ? &(*primary)[i] : nullptr;
                    const JValue* e =
                        comp && comp->IsArray() && i < comp->Size() && (*comp)[i].IsObject()
                            ? &(*comp)[i]
                            : nullptr;
                    if (p && p->IsNull()) p = nullptr;
                    if (!p && !e) continue;
                    items_.push_back({p, e, type, n, static_cast<int>(i), nullptr});
                }
            } else {
                items_.push_back(
                    {primary, comp && comp->IsObject() ? comp : nullptr, type, n, -1, nullptr});
            }
        }
        const size_t last = items_.size();
        PathRef here_ref;
        here_ref.parent = &path;
        here_ref.name = choice ? c.name : stem;
        here_ref.has_name = true;
        const auto here = [&] { return here_ref.str(); };
        const auto item_path = [&](const Item& i) {
            PathRef r;
            r.parent = &path;
            r.name = i.name;
            r.has_name = true;
            r.index = i.index;
            return r;
        };
        const auto n = static_cast<uint32_t>(last - first);
        if (n < c.min && c.min > c.base_min)
            add(Severity::error, kCardinality, here(),
                std::string(c.path) + " is required by " + profile_name(c) + " (min " +
                    std::to_string(c.min) + ")" + (n ? ", found " + std::to_string(n) : ""),
                "", c);
        if (c.max != SdElement::kUnbounded && n > c.max && c.max < c.base_max)
            add(Severity::error, kCardinality, here(),
                std::string(c.path) + " allows at most " + std::to_string(c.max) + " in " +
                    profile_name(c) + ", found " + std::to_string(n),
                c.max == 0 ? "the profile excludes this element: omit it" : "", c);
        if (first == last && c.slices.empty()) return;  // nothing more to judge
        if (choice && !c.types.empty())
            for (size_t k = first; k < last; ++k) {
                const Item& i = items_[k];
                bool ok = false;
                for (const SdType& t : c.types)
                    ok = ok || t.code == i.type;
                if (!ok) {
                    std::string allowed;
                    for (const SdType& t : c.types)
                        allowed += (allowed.empty() ? "" : ", ") + std::string(t.code);
                    add(Severity::error, kType, item_path(i).str(),
                        std::string(c.path) + " is " + std::string(i.type) + "; " +
                            profile_name(c) + " allows " + allowed,
                        "", c);
                }
            }
        const size_t slices = c.slices.size();
        const size_t counts = counts_.size();  // per slice: counts_[counts, counts + slices)
        counts_.resize(counts + slices, 0);
        bool decidable = true;  // every slice can be told: the closed rule can be judged
        for (const SdElement* sl : c.slices)
            decidable = decidable && sl->decidable;
        if (slices != 0)
            for (size_t k = first; k < last; ++k)
                for (size_t s = 0; s < slices && !items_[k].matched; ++s)
                    if (c.slices[s]->decidable && matches(*c.slices[s], items_[k]) == Match::yes) {
                        items_[k].matched = c.slices[s];
                        ++counts_[counts + s];
                    }
        for (size_t k = first; k < last; ++k) {
            const Item i = items_[k];  // a copy: node() below may grow items_
            const PathRef ip = item_path(i);
            if (!i.matched && decidable && c.closed && slices != 0)
                add(Severity::error, kClosedSlicing, ip.str(),
                    "matches none of the slices " + profile_name(c) + " defines for " +
                        std::string(c.path) + " (closed slicing)",
                    "slices: " + slice_names(c), c);
            node(c, i.v, i.companion, i.type, ip, depth);
            if (i.matched) node(*i.matched, i.v, i.companion, i.type, ip, depth);
        }
        for (size_t s = 0; s < slices; ++s) {
            const SdElement& sl = *c.slices[s];
            if (!sl.decidable) continue;  // nothing tells its items: not judged
            const uint32_t found = counts_[counts + s];
            if (found < sl.min)
                add(Severity::error, kSliceCardinality, here(),
                    std::string(c.path) + ": slice '" + std::string(sl.slice_name) + "' of " +
                        profile_name(c) + " needs " + std::to_string(sl.min) + ", found " +
                        std::to_string(found),
                    slice_hint(sl), sl);
            if (sl.max != SdElement::kUnbounded && found > sl.max)
                add(Severity::error, kSliceCardinality, here(),
                    std::string(c.path) + ": slice '" + std::string(sl.slice_name) + "' of " +
                        profile_name(c) + " allows " + std::to_string(sl.max) + ", found " +
                        std::to_string(found),
                    "", sl);
        }
        counts_.resize(counts);
        items_.resize(first);
    }

    static std::string slice_names(const SdElement& c) {
        std::string out;
        for (const SdElement* s : c.slices)
            out += (out.empty() ? "" : ", ") + std::string(s->slice_name);
        return out;
    }

    // What identifies a slice, for a hint ("url = …", "system = …").
    std::string slice_hint(const SdElement& sl) const {
        std::string out;
        if (!sl.sliced_from) return out;
        for (const SdDiscriminator& d : sl.sliced_from->discriminators) {
            std::vector<const SdElement*> at;
            candidates(sl, d.path, at);
            for (const SdElement* e : at)
                if (e->fixed)
                    out +=
                        (out.empty() ? "" : "; ") + std::string(d.path) + " = " + shown(*e->fixed);
            if (d.path == "url" && !sl.types.empty() && !sl.types[0].profiles.empty())
                out += (out.empty() ? "" : "; ") + std::string("url = ") +
                       std::string(sl.types[0].profiles[0]);
        }
        return out.empty() ? out : "the slice is identified by " + out;
    }

    // The values at a relative dotted path of an instance node (arrays flattened).
    static void values_at(const JValue& v, std::string_view rel, std::vector<const JValue*>& out) {
        if (rel == "$this" || rel.empty()) {
            out.push_back(&v);
            return;
        }
        const size_t dot = rel.find('.');
        const std::string_view seg = rel.substr(0, dot);
        const std::string_view tail =
            dot == std::string_view::npos ? std::string_view() : rel.substr(dot + 1);
        if (!v.IsObject()) return;
        auto it = v.MemberBegin();
        while (it != v.MemberEnd() && sv(it->name) != seg)
            ++it;
        if (it == v.MemberEnd()) return;
        if (it->value.IsArray()) {
            for (const auto& x : it->value.GetArray())
                values_at(x, tail, out);
        } else {
            values_at(it->value, tail, out);
        }
    }

    enum class Match { yes, no, undecidable };

    // Whether an item belongs to a slice, by the discriminators of its slicing (FHIR R4
    // profiling.html#discriminator): value/pattern compare with the fixed[x]/pattern[x] at the
    // path (an extension's `url` with its type profile; a required binding with its expansion
    // when no value is fixed), type with the item's type, profile with the profiles it claims,
    // exists with the slice's min/max at the path. Undecidable: the slice gives nothing to
    // compare with (the HL7 validator reports such a profile as an error of the profile).
    Match matches(const SdElement& sl, const Item& item) const {
        const SdElement* base = sl.sliced_from;
        if (!base || base->discriminators.empty()) return Match::undecidable;
        std::vector<const SdElement*> at;
        std::vector<const JValue*> got;
        for (const SdDiscriminator& d : base->discriminators) {
            if (d.type == "type") {
                if (sl.types.empty()) return Match::undecidable;
                bool ok = false;
                for (const SdType& t : sl.types)
                    ok = ok || t.code == item.type;
                if (!ok) return Match::no;
                continue;
            }
            got.clear();
            values_at(item.v ? *item.v : *item.companion, d.path, got);
            if (d.type == "exists") {
                candidates(sl, d.path, at);
                if (at.empty()) return Match::undecidable;
                const SdElement* e = at.front();
                if (e->min >= 1 && got.empty()) return Match::no;
                if (e->max == 0 && !got.empty()) return Match::no;
                continue;
            }
            if (d.type == "profile") {
                bool ok = false;
                for (const JValue* g : got) {
                    const JValue* meta = g->IsObject() ? lit_member(*g, "meta") : nullptr;
                    const JValue* claimed = meta ? lit_member(*meta, "profile") : nullptr;
                    if (!claimed || !claimed->IsArray()) continue;
                    for (const auto& c : claimed->GetArray())
                        for (const SdType& t : sl.types)
                            for (std::string_view w : t.profiles)
                                ok = ok || (c.IsString() && strip_version(sv(c)) == w);
                }
                if (!ok) return Match::no;
                continue;
            }
            // value / pattern
            candidates(sl, d.path, at);
            bool any_value = false, ok = false;
            for (const SdElement* e : at) {
                if (!e->fixed) continue;
                any_value = true;
                for (const JValue* g : got)
                    ok = ok || contains_pattern(*e->fixed, *g);
            }
            if (!any_value && d.path == "url" && !sl.types.empty() &&
                !sl.types[0].profiles.empty()) {
                any_value = true;
                for (const JValue* g : got)
                    ok = ok || (g->IsString() && sv(*g) == sl.types[0].profiles[0]);
            }
            if (!any_value)
                for (const SdElement* e : at)
                    if (e->expansion && e->strength == BindingStrength::required) {
                        any_value = true;
                        for (const JValue* g : got)
                            ok = ok || (g->IsString() && e->expansion->contains_code(sv(*g)));
                    }
            if (!any_value) return Match::undecidable;
            if (!ok) return Match::no;
        }
        return Match::yes;
    }

    void fixed(const SdElement& pe, const JValue& v, const PathRef& path) {
        const bool pattern = pe.fixed_key.substr(0, 7) == "pattern";
        const bool ok = pattern ? contains_pattern(*pe.fixed, v) : *pe.fixed == v;
        if (ok) return;
        add(Severity::error, kFixed, path.str(),
            std::string(pe.path) + (pattern ? " must match the pattern " : " must be ") +
                shown(*pe.fixed) + " in " + profile_name(pe) + ", got " + shown(v),
            "", pe);
    }

    void binding_issue(const SdElement& pe, std::string_view system, std::string_view code,
                       const std::string& path) {
        const bool required = pe.strength == BindingStrength::required;
        std::string msg = "code '" + std::string(code) + "'";
        if (!system.empty()) msg += " (system " + std::string(system) + ")";
        msg += std::string(" is not in the value set ") + profile_name(pe) +
               (required ? " requires" : " names (extensible)") + " for " + std::string(pe.path) +
               ": " + std::string(pe.valueset);
        add(required ? Severity::error : Severity::warning, required ? kRequired : kExtensible,
            path, std::move(msg), "use a code of " + std::string(pe.valueset), pe);
    }

    // A code of the value set. A Coding whose system is the value set's own URL is read as a
    // code of the value set (vkp-severity-level-v090 fixes Coding.system to its ValueSet URL
    // while binding the codes of its CodeSystem; specs/DECISIONS.md).
    static bool in(const SdElement& pe, std::string_view system, std::string_view code) {
        if (system == pe.valueset) return pe.expansion->contains_code(code);
        return pe.expansion->contains(system, code);
    }

    void binding(const SdElement& pe, const JValue& v, const PathRef& path) {
        const FhirValueSet& vs = *pe.expansion;
        if (v.IsString()) {  // code, uri (identifier.system), string
            const std::string_view code = sv(v);
            // Identifier.system bound to a value set whose codes are the allowed system URIs
            if (!vs.contains_code(code)) binding_issue(pe, {}, code, path.str());
            return;
        }
        if (!v.IsObject()) return;
        if (const JValue* codings = lit_member(v, "coding")) {
            if (!codings->IsArray()) return;
            std::string_view fs, fc;
            for (const auto& c : codings->GetArray()) {
                const std::string_view s = lit_str_member(c, "system"),
                                       code = lit_str_member(c, "code");
                if (code.empty()) continue;
                if (in(pe, s, code)) return;
                if (fc.empty()) {
                    fs = s;
                    fc = code;
                }
            }
            if (!fc.empty()) binding_issue(pe, fs, fc, path.str() + ".coding");
            return;
        }
        const std::string_view code = lit_str_member(v, "code");
        if (code.empty()) return;
        const std::string_view system = lit_str_member(v, "system");
        if (!in(pe, system, code)) binding_issue(pe, system, code, path.str());
    }

    void target(const SdElement& pe, const SdType& t, const JValue& ref, const PathRef& path) {
        std::string_view r = lit_str_member(ref, "reference");
        if (r.empty() || r[0] == '#' || r.substr(0, 4) == "urn:") return;
        if (const size_t h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
        const size_t slash = r.rfind('/');
        if (slash == std::string_view::npos || slash == 0) return;
        const std::string_view before = r.substr(0, slash);
        const std::string_view type = before.substr(before.rfind('/') + 1);
        const FhirType* rt = m_.type(type);
        if (!rt || rt->kind != FhirTypeKind::resource) return;
        std::string allowed;
        for (std::string_view target : t.targets) {
            std::string_view ttype;
            if (const SdProfile* p = pm_.profile(target))
                ttype = p->type;
            else if (target.substr(0, kCore.size()) == kCore)
                ttype = target.substr(kCore.size());
            if (ttype.empty() || !m_.type(ttype)) return;  // a profile vft does not know
            if (m_.is_a(type, ttype)) return;
            allowed += (allowed.empty() ? "" : ", ") + std::string(ttype);
        }
        add(Severity::error, kTarget, path.str() + ".reference",
            "'" + std::string(r) + "' refers to a " + std::string(type) + "; " + profile_name(pe) +
                " allows " + std::string(pe.path) + " to refer to " + allowed,
            "", pe);
    }

    void invariant(const SdElement& pe, const FhirConstraint& k, const JValue& v,
                   std::string_view type, const PathRef& path) {
        const auto where = [&pe] {
            return std::string(pe.profile->url) + "#" + std::string(pe.id);
        };
        if (!eval_) {
            if (unchecked_) unchecked_->push_back({std::string(k.key), where()});
            return;
        }
        const FhirElement* el = pe.r4;
        if (!el) {
            const FhirType* rt = m_.type(pe.profile->type);
            el = rt ? rt->root : nullptr;
        }
        if (!el) return;
        const std::function<std::string()> p = [&path] { return path.str(); };
        const InvariantNode n{k, *el, type, &v, nullptr, *resource_, root_, p};
        switch (eval_(n)) {
            case InvariantOutcome::pass:
                return;
            case InvariantOutcome::unsupported:
                if (unchecked_) unchecked_->push_back({std::string(k.key), where()});
                return;
            case InvariantOutcome::fail:
                add(k.severity == "error" ? Severity::error : Severity::warning, kInvariant,
                    path.str(),
                    std::string(k.key) + ": " + std::string(k.human) + " (" + profile_name(pe) +
                        ")",
                    "FHIRPath: " + std::string(k.expression), pe);
                return;
        }
    }

    static std::string profile_name(const SdElement& pe) {
        return std::string(pe.profile->name.empty() ? pe.profile->url : pe.profile->name);
    }

    void add(Severity s, const char* rule, std::string path, std::string message, std::string hint,
             const SdElement& pe) {
        push_issue(out_, s, rule, std::move(path), std::move(message), std::move(hint),
                   std::string(pe.profile->file) + "#" + std::string(pe.id));
    }

    const ProfileModel& pm_;
    const FhirModel& m_;
    const JValue& root_;
    const JValue* resource_ = nullptr;
    std::vector<Issue>& out_;
    std::vector<UncheckedInvariant>* unchecked_;
    const InvariantEvaluator& eval_;
    std::vector<Item> items_;       // children()'s items, a stack (see there)
    std::vector<uint32_t> counts_;  // children()'s items per slice, a stack

    // A walker is made per document (and per national extension): its buffers come from and go
    // back to a spare pair kept per thread, so they are not grown again from nothing each time.
    struct Buffers {
        std::vector<Item> items;
        std::vector<uint32_t> counts;
    };
    static Buffers& spare() {
        static thread_local Buffers b;
        return b;
    }
    void trade(Buffers& other) {
        items_.swap(other.items);
        counts_.swap(other.counts);
    }
};

// `f(resource, path)` for `res` and every resource in its `contained` and (a Bundle) its
// entries; the paths stay frames until an issue renders one.
template <typename F>
void each_resource(const JValue& res, const PathRef& path, F& f, int depth) {
    if (!res.IsObject() || depth > 8) return;
    f(res, path);
    if (const JValue* c = lit_member(res, "contained"); c && c->IsArray())
        for (rapidjson::SizeType i = 0; i < c->Size(); ++i) {
            PathRef at;
            at.parent = &path;
            at.name = "contained";
            at.has_name = true;
            at.index = static_cast<int>(i);
            each_resource((*c)[i], at, f, depth + 1);
        }
    if (lit_str_member(res, "resourceType") == "Bundle")
        if (const JValue* e = lit_member(res, "entry"); e && e->IsArray())
            for (rapidjson::SizeType i = 0; i < e->Size(); ++i)
                if (const JValue* r = lit_member((*e)[i], "resource")) {
                    PathRef entry;
                    entry.parent = &path;
                    entry.name = "entry";
                    entry.has_name = true;
                    entry.index = static_cast<int>(i);
                    PathRef at;
                    at.parent = &entry;
                    at.name = "resource";
                    at.has_name = true;
                    each_resource(*r, at, f, depth + 1);
                }
}

}  // namespace

void validate_profile(const ProfileModel& model, const SdProfile& profile, const JValue& resource,
                      const JValue& root, std::string_view path, std::vector<Issue>& out,
                      std::vector<UncheckedInvariant>* unchecked) {
    ProfileWalker w(model, root, out, unchecked);
    PathRef top;
    top.root = path;  // alive for the call
    w.run(profile, resource, top);
}

void validate_profiles(const ProfileModel& model, const JValue& root,
                       const std::function<std::string_view(std::string_view)>& required,
                       std::vector<Issue>& out, std::vector<UncheckedInvariant>* unchecked) {
    const size_t first = out.size();
    ProfileWalker w(model, root, out, unchecked);
    const std::string top(lit_str_member(root, "resourceType"));
    PathRef top_ref;
    top_ref.root = top;
    auto each = [&](const JValue& res, const PathRef& path) {
        const std::string_view rt = lit_str_member(res, "resourceType");
        bool any = false;
        if (const JValue* meta = lit_member(res, "meta"))
            if (const JValue* ps = lit_member(*meta, "profile"); ps && ps->IsArray())
                for (rapidjson::SizeType i = 0; i < ps->Size(); ++i) {
                    const JValue& p = (*ps)[i];
                    if (!p.IsString()) continue;
                    const SdProfile* prof = model.profile(sv(p));
                    if (prof && prof->type == rt) {
                        w.run(*prof, res, path);
                        any = true;
                    } else if (!prof && sv(p).substr(0, kCore.size()) != kCore) {
                        Issue is;
                        is.severity = Severity::information;
                        is.rule = kUnknownProfile;
                        is.path = path.str() + ".meta.profile[" + std::to_string(i) + "]";
                        is.message = "profile '" + std::string(sv(p)) +
                                     "' is not among the published profiles vft compiles: "
                                     "the resource is not checked against it";
                        is.hint = "the published canonical URLs are listed by docs/validation.md";
                        is.source = "specs/compiled/profiles.model";
                        out.push_back(std::move(is));
                    }
                }
        if (!any && required)
            if (const SdProfile* prof = model.profile(required(rt)); prof && prof->type == rt)
                w.run(*prof, res, path);
    };
    each_resource(root, top_ref, each, 0);
    // Every extension, wherever it is, against its definition by URL (validate/extensions.hpp);
    // what a profile's extension slice already said about the same place is not repeated.
    const size_t profile_end = out.size();
    validate_extensions(FhirModel::r4(), &model, root, root, top, out);
    size_t keep = profile_end;
    for (size_t i = profile_end; i < out.size(); ++i) {
        bool seen = false;
        for (size_t k = first; k < profile_end && !seen; ++k)
            seen = out[k].rule == out[i].rule && out[k].path == out[i].path &&
                   out[k].source == out[i].source;
        if (!seen) {
            if (keep != i) out[keep] = std::move(out[i]);
            ++keep;
        }
    }
    out.resize(keep);
}

}  // namespace vft::detail
