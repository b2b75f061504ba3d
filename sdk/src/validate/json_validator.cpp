// FHIR JSON validation: parse → guard (depth, duplicate keys) → normalise the known real-world
// deviations (reported at the level's severity) → JSON Schema (valijson) → rules → generic
// code and identifier checks. Every stage adds issues; nothing stops early except a fatal one.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <unordered_set>

#include <valijson/adapters/rapidjson_adapter.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "json/json_util.hpp"
#include "validate/checks.hpp"
#include "validate/extensions.hpp"
#include "validate/primitives.hpp"
#include "validate/profiles.hpp"
#include "validate/r4_walker.hpp"
#include "validate/rules_engine.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/internal/parsed_json.hpp"

namespace vft::detail {
namespace {

constexpr unsigned kParseFlags = ParsedJson::kParseFlags;

// A path kept as segments; rendered to "Bundle.entry[1].resource" only when an issue needs it.
class PathStack {
  public:
    explicit PathStack(std::string root) : root_(std::move(root)) {}
    void push(std::string_view name) { segs_.push_back({name, -1}); }
    void push(int index) { segs_.push_back({{}, index}); }
    void pop() { segs_.pop_back(); }
    [[nodiscard]] std::string str() const {
        std::string out = root_;
        for (const auto& s : segs_) {
            if (s.index >= 0) {
                out += '[';
                out += std::to_string(s.index);
                out += ']';
            } else {
                out += '.';
                out += s.name;
            }
        }
        return out;
    }
    [[nodiscard]] std::string child(std::string_view name) const {
        return str() + "." + std::string(name);
    }

  private:
    struct Seg {
        std::string_view name;
        int index;
    };
    std::string root_;
    std::vector<Seg> segs_;
};

bool is_primitive_type(const StructureIndex& idx, const std::string& type) {
    return !type.empty() && type != "Resource" && idx.types.find(type) == idx.types.end();
}

// Depth limit and duplicate keys, without recursion (the input may be hostile).
void guard(const JValue& root, size_t max_depth, IssueSink& sink, bool& too_deep) {
    struct Frame {
        const JValue* v;
        size_t depth;
    };
    std::vector<Frame> stack{{&root, 1}};
    too_deep = false;
    while (!stack.empty()) {
        Frame f = stack.back();
        stack.pop_back();
        if (f.depth > max_depth) {
            too_deep = true;
            sink.add("FHIR-JSON-003", {},
                     "JSON nesting is deeper than " + std::to_string(max_depth) + " levels");
            return;
        }
        if (f.v->IsObject()) {
            const auto n = f.v->MemberCount();
            if (n > 1 && n < 64) {
                for (auto a = f.v->MemberBegin(); a != f.v->MemberEnd(); ++a)
                    for (auto b = a + 1; b != f.v->MemberEnd(); ++b)
                        if (a->name == b->name)
                            sink.add("FHIR-JSON-005", {},
                                     "property '" + std::string(a->name.GetString()) +
                                         "' appears twice in one object");
            } else if (n >= 64) {
                std::unordered_set<std::string_view> seen;
                for (auto a = f.v->MemberBegin(); a != f.v->MemberEnd(); ++a)
                    if (!seen.insert({a->name.GetString(), a->name.GetStringLength()}).second)
                        sink.add("FHIR-JSON-005", {},
                                 "property '" + std::string(a->name.GetString()) +
                                     "' appears twice in one object");
            }
            for (auto m = f.v->MemberBegin(); m != f.v->MemberEnd(); ++m)
                if (m->value.IsObject() || m->value.IsArray())
                    stack.push_back({&m->value, f.depth + 1});
        } else if (f.v->IsArray()) {
            for (const auto& e : f.v->GetArray())
                if (e.IsObject() || e.IsArray()) stack.push_back({&e, f.depth + 1});
        }
    }
}

std::string format_hint(const std::string& type) {
    if (type == "dateTime")
        return "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss)+01:00 — a time needs a zone";
    if (type == "instant") return "YYYY-MM-DDThh:mm:ss(.sss)Z or with an offset such as +01:00";
    if (type == "date") return "YYYY, YYYY-MM or YYYY-MM-DD";
    if (type == "time") return "hh:mm:ss";
    if (type == "code")
        return "a code has no leading, trailing or double spaces and no tabs or line breaks";
    if (type == "uri" || type == "url" || type == "canonical") return "a URI has no white space";
    if (type == "id") return "1-64 characters of A-Z a-z 0-9 - .";
    if (type == "oid") return "urn:oid:<digits and dots>";
    if (type == "uuid") return "urn:uuid:<lower-case UUID>";
    if (type == "base64Binary") return "base64 in groups of four characters";
    return "";
}

// Repairs domain §6 items 1–3 in place and reports each repair (VKP-LEN-001/002/003). The later
// stages then judge the repaired document, so one deviation gives one issue, not a cascade.
class Normaliser {
  public:
    struct Nested {
        JValue* value;
        std::string path;
    };

