// Extensions checked against their definitions, by URL, wherever they are (issue 20 item 2).
//
// One walk over the parsed document (no copy) visits every `extension` and `modifierExtension`
// of every element at any depth — resources, datatypes, backbone elements, the `_name` companions
// of primitives, nested resources (contained, Bundle entries, Parameters) and extensions on
// extensions — knowing, through the compiled R4 model, which element definition and type holds
// each one. Each extension is looked up by URL (a hash map, nothing allocated on the happy path):
//
// - an R4 definition (specs/compiled/fhir-r4.model `X`/`Y` records, every extension of the R4
//   4.0.1 specification): value[x] type (FHIR-STR-013), required/extensible binding of the value
//   (FHIR-STR-006/011), the parts of a complex extension — cardinality and value type of each
//   sub-extension (FHIR-STR-017, FHIR-STR-013) —, the definition's context (FHIR-STR-018, a
//   warning: R4's own examples break it), and
//   modifier use (FHIR-STR-016);
// - a national extension definition (specs/compiled/profiles.model, kind `x`; only when
//   `national` is given, i.e. at the national levels): the extension is judged against that
//   StructureDefinition by the profile walker (FHIR-PRF-*), exactly as when a profile's slice
//   names it;
// - unknown: in the core namespace `http://hl7.org/fhir/StructureDefinition/` an error (R4 closes
//   it: extensibility.html), elsewhere a warning (FHIR-STR-012); an unknown modifierExtension is
//   an error wherever it is (FHIR-STR-016: an unknown modifier cannot be processed safely).
#pragma once

#include <string_view>
#include <vector>

#include "fhir/model.hpp"
#include "json/json_util.hpp"
#include "validate/profiles.hpp"
#include "vft/validate/issue.hpp"

namespace vft::detail {

// Appends the extension issues of the resource `resource` (at `path`: its type at the top, or
// "Bundle.entry[2].resource") and of every resource nested in it. `national`: the compiled
// national profiles (strict/lenient), nullptr for `--spec r4` (base R4 alone). `root` is the
// document (for the profile walker's invariants).
void validate_extensions(const FhirModel& r4, const ProfileModel* national, const JValue& resource,
                         const JValue& root, std::string_view path, std::vector<Issue>& out);

}  // namespace vft::detail
