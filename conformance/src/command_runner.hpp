// Runs the SUT's trigger command for the role-sender live context (sender_context.hpp): through
// /bin/sh in a folder, stdin on /dev/null, in its own process group so a timeout ends
// everything it started, the tail of its stderr and its stdout (up to kMaxStdout) kept. Internal to
// the conformance library. Thread-safety: run_command() is reentrant (one child per call).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
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
    bool stopped = false;  // the runner stopped it (stop_when)
};

inline constexpr size_t kMaxStdout = 1u << 20;

// `stdout_file`: where its stdout goes (created or truncated); empty = the recorded pipe.
// `stop_when`, polled while the command runs (about every 50 ms): true = kill its process group
// now — the runner's restart of the product (docs/conformance.md, "Restart").
[[nodiscard]] CommandResult run_command(const std::string& command,
                                        const std::filesystem::path& dir,
                                        std::chrono::seconds timeout,
                                        const std::filesystem::path& stdout_file = {},
                                        const std::function<bool()>& stop_when = {});

}  // namespace vft::conformance::detail
