// Base FHIR R4 validation: the compiled model walked over the document (see r4_walker.hpp).
#include "validate/r4_walker.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <mutex>
#include <set>

#include "fhirpath/invariants.hpp"
#include "validate/extensions.hpp"
#include "validate/invariants.hpp"
#include "validate/issue_out.hpp"
#include "validate/primitives.hpp"

namespace vft::detail {

namespace {
InvariantEvaluator& evaluator_slot() {
    static InvariantEvaluator e = vft::fhirpath::detail::invariant_evaluator();  // FHIRPath engine
    return e;
}
}  // namespace

void set_invariant_evaluator(InvariantEvaluator evaluator) {
    evaluator_slot() = std::move(evaluator);
}
const InvariantEvaluator& invariant_evaluator() {
    return evaluator_slot();
}

namespace {

// Rule IDs (specs/README.md "Parsing and FHIR R4 structure").
constexpr const char* kUnknownResource = "FHIR-STR-001";
constexpr const char* kMissing = "FHIR-STR-002";
constexpr const char* kJsonType = "FHIR-STR-003";
constexpr const char* kFormat = "FHIR-STR-004";
constexpr const char* kUnknownElement = "FHIR-STR-005";
constexpr const char* kRequiredBinding = "FHIR-STR-006";
constexpr const char* kEmpty = "FHIR-STR-007";
constexpr const char* kOther = "FHIR-STR-009";
constexpr const char* kTooMany = "FHIR-STR-010";
constexpr const char* kExtensibleBinding = "FHIR-STR-011";
// FHIR-STR-012/013/016/017/018 (extensions against their definitions): validate/extensions.cpp
constexpr const char* kImpossibleCode = "FHIR-STR-014";
constexpr const char* kReferenceTarget = "FHIR-STR-015";
constexpr const char* kInvariant = "FHIR-INV-001";

std::atomic<bool> g_ele1_fast{true};  // set_ele1_fast_path

bool plain_child(const JValue& x) {
    return (x.IsString() && x.GetStringLength() > 0) || x.IsNumber() || x.IsBool() ||
           (x.IsObject() && x.MemberCount() > 0);
}

// A path kept as segments; rendered only when an issue needs it.
class Path {
  public:
    void push(std::string_view name) { segs_.push_back({name, -1}); }
    void push(int index) { segs_.push_back({{}, index}); }
    void pop() { segs_.pop_back(); }
    [[nodiscard]] std::string str() const {
        std::string out;
        for (const auto& s : segs_) {
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
    [[nodiscard]] std::string child(std::string_view name) const {
        std::string out = str();
        out += '.';
        out += name;
        return out;
    }

  private:
    struct Seg {
        std::string_view name;
        int index;
    };
    std::vector<Seg> segs_;
};

std::string_view sv(const JValue& v) {
    return {v.GetString(), v.GetStringLength()};
}

std::string shown(std::string_view v) {
    return v.size() > 80 ? std::string(v.substr(0, 77)) + "..." : std::string(v);
}

const char* json_kind(const JValue& v) {
    if (v.IsObject()) return "an object";
    if (v.IsArray()) return "an array";
    if (v.IsString()) return "a string";
    if (v.IsBool()) return "a boolean";
    if (v.IsNumber()) return "a number";
    return "null";
}

std::string format_hint(std::string_view type) {
    if (type == "dateTime")
        return "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss)+01:00 — a time needs a "
               "zone; the day must exist in its month";
    if (type == "instant") return "YYYY-MM-DDThh:mm:ss(.sss)Z or with an offset such as +01:00";
    if (type == "date") return "YYYY, YYYY-MM or YYYY-MM-DD; the day must exist in its month";
    if (type == "time") return "hh:mm:ss";
    if (type == "code")
        return "a code has no leading, trailing or double spaces and no tabs or line breaks";
    if (type == "uri" || type == "url" || type == "canonical") return "a URI has no white space";
    if (type == "id") return "1-64 characters of A-Z a-z 0-9 - .";
    if (type == "oid") return "urn:oid:<digits and dots>";
    if (type == "uuid") return "urn:uuid:<lower-case UUID>";
    if (type == "base64Binary") return "base64 in groups of four characters";
    if (type == "integer") return "a whole number from -2147483648 to 2147483647";
    if (type == "positiveInt") return "a whole number from 1 to 2147483647";
    if (type == "unsignedInt") return "a whole number from 0 to 2147483647";
    if (type == "xhtml") return "a <div> element of XHTML";
    return {};
}

class Walker {
  public:
    Walker(const FhirModel& m, const JValue& root, std::vector<Issue>& out,
           std::vector<UncheckedInvariant>* unchecked, R4Scope scope = R4Scope::full)
        : m_(m),
          root_(root),
          out_(out),
          unchecked_(unchecked),
          eval_(invariant_evaluator()),
          national_(scope == R4Scope::national) {}
    Walker(const Walker&) = delete;  // path_fn_ points at this walker
    Walker& operator=(const Walker&) = delete;

    // A resource nested at `prefix` ("Bundle.entry[4].resource").
    void run_at(const JValue& resource, std::string_view prefix) {
        path_.push(prefix);
        this->resource(resource);
    }

    // The document's top-level resource: paths start with its type ("Bundle.entry[0]...").
    void run() {
        const std::string_view rt = str_member(root_, "resourceType");
        if (!rt.empty()) path_.push(rt);
        resource(root_);
    }

    void resource(const JValue& v) {
        const JValue* rt = member(v, "resourceType");
        if (!v.IsObject() || !rt || !rt->IsString()) {
            add(Severity::error, kUnknownResource, path_.str(),
                "a resource must be a JSON object with a resourceType string", "",
                "fhir-r4:Resource");
            return;
        }
        const FhirType* t = m_.type(sv(*rt));
        if (!t || t->kind != FhirTypeKind::resource || t->abstract) {
            add(Severity::error, kUnknownResource, path_.child("resourceType"),
                "'" + shown(sv(*rt)) + "' is not a FHIR R4 resource type",
                "use one of the resource types of FHIR R4 (4.0.1)", "fhir-r4:Resource");
            return;
        }
        const JValue* saved = resource_;
        resource_ = &v;
        FhirChild self{t->root, t->name, t};
        invariants(self, &v, nullptr);
        object(v, *t->root, true);
        resource_ = saved;
    }

  private:
    // The members of an object, against the children of `scope`.
    void object(const JValue& v, const FhirElement& scope, bool is_resource,
                bool primitive_companion = false) {
        const auto kids = m_.children(scope);
        constexpr size_t kMaxKids = 256;
        std::array<uint32_t, kMaxKids> counts;  // NOLINT: only the first kids.size() are used
        std::fill_n(counts.begin(), std::min(kids.size(), kMaxKids), 0u);
        if (v.MemberCount() == 0 && !is_resource) {
            add(Severity::error, kEmpty, path_.str(),
                "empty object (FHIR forbids them; omit the element instead)", "", src(scope.path));
        }
        bool has_underscore = false;  // only then is a primitive's `_name` looked for
        for (auto it = v.MemberBegin(); it != v.MemberEnd() && !has_underscore; ++it)
            has_underscore = it->name.GetStringLength() > 0 && it->name.GetString()[0] == '_';
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            std::string_view name = sv(it->name);
            if (is_resource && name == "resourceType") continue;
            const bool underscore = !name.empty() && name[0] == '_';
            if (underscore) name.remove_prefix(1);
            FhirChild c = m_.child(scope, name);
            if (c && primitive_companion && c.element->name == "value") c = {};
            if (!c ||
                (underscore && !(c.type_def && c.type_def->kind == FhirTypeKind::primitive))) {
                add(Severity::error, kUnknownElement, path_.child(sv(it->name)),
                    "'" + shown(sv(it->name)) + "' is not an element of " +
                        std::string(scope.path) + " in FHIR R4",
                    "check the spelling and the case; a choice element takes its type as suffix "
                    "(valueQuantity)",
                    src(scope.path));
                continue;
            }
            const size_t k = c.position;  // c.element == kids[k]
            const JValue& val = it->value;
            // The primitive and its `_name` companion are one element: counted once.
            const JValue* companion = nullptr;
            const JValue* primary = nullptr;
            if (underscore) {
                primary = find_member(v, name);
                if (primary) continue;  // judged together with the value
                companion = &val;
            } else if (has_underscore && c.type_def &&
                       c.type_def->kind == FhirTypeKind::primitive) {
                companion = find_member(v, sv(it->name), true);
                primary = &val;
            } else {
                primary = &val;
            }
            uint32_t n = 0;
            const JValue& shape = primary ? *primary : *companion;
            if (k < counts.size() && c.element->choice && counts[k] > 0) {
                add(Severity::error, kTooMany, path_.child(name),
                    std::string(c.element->path) + " is given more than once (one type only)", "",
                    src(c.element->path));
            }
            path_.push(underscore ? sv(it->name) : name);
            if (c.element->is_array()) {
                if (!shape.IsArray()) {
                    add(Severity::error, kJsonType, path_.str(),
                        "must be an array in FHIR R4 JSON, got " + std::string(json_kind(shape)),
                        "wrap the value in [ ]", src(c.element->path));
                    value(c, primary, companion);
                    n = 1;
                } else if (shape.Empty()) {
                    add(Severity::error, kEmpty, path_.str(),
                        "empty array (FHIR forbids them; omit the element instead)", "",
                        src(c.element->path));
                } else {
                    n = shape.Size();
                    if (companion && primary &&
                        (!companion->IsArray() || companion->Size() != primary->Size()))
                        add(Severity::error, kOther, path_.str(),
                            "'_" + std::string(name) +
                                "' must be an array of the same length as '" + std::string(name) +
                                "'",
                            "", src(c.element->path));
                    for (rapidjson::SizeType i = 0; i < shape.Size(); ++i) {
                        path_.push(static_cast<int>(i));
                        const JValue* p = primary ? &(*primary)[i] : nullptr;
                        const JValue* e = companion && companion->IsArray() &&
                                                  i < companion->Size() && !(*companion)[i].IsNull()
                                              ? &(*companion)[i]
                                              : nullptr;
                        if (p && p->IsNull()) p = nullptr;
                        if (!p && !e)
                            add(Severity::error, kOther, path_.str(),
                                "null without a value or extension in '" + std::string(name) + "'",
                                "", src(c.element->path));
                        else
                            value(c, p, e);
                        path_.pop();
                    }
                }
            } else {
                if (shape.IsArray()) {
                    add(Severity::error, kJsonType, path_.str(),
                        "must be a single value in FHIR R4 JSON (" + std::string(c.element->path) +
                            " is 0.." + max_text(*c.element) + "), got an array",
                        "", src(c.element->path));
                } else {
                    value(c, primary, companion);
                }
                n = 1;
            }
            path_.pop();
            if (k < counts.size()) counts[k] += n;
        }
        for (const uint32_t k : m_.count_checks(scope)) {  // min > 0 or a finite max
            if (k >= counts.size()) continue;
            const FhirElement& e = *kids[k];
            if (primitive_companion && e.name == "value") continue;
            if (counts[k] < e.min)
                add(Severity::error, kMissing, path_.child(e.name),
                    std::string(e.path) + " is required (min " + std::to_string(e.min) + ")" +
                        (counts[k] > 0 ? ", found " + std::to_string(counts[k]) : ""),
                    "", src(e.path));
            if (e.max != FhirElement::kUnbounded && counts[k] > e.max && e.is_array())
                add(Severity::error, kTooMany, path_.child(e.name),
                    std::string(e.path) + " allows at most " + std::to_string(e.max) + ", found " +
                        std::to_string(counts[k]),
                    "", src(e.path));
        }
    }

    // The member `name` (or `_name` when `underscore`) of an object, without allocating.
    static const JValue* find_member(const JValue& obj, std::string_view name,
                                     bool underscore = false) {
        for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
            std::string_view n = sv(it->name);
            if (underscore) {
                if (n.empty() || n[0] != '_') continue;
                n.remove_prefix(1);
            }
            if (n == name) return &it->value;
        }
        return nullptr;
    }

