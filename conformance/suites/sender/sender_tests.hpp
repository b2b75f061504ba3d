// The sender-role tests of the suites vkp-r4, jft and pmd (issue 6, "Role sender"): the runner
// hosts the endpoint and the token service, triggers the SUT with an instruction, and judges only
// what was recorded — the requests that arrived (valid message, right endpoint, scope, service
// codes and identifier; client assertions and DPoP proofs correct and never reused), how the SUT
// behaved under injected faults (same identifier on every resend, backoff, Retry-After honoured,
// a rejection not retried, 429 slows it down) and the receiver's journal (nothing twice).
// Timestamps come from the recorded exchanges, so a re-judge reaches the same verdict.
#pragma once

#include <string_view>
#include <vector>

#include "vft/conformance/suite.hpp"

namespace vft::conformance::suites {

// The sender-role test cases of `suite` (vkp-r4 | jft | pmd); empty for any other suite.
[[nodiscard]] std::vector<TestCase> sender_tests(std::string_view suite);

// The sender-role tests of suite kith (conformance/suites/kith/sender.cpp): a response centre
// sends Dialogmelding in MsgHead and handles the AppRec.
[[nodiscard]] std::vector<TestCase> kith_sender_tests();

}  // namespace vft::conformance::suites
