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

// Resource types judged by structure only (the national levels, validate/json_validator.cpp):
// elements, cardinality, JSON types, formats and required bindings, but not invariants,
// extensible bindings, code check digits nor reference targets. When it is given, extensions
// are left to the national levels' own walk (validate_profiles → validate_extensions).
using StructureOnly = bool (*)(std::string_view resource_type);

// Appends the issues of `root` (a parsed JSON object with a resourceType) to `out`; each has
// `source` "fhir-r4:<element path>" or "fhir-r4:<invariant key>". `unchecked`, when given,
// collects the invariants that were not evaluated (no evaluator, or it said unsupported).
// `structure_only`, when given, names the resource types judged by structure only.
void validate_r4(const FhirModel& model, const JValue& root, std::vector<Issue>& out,
                 std::vector<UncheckedInvariant>* unchecked,
                 StructureOnly structure_only = nullptr);

// One resource nested in a document the national packages judge (a resource type their JSON
// Schema does not describe, e.g. a Condition in a VKP search result): judged by base R4 alone,
// paths prefixed with `path` ("Bundle.entry[4].resource").
void validate_r4_resource(const FhirModel& model, const JValue& resource, const JValue& root,
                          std::string_view path, std::vector<Issue>& out);

}  // namespace vft::detail
