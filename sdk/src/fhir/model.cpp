// Loads the compiled FHIR model (format: docs/validation.md "Compiled model format").
#include "fhir/model.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>

#include "validate/embedded_specs.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::detail {
namespace {

constexpr std::string_view kMagic = "vft-fhir-model";
constexpr std::string_view kFormat = "1";

// Splits on `sep` without allocating more than the vector it fills.
void split(std::string_view s, char sep, std::vector<std::string_view>& out) {
    out.clear();
    size_t start = 0;
    while (true) {
        const size_t at = s.find(sep, start);
        if (at == std::string_view::npos) {
            out.push_back(s.substr(start));
            return;
        }
        out.push_back(s.substr(start, at - start));
        start = at + 1;
    }
}

bool parse_u32(std::string_view s, uint32_t& out) {
    if (s == "*") {
        out = FhirElement::kUnbounded;
        return true;
    }
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

BindingStrength strength_of(std::string_view s) {
    if (s == "required") return BindingStrength::required;
    if (s == "extensible") return BindingStrength::extensible;
    if (s == "preferred") return BindingStrength::preferred;
    if (s == "example") return BindingStrength::example;
    return BindingStrength::none;
}

Error model_error(std::string message, size_t line) {
    return Error{std::string(errc::spec_malformed),
                 std::move(message),
                 "specs/compiled/fhir-r4.model:" + std::to_string(line),
                 "regenerate it with scripts/update-specs.sh",
                 0,
                 false};
}

}  // namespace

bool FhirValueSet::contains(std::string_view system, std::string_view code) const {
    for (const System& s : systems)
        if (s.system == system) return std::binary_search(s.codes.begin(), s.codes.end(), code);
    return false;
}

bool FhirValueSet::contains_code(std::string_view code) const {
    return std::any_of(systems.begin(), systems.end(), [code](const System& s) {
        return std::binary_search(s.codes.begin(), s.codes.end(), code);
    });
}

FhirModel::~FhirModel() = default;

const FhirModel& FhirModel::r4() {
    static const FhirModel* model = [] {
        std::string text;
        for (const EmbeddedFile* f = embedded_compiled_model(); f->path; ++f)
            if (std::string_view(f->path) == "fhir-r4.model") text.assign(f->data, f->size);
        auto parsed = parse(std::move(text));
        if (!parsed) {
            // The embedded model is generated and tested with the build; an empty model keeps
            // the library from aborting if it ever is not (every type is then unknown).
            return static_cast<const FhirModel*>(new FhirModel());
        }
        return static_cast<const FhirModel*>(std::move(parsed).value().release());
    }();
    return *model;
}

Result<std::unique_ptr<FhirModel>> FhirModel::parse(std::string text) {
    std::unique_ptr<FhirModel> m(new FhirModel());
    m->text_ = std::move(text);
    if (auto r = m->load(); !r) return r.error();
    return m;
}

Result<void> FhirModel::load() {
    // Offsets first (the vectors grow while reading); spans are made once everything is read.
    struct PendingElement {
        uint32_t types_begin, types_count, cons_begin, cons_count;
        std::string_view content_ref;
    };
    struct PendingRef {
        uint32_t prof_begin, prof_count, tgt_begin, tgt_count;
    };
    struct PendingType {
        uint32_t elem_begin, elem_count;
        std::string_view base;
    };
    std::vector<PendingElement> pe;
    std::vector<PendingRef> pr;
    std::vector<PendingType> pt;
    std::vector<std::string_view> f, parts, names;
    auto unescape = [this](std::string_view s) -> std::string_view {
        if (s.find('\\') == std::string_view::npos) return s;
        std::string out;
        out.reserve(s.size());
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

    // Appends the `;`-separated types of a field to type_refs_; returns how many.
    auto parse_types = [&](std::string_view field) -> uint32_t {
        uint32_t count = 0;
        if (field.empty()) return 0;
        split(field, ';', parts);
        for (std::string_view t : parts) {
            FhirTypeRef ref;
            PendingRef r{};
            const size_t brace = t.find('{'), paren = t.find('(');
            ref.code = t.substr(0, std::min(brace, paren));
            if (brace != std::string_view::npos) {
                const size_t end = t.find('}', brace);
                split(t.substr(brace + 1, end - brace - 1), '|', names);
                r.prof_begin = static_cast<uint32_t>(names_.size());
                r.prof_count = static_cast<uint32_t>(names.size());
                names_.insert(names_.end(), names.begin(), names.end());
            }
            if (paren != std::string_view::npos) {
                const size_t end = t.find(')', paren);
                split(t.substr(paren + 1, end - paren - 1), '|', names);
                r.tgt_begin = static_cast<uint32_t>(names_.size());
                r.tgt_count = static_cast<uint32_t>(names.size());
                names_.insert(names_.end(), names.begin(), names.end());
            }
            type_refs_.push_back(ref);
            pr.push_back(r);
            ++count;
        }
        return count;
    };
    struct PendingExt {
        uint32_t types_begin, types_count;  // in type_refs_
        uint32_t ctx_begin, ctx_count;      // in names_
        uint32_t part_begin, part_count;    // in extension_parts_
    };
    std::vector<PendingExt> pending_ext;
    std::vector<std::pair<uint32_t, uint32_t>> pending_part;  // type_refs_ range per part

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
                return model_error("not a compiled FHIR model of format " + std::string(kFormat),
                                   line_no);
            source_ = f[2];
        } else if (kind == "C" && f.size() == 5) {
            if (!types_.empty()) return model_error("constraint after the first type", line_no);
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
            unexpandable_.emplace(f[1], true);
        } else if (kind == "X" && (f.size() == 3 || f.size() == 6)) {
            const auto begin = static_cast<uint32_t>(type_refs_.size());
            FhirExtensionDef x;
            x.url = f[1];
            PendingExt px{
                begin, parse_types(f[2]), 0, 0, static_cast<uint32_t>(extension_parts_.size()), 0};
            if (f.size() == 6) {
                if (!f[3].empty()) {
                    split(f[3], '|', parts);
                    px.ctx_begin = static_cast<uint32_t>(names_.size());
                    px.ctx_count = static_cast<uint32_t>(parts.size());
                    names_.insert(names_.end(), parts.begin(), parts.end());
                }
                x.modifier = f[4] == "1";
                if (!f[5].empty()) {
                    const size_t sp = f[5].find(' ');
                    x.binding.strength = strength_of(f[5].substr(0, sp));
                    if (sp != std::string_view::npos) x.binding.valueset = f[5].substr(sp + 1);
                }
            }
            extensions_.push_back(x);
            pending_ext.push_back(px);
        } else if (kind == "Y" && f.size() == 6 && !extensions_.empty()) {
            FhirExtensionPart y;
            y.path = f[1];
            if (!parse_u32(f[2], y.min) || !parse_u32(f[3], y.max))
                return model_error("bad cardinality", line_no);
            if (!f[5].empty()) {
                const size_t sp = f[5].find(' ');
                y.binding.strength = strength_of(f[5].substr(0, sp));
                if (sp != std::string_view::npos) y.binding.valueset = f[5].substr(sp + 1);
            }
            const auto part_begin = static_cast<uint32_t>(type_refs_.size());
            const uint32_t part_count = parse_types(f[4]);
            pending_part.emplace_back(part_begin, part_count);
            extension_parts_.push_back(y);
            ++pending_ext.back().part_count;
        } else if (kind == "T" && f.size() == 7) {
            FhirType t;
            t.name = f[1];
            t.kind = f[2] == "p"   ? FhirTypeKind::primitive
                     : f[2] == "r" ? FhirTypeKind::resource
                     : f[2] == "l" ? FhirTypeKind::logical
                                   : FhirTypeKind::complex;
            if (t.kind == FhirTypeKind::primitive) t.primitive = primitive_of(t.name);
            t.abstract = f[3] == "1";
            t.url = f[5];
            t.regex = unescape(f[6]);
            types_.push_back(t);
            pt.push_back({static_cast<uint32_t>(elements_.size()), 0, f[4]});
        } else if (kind == "E" && f.size() == 9 && !types_.empty()) {
            FhirElement e;
            e.path = f[1];
            const size_t dot = e.path.rfind('.');
            e.name = dot == std::string_view::npos ? e.path : e.path.substr(dot + 1);
            e.choice = e.name.size() > 3 && e.name.substr(e.name.size() - 3) == "[x]";
            if (!parse_u32(f[2], e.min) || !parse_u32(f[3], e.max))
                return model_error("bad cardinality", line_no);
            PendingElement p{static_cast<uint32_t>(type_refs_.size()), 0,
                             static_cast<uint32_t>(element_constraints_.size()), 0, f[5]};
            p.types_count = parse_types(f[4]);
            if (!f[6].empty()) {
                const size_t sp = f[6].find(' ');
                e.binding.strength = strength_of(f[6].substr(0, sp));
                if (sp != std::string_view::npos) e.binding.valueset = f[6].substr(sp + 1);
            }
            if (!f[7].empty()) {
                split(f[7], ',', parts);
                for (std::string_view c : parts) {
                    uint32_t idx = 0;
                    if (!parse_u32(c, idx) || idx >= constraints_.size())
                        return model_error("bad constraint index", line_no);
                    element_constraints_.push_back(&constraints_[idx]);
                    ++p.cons_count;
                }
            }
            e.fixed_pattern = f[8];
            elements_.push_back(e);
            pe.push_back(p);
            ++pt.back().elem_count;
        } else {
            return model_error("unexpected record '" + std::string(kind) + "'", line_no);
        }
    }
    if (types_.empty()) return model_error("no types", line_no);

