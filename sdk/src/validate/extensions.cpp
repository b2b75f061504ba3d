// Extensions checked against their definitions, by URL (extensions.hpp).
#include "validate/extensions.hpp"

#include <string>

#include "validate/issue_out.hpp"

namespace vft::detail {

namespace {

// Rule IDs (specs/README.md).
constexpr const char* kRequiredBinding = "FHIR-STR-006";
constexpr const char* kExtensibleBinding = "FHIR-STR-011";
constexpr const char* kUnknownExtension = "FHIR-STR-012";
constexpr const char* kExtensionValue = "FHIR-STR-013";
constexpr const char* kModifier = "FHIR-STR-016";
constexpr const char* kPart = "FHIR-STR-017";
constexpr const char* kContext = "FHIR-STR-018";
constexpr std::string_view kCoreNamespace = "http://hl7.org/fhir/StructureDefinition/";
constexpr const char* kExtensibility = "http://hl7.org/fhir/R4/extensibility.html";

std::string_view sv(const JValue& v) {
    return {v.GetString(), v.GetStringLength()};
}

std::string shown(std::string_view v) {
    return v.size() > 80 ? std::string(v.substr(0, 77)) + "..." : std::string(v);
}

// "valueQuantity" -> "Quantity": the type suffix of an extension's value, or empty when the
// member is not a value[x] ("valueSet" is not a choice: the suffix must start upper-case).
std::string_view value_suffix(std::string_view name) {
    if (name.size() <= 5 || name.substr(0, 5) != "value") return {};
    if (name[5] < 'A' || name[5] > 'Z') return {};
    return name.substr(5);
}

// The type code a JSON suffix names: "Quantity" is Quantity, "String" is string.
bool suffix_is(std::string_view suffix, std::string_view code) {
    if (code.size() != suffix.size() || code.empty()) return false;
    const char first =
        code[0] >= 'a' && code[0] <= 'z' ? static_cast<char>(code[0] - 'a' + 'A') : code[0];
    return first == suffix[0] && code.substr(1) == suffix.substr(1);
}

// Where the walk is: one frame per JSON member name or array index, with the object it reached
// (nullptr while inside an array). Rendered as a path, or replayed through the model to find the
// element and type that hold an extension, only when an issue or a context check needs it.
class Frames {
  public:
    struct Frame {
        std::string_view name;  // empty for an index frame
        int index = -1;
        const JValue* obj = nullptr;
    };
    Frames() { f_.reserve(16); }  // one allocation for the usual depth, not one per doubling
    void push(std::string_view name) { f_.push_back({name, -1, nullptr}); }
    void push(int index) { f_.push_back({{}, index, nullptr}); }
    void pop() { f_.pop_back(); }
    void reached(const JValue* o) { f_.back().obj = o; }
    [[nodiscard]] const std::vector<Frame>& frames() const { return f_; }
    [[nodiscard]] std::string str() const {
        std::string out(prefix_);
        for (const auto& s : f_) {
            if (s.index >= 0) {
                out += '[';
                out += std::to_string(s.index);
                out += ']';
            } else {
                if (!out.empty()) out += '.';
                out += s.name;
            }
        }
        return out;
    }
    void set_prefix(std::string_view p) { prefix_ = p; }

  private:
    std::string_view prefix_;
    std::vector<Frame> f_;
};

class ExtensionWalker {
  public:
    ExtensionWalker(const FhirModel& m, const ProfileModel* pm, const JValue& root,
                    std::vector<Issue>& out)
        : m_(m), pm_(pm), root_(root), out_(out) {}

    void run(const JValue& resource, std::string_view path) {
        if (!resource.IsObject()) return;
        path_.set_prefix(path);
        resource_ = &resource;
        object(resource, 0);
    }

  private:
    // A plain walk of the JSON: no model lookup on the way; extension arrays are judged where
    // they are found.
    void object(const JValue& v, int depth) {
        if (depth > 64) return;  // the parser bounds depth already; a second guard
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            const JValue& val = it->value;
            // a primitive holds no extension and nothing to descend into (most members)
            if (!val.IsObject() && !val.IsArray()) continue;
            const std::string_view n = sv(it->name);
            const bool modifier = n.size() == 17 && n == "modifierExtension";
            if (modifier || (n.size() == 9 && n == "extension")) {
                if (!val.IsArray()) continue;  // the structure walk says so
                path_.push(n);
                for (rapidjson::SizeType i = 0; i < val.Size(); ++i) {
                    if (!val[i].IsObject()) continue;
                    path_.push(static_cast<int>(i));
                    path_.reached(&val[i]);
                    extension(val[i], modifier, depth);
                    path_.pop();
                }
                path_.pop();
                continue;
            }
            if (val.IsObject()) {
                path_.push(n);
                path_.reached(&val);
                object(val, depth + 1);
                path_.pop();
            } else if (val.IsArray()) {
                path_.push(n);
                for (rapidjson::SizeType i = 0; i < val.Size(); ++i) {
                    if (!val[i].IsObject()) continue;
                    path_.push(static_cast<int>(i));
                    path_.reached(&val[i]);
                    object(val[i], depth + 1);
                    path_.pop();
                }
                path_.pop();
            }
        }
    }