    Normaliser(const StructureIndex& idx, IssueSink& sink, rapidjson::Document::AllocatorType& a)
        : idx_(idx), sink_(sink), alloc_(a) {}

    // Resources inside the document (entry.resource, contained, outcome), outer before inner.
    std::vector<Nested> nested;

    void run(JValue& v, std::string type, PathStack& ps) {
        if (!v.IsObject()) return;
        if (type.empty() || type == "Resource") {
            if (auto rt = str_member(v, "resourceType"); !rt.empty()) type = std::string(rt);
        }
        for (auto it = v.MemberBegin(); it != v.MemberEnd();) {
            const std::string_view name(it->name.GetString(), it->name.GetStringLength());
            JValue& child = it->value;
            if (child.IsString() && child.GetStringLength() == 0) {
                sink_.add("VKP-LEN-002", ps.child(name),
                          "empty string value for '" + std::string(name) + "'");
                it = v.EraseMember(it);
                continue;
            }
            const ElementInfo* e = type.empty() ? nullptr : idx_.element(type, std::string(name));
            if (e && e->is_array && !child.IsArray() && !child.IsNull()) {
                sink_.add("VKP-LEN-001", ps.child(name),
                          "'" + std::string(name) +
                              "' must be an array in FHIR R4 JSON, got a single " +
                              (child.IsObject() ? "object" : "value"));
                JValue arr(rapidjson::kArrayType);
                arr.PushBack(child, alloc_);  // moves child into the array
                child = arr;
            }
            const std::string child_type = e ? e->type : std::string();
            if (child.IsString()) check_format(child, child_type, ps, name);
            ps.push(name);
            bool removed = false;
            if (child.IsArray()) {
                for (rapidjson::SizeType i = 0; i < child.Size();) {
                    if (child[i].IsString() && child[i].GetStringLength() == 0) {
                        ps.push(static_cast<int>(i));
                        sink_.add("VKP-LEN-002", ps.str(),
                                  "empty string in array '" + std::string(name) + "'");
                        ps.pop();
                        child.Erase(child.Begin() + i);
                        removed = true;
                        continue;
                    }
                    ps.push(static_cast<int>(i));
                    if (child[i].IsString()) check_format(child[i], child_type, ps, {});
                    if (child_type == "Resource" && child[i].IsObject())
                        nested.push_back({&child[i], ps.str()});
                    run(child[i], child_type, ps);
                    ps.pop();
                    ++i;
                }
            } else if (child.IsObject()) {
                if (child_type == "Resource") nested.push_back({&child, ps.str()});
                run(child, child_type, ps);
            }
            ps.pop();
            if (removed && child.Empty()) {
                // The array held only empty strings: it is gone with them.
                it = v.EraseMember(it);
                continue;
            }
            ++it;
        }
        if (JValue* sys = const_cast<JValue*>(member(v, "system"));
            sys && str(sys) == "https://loinc.org") {
            sink_.add("VKP-LEN-003", ps.child("system"),
                      "LOINC system written 'https://loinc.org'");
            sys->SetString("http://loinc.org", alloc_);
        }
    }

