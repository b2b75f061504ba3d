// vft::client::OperationOutcome — a receiver's rejection as data: every issue of a FHIR R4
// OperationOutcome with its severity, rule ID, path, message, hint and the code system the rule
// comes from, so a program can act on each issue instead of parsing one flattened error text.
//
// Where the parts come from (docs/error-codes.md, "Rule IDs in an OperationOutcome"):
//   rule     issue.details.coding[].code — the vft validator's rule IDs are in the code system
//            `http://vft.no/fhir/CodeSystem/validation-rule` (e.g. "VKP-CMP-007",
//            "FHIR-STR-002"); VKP's error codes are in
//            `http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090` (e.g. "2.4"). A
//            validator rule wins over a VKP code in the same issue; else the first coding.
//   source   the code system of `rule` ("" when the issue has no coding)
//   path     issue.expression[0], else issue.location[0] (a "line 3, column 7" location
//            goes to `position` instead)
//   message  issue.details.text, else the coding's display
//   hint     issue.diagnostics (where vft's receiver puts the rule's hint)
//
// Every typed client (VkpClient, JftClient, PmdClient, KithClient) keeps the OperationOutcome of
// a refused request in Error::outcome; issues_of(error) reads it. Person numbers in the texts
// are masked. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/error.hpp"
#include "vft/core/result.hpp"
#include "vft/validate/issue.hpp"

namespace vft::client {

// The code system of the vft validator's rule IDs in OperationOutcome.issue.details.coding.
inline constexpr std::string_view vft_rule_system = "http://vft.no/fhir/CodeSystem/validation-rule";

struct OutcomeIssue {
    Severity severity = Severity::error;  // issue.severity (unknown values read as error)
    std::string code;                     // issue.code, the FHIR issue type ("invalid", ...)
    std::string rule;                     // rule ID or VKP error code ("" when none)
    std::string source;                   // the code system of `rule`
    std::string path;                     // FHIRPath expression or location ("" when none)
    std::string position;                 // "line 3, column 7" when the receiver gave one
    std::string message;                  // what is wrong
    std::string hint;                     // how to fix it, where the receiver said
    bool operator==(const OutcomeIssue&) const = default;
};

struct OperationOutcome {
    std::vector<OutcomeIssue> issues;  // in the receiver's order
    // fatal or error issues.
    [[nodiscard]] bool has_errors() const;
    [[nodiscard]] size_t count(Severity s) const;
    // The issues from the vft validator (source vft_rule_system), in order.
    [[nodiscard]] std::vector<OutcomeIssue> rule_issues() const;
};

// Reads an OperationOutcome (JSON). At most 10 000 issues are read. Errors: VFT-JSON-0101 (not
// JSON; location line/column), VFT-JSON-0105 (over 4 MiB), VFT-READ-0801 (not an
// OperationOutcome).
[[nodiscard]] Result<OperationOutcome> read_operation_outcome(std::string_view json);

// The issues of a refused request: read_operation_outcome(error.outcome), or an empty outcome
// when the answer carried none (a network error, a non-FHIR body).
[[nodiscard]] OperationOutcome issues_of(const Error& error);

}  // namespace vft::client
