// One finding of the validator, and the report that collects them for one document.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vft {

enum class Severity { fatal, error, warning, information };

[[nodiscard]] std::string_view to_string(Severity s);

struct Issue {
    Severity severity = Severity::error;
    std::string rule;     // permanent rule ID, e.g. "VKP-CMP-002" (specs/README.md)
    std::string path;     // FHIRPath-style with indices, or an XML path; empty when not known
    std::string message;  // what is wrong
    std::string hint;     // how to fix it, where known
    int line = 0;         // 1-based position in the input, 0 when not known
    int column = 0;
    std::string source;  // what decides it: "fhir-r4:Observation.status", "fhir-r4:per-1",
                         // "specs/upstream/…#element", a published page, "decision:…"
};

// An invariant the validator met but could not evaluate (no FHIRPath engine, or an expression
// it does not support): listed by `vft validate --list-unchecked`.
struct UncheckedInvariant {
    std::string key;   // "per-1"
    std::string path;  // the element definition it belongs to: "Period", "Patient.name"
    bool operator<(const UncheckedInvariant& o) const {
        return key != o.key ? key < o.key : path < o.path;
    }
    bool operator==(const UncheckedInvariant& o) const { return key == o.key && path == o.path; }
};

struct ValidationReport {
    std::string kind;           // "fhir-json" | "kith-xml" | "unknown"
    std::string spec;           // package the document was judged by, e.g. "vkp-r4"
    std::string resource_type;  // FHIR resourceType or XML root element name
    std::vector<Issue> issues;
    std::vector<UncheckedInvariant> unchecked;  // only with ValidateOptions::list_unchecked
    // Issues of hand-written national rules (specs/*/rules, profiles) that deferred to a check
    // of the compiled published profiles (FHIR-PRF-*) reporting the same place: not part of the
    // verdict, kept so a rule can still be traced to what replaced it (docs/validation.md).
    std::vector<Issue> deferred;

    // No fatal and no error issues.
    [[nodiscard]] bool valid() const;
    [[nodiscard]] size_t count(Severity s) const;
    // The report as a FHIR R4 OperationOutcome (JSON), ready to return in a 400 response.
    [[nodiscard]] std::string to_operation_outcome() const;
};

}  // namespace vft
