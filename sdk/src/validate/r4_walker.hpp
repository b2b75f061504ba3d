// `--spec r4`: a FHIR R4 JSON document judged by base FHIR R4 alone (DESIGN.md "Validation
// levels"). Walks the compiled model (fhir/model.hpp) over the parsed document once, without
// copying: unknown elements, cardinality, JSON types, choice types, primitive formats (with real
// calendar dates and integer ranges), required and extensible bindings of value sets the R4
// definitions expand, contained resources, Bundle entries and any other nested resource, and
// the invariants through the evaluator of validate/invariants.hpp.
#pragma once

#include <string_view>
#include <vector>

#include "fhir/model.hpp"
#include "json/json_util.hpp"
#include "vft/validate/issue.hpp"

namespace vft::detail {

// How much of base R4 a walk reports.
// - full (`--spec r4`): everything, extensions against their R4 definitions included.
// - national (strict and lenient, validate/json_validator.cpp): every resource type judged by
//   base R4 — elements, cardinality, JSON types, formats, required bindings, code check digits,
//   reference targets and every invariant of severity error (per-1, bdl-*, ele-1, ...) — but
//   not R4's guideline warnings (dom-6 narrative, extensible bindings), which `--spec r4`
//   reports, and not extensions, which the national walk checks against R4 and the national
//   definitions (validate_profiles → validate_extensions). docs/validation.md "The levels".
enum class R4Scope { full, national };

// Appends the issues of `root` (a parsed JSON object with a resourceType) to `out`; each has
// `source` "fhir-r4:<element path>" or "fhir-r4:<invariant key>". `unchecked`, when given,
// collects the invariants that were not evaluated (no evaluator, or it said unsupported).
void validate_r4(const FhirModel& model, const JValue& root, std::vector<Issue>& out,
                 std::vector<UncheckedInvariant>* unchecked, R4Scope scope = R4Scope::full);

// One resource nested in a document the national packages judge (a resource type their JSON
// Schema does not describe, e.g. a Condition in a VKP search result): judged by base R4 alone,
// paths prefixed with `path` ("Bundle.entry[4].resource").
void validate_r4_resource(const FhirModel& model, const JValue& resource, const JValue& root,
                          std::string_view path, std::vector<Issue>& out);

// ele-1 ("hasValue() or (children().count() > id.count())") where the answer is plain: a
// primitive with a value, or an object with a child other than id that is a primitive value or
// a non-empty object, or an array holding one. The walk decides those nodes with it and hands
// every other to the evaluator. Tests switch it off to see every node reach the evaluator
// (and compare this answer there); set before walking, never while walks run.
bool ele1_plainly_holds(const JValue* v);
void set_ele1_fast_path(bool on);

}  // namespace vft::detail
