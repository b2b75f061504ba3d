// The `kith` suite, role receiver: what an EPJ that receives KITH messages (domain §4: MsgHead 1.2
// with a Dialogmelding 1.1 note) must answer — an AppRec that is itself valid (AppRec XSD and
// kodeverk 8258/8221), with status 1 for a good note, 2 with T01 for XML that is not well-formed,
// 2 with T02 for a message the schema refuses, 2 with E35 for a patient it does not know, and
// OriginalMsgId naming the MsgId it acknowledges; a resent MsgId gets the same answer.
// Test IDs are permanent; docs/conformance.md describes each group.
// Thread-safety: the returned test cases are plain values; each run gets its own TestContext.
#pragma once

#include <vector>

#include "vft/conformance/suite.hpp"

namespace vft::conformance::suites {

inline constexpr const char* kKithSuiteVersion = "1.0.0";

[[nodiscard]] std::vector<TestCase> kith_receiver_tests();

}  // namespace vft::conformance::suites
