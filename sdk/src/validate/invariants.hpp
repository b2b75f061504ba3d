// The hook through which the FHIR walker (validate/r4_walker.cpp) has invariants evaluated.
// The walker collects, per node, the constraints of its element definition (and of its type's
// root, e.g. per-1 for every Period) and hands each to the evaluator set here. With none set,
// every invariant is "not evaluated" and `vft validate --list-unchecked` lists them.
//
// Set it once, before the first validation (e.g. the FHIRPath engine's registration function
// called from Validator::create); it is read concurrently afterwards and never changed.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "fhir/model.hpp"
#include "json/json_util.hpp"

namespace vft::detail {

enum class InvariantOutcome { pass, fail, unsupported };

struct InvariantNode {
    const FhirConstraint& constraint;
    const FhirElement& element;  // the element definition the node is an instance of
    std::string_view type;       // the node's type ("Period", "string", "BackboneElement")
    const JValue* value;         // the node: an object, or a primitive's JSON value (may be
                                 // null when a primitive has only its `_name` companion)
    const JValue* companion;     // a primitive's `_name` object (id, extension), or null
    const JValue& resource;      // %resource: the resource that contains the node
    const JValue& root;          // %rootResource: the outermost resource of the document
    const std::function<std::string()>& path;  // the node's path, built only when called
};

using InvariantEvaluator = std::function<InvariantOutcome(const InvariantNode&)>;

// nullptr-equivalent (empty function) until something registers.
void set_invariant_evaluator(InvariantEvaluator evaluator);
const InvariantEvaluator& invariant_evaluator();

}  // namespace vft::detail
