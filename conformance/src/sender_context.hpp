// The role-sender live context (DESIGN.md "Trigger protocol"; docs/conformance.md "Role
// sender"): for a run, the SUT's client registered in an in-process token service; for each
// test, an in-process mock receiver with the test's fault rules and recording reverse proxies in
// front of the receiver and the token service, so every request the SUT sends is captured as an
// inbound reports::Exchange. trigger() writes the instruction file and runs the SUT's trigger
// command with a timeout; the run of the command is recorded as an exchange too (see
// trigger_exchange below), so a re-judge replays it like any other.
// Internal to the conformance library (vft::conformance::detail).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vft/conformance/runner.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"
#include "vft/validate/validator.hpp"

namespace vft::conformance::detail {

// How the run of a trigger command is written into the evidence: method "TRIGGER", url
// "trigger:<action>", request body = the instruction as written, status = the exit code when the
// command exited (0..255) and a response header X-Exit-Code with the same number, response body =
// the tail of its stderr; `error` says "timed out after N s" / "killed by signal N" / "could not
// start" when it did not exit by itself. A replaying context answers trigger() from it.
inline constexpr const char* kTriggerMethod = "TRIGGER";
// What the command printed on stdout, when anything: a second exchange right after the run,
// method "STDOUT", the same url, response body = stdout (up to 1 MiB, person numbers masked).
inline constexpr const char* kStdoutMethod = "STDOUT";
[[nodiscard]] Result<void> trigger_result(const reports::Exchange& recorded);

struct SenderRunOptions {
    std::filesystem::path scratch;  // per-run folder: instructions, journals, outboxes; created
    std::chrono::seconds trigger_timeout{120};  // a trigger command running longer is killed
    std::string fnr_salt;                       // person numbers in the evidence: Privacy
    uint64_t seed = 1;                          // new_uuid() is derived from it and the test id
    OperatorPrompt operator_prompt;             // operator mode (Sut::manual()): asks the person
};

class SenderContext;

// Per run: the validator, the token service with the SUT's client, the scratch folder.
// Thread-safety: context() may be called from several runner threads at once.
class SenderRun {
  public:
    // Errors: VFT-CONF-1402 (the SUT's auth.private_key unreadable: no client can be
    // registered), VFT-CONF-1451 (the token service cannot start), VFT-SPEC-* (validator).
    [[nodiscard]] static Result<std::unique_ptr<SenderRun>> start(const Sut& sut,
                                                                  SenderRunOptions options);
    ~SenderRun();

    // A fresh context for one test (one thread).
    [[nodiscard]] std::unique_ptr<SenderContext> context(const TestCase& test);

    [[nodiscard]] const Sut& sut() const;
    [[nodiscard]] const Validator& validator() const;
    [[nodiscard]] const std::string& token_service_url() const;  // empty when auth type none

    struct Impl;

  private:
    explicit SenderRun(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// The live TestContext of one sender test. Thread-safety: one test thread; the proxies record
// from their own threads under a lock.
class SenderContext final : public TestContext {
  public:
    SenderContext(SenderRun::Impl& run, const TestCase& test);
    ~SenderContext() override;

    [[nodiscard]] const Sut& sut() const override;
    [[nodiscard]] const Validator& validator() const override;
    [[nodiscard]] std::string new_uuid() override;
    [[nodiscard]] int64_t now_ms() override;
    [[nodiscard]] Result<std::string> fixture(std::string_view path) override;
    [[nodiscard]] bool live() const override { return true; }
    // Role receiver only: refused here (VFT-CONF-1452).
    [[nodiscard]] Result<transport::HttpResponse> send(transport::HttpRequest request,
                                                       std::string note, TokenKind token,
                                                       const std::vector<std::string>& scopes,
                                                       bool dpop) override;
    [[nodiscard]] Result<void> trigger(const Instruction& instruction) override;
    [[nodiscard]] std::vector<reports::Exchange> inbound() override;

    // Everything recorded for the report, in order, person numbers hashed (the test has seen
    // them in clear through inbound()). Stops the receiver and the proxies.
    [[nodiscard]] std::vector<reports::Exchange> finish();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace vft::conformance::detail
