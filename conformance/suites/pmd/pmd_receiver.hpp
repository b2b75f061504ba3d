// The `pmd` suite, role receiver: what a PMD-style observation API (domain §2.8) must do — a batch
// of measurements answered entry by entry in order (201 each; an invalid entry 400 with an
// OperationOutcome while the others are stored), stored observations readable through
// Observation/_search, duplicates stored once per entry identifier, DPoP-bound HelseID auth.
// Test IDs are permanent; docs/conformance.md describes each group.
// Thread-safety: the returned test cases are plain values; each run gets its own TestContext.
#pragma once

#include <vector>

#include "vft/conformance/suite.hpp"

namespace vft::conformance::suites {

inline constexpr const char* kPmdSuiteVersion = "1.0.0";

[[nodiscard]] std::vector<TestCase> pmd_receiver_tests();

}  // namespace vft::conformance::suites