    // Indexes and spans.
    for (FhirType& t : types_)
        type_index_.emplace(t.name, &t);
    for (const FhirValueSet& v : valuesets_)
        valueset_index_.emplace(v.url, &v);
    for (size_t i = 0; i < extension_parts_.size(); ++i) {
        FhirExtensionPart& y = extension_parts_[i];
        y.value_types = {type_refs_.data() + pending_part[i].first, pending_part[i].second};
        if (y.binding.strength == BindingStrength::required ||
            y.binding.strength == BindingStrength::extensible)
            if (auto it = valueset_index_.find(y.binding.valueset); it != valueset_index_.end())
                y.binding.expansion = it->second;
    }
    for (size_t i = 0; i < extensions_.size(); ++i) {
        FhirExtensionDef& x = extensions_[i];
        const PendingExt& px = pending_ext[i];
        x.value_types = {type_refs_.data() + px.types_begin, px.types_count};
        x.contexts = {names_.data() + px.ctx_begin, px.ctx_count};
        x.parts = {extension_parts_.data() + px.part_begin, px.part_count};
        if (x.binding.strength == BindingStrength::required ||
            x.binding.strength == BindingStrength::extensible)
            if (auto it = valueset_index_.find(x.binding.valueset); it != valueset_index_.end())
                x.binding.expansion = it->second;
        extension_index_.emplace(x.url, &x);
    }
    for (size_t i = 0; i < type_refs_.size(); ++i) {
        FhirTypeRef& r = type_refs_[i];
        r.profiles = {names_.data() + pr[i].prof_begin, pr[i].prof_count};
        r.targets = {names_.data() + pr[i].tgt_begin, pr[i].tgt_count};
        if (auto it = type_index_.find(r.code); it != type_index_.end()) r.type = it->second;
    }
    std::vector<std::vector<uint32_t>> kids(elements_.size());
    for (size_t ti = 0; ti < types_.size(); ++ti) {
        FhirType& t = types_[ti];
        t.elements = {elements_.data() + pt[ti].elem_begin, pt[ti].elem_count};
        if (auto it = type_index_.find(pt[ti].base); it != type_index_.end()) t.base = it->second;
        std::unordered_map<std::string_view, uint32_t> by_path;
        for (uint32_t i = pt[ti].elem_begin; i < pt[ti].elem_begin + pt[ti].elem_count; ++i) {
            FhirElement& e = elements_[i];
            e.owner = &t;
            e.types = {type_refs_.data() + pe[i].types_begin, pe[i].types_count};
            e.constraints = {element_constraints_.data() + pe[i].cons_begin, pe[i].cons_count};
            if (e.binding.strength == BindingStrength::required ||
                e.binding.strength == BindingStrength::extensible)
                e.binding.expansion = valueset(e.binding.valueset);
            by_path.emplace(e.path, i);
            const size_t dot = e.path.rfind('.');
            if (dot == std::string_view::npos) {
                t.root = &e;
            } else if (auto p = by_path.find(e.path.substr(0, dot)); p != by_path.end()) {
                kids[p->second].push_back(i);
            }
        }
        for (uint32_t i = pt[ti].elem_begin; i < pt[ti].elem_begin + pt[ti].elem_count; ++i)
            if (!pe[i].content_ref.empty()) {
                auto it = by_path.find(pe[i].content_ref);
                if (it == by_path.end())
                    return model_error(
                        "unresolved contentReference " + std::string(pe[i].content_ref), 0);
                elements_[i].content_ref = &elements_[it->second];
            }
        if (!t.root) return model_error("type " + std::string(t.name) + " has no root", 0);
    }
    children_.reserve(elements_.size());
    for (size_t i = 0; i < elements_.size(); ++i) {
        FhirElement& e = elements_[i];
        e.child_begin = static_cast<uint32_t>(children_.size());
        for (uint32_t k : kids[i])
            children_.push_back(&elements_[k]);
        e.child_end = static_cast<uint32_t>(children_.size());
        std::sort(children_.begin() + e.child_begin, children_.end(),
                  [](const FhirElement* a, const FhirElement* b) { return a->name < b->name; });
    }
    index_children();
    return {};
}

