// vft — validate national welfare-technology messages, run mocks and conformance suites.
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"vft — Norwegian welfare technology ⇄ EPJ interfaces: validate, mock, certify"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "vft 0.1.0");
    int exit_code = vft::cli::kExitOk;
    vft::cli::add_validate(app, exit_code);
    vft::cli::add_outbox(app, exit_code);
    vft::cli::add_mock(app, exit_code);
    vft::cli::add_run(app, exit_code);
    vft::cli::add_keys(app, exit_code);
    vft::cli::add_report(app, exit_code);
    vft::cli::add_registry(app, exit_code);
    vft::cli::add_demo(app, exit_code);
    vft::cli::add_fhirpath(app, exit_code);
    vft::cli::add_requirements(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        app.exit(e);
        return vft::cli::kExitOk;
    } catch (const CLI::CallForVersion& e) {
        app.exit(e);
        return vft::cli::kExitOk;
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return vft::cli::kExitCannotRun;
    }
    return exit_code;
}
