// Helpers of the vkp-r4 receiver suite: URLs and scopes of the VKP R4 API (domain §3.1), sending
// FHIR bodies and form searches through the TestContext, reading OperationOutcomes and search
// Bundles, and the messages the journaling tests send (built with the SDK builders, identifiers
// from the context so a re-judge regenerates the same requests).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vft/conformance/suite.hpp"
#include "vft/model/types.hpp"

namespace vft::conformance::vkp_r4 {

inline constexpr const char* kFhirJson = "application/fhir+json";
inline constexpr const char* kVkpErrorSystem =
    "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090";

// {base_url}/epj/r4/{orgnr}/{path}
[[nodiscard]] std::string api_url(const TestContext& ctx, const std::string& path);
// nhn:vkp/api/user/{resource}.{read|write}
[[nodiscard]] std::string scope(const std::string& resource, const char* access);

// POSTs a FHIR JSON body to {api}/{path}.
[[nodiscard]] Result<transport::HttpResponse> post_fhir(
    TestContext& ctx, const std::string& path, const std::string& body, std::string note,
    TokenKind token = TokenKind::valid, const std::string& content_type = kFhirJson);

// POSTs a form search to {api}/{resource}/_search with a ServiceCodes header.
[[nodiscard]] Result<transport::HttpResponse> search(TestContext& ctx, const std::string& resource,
                                                     const std::string& form,
                                                     const std::string& service_codes,
                                                     std::string note);

// "HTTP 400, OperationOutcome: <first issue text>" or the start of the body — for messages.
[[nodiscard]] std::string describe(const Result<transport::HttpResponse>& res);

// True for an OperationOutcome with at least one issue.
[[nodiscard]] bool is_operation_outcome(const std::string& body);
// The VKP error codes (vkp-operation-outcome-v090) of an OperationOutcome.
[[nodiscard]] std::vector<std::string> vkp_codes(const std::string& body);
// Bundle.type, or "" when the body is not a Bundle.
[[nodiscard]] std::string bundle_type(const std::string& body);
// The number of Bundle entries whose resource has this resourceType.
[[nodiscard]] int count_entries(const std::string& body, const std::string& resource_type);
// The entries (resource JSON text) of a Bundle that contain `needle` in any string value.
[[nodiscard]] std::vector<std::vector<std::string>> entry_strings_containing(
    const std::string& body, const std::string& needle);

// The person journaling tests write for: the SUT's first test patient, else a synthetic
// fixture person.
struct Person {
    std::string fnr;
    std::string name;
    std::string service_codes;  // comma-separated, for the ServiceCodes header
};
[[nodiscard]] Person journal_patient(const TestContext& ctx);

// A journaling message of one use case; `marker` is a unique text in its note (when it has one)
// and `note_text` the complete section text with Norwegian characters.
struct Sent {
    std::string path;  // bundle | composition | medicationdispense
    std::string body;
    std::string marker;     // "" when the message has no Composition
    std::string note_text;  // "" likewise
};
enum class UseCase {
    alarm,
    medication_alert,
    dispense_single,
    dispense_bundle_with_note,
    supervision_digital,
    supervision_physical,
    dho_note
};
[[nodiscard]] Result<Sent> build_message(TestContext& ctx, UseCase use_case, const Person& p);

// Reads the journal back through composition/_search: the entries carrying `marker`.
// Errors are messages for Outcome; `absent` is set when the SUT has no such endpoint.
struct ReadBack {
    std::vector<std::vector<std::string>> entries;  // per matching entry, its string values
    bool absent = false;
    std::string problem;  // non-empty: the read failed (what came)
};
[[nodiscard]] ReadBack read_back(TestContext& ctx, const Person& p, const std::string& marker);

}  // namespace vft::conformance::vkp_r4