const FhirType* FhirModel::type(std::string_view name) const {
    auto it = type_index_.find(name);
    return it == type_index_.end() ? nullptr : it->second;
}

const FhirValueSet* FhirModel::valueset(std::string_view url) const {
    auto it = valueset_index_.find(url);
    return it == valueset_index_.end() ? nullptr : it->second;
}

const FhirExtensionDef* FhirModel::extension(std::string_view url) const {
    auto it = extension_index_.find(url);
    return it == extension_index_.end() ? nullptr : it->second;
}

bool FhirModel::valueset_unexpandable(std::string_view url) const {
    return unexpandable_.count(url) > 0;
}

namespace {
// The element whose own children are those of `parent` (see children()).
const FhirElement* children_owner(const FhirElement* p) {
    if (p->child_begin == p->child_end) {
        if (p->content_ref) {
            p = p->content_ref;
        } else if (p->types.size() == 1 && p->types[0].type) {
            p = p->types[0].type->root;
        }
    }
    return p;
}
}  // namespace

std::span<const FhirElement* const> FhirModel::children(const FhirElement& parent) const {
    const FhirElement* p = children_owner(&parent);
    return {children_.data() + p->child_begin, p->child_end - p->child_begin};
}

std::span<const uint32_t> FhirModel::count_checks(const FhirElement& parent) const {
    const FhirElement* p = children_owner(&parent);
    return {count_checks_.data() + p->checks_begin, p->checks_end - p->checks_begin};
}

