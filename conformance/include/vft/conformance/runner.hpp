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

struct RunOptions {
    std::string suite;  // vkp-r4 | jft | pmd | kith
    std::string role;   // receiver | sender
    std::string only;   // glob over test IDs ('*' and '?'); empty = all
    int jobs = 1;       // independent tests in parallel
    uint64_t seed = 0;  // 0 = random; recorded in the report
    std::chrono::milliseconds request_timeout{15000};  // per exchange with the SUT
    // Called after each test (from the runner's threads, serialised) — for a progress line.
    std::function<void(const reports::TestResult&, size_t done, size_t total)> progress;
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
