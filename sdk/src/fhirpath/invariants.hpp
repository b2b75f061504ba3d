// The FHIRPath engine as the validator's invariant evaluator (validate/invariants.hpp): each
// constraint expression is compiled once (per thread cache) and evaluated on the node with
// %context = the node, %resource = the resource holding it, %rootResource = the outermost one.
#pragma once

#include "validate/invariants.hpp"

namespace vft::fhirpath::detail {

// false -> fail; true, empty or non-Boolean items -> pass (only a false result shows a
// violation); a syntax or run-time error -> unsupported (listed as not checked).
vft::detail::InvariantOutcome evaluate_invariant(const vft::detail::InvariantNode& node);

// The evaluator the walker uses by default.
vft::detail::InvariantEvaluator invariant_evaluator();

}  // namespace vft::fhirpath::detail