    static std::string max_text(const FhirElement& e) {
        return e.max == FhirElement::kUnbounded ? "*" : std::to_string(e.max);
    }

    // One occurrence of an element: `v` the JSON value (null for a primitive given only by its
    // companion), `companion` the `_name` object.
    void value(const FhirChild& c, const JValue* v, const JValue* companion) {
        const FhirElement& e = *c.element;
        const bool backbone = e.child_begin != e.child_end || e.content_ref;
        if (backbone) {
            if (!v->IsObject()) {
                wrong_type(e, *v, "an object");
                return;
            }
            invariants(c, v, nullptr);
            object(*v, e.content_ref ? *e.content_ref : e, false);
            return;
        }
        if (c.type.substr(0, 7) == "System.") {
            if (v) system_value(e, c.type, *v);
            return;
        }
        if (!c.type_def) return;  // a type the model does not know: nothing to say
        if (c.type_def->kind == FhirTypeKind::primitive) {
            if (v) primitive(e, *c.type_def, *v);
            if (companion) {
                if (!companion->IsObject())
                    wrong_type(e, *companion, "an object (id, extension)");
                else
                    object(*companion, *c.type_def->root, false, true);
            }
            if (v && e.binding.expansion && v->IsString()) binding_code(e, sv(*v));
            invariants(c, v, companion);
            return;
        }
        if (c.type_def->kind == FhirTypeKind::resource || c.type == "Resource") {
            resource(*v);
            return;
        }
        if (!v->IsObject()) {
            wrong_type(e, *v, "an object (" + std::string(c.type) + ")");
            return;
        }
        invariants(c, v, nullptr);
        object(*v, *c.type_def->root, false);
        if (c.type == "Coding") coding_format(*v);
        if (c.type == "Reference") reference_target(e, *v);
        if (e.binding.expansion) {
            if (c.type == "Coding") binding_coding(e, *v);
            if (c.type == "CodeableConcept") binding_concept(e, *v);
        }
    }