// Every (children range, property name) child() can answer, with its answer: the plain names
// first, then each choice element's name + type in the children's order (the first one wins, as
// in child_by_search). Each element with children has a range of its own.
const FhirModel::ChildSlot* FhirModel::find_child(uint32_t scope, std::string_view name) const {
    const uint64_t h = child_hash(scope, name);
    for (uint64_t i = h & child_mask_;; i = (i + 1) & child_mask_) {
        const ChildSlot& s = child_index_[i];
        if (s.scope == UINT32_MAX) return nullptr;
        if (s.hash == h && s.scope == scope && s.name == name) return &s;
    }
}

bool FhirModel::insert_child(uint32_t scope, std::string_view name, const FhirChild& c) {
    const uint64_t h = child_hash(scope, name);
    for (uint64_t i = h & child_mask_;; i = (i + 1) & child_mask_) {
        ChildSlot& s = child_index_[i];
        if (s.scope == UINT32_MAX) {
            s = ChildSlot{h, scope, name, c};
            return true;
        }
        if (s.hash == h && s.scope == scope && s.name == name) return false;  // the first wins
    }
}

void FhirModel::index_children() {
    // Every key is a child of some element, or a choice element's name per type: size the
    // table for at most half full.
    size_t keys = 0;
    for (const FhirElement& e : elements_)
        for (uint32_t i = e.child_begin; i < e.child_end; ++i)
            keys += children_[i]->choice ? children_[i]->types.size() : 1;
    size_t size = 16;
    while (size < keys * 2)
        size *= 2;
    child_index_.assign(size, ChildSlot{});
    child_mask_ = size - 1;
    count_checks_.clear();
    for (FhirElement& e : elements_) {
        e.checks_begin = e.checks_end = static_cast<uint32_t>(count_checks_.size());
        for (uint32_t i = e.child_begin; i < e.child_end; ++i) {
            const FhirElement& k = *children_[i];
            if (k.min > 0 || (k.max != FhirElement::kUnbounded && k.is_array()))
                count_checks_.push_back(i - e.child_begin);
        }
        e.checks_end = static_cast<uint32_t>(count_checks_.size());
    }
    for (const FhirElement& e : elements_) {
        if (e.child_begin == e.child_end) continue;
        const uint32_t scope = e.child_begin;
        const std::span<const FhirElement* const> kids{children_.data() + e.child_begin,
                                                       e.child_end - e.child_begin};
        for (uint32_t i = 0; i < kids.size(); ++i)
            if (const FhirElement* k = kids[i]; !k->choice) {
                FhirChild c;
                c.element = k;
                c.position = i;
                const FhirElement* typed = k->content_ref ? k->content_ref : k;
                if (!typed->types.empty()) {
                    c.type = typed->types[0].code;
                    c.type_def = typed->types[0].type;
                }
                index_invariants(c);
                insert_child(scope, k->name, c);
            }
        for (uint32_t i = 0; i < kids.size(); ++i) {
            const FhirElement* k = kids[i];
            if (!k->choice) continue;
            const std::string_view prefix = k->name.substr(0, k->name.size() - 3);
            for (const FhirTypeRef& t : k->types) {
                if (t.code.empty()) continue;
                std::string name(prefix);
                name += t.code[0] >= 'a' && t.code[0] <= 'z'
                            ? static_cast<char>(t.code[0] - 'a' + 'A')
                            : t.code[0];
                name.append(t.code.substr(1));
                if (find_child(scope, name)) continue;
                const std::string& kept = choice_names_.emplace_back(std::move(name));
                FhirChild c{k, t.code, t.type, i};
                index_invariants(c);
                insert_child(scope, kept, c);
            }
        }
    }
}

