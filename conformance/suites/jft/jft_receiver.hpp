// The `jft` suite, role receiver: what a Journalføringstjenesten-style API (domain §3.2) must do —
// DPoP-bound HelseID auth, 202 + status location for Bundle, Composition and MedicationDispense,
// the $status lifecycle, cursor-paged search, strict validation, idempotent resubmission and
// robustness. Test IDs are permanent; docs/conformance.md describes each group.
// Thread-safety: the returned test cases are plain values; each run gets its own TestContext.
#pragma once

#include <vector>

#include "vft/conformance/suite.hpp"

namespace vft::conformance::suites {

inline constexpr const char* kJftSuiteVersion = "1.0.0";

[[nodiscard]] std::vector<TestCase> jft_receiver_tests();

}  // namespace vft::conformance::suites