    void extension(const JValue& ext, bool modifier, int depth) {
        const std::string_view url = str_member(ext, "url");
        // A relative URL names a part of a complex extension: judged with its extension. No url
        // at all: the structure walk reports Extension.url (min 1).
        if (url.find(':') != std::string_view::npos) check(ext, url, modifier);
        // the extension's own content: extensions on it, on its value
        object(ext, depth + 1);
    }

    void check(const JValue& ext, std::string_view url, bool modifier) {
        if (const FhirExtensionDef* def = m_.extension(url)) {
            r4_definition(ext, *def, modifier);
            return;
        }
        if (pm_) {
            if (const SdProfile* p = pm_->profile(url); p && p->extension) {
                validate_profile(*pm_, *p, ext, root_, path_.str(), out_, nullptr);
                return;
            }
        }
        const bool core = url.substr(0, kCoreNamespace.size()) == kCoreNamespace;
        if (modifier) {
            add(Severity::error, kModifier, path_.str() + ".url",
                "modifier extension '" + shown(url) +
                    "' has no definition vft knows: a modifier that cannot be understood makes "
                    "the element unsafe to process",
                "a modifierExtension changes the meaning of its element; use a published one",
                std::string(kExtensibility) + "#modifierExtension");
            return;
        }
        if (core) {
            add(Severity::error, kUnknownExtension, path_.str() + ".url",
                "extension '" + shown(url) +
                    "' is in the core namespace http://hl7.org/fhir/StructureDefinition/ but "
                    "is not an extension FHIR R4 defines (the namespace is closed)",
                "use one of the R4 extensions (extension-definitions.json of R4 4.0.1), or an "
                "extension in your own namespace",
                std::string(kExtensibility) + "#Extension; fhir-r4:extension-definitions.json");
            return;
        }
        add(Severity::warning, kUnknownExtension, path_.str() + ".url",
            "extension '" + shown(url) +
                "' is not among the extension definitions vft carries (R4 and the national "
                "packages): its content is not checked",
            "", std::string(kExtensibility) + "#Extension");
    }

    static std::string src(std::string_view url, std::string_view element) {
        std::string s = "fhir-r4:";
        s += url;
        s += '#';
        s += element;
        return s;
    }

    void r4_definition(const JValue& ext, const FhirExtensionDef& def, bool modifier) {
        if (def.modifier != modifier)
            add(Severity::error, kModifier, path_.str(),
                def.modifier ? "extension '" + shown(def.url) +
                                   "' is a modifier extension: it belongs in modifierExtension"
                             : "extension '" + shown(def.url) +
                                   "' is not a modifier extension: it belongs in extension",
                "", src(def.url, "Extension"));
        context(def);
        value(ext, def.url, def.value_types, def.binding, std::string(), {});
        if (!def.parts.empty()) parts(ext, def, std::string_view(), 0);
    }