    // A literal reference ("Patient/1", "https://x/fhir/Patient/1", with or without _history)
    // names the type of its target: it must be one the element allows (Reference(Patient|Group)).
    // Contained (#id), urn:uuid: and other forms name no type and are not judged here.
    void reference_target(const FhirElement& e, const JValue& ref) {
        const FhirTypeRef* t = nullptr;
        for (const FhirTypeRef& r : e.types)
            if (r.code == "Reference") t = &r;
        if (!t || t->targets.empty()) return;
        for (std::string_view target : t->targets)
            if (target == "Resource" || target.find('/') != std::string_view::npos) return;
        std::string_view r = str_member(ref, "reference");
        if (r.empty() || r[0] == '#' || r.substr(0, 4) == "urn:") return;
        if (const size_t h = r.find("/_history/"); h != std::string_view::npos) r = r.substr(0, h);
        const size_t slash = r.rfind('/');
        if (slash == std::string_view::npos || slash == 0) return;
        const std::string_view before = r.substr(0, slash);
        const std::string_view type = before.substr(before.rfind('/') + 1);
        const FhirType* rt = m_.type(type);
        if (!rt || rt->kind != FhirTypeKind::resource) return;  // not Type/id: not judged
        for (std::string_view target : t->targets)
            if (m_.is_a(type, target)) return;
        std::string allowed;
        for (std::string_view target : t->targets)
            allowed += (allowed.empty() ? "" : ", ") + std::string(target);
        add(Severity::error, kReferenceTarget, path_.child("reference"),
            "'" + shown(r) + "' refers to a " + std::string(type) + "; " + std::string(e.path) +
                " may refer to " + allowed,
            "", src(e.path));
    }

