// vft::Error — what went wrong, in a form a program can act on and a person can read.
// Every error carries a stable code from the registry in error_codes.hpp (never reused).
#pragma once

#include <string>

namespace vft {

struct Error {
    std::string code;        // stable registry code, e.g. "VFT-JSON-0101"
    std::string message;     // one sentence for a person
    std::string location;    // element path ("Bundle.entry[1].resource") or "line 3, column 7"
    std::string hint;        // how to fix it, where known
    int http_status = 0;     // the HTTP status that carried the error, 0 when none
    bool retryable = false;  // true when the same call may succeed later unchanged
    // The FHIR OperationOutcome (JSON) the server answered with, when it sent one; "" otherwise.
    // Read it with vft::client::read_operation_outcome / issues_of
    // (vft/client/operation_outcome.hpp).
    std::string outcome = {};

    // "VFT-JSON-0101 at line 3, column 7: message (hint: ...)"
    [[nodiscard]] std::string to_string() const;
};

}  // namespace vft
