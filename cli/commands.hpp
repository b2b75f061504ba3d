// The subcommands of the `vft` tool. Each registers itself on the CLI11 app and returns the
// process exit code through `exit_code` once run.
#pragma once

#include <CLI/CLI.hpp>

namespace vft::cli {

// Exit codes shared by every subcommand (DESIGN.md contracts).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitCannotRun = 2;

void add_validate(CLI::App& app, int& exit_code);
void add_outbox(CLI::App& app, int& exit_code);
void add_mock(CLI::App& app, int& exit_code);
void add_run(CLI::App& app, int& exit_code);
void add_keys(CLI::App& app, int& exit_code);
void add_report(CLI::App& app, int& exit_code);
void add_registry(CLI::App& app, int& exit_code);
void add_demo(CLI::App& app, int& exit_code);
void add_fhirpath(CLI::App& app, int& exit_code);
void add_requirements(CLI::App& app, int& exit_code);

}  // namespace vft::cli
