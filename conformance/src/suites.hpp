// The per-suite registration functions the registry (registry.cpp) builds the suites from. Each
// lives in conformance/suites/<suite>/ and appends its test cases to the suite it is given.
#pragma once

#include "vft/conformance/suite.hpp"

namespace vft::conformance {

inline constexpr const char* kVkpR4SuiteVersion = "1.1.0";
void add_vkp_r4_tests(Suite& suite);
// Role sender (conformance/suites/sender/): appends the suite's sender tests, if it has any.
void add_sender_tests(Suite& suite);

// Role receiver: conformance/suites/jft, pmd and kith (docs/conformance.md).
inline constexpr const char* kJftSuiteVersion = "1.1.0";
void add_jft_tests(Suite& suite);
inline constexpr const char* kPmdSuiteVersion = "1.1.0";
void add_pmd_tests(Suite& suite);
inline constexpr const char* kKithSuiteVersion = "1.1.0";
void add_kith_tests(Suite& suite);

}  // namespace vft::conformance