    // The element definition path and type that hold the extension being judged (the frames
    // before its `extension[i]`), replayed through the model from the nearest resource.
    // False when the way is not known to the model (an unknown element: the structure walk
    // reports it).
    bool holder(std::string_view& el_path, std::string_view& el_type,
                std::string_view& el_ref) const {
        const auto& fr = path_.frames();
        if (fr.size() < 2) return false;
        const size_t end = fr.size() - 2;  // fr[end] is the "extension" name frame
        // the object a name frame leads to: its own, or (an array) the next index frame's
        auto reached = [&fr, end](size_t i) -> const JValue* {
            if (fr[i].obj) return fr[i].obj;
            return i + 1 < end && fr[i + 1].index >= 0 ? fr[i + 1].obj : nullptr;
        };
        const JValue* start_obj = resource_;
        size_t start = 0;
        for (size_t i = end; i-- > 0;) {
            if (fr[i].index >= 0) continue;
            const JValue* o = reached(i);
            if (o && o->IsObject() && member(*o, "resourceType")) {
                start_obj = o;
                start = i + 1;
                break;
            }
        }
        const FhirType* rt = m_.type(str_member(*start_obj, "resourceType"));
        if (!rt || !rt->root || rt->kind != FhirTypeKind::resource) return false;
        const FhirElement* cur = rt->root;
        el_path = rt->name;
        el_type = rt->name;
        el_ref = {};
        for (size_t i = start; i < end; ++i) {
            if (fr[i].index >= 0) continue;
            std::string_view n = fr[i].name;
            const bool companion = !n.empty() && n[0] == '_';
            if (companion) n.remove_prefix(1);
            const FhirChild c = m_.child(*cur, n);
            if (!c) return false;
            const bool backbone =
                c.element->child_begin != c.element->child_end || c.element->content_ref;
            el_path = c.element->path;
            el_ref = {};
            if (companion) {
                if (!c.type_def || !c.type_def->root) return false;
                cur = c.type_def->root;
                el_type = c.type;
            } else if (backbone) {
                cur = c.element->content_ref ? c.element->content_ref : c.element;
                // a contentReference reuse (CodeSystem.concept.concept) is also the element it
                // names (CodeSystem.concept) for a context
                if (c.element->content_ref) el_ref = c.element->content_ref->path;
                el_type = "BackboneElement";
            } else if (c.type_def && c.type_def->root) {
                cur = c.type_def->root;
                el_type = c.type;
            } else {
                return false;
            }
        }
        return true;
    }

    // R4 extensibility.html: an extension may be used on the elements its context names — an
    // element path ("Patient.birthDate", "Questionnaire.item") or a type ("Address", "Element":
    // every element of that type or one derived from it). Resolved only for a definition whose
    // context is not simply "Element".
    void context(const FhirExtensionDef& def) {
        if (def.contexts.empty()) return;
        for (std::string_view c : def.contexts)
            if (c == "Element") return;
        std::string_view el_path, el_type, el_ref;
        if (!holder(el_path, el_type, el_ref)) return;  // not known: not judged
        for (std::string_view c : def.contexts) {
            if (c == el_path || c == el_type || (!el_ref.empty() && c == el_ref)) return;
            if (c.find('.') == std::string_view::npos && m_.type(c) && m_.type(el_type) &&
                m_.is_a(el_type, c))
                return;
        }
        std::string allowed;
        for (std::string_view c : def.contexts)
            allowed += (allowed.empty() ? "" : ", ") + std::string(c);
        // A warning: R4 4.0.1 itself uses extensions outside the contexts their definitions
        // declare (structuredefinition-fhir-type on ElementDefinition.type, normative-version
        // on OperationDefinition, translation on expansion.contains), and its examples are
        // valid FHIR (specs/DECISIONS.md "Extensions against their definitions").
        add(Severity::warning, kContext, path_.str(),
            "extension '" + shown(def.url) + "' may not be used on " + std::string(el_path) +
                (el_type.empty() || el_type == el_path ? "" : " (" + std::string(el_type) + ")"),
            "its definition allows it on " + allowed, src(def.url, "Extension"));
    }

    // The value of an extension (or a part) against the types and binding its definition gives.
    // `where` is the part's place below the extension (".extension[2]"), `part` its url.
    void value(const JValue& ext, std::string_view url, std::span<const FhirTypeRef> types,
               const FhirBinding& binding, const std::string& where, std::string_view part) {
        auto label = [&] {  // only when reporting
            return "extension '" + shown(url) + "'" +
                   (part.empty() ? std::string() : " part '" + std::string(part) + "'");
        };
        for (auto it = ext.MemberBegin(); it != ext.MemberEnd(); ++it) {
            const std::string_view name = sv(it->name);
            const std::string_view suffix = value_suffix(name);
            if (suffix.empty()) continue;
            const FhirTypeRef* type = nullptr;
            for (const FhirTypeRef& t : types)
                if (suffix_is(suffix, t.code)) type = &t;
            if (!type) {
                std::string want;
                for (const FhirTypeRef& t : types)
                    want += (want.empty() ? "" : ", ") + std::string(t.code);
                add(Severity::error, kExtensionValue, path_.str() + where + "." + std::string(name),
                    types.empty() ? label() + " is complex: it has no value[x]"
                                  : label() + " takes a value of type " + want + ", not " +
                                        std::string(suffix),
                    "", src(url, value_element(part)));
                continue;
            }
            if (binding.expansion) bound(it->value, url, binding, where, part, name);
        }
    }