    // A code that cannot exist in its code system, whatever the binding: LOINC's check digit,
    // SNOMED CT's Verhoeff check digit.
    void coding_format(const JValue& coding) {
        const std::string_view system = str_member(coding, "system");
        if (system == "http://snomed.info/sct") {
            const std::string_view code = str_member(coding, "code");
            if (code.empty() || code.find_first_not_of("0123456789") != std::string_view::npos ||
                sctid_ok(code))
                return;
            add(Severity::error, kImpossibleCode, path_.child("code"),
                "'" + shown(code) +
                    "' cannot be a SNOMED CT identifier: an SCTID has 6 to 18 digits, no leading "
                    "zero, and ends with the Verhoeff check digit of the whole identifier",
                "check the code against a SNOMED CT browser (a typo changes the check digit)",
                "https://confluence.ihtsdotools.org/display/DOCTIG/6.3+Check-digit");
            return;
        }
        if (system != "http://loinc.org") return;
        const std::string_view code = str_member(coding, "code");
        if (code.empty() || loinc_code_ok(code)) return;
        add(Severity::error, kImpossibleCode, path_.child("code"),
            "'" + shown(code) +
                "' cannot be a LOINC code: LOINC codes are digits, a hyphen and "
                "the mod-10 check digit of the digits",
            "check the code against loinc.org (a typo changes the check digit)",
            "https://loinc.org/kb/users-guide/calculating-mod-10-check-digits/");
    }

