// The FHIRPath engine as the validator's invariant evaluator (validate/invariants.hpp): each
// constraint expression is compiled once (per thread cache) and evaluated on the node with
// %context = the node, %resource = the resource holding it, %rootResource = the outermost one.
#pragma once

#include <optional>

#include "validate/invariants.hpp"

namespace vft::fhirpath::detail {

// false -> fail; true, empty or non-Boolean items -> pass (only a false result shows a
// violation); a syntax or run-time error -> unsupported (listed as not checked).
vft::detail::InvariantOutcome evaluate_invariant(const vft::detail::InvariantNode& node);

// The two halves of evaluate_invariant, for the test that proves them equal: the answer read
// straight from the JSON for the hot invariants (ele-1, ext-1, dom-2..6, ref-1, per-1 on the
// nodes where that is exact; nullopt otherwise), and the FHIRPath evaluation.
std::optional<vft::detail::InvariantOutcome> evaluate_invariant_native(
    const vft::detail::InvariantNode& node);
vft::detail::InvariantOutcome evaluate_invariant_generic(const vft::detail::InvariantNode& node);

// The evaluator the walker uses by default.
vft::detail::InvariantEvaluator invariant_evaluator();

}  // namespace vft::fhirpath::detail
