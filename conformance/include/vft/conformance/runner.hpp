// vft::conformance::run — runs one suite in one role against a SUT and returns the evidence
// bundle (DESIGN.md "vft run"); rejudge() re-evaluates a stored report without the SUT.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "vft/conformance/suite.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"

namespace vft::conformance {

// Operator mode (role sender, "trigger": "manual" in the SUT file; docs/conformance.md, "Operator
// mode"): for each instruction the runner asks a person to make the product act, instead of
// running a command. What the person is asked:
struct OperatorTask {
    std::string test_id;
    std::string action;            // the instruction's action, e.g. report-alarm
    std::string task;              // one or two sentences for a person: what to do on the product
    std::string waiting_for;       // what the runner waits for: the request(s) and where
    std::string endpoint;          // where the product must send (the instruction's endpoint)
    std::string token_url;         // the token endpoint it must use; empty with auth type none
    std::string instruction_path;  // the instruction file, with every detail
    std::chrono::seconds timeout{300};  // SUT file manual_timeout_s
    // Requests that have reached the endpoint so far (for a live line); thread-safe.
    std::function<size_t()> arrived;
};
// Asks the person and waits: true when they confirmed (Enter) that the product has acted, false
// when they did not within task.timeout. Called from the runner's thread, one task at a time.
using OperatorPrompt = std::function<bool(const OperatorTask&)>;

struct RunOptions {
    std::string suite;  // vkp-r4 | jft | pmd | kith
    std::string role;   // receiver | sender
    std::string only;   // glob over test IDs ('*' and '?'); empty = all
    int jobs = 1;       // independent tests in parallel
    uint64_t seed = 0;  // 0 = random; recorded in the report
    std::chrono::milliseconds request_timeout{15000};  // per exchange with the SUT
    // Called after each test (from the runner's threads, serialised) — for a progress line.
    std::function<void(const reports::TestResult&, size_t done, size_t total)> progress;
    // Operator mode: required when the SUT file says "trigger": "manual" (pre-flight refuses
    // the run without it); tests then run one at a time whatever `jobs` says. `vft run` asks on
    // the terminal.
    OperatorPrompt operator_prompt;
};

// What a pre-flight found: problems that stop the run (unreachable base URL, unusable
// credentials, missing trigger command) and the tests that will be skipped, with reasons.
struct Preflight {
    std::vector<std::string> problems;
    std::vector<std::pair<std::string, std::string>> will_skip;  // test id, reason
    [[nodiscard]] bool ok() const { return problems.empty(); }
};

[[nodiscard]] Result<Preflight> preflight(const Sut& sut, const RunOptions& options);

// Runs the suite. Errors only when the run cannot start (unknown suite or role, invalid glob):
// VFT-CONF-14xx. Failures of the SUT are results in the report, never errors here.
[[nodiscard]] Result<reports::Report> run(const Sut& sut, const RunOptions& options);

struct RejudgeChange {
    std::string test_id;
    reports::Status before = reports::Status::error;
    reports::Status after = reports::Status::error;
    std::vector<std::string> messages;  // the new judgement's messages
};

// Re-evaluates the stored exchanges of `report` with the current validator and suite version,
// without contacting the SUT: each test runs against a replaying context.
[[nodiscard]] Result<std::vector<RejudgeChange>> rejudge(const reports::Report& report,
                                                         reports::Report* rejudged = nullptr);

}  // namespace vft::conformance
