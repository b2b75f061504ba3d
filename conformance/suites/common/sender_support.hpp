// What the sender-role tests of the suites share (issue 6, "Role sender"): the runner hosts the
// endpoint and the token service, triggers the SUT with an instruction, and judges only what was
// recorded — the requests that arrived (valid message, right endpoint, scope, service codes and
// identifier; client assertions and DPoP proofs correct and never reused), how the SUT behaved
// under injected faults (same identifier on every resend, backoff, Retry-After honoured, a
// rejection not retried, 429 slows it down) and the receiver's journal (nothing twice).
// Timestamps come from the recorded exchanges, so a re-judge reaches the same verdict.
// Each suite declares its sender tests in conformance/suites/<suite>/sender.cpp with these.
#pragma once

#include <string>
#include <vector>

#include "suites.hpp"

namespace vft::conformance::suites {

// What one scenario asks of the SUT and where it must arrive.
struct Scenario {
    std::string action;
    std::string api;                          // vkp | jft | pmd
    std::string spec;                         // validator package the message must satisfy strictly
    std::string path;                         // after the endpoint; {orgnr} is replaced
    std::string scope;                        // the token must carry it
    std::string event;                        // the instruction's "event" object
    std::vector<std::string> codes = {"TA"};  // the instruction's service codes
    bool journaling = true;                   // false: a search (nothing to journal)
};

// The scenarios: `api` is vkp | jft.
[[nodiscard]] Scenario alarm(const std::string& api);
[[nodiscard]] Scenario medication(const std::string& api);
[[nodiscard]] Scenario supervision();
[[nodiscard]] Scenario dho_note();
[[nodiscard]] Scenario measurements();
[[nodiscard]] Scenario search_patient();

// The SUT, triggered with the scenario and no fault, delivers it once, valid and with the right
// credentials (and journaled once, for a journaling scenario).
[[nodiscard]] TestFn delivered_check(Scenario s);

// Declares the five fault tests <suite>.sender.faults.* (503 resent with the same identifier
// and backoff, Retry-After honoured, a dropped connection retried without a double journal, 400
// not retried, 429 slows down) for `s`, with faults on the requests matching `path_glob`.
void add_fault_tests(RoleTests& suite, const std::string& module, const Scenario& s,
                     const std::string& path_glob);

}  // namespace vft::conformance::suites