  private:
    // Formats of FHIR primitives with a native checker (their schema pattern is not run by
    // valijson). The path is built only when there is something to report (this runs for every
    // string).
    void check_format(const JValue& v, const std::string& type, const PathStack& ps,
                      std::string_view name) {
        if (type.empty() || !has_native_format(type) || native_format_ok(type, str(&v))) return;
        const std::string shown = v.GetStringLength() > 80 ? std::string(v.GetString(), 77) + "..."
                                                           : std::string(str(&v));
        sink_.add("FHIR-STR-004", name.empty() ? ps.str() : ps.child(name),
                  "'" + shown + "' is not a valid FHIR " + type, format_hint(type));
    }

    const StructureIndex& idx_;
    IssueSink& sink_;
    rapidjson::Document::AllocatorType& alloc_;
};

// --- JSON Schema (valijson) ------------------------------------------------------------------

struct SchemaValidator {
    valijson::Validator validator{valijson::Validator::kStrongTypes};
};

SchemaValidator& thread_schema_validator() {
    // valijson caches compiled regexes per Validator; one per thread keeps validate() const and
    // fast.
    thread_local SchemaValidator v;
    return v;
}

std::string strip_brackets(const std::string& s) {
    return s.size() >= 2 && s.front() == '[' && s.back() == ']' ? s.substr(1, s.size() - 2) : s;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Walks document and structure index together along a valijson context, to say what FHIR
// expects there ("an array of Coding").
std::string expected_at(const StructureIndex& idx, const JValue& root,
                        const std::vector<std::string>& ctx) {
    const JValue* v = &root;
    std::string type(str_member(root, "resourceType"));
    const ElementInfo* last = nullptr;
    for (size_t i = 1; i < ctx.size(); ++i) {
        const std::string seg = strip_brackets(ctx[i]);
        if (all_digits(seg)) {
            if (v && v->IsArray() && std::stoul(seg) < v->Size())
                v = &(*v)[static_cast<rapidjson::SizeType>(std::stoul(seg))];
            if (last) last = nullptr;  // now at an item of the array
            continue;
        }
        if (type == "Resource" && v) type = std::string(str_member(*v, "resourceType"));
        last = idx.element(type, seg);
        if (!last) return {};
        type = last->type;
        v = v ? member(*v, seg.c_str()) : nullptr;
    }
    if (!last) return {};
    const std::string t = last->type == "Resource" ? "resource" : last->type;
    const bool prim = is_primitive_type(idx, last->type);
    if (last->is_array) return "an array of " + t + (prim ? " values" : "");
    return prim ? "a " + t + " value" : "a " + t + " object";
}

// The JSON value a valijson context ("<root>", "[entry]", "[4]", ...) names, or null.
const JValue* value_at(const JValue& root, const std::vector<std::string>& ctx) {
    const JValue* v = &root;
    for (size_t i = 1; i < ctx.size() && v; ++i) {
        const std::string seg = strip_brackets(ctx[i]);
        if (v->IsArray()) {
            if (!all_digits(seg) || seg.size() > 9) return nullptr;
            const auto k = static_cast<rapidjson::SizeType>(std::stoul(seg));
            v = k < v->Size() ? &(*v)[k] : nullptr;
        } else {
            v = member(*v, seg.c_str());
        }
    }
    return v;
}

// A concrete resource type of FHIR R4 (the compiled model), given as a JSON string.
bool r4_resource_type(const JValue* v) {
    if (!v || !v->IsString()) return false;
    const FhirType* t = FhirModel::r4().type(str(v));
    return t && t->kind == FhirTypeKind::resource && !t->abstract;
}

// Validates one resource against its own definition: the compiled schema's root dispatches on
// the single property of {"<resourceType>": resource} (see spec_loader.cpp). `path` is where the
// resource sits in the document ("Bundle.entry[2].resource"), or its type at the top.
void schema_validate(const Spec& spec, JValue& resource, const std::string& path_prefix,
                     IssueSink& sink, rapidjson::Document::AllocatorType& alloc,
                     const JValue& root_document) {
    if (!spec.schema) return;
    const std::string rt(str_member(resource, "resourceType"));
    if (!spec.structure.types.count(rt)) {
        // A resource type of R4 the packages' schema does not describe (Condition, Flag, ... in a
        // search result): judged by the compiled R4 model, as `--spec r4` would.
        const FhirModel& r4 = FhirModel::r4();
        if (const FhirType* t = r4.type(rt);
            t && t->kind == FhirTypeKind::resource && !t->abstract) {
            validate_r4_resource(r4, resource, root_document, path_prefix, sink.issues());
            return;
        }
        sink.add("FHIR-STR-001", path_prefix + ".resourceType",
                 "unknown or unsupported resourceType '" + rt + "'");
        return;
    }
    valijson::ValidationResults results;
    JValue wrapper(rapidjson::kObjectType);
    wrapper.AddMember(rapidjson::StringRef(rt.c_str(), rt.size()), resource,
                      alloc);  // moves the resource in
    {
        valijson::adapters::RapidJsonAdapter adapter(wrapper);
        thread_schema_validator().validator.validate(*spec.schema, adapter, &results);
    }
    resource = wrapper.MemberBegin()->value;  // and back
    const JValue& root = resource;
    std::set<std::pair<std::string, std::string>> seen;  // (rule, path): valijson repeats itself
    for (auto err : results) {
        if (err.context.size() >= 2)
            err.context.erase(err.context.begin() + 1);  // the "[<Type>]" wrapper step
        const std::string& d = err.description;
        std::string path = path_prefix;
        for (size_t i = 1; i < err.context.size(); ++i) {
            const std::string seg = strip_brackets(err.context[i]);
            path += all_digits(seg) ? "[" + seg + "]" : "." + seg;
        }
        std::string rule, message, hint;
        // The name in the last pair of quotes (valijson's messages quote keywords too).
        auto quoted = [&d]() {
            const auto b = d.rfind('\'');
            const auto a =
                b == std::string::npos || b == 0 ? std::string::npos : d.rfind('\'', b - 1);
            return a != std::string::npos ? d.substr(a + 1, b - a - 1) : std::string();
        };
        if (d.rfind("Missing required property", 0) == 0) {
            const std::string name = quoted();
            if (name == "resourceType") continue;  // reported as FHIR-JSON-004 / STR-001
            rule = "FHIR-STR-002";
            path += "." + name;
            message = "'" + name + "' is required by FHIR R4 here";
        } else if (d.rfind("Object contains a property that could not be validated", 0) == 0) {
            const std::string name = quoted();
            if (name.empty())
                continue;  // valijson's view of a repeated property: FHIR-JSON-005 said it
            rule = "FHIR-STR-005";
            path += "." + name;
            message = "'" + name + "' is not an element of this FHIR R4 type";
        } else if (d.rfind("Value type not permitted", 0) == 0) {
            rule = "FHIR-STR-003";
            const std::string want = expected_at(spec.structure, root, err.context);
            message = want.empty() ? "wrong JSON type for this element"
                                   : "wrong JSON type: FHIR R4 expects " + want;
        } else if (d.rfind("Failed to match regex", 0) == 0 || d.rfind("Expected number", 0) == 0 ||
                   d.rfind("String should be", 0) == 0) {
            rule = "FHIR-STR-004";
            const std::string want = expected_at(spec.structure, root, err.context);
            message = want.empty() ? "value has the wrong format" : "value is not " + want;
        } else if (d.rfind("Failed to match against any enum values", 0) == 0) {
            const bool at_rt =
                path.size() > 13 && path.compare(path.size() - 13, 13, ".resourceType") == 0;
            if (at_rt && r4_resource_type(value_at(root, err.context)))
                continue;  // an R4 type the schema does not describe: the R4 model judges it
            rule = at_rt ? "FHIR-STR-001" : "FHIR-STR-006";
            message = rule == "FHIR-STR-001" ? "unknown or unsupported resourceType"
                                             : "code is not in the value set FHIR R4 requires";
        } else if (d.rfind("Array should contain no fewer", 0) == 0 ||
                   d.rfind("Object should have no fewer", 0) == 0) {
            rule = "FHIR-STR-007";
            message = "empty array or object (FHIR forbids them; omit the element instead)";
        } else if (d.rfind("Failed to validate", 0) == 0 || d.rfind("Cannot validate", 0) == 0) {
            continue;  // wrappers around the errors reported on their own
        } else {
            rule = "FHIR-STR-009";
            message = d;
        }
        if (seen.insert({rule, path + message}).second) sink.add(rule, path, message);
    }
}

// --- spec package detection ------------------------------------------------------------------

std::string detect_spec(const JValue& root) {
    const auto rt = str_member(root, "resourceType");
    if (rt == "Observation") return "pmd";
    if (rt != "Bundle") return "vkp-r4";
    const auto type = str_member(root, "type");
    if (type == "batch" || type == "batch-response") return "pmd";
    if (const JValue* entries = member(root, "entry"); entries && entries->IsArray())
        for (const auto& e : entries->GetArray())
            if (const JValue* r = member(e, "resource");
                r && str_member(*r, "resourceType") == "Observation")
                return "pmd";
    if (type == "document" || type == "transaction") return "jft";
    return "vkp-r4";
}

}  // namespace

void validate_json(const Spec& spec, const ValidatorOptions& vopts, std::string_view text,
                   const ValidateOptions& opts, ValidationReport& report) {
    IssueSink sink(spec, opts.level, report.issues);
    report.kind = "fhir-json";
    if (text.size() > vopts.max_bytes) {
        sink.add("FHIR-JSON-006", {},
                 "document is " + std::to_string(text.size()) + " bytes; the limit is " +
                     std::to_string(vopts.max_bytes));
        return;
    }
    rapidjson::Document doc;
    doc.Parse<kParseFlags>(text.data(), text.size());
    if (doc.HasParseError()) {
        int line = 0, col = 0;
        line_col(text, doc.GetErrorOffset(), line, col);
        const bool enc = doc.GetParseError() == rapidjson::kParseErrorStringInvalidEncoding;
        sink.add(enc ? "FHIR-JSON-002" : "FHIR-JSON-001", {},
                 std::string(enc ? "invalid UTF-8: " : "not well-formed JSON: ") +
                     rapidjson::GetParseError_En(doc.GetParseError()),
                 {}, line, col);
        return;
    }
    validate_json_document(spec, vopts, doc, opts, report);
}

void validate_json_document(const Spec& spec, const ValidatorOptions& vopts,
                            rapidjson::Document& doc, const ValidateOptions& opts,
                            ValidationReport& report) {
    IssueSink sink(spec, opts.level, report.issues);
    report.kind = "fhir-json";
    bool too_deep = false;
    guard(doc, vopts.max_depth, sink, too_deep);
    if (too_deep) return;
    if (!doc.IsObject() || !member(doc, "resourceType") ||
        !member(doc, "resourceType")->IsString()) {
        sink.add("FHIR-JSON-004", {},
                 "the top level must be a JSON object with a resourceType string");
        return;
    }
    const std::string root_type(str_member(doc, "resourceType"));
    report.resource_type = root_type;
    if (opts.spec == "r4") {  // base FHIR R4 alone: the compiled model, nothing national
        report.spec = "r4";
        validate_r4(FhirModel::r4(), doc, report.issues,
                    opts.list_unchecked ? &report.unchecked : nullptr);
        return;
    }
    report.spec = opts.spec.empty() ? detect_spec(doc) : opts.spec;
    auto pkg = spec.packages.find(report.spec);
    if (pkg == spec.packages.end() || report.spec == "kith") {
        sink.add("FHIR-JSON-004", {},
                 "spec package '" + report.spec + "' does not judge FHIR JSON");
        return;
    }

    PathStack ps(root_type);
    Normaliser normaliser(spec.structure, sink, doc.GetAllocator());
    normaliser.run(doc, root_type, ps);
    schema_validate(spec, doc, root_type, sink, doc.GetAllocator(), doc);
    for (const auto& n : normaliser.nested)
        schema_validate(spec, *n.value, n.path, sink, doc.GetAllocator(), doc);
    if (!spec.structure.types.count(root_type)) {
        // An R4 type the packages' schema does not describe (judged by base R4 above): its
        // extensions against their definitions, as for every other resource (extensions.hpp).
        if (r4_resource_type(member(doc, "resourceType")))
            validate_extensions(FhirModel::r4(), &ProfileModel::embedded(), doc, doc, root_type,
                                report.issues);
        return;  // unknown resourceType: FHIR-STR-001 said it
    }

    RulesEngine engine(spec, pkg->second, sink);
    engine.run(doc, root_type);

    // The published profiles (compiled from specs/upstream): those meta.profile names, else the
    // package's profile for the type. A hand-written rule that reports the same place as a
    // compiled-profile check defers to it (the published source wins over the transcription).
    std::vector<Issue> prf;
    const Package& package = pkg->second;
    const std::string pkg_id = report.spec;
    validate_profiles(
        ProfileModel::embedded(), doc,
        [&package, &pkg_id](std::string_view rt) -> std::string_view {
            auto d = package.default_profiles.find(std::string(rt));
            if (d != package.default_profiles.end() && ProfileModel::embedded().profile(d->second))
                return d->second;
            // PMD names a canonical the published IG does not have (VkpObservation): every
            // Observation of a PMD batch is a vkp-Observation of the published IG.
            if (pkg_id == "pmd" && rt == "Observation")
                return "http://hl7.no/fhir/vkpobservation/StructureDefinition/vkp-Observation";
            return {};
        },
        prf, opts.list_unchecked ? &report.unchecked : nullptr);
    if (!prf.empty()) {
        // The same place: the same path, or one step apart (a hand rule on `code` and the
        // profile's binding on `code.coding`; a hand rule on `subject.identifier.system` and the
        // profile's fixed value on `subject.identifier`). Not for invariants (FHIR-PRF-008) nor
        // for resource-level paths, which say nothing about one element.
        auto near = [](const std::string& a, const std::string& b) {
            if (a == b) return true;
            const std::string& s = a.size() < b.size() ? a : b;
            const std::string& l = a.size() < b.size() ? b : a;
            const bool resource_level =
                s.find('.') == std::string::npos ||
                (s.size() > 9 && s.compare(s.size() - 9, 9, ".resource") == 0);
            return !resource_level && l.compare(0, s.size(), s) == 0 &&
                   (l[s.size()] == '.' || l[s.size()] == '[') &&
                   l.find_first_of(".[", s.size() + 1) == std::string::npos;
        };
        auto covered = [&prf, &near](const Issue& i) {
            if (i.rule.rfind("VKP-", 0) != 0 && i.rule.rfind("PMD-", 0) != 0) return false;
            for (const Issue& p : prf)
                if (p.severity <= Severity::error && p.rule != "FHIR-PRF-008" &&
                    near(p.path, i.path))
                    return true;
            return false;
        };
        // At lenient, a hand rule on an extension the level turned into a warning (a known
        // deviation of the domain sheet §6: the severity extension's coding.system, item 4)
        // keeps that tolerance when the extension's published definition decides the same place
        // (validate/extensions.hpp): its FHIR-PRF error is a warning too, naming the tolerance.
        if (opts.level == Level::lenient)
            for (const Issue& i : report.issues)
                if (i.severity == Severity::warning && covered(i))
                    for (Issue& p : prf)
                        if (p.severity == Severity::error && p.rule != "FHIR-PRF-008" &&
                            p.path.find("extension[") != std::string::npos &&
                            near(p.path, i.path)) {
                            p.severity = Severity::warning;
                            p.hint += std::string(p.hint.empty() ? "" : "; ") +
                                      "lenient: a known deviation (" + i.rule + ", " + i.source +
                                      ")";
                        }
        std::vector<Issue> kept;
        for (Issue& i : report.issues)
            (covered(i) ? report.deferred : kept).push_back(std::move(i));
        report.issues.swap(kept);
        for (Issue& i : prf)
            report.issues.push_back(std::move(i));
    }
}

}  // namespace vft::detail