    // The element id of a value in the definition: Extension.value[x] or, for a part,
    // Extension.extension:<part>.value[x].
    static std::string value_element(std::string_view part) {
        if (part.empty()) return "Extension.value[x]";
        return "Extension.extension:" + std::string(part) + ".value[x]";
    }

    void bound(const JValue& v, std::string_view url, const FhirBinding& b,
               const std::string& where, std::string_view part, std::string_view name) {
        const FhirValueSet& vs = *b.expansion;
        std::string_view system, code;
        bool ok = true;
        if (v.IsString()) {
            code = sv(v);
            ok = vs.contains_code(code);
        } else if (v.IsObject()) {
            if (const JValue* codings = member(v, "coding")) {
                if (!codings->IsArray()) return;
                bool any = false;
                ok = false;
                for (const auto& c : codings->GetArray()) {
                    const std::string_view cs = str_member(c, "system"), cc = str_member(c, "code");
                    if (cc.empty()) continue;
                    if (!any) {
                        system = cs;
                        code = cc;
                    }
                    any = true;
                    ok = ok || vs.contains(cs, cc);
                }
                if (!any) return;  // text only: not checked
            } else {
                code = str_member(v, "code");
                if (code.empty()) return;
                system = str_member(v, "system");
                ok = vs.contains(system, code);
            }
        }
        if (ok) return;
        const bool required = b.strength == BindingStrength::required;
        std::string msg = "code '" + shown(code) + "'";
        if (!system.empty()) msg += " (system " + shown(system) + ")";
        msg += " is not in the value set " + std::string(b.valueset) + " that extension '" +
               shown(url) + "' " + (required ? "requires" : "names (extensible)");
        add(required ? Severity::error : Severity::warning,
            required ? kRequiredBinding : kExtensibleBinding,
            path_.str() + where + "." + std::string(name), std::move(msg),
            "use a code of " + std::string(b.valueset), src(url, value_element(part)));
    }

    // The parts of a complex extension at `prefix` ("" or "outer/"): each part's cardinality,
    // then the value of each sub-extension found. Relative URLs not among the parts are allowed
    // (R4's complex extensions slice Extension.extension open).
    void parts(const JValue& ext, const FhirExtensionDef& def, std::string_view prefix, int level) {
        if (level > 4) return;
        const JValue* subs = member(ext, "extension");
        const bool arr = subs && subs->IsArray();
        for (const FhirExtensionPart& p : def.parts) {
            if (p.path.size() <= prefix.size() || p.path.substr(0, prefix.size()) != prefix)
                continue;
            const std::string_view name = p.path.substr(prefix.size());
            if (name.find('/') != std::string_view::npos) continue;  // deeper: with its parent
            uint32_t n = 0;
            if (arr)
                for (rapidjson::SizeType i = 0; i < subs->Size(); ++i) {
                    const JValue& s = (*subs)[i];
                    if (!s.IsObject() || str_member(s, "url") != name) continue;
                    ++n;
                    const std::string where = ".extension[" + std::to_string(i) + "]";
                    value(s, def.url, p.value_types, p.binding, where, name);
                    if (p.value_types.empty()) {
                        std::string deeper(p.path);
                        deeper += '/';
                        path_.push("extension");
                        path_.push(static_cast<int>(i));
                        parts(s, def, deeper, level + 1);
                        path_.pop();
                        path_.pop();
                    }
                }
            if (n < p.min || (p.max != FhirElement::kUnbounded && n > p.max))
                add(Severity::error, kPart, path_.str(),
                    "extension '" + shown(def.url) + "' part '" + std::string(name) + "' " +
                        (n < p.min ? "is required (min " + std::to_string(p.min) + ")"
                                   : "allows at most " + std::to_string(p.max)) +
                        ", found " + std::to_string(n),
                    "a sub-extension with url \"" + std::string(name) + "\"",
                    src(def.url, "Extension.extension:" + std::string(name)));
        }
    }

    void add(Severity s, const char* rule, std::string path, std::string message, std::string hint,
             std::string source) {
        push_issue(out_, s, rule, std::move(path), std::move(message), std::move(hint),
                   std::move(source));
    }

    const FhirModel& m_;
    const ProfileModel* pm_;
    const JValue& root_;
    const JValue* resource_ = nullptr;
    std::vector<Issue>& out_;
    Frames path_;
};

}  // namespace

void validate_extensions(const FhirModel& r4, const ProfileModel* national, const JValue& resource,
                         const JValue& root, std::string_view path, std::vector<Issue>& out) {
    ExtensionWalker w(r4, national, root, out);
    w.run(resource, path);
}

}  // namespace vft::detail