void FhirModel::collect_invariants(const FhirElement& e, const FhirType* type_def,
                                   std::vector<FhirInvariantRef>& out) {
    out.clear();
    std::array<const FhirElement*, 3> defs{};
    size_t n = 0;
    defs[n++] = &e;
    if (e.content_ref) defs[n++] = e.content_ref;
    if (type_def && type_def->root && type_def->root != &e && e.child_begin == e.child_end &&
        !e.content_ref)
        defs[n++] = type_def->root;
    for (size_t i = 0; i < n; ++i)
        for (const FhirConstraint* k : defs[i]->constraints) {
            bool seen = false;
            for (const FhirInvariantRef& o : out)
                if (o.constraint == k || o.constraint->key == k->key) seen = true;
            if (!seen) out.push_back({defs[i], k});
        }
}

void FhirModel::index_invariants(FhirChild& c) {
    thread_local std::vector<FhirInvariantRef> scratch;
    collect_invariants(*c.element, c.type_def, scratch);
    c.invariants_begin = static_cast<uint32_t>(invariant_refs_.size());
    invariant_refs_.insert(invariant_refs_.end(), scratch.begin(), scratch.end());
    c.invariants_end = static_cast<uint32_t>(invariant_refs_.size());
}

std::span<const FhirInvariantRef> FhirModel::invariants(
    const FhirChild& c, std::vector<FhirInvariantRef>& scratch) const {
    if (c.invariants_begin != FhirChild::kNoInvariants)
        return {invariant_refs_.data() + c.invariants_begin, c.invariants_end - c.invariants_begin};
    collect_invariants(*c.element, c.type_def, scratch);
    return scratch;
}

