// Turns an HTTP response the caller did not want into a typed vft::Error: the status becomes
// VFT-HTTP-0NNN, and a FHIR OperationOutcome body carrying a VKP error code
// (vkp-operation-outcome-v090, 1.x forbidden / 2.x invalid / 3.x other) becomes VFT-VKP-XXYY.
#pragma once

#include <string_view>

#include "vft/core/error.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::transport {

// The code system of VKP error codes in OperationOutcome.issue.details.coding.
inline constexpr std::string_view vkp_operation_outcome_system =
    "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090";

// code: VFT-VKP-XXYY when the body is an OperationOutcome with a VKP code (2.1 -> VFT-VKP-0201),
// else VFT-HTTP-0NNN. message: the details.text (or diagnostics) when there is one, else
// what the status means; person numbers in it are masked. location: the expression.
// hint: what to do for 401/403/404/409/413/415/429/5xx and the VKP codes. http_status: the
// status. retryable: retryable_status(status) — the status decides, also for VKP codes.
// outcome: the whole OperationOutcome body (person numbers masked) when the answer was one, so
// every issue can be read (vft::client::issues_of); "" otherwise.
// Thread-safe (a pure function).
[[nodiscard]] Error error_from_response(const HttpResponse& response);

}  // namespace vft::transport
