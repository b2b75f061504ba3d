// Runs the SUT's trigger command for the role-sender live context (sender_context.hpp): through
// /bin/sh in a folder, stdin on /dev/null, in its own process group so a timeout ends
// everything it started, the tail of its stderr and its stdout (up to kMaxStdout) kept. Internal to
// the conformance library. Thread-safety: run_command() is reentrant (one child per call).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace vft::conformance::detail {

// Runs `command` through /bin/sh in `dir` with a deadline; the tail of stderr is kept.
struct CommandResult {
    int exit_code = -1;
    std::string error;  // set when it did not exit by itself
    std::string stderr_tail;
    std::string stdout_text;  // what it printed, up to kMaxStdout (an adapter's reports)
    bool stdout_cut = false;
    int64_t elapsed_ms = 0;
};

inline constexpr size_t kMaxStdout = 1u << 20;

[[nodiscard]] CommandResult run_command(const std::string& command,
                                        const std::filesystem::path& dir,
                                        std::chrono::seconds timeout);

}  // namespace vft::conformance::detail
