// vft::reports::Report — the evidence bundle of a conformance run (DESIGN.md, "report.json"):
// what was tested, against which product and suite version, every exchange, and the verdict.
// report.json is the single source; JUnit, HTML, the signature and certification records are
// derived from it. The JSON form is specified by reports/schema/report.schema.json.
//
// Privacy: a Report never holds a secret (Authorization, DPoP, cookies, keys are redacted when an
// exchange is recorded) and never a fødselsnummer in clear: the runner replaces each one by
// "FNR#" + 12 hex digits of SHA-256(run salt + number), so the same person is recognisable across
// exchanges and a re-judge can map fixture persons back (the salt is in the report).
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::reports {

// Who is wrong, like VK-GL-CTS: pass; fail (the product); skip (could not check: not provided
// in the SUT file, or a precondition failed); omit (not applicable: module not claimed); error
// (the harness itself failed). An error is never counted as a pass.
enum class Status { pass, fail, skip, omit, error };
enum class Verdict { pass, fail, incomplete };

[[nodiscard]] std::string_view to_string(Status s) noexcept;
[[nodiscard]] std::string_view to_string(Verdict v) noexcept;
[[nodiscard]] std::optional<Status> status_from_string(std::string_view s) noexcept;
[[nodiscard]] std::optional<Verdict> verdict_from_string(std::string_view s) noexcept;

struct Header {
    std::string name;
    std::string value;
};

// One HTTP exchange as captured. Role receiver: the runner sent it to the SUT ("outbound").
// Role sender: the SUT sent it to the runner's endpoint or token service ("inbound").
struct Exchange {
    std::string direction = "outbound";  // outbound | inbound
    std::string method;
    std::string url;
    std::vector<Header> request_headers;  // secrets redacted: value "[redacted]"
    std::string request_body;             // fødselsnummer hashed (see above)
    int status = 0;                       // 0 when no response arrived
    std::vector<Header> response_headers;
    std::string response_body;
    std::string error;       // transport error when no response (code and message)
    std::string started;     // RFC 3339 UTC with milliseconds
    int64_t elapsed_ms = 0;  // wall time of the exchange
    std::string note;        // what the test meant by it, e.g. "resubmission of the same bundle"
    // SHA-256 (hex) of request_body and response_body as stored; `vft report verify` recomputes
    // them so a changed body is reported precisely, not only as a bad signature.
    std::string request_sha256;
    std::string response_sha256;
};

struct TestResult {
    std::string id;        // permanent dotted id: vkp_r4.journal.alarm.valid_bundle_accepted
    std::string group;     // auth, journaling, validation, duplicates, search, robustness, ...
    std::string module;    // alarm, medication, supervision, dho, pmd, search, kith, auth
    std::string title;     // one line a procurement officer understands
    std::string spec_ref;  // where the requirement comes from (spec section, rule ID)
    Status status = Status::error;
    bool mandatory = false;
    std::vector<std::string> messages;      // why it failed / skipped; first is the summary
    std::vector<Exchange> exchanges;        // in the order they happened
    std::vector<std::string> requirements;  // requirement IDs covered (REQ-VKP-0001, ...)
    int64_t duration_ms = 0;
};

struct SpecPackage {
    std::string id;       // vkp-r4, jft, pmd, kith
    std::string version;  // e.g. 0.9.0
    std::string sha256;   // hash of the package's files as compiled into the tool
};

struct Summary {
    int pass = 0, fail = 0, skip = 0, omit = 0, error = 0;
    int mandatory = 0, mandatory_passed = 0;
};

// Traceability (report.json "traceability"; docs/conformance.md, "Requirements"): every
// requirement of the suite that applies to the claimed modules and the role, with its level,
// source and result. result: "met" (a test checking it passed, none failed), "failed" (a test
// checking it failed) or "not checked" (no test checking it ran to a judgement).
struct RequirementResult {
    std::string id;
    std::string level;  // SHALL | SHOULD | MAY | DECISION
    std::string statement;
    std::string source;
    std::string result;              // met | failed | not checked
    std::vector<std::string> tests;  // the tests of this report that check it
};

struct Traceability {
    std::vector<RequirementResult> requirements;
    int shall = 0;          // SHALL requirements listed
    int shall_checked = 0;  // ... of which a test judged (met or failed)
    int shall_met = 0;
};

struct Report {
    std::string format = "vft-report/1";  // format of this file
    std::string suite;                    // vkp-r4 | jft | pmd | kith
    std::string suite_version;            // version of the suite's test list and judgements
    std::string tool_version;             // vft version
    std::string validator_version;        // version of the validator + rules
    std::vector<SpecPackage> spec_packages;
    std::map<std::string, std::string> fixture_hashes;  // fixture path -> sha256
    std::string role;                                   // receiver | sender
    // Role sender with "trigger": "manual": a person caused each event on the product as the
    // runner asked (operator mode, docs/conformance.md). Written only when true.
    bool operator_driven = false;
    // The SUT file as given, secrets removed (private key paths, client secrets) and fødselsnummer
    // hashed; a JSON object text.
    std::string sut_json;
    std::string run_id;    // UUID of this run
    std::string fnr_salt;  // hex; see the privacy note at the top
    uint64_t seed = 0;     // seeds identifiers and jitter so a re-judge regenerates the same ones
    std::string started;   // RFC 3339 UTC
    std::string finished;
    Verdict verdict = Verdict::incomplete;
    Summary summary;
    std::vector<std::string> modules_passed;  // claimed modules whose mandatory tests all passed
    std::vector<TestResult> tests;
    // Written by vft run since suite 1.1.0; absent in older reports (which still verify).
    std::optional<Traceability> traceability;
};

// The verdict rule of DESIGN.md: pass only when every mandatory test passed; a mandatory test
// that failed → fail; otherwise a skipped or errored mandatory test → incomplete. Omitted tests
// (unclaimed modules) do not count.
[[nodiscard]] Verdict compute_verdict(const std::vector<TestResult>& tests);
[[nodiscard]] Summary compute_summary(const std::vector<TestResult>& tests);

// report.json text: UTF-8, members in a fixed order, 2-space indentation, trailing newline —
// the same Report always gives the same bytes (the signature is over these bytes).
[[nodiscard]] std::string to_json(const Report& report);
// Parses report.json. Errors: VFT-REPORT-13xx with the member path.
[[nodiscard]] Result<Report> from_json(std::string_view json);

}  // namespace vft::reports
