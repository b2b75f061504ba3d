// Operator mode (role sender, "trigger": "manual" in the SUT file; docs/conformance.md, "Operator
// mode"): a person makes the product act. operator_task() turns an instruction into the task a
// person is shown; operator_run() asks through RunOptions::operator_prompt and says how it went,
// which the sender context records as the trigger exchange (header X-Vft-Operator: manual).
// Internal to the conformance library (vft::conformance::detail).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "vft/conformance/runner.hpp"

namespace vft::conformance::detail {

// The task for a person: what to do on the product, for whom, and what the runner waits for.
// Person numbers are shown masked (the first six digits); the instruction file has them whole.
[[nodiscard]] OperatorTask operator_task(const std::string& instruction_json,
                                         const std::string& instruction_path,
                                         std::chrono::seconds timeout);

struct OperatorOutcome {
    bool confirmed = false;  // the person pressed Enter in time
    std::string error;       // why not ("the operator did not confirm within N s")
    std::string text;        // for the exchange's response body
    int64_t elapsed_ms = 0;
};

// Asks the person (prompt may be empty: then not confirmed, with the reason).
[[nodiscard]] OperatorOutcome operator_run(const OperatorPrompt& prompt, const OperatorTask& task);

}  // namespace vft::conformance::detail