    void wrong_type(const FhirElement& e, const JValue& v, const std::string& want) {
        add(Severity::error, kJsonType, path_.str(),
            "wrong JSON type: FHIR R4 expects " + want + ", got " + json_kind(v), "", src(e.path));
    }

    void system_value(const FhirElement& e, std::string_view type, const JValue& v) {
        const bool ok = type == "System.Boolean"                               ? v.IsBool()
                        : type == "System.Integer" || type == "System.Decimal" ? v.IsNumber()
                                                                               : v.IsString();
        if (!ok) {
            wrong_type(e, v, type == "System.Boolean" ? "a boolean" : "a string");
            return;
        }
        if (v.IsString() && v.GetStringLength() == 0) {
            add(Severity::error, kFormat, path_.str(), "empty string (omit the element instead)",
                "", src(e.path));
            return;
        }
        // Resource.id is an `id` (R4 resource.html); the R4 definitions type it System.String.
        if (e.name == "id" && e.owner && e.owner->kind == FhirTypeKind::resource && v.IsString() &&
            e.path.size() == e.owner->name.size() + 3 &&
            !native_format_ok(FhirPrimitive::id, sv(v)))
            add(Severity::error, kFormat, path_.str(),
                "'" + shown(sv(v)) + "' is not a valid FHIR id", format_hint("id"), src(e.path));
    }