FhirChild FhirModel::child(const FhirElement& parent, std::string_view name) const {
    const auto kids = children(parent);
    if (kids.empty() || name.empty()) return {};
    const ChildSlot* s = find_child(static_cast<uint32_t>(kids.data() - children_.data()), name);
    return s ? s->child : FhirChild{};
}

FhirChild FhirModel::child_by_search(const FhirElement& parent, std::string_view name) const {
    const auto kids = children(parent);
    FhirChild out;
    auto it =
        std::lower_bound(kids.begin(), kids.end(), name,
                         [](const FhirElement* e, std::string_view n) { return e->name < n; });
    if (it != kids.end() && (*it)->name == name && !(*it)->choice) {
        const FhirElement* e = *it;
        out.element = e;
        out.position = static_cast<uint32_t>(it - kids.begin());
        const FhirElement* typed = e->content_ref ? e->content_ref : e;
        if (!typed->types.empty()) {
            out.type = typed->types[0].code;
            out.type_def = typed->types[0].type;
        }
        return out;
    }
    // A choice element: name = prefix + type with its first letter upper case.
    for (const FhirElement* e : kids) {
        if (!e->choice) continue;
        const std::string_view prefix = e->name.substr(0, e->name.size() - 3);
        if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) continue;
        const std::string_view suffix = name.substr(prefix.size());
        for (const FhirTypeRef& t : e->types) {
            if (t.code.size() != suffix.size() || t.code.empty()) continue;
            const char first = t.code[0] >= 'a' && t.code[0] <= 'z'
                                   ? static_cast<char>(t.code[0] - 'a' + 'A')
                                   : t.code[0];
            if (first == suffix[0] && t.code.substr(1) == suffix.substr(1)) {
                out.element = e;
                out.type = t.code;
                out.type_def = t.type;
                out.position =
                    static_cast<uint32_t>(std::find(kids.begin(), kids.end(), e) - kids.begin());
                return out;
            }
        }
    }
    return out;
}

FhirPrimitive primitive_of(std::string_view n) {
    static const std::pair<std::string_view, FhirPrimitive> kNames[] = {
        {"boolean", FhirPrimitive::boolean},
        {"integer", FhirPrimitive::integer},
        {"positiveInt", FhirPrimitive::positive_int},
        {"unsignedInt", FhirPrimitive::unsigned_int},
        {"decimal", FhirPrimitive::decimal},
        {"string", FhirPrimitive::string},
        {"markdown", FhirPrimitive::markdown},
        {"code", FhirPrimitive::code},
        {"uri", FhirPrimitive::uri},
        {"url", FhirPrimitive::url},
        {"canonical", FhirPrimitive::canonical},
        {"dateTime", FhirPrimitive::date_time},
        {"instant", FhirPrimitive::instant},
        {"date", FhirPrimitive::date},
        {"id", FhirPrimitive::id},
        {"oid", FhirPrimitive::oid},
        {"uuid", FhirPrimitive::uuid},
        {"base64Binary", FhirPrimitive::base64_binary},
        {"time", FhirPrimitive::time},
        {"xhtml", FhirPrimitive::xhtml},
    };
    for (const auto& [name, p] : kNames)
        if (name == n) return p;
    return FhirPrimitive::other;
}

FhirChild FhirModel::child(std::string_view type_name, std::string_view name) const {
    const FhirType* t = type(type_name);
    return t ? child(*t->root, name) : FhirChild{};
}

bool FhirModel::is_primitive(std::string_view type_name) const {
    const FhirType* t = type(type_name);
    return t && t->kind == FhirTypeKind::primitive;
}

bool FhirModel::is_a(std::string_view type_name, std::string_view ancestor) const {
    for (const FhirType* t = type(type_name); t; t = t->base)
        if (t->name == ancestor) return true;
    return false;
}

}  // namespace vft::detail