    void primitive(const FhirElement& e, const FhirType& t, const JValue& v) {
        const std::string_view type = t.name;
        const FhirPrimitive p = t.primitive;
        if (p == FhirPrimitive::boolean) {
            if (!v.IsBool()) wrong_type(e, v, "a boolean (true or false, no quotes)");
            return;
        }
        if (p == FhirPrimitive::integer || p == FhirPrimitive::positive_int ||
            p == FhirPrimitive::unsigned_int) {
            if (!v.IsNumber()) {
                wrong_type(e, v, "a number");
                return;
            }
            const int64_t lo = p == FhirPrimitive::integer        ? INT32_MIN
                               : p == FhirPrimitive::positive_int ? 1
                                                                  : 0;
            if (!v.IsInt64() || v.GetInt64() < lo || v.GetInt64() > INT32_MAX)
                add(Severity::error, kFormat, path_.str(),
                    "not a valid FHIR " + std::string(type) + " (" + number_text(v) + ")",
                    format_hint(type), src(e.path));
            return;
        }
        if (p == FhirPrimitive::decimal) {
            if (!v.IsNumber()) wrong_type(e, v, "a number");
            return;
        }
        if (!v.IsString()) {
            wrong_type(e, v, "a string");
            return;
        }
        const std::string_view s = sv(v);
        bool ok = !s.empty();
        if (ok && has_native_format(p)) ok = native_format_ok(p, s);
        if (ok && (p == FhirPrimitive::date || p == FhirPrimitive::date_time ||
                   p == FhirPrimitive::instant))
            ok = calendar_ok(s);
        if (ok && (p == FhirPrimitive::string || p == FhirPrimitive::markdown))
            ok = s.find_first_not_of(" \t\r\n") != std::string_view::npos;
        if (!ok)
            add(Severity::error, kFormat, path_.str(),
                s.empty() ? std::string("empty string (omit the element instead)")
                          : "'" + shown(s) + "' is not a valid FHIR " + std::string(type),
                format_hint(type), src(e.path));
    }

    static std::string number_text(const JValue& v) {
        if (v.IsInt64()) return std::to_string(v.GetInt64());
        if (v.IsUint64()) return std::to_string(v.GetUint64());
        return std::to_string(v.GetDouble());
    }

    void binding_issue(const FhirElement& e, std::string_view system, std::string_view code) {
        const bool required = e.binding.strength == BindingStrength::required;
        if (!required && national_) return;
        std::string msg = "code '" + shown(code) + "'";
        if (!system.empty()) msg += " (system " + shown(system) + ")";
        msg += required ? " is not in the value set FHIR R4 requires for "
                        : " is not in the value set FHIR R4 names (extensible) for ";
        msg += std::string(e.path) + ": " + std::string(e.binding.valueset);
        add(required ? Severity::error : Severity::warning,
            required ? kRequiredBinding : kExtensibleBinding, path_.str(), std::move(msg),
            "use a code of " + std::string(e.binding.valueset), src(e.path));
    }

    void binding_code(const FhirElement& e, std::string_view code) {
        if (!e.binding.expansion->contains_code(code)) binding_issue(e, {}, code);
    }

    void binding_coding(const FhirElement& e, const JValue& coding) {
        const std::string_view system = str_member(coding, "system"),
                               code = str_member(coding, "code");
        if (code.empty()) return;  // nothing coded: not checked
        if (!e.binding.expansion->contains(system, code)) binding_issue(e, system, code);
    }

    void binding_concept(const FhirElement& e, const JValue& cc) {
        const JValue* codings = member(cc, "coding");
        if (!codings || !codings->IsArray() || codings->Empty()) return;  // text only
        std::string_view first_system, first_code;
        for (const auto& c : codings->GetArray()) {
            const std::string_view system = str_member(c, "system"), code = str_member(c, "code");
            if (code.empty()) continue;
            if (e.binding.expansion->contains(system, code)) return;
            if (first_code.empty()) {
                first_system = system;
                first_code = code;
            }
        }
        if (!first_code.empty()) {
            path_.push("coding");
            binding_issue(e, first_system, first_code);
            path_.pop();
        }
    }

    // The invariants of one node (FhirModel::invariants: its element definition's, its
    // contentReference's and its type root's, each key once; collected at load).
    void invariants(const FhirChild& c, const JValue* v, const JValue* companion) {
        if (!eval_ && !unchecked_) return;
        for (const FhirInvariantRef& r : m_.invariants(c, scratch_))
            invariant(c, *r.def, *r.constraint, v, companion);
    }

    void invariant(const FhirChild& c, const FhirElement& def, const FhirConstraint& k,
                   const JValue* v, const JValue* companion) {
        if (national_ && !k.error) return;  // a guideline: `--spec r4` says it
        if (!eval_) {
            unchecked_->push_back({std::string(k.key), std::string(def.path)});
            return;
        }
        if (k.ele1 && g_ele1_fast.load(std::memory_order_relaxed) && ele1_plainly_holds(v))
            return;  // the common case, without a node
        const InvariantNode node{k, *c.element, c.type, v, companion, *resource_, root_, path_fn_};
        switch (eval_(node)) {
            case InvariantOutcome::pass:
                return;
            case InvariantOutcome::unsupported:
                if (unchecked_) unchecked_->push_back({std::string(k.key), std::string(def.path)});
                return;
            case InvariantOutcome::fail:
                add(k.error ? Severity::error : Severity::warning, kInvariant, path_.str(),
                    std::string(k.key) + ": " + std::string(k.human),
                    "FHIRPath: " + std::string(k.expression), "fhir-r4:" + std::string(k.key));
                return;
        }
    }

    static std::string src(std::string_view element_path) {
        return "fhir-r4:" + std::string(element_path);
    }

    void add(Severity s, const char* rule, std::string path, std::string message, std::string hint,
             std::string source) {
        push_issue(out_, s, rule, std::move(path), std::move(message), std::move(hint),
                   std::move(source));
    }

    const FhirModel& m_;
    const JValue& root_;
    const JValue* resource_ = nullptr;
    std::vector<Issue>& out_;
    std::vector<UncheckedInvariant>* unchecked_;
    const InvariantEvaluator& eval_;
    bool national_ = false;  // R4Scope::national
    Path path_;
    std::vector<FhirInvariantRef> scratch_;  // invariants of a node the model did not index
    const std::function<std::string()> path_fn_ = [this] { return path_.str(); };
};

}  // namespace

bool ele1_plainly_holds(const JValue* v) {
    if (!v) return false;
    if (v->IsString()) return v->GetStringLength() > 0;
    if (v->IsNumber() || v->IsBool()) return true;
    if (!v->IsObject()) return false;
    for (auto m = v->MemberBegin(); m != v->MemberEnd(); ++m) {
        const std::string_view name(m->name.GetString(), m->name.GetStringLength());
        if (name.empty() || name[0] == '_' || name == "id" || name == "resourceType") continue;
        const JValue& x = m->value;
        if (plain_child(x)) return true;
        if (x.IsArray())  // a repeating child: one plain item is a child
            for (const JValue& item : x.GetArray())
                if (plain_child(item)) return true;
    }
    return false;
}

void set_ele1_fast_path(bool on) {
    g_ele1_fast.store(on, std::memory_order_relaxed);
}

void validate_r4_resource(const FhirModel& model, const JValue& resource, const JValue& root,
                          std::string_view path, std::vector<Issue>& out) {
    Walker w(model, root, out, nullptr);
    w.run_at(resource, path);
}

void validate_r4(const FhirModel& model, const JValue& root, std::vector<Issue>& out,
                 std::vector<UncheckedInvariant>* unchecked, R4Scope scope) {
    Walker w(model, root, out, unchecked, scope);
    w.run();
    // `--spec r4`: extensions against their R4 definitions. At the national levels the profile
    // walker checks every extension against R4 and the national definitions
    // (validate_profiles), once.
    if (scope == R4Scope::full)
        validate_extensions(model, nullptr, root, root, str_member(root, "resourceType"), out);
    if (unchecked) {
        std::sort(unchecked->begin(), unchecked->end());
        unchecked->erase(std::unique(unchecked->begin(), unchecked->end()), unchecked->end());
    }
}

}  // namespace vft::detail
