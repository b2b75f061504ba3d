// vft mock receiver --listen HOST:PORT [--db FILE] [--level strict|lenient] [--orgnr N]...
//                   [--defect NAME]...
// Prints "listening on URL" once it accepts connections, serves until SIGINT or SIGTERM.
// vft mock defects — the named defects, one per line: name<TAB>group<TAB>description, sorted.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/mocks/receiver.hpp"

namespace vft::cli {
namespace {

struct MockArgs {
    std::string listen = "127.0.0.1:0";
    std::string db;
    std::string level = "strict";
    std::string auth = "none";
    std::vector<std::string> orgnrs;
    std::string faults;
    size_t max_body = 10u << 20;
    std::vector<std::string> defects;
};

int run_receiver(const MockArgs& a) {
    mocks::ReceiverOptions o;
    const auto colon = a.listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "vft mock receiver: --listen wants HOST:PORT\n";
        return kExitCannotRun;
    }
    o.host = a.listen.substr(0, colon);
    o.port = std::atoi(a.listen.c_str() + colon + 1);
    o.db_path = a.db;
    o.level = a.level == "lenient" ? Level::lenient : Level::strict;
    o.served_orgnrs = a.orgnrs;
    o.max_body_bytes = a.max_body;
    o.defects = a.defects;
    if (auto known = mocks::Defects::parse(a.defects); !known) {
        std::cerr << "vft mock receiver: " << known.error().to_string() << "\n";
        return kExitCannotRun;
    }
    for (const auto& d : a.defects)
        std::cerr << "WARNING: defect '" << d << "' is on: this receiver violates the spec on "
                  << "purpose (vft mock defects).\n";
    if (!a.faults.empty()) {
        std::ifstream in(a.faults);
        if (!in) {
            std::cerr << "vft mock receiver: cannot read --faults file '" << a.faults << "'\n";
            return kExitCannotRun;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        o.faults_json = ss.str();
    }
    if (a.auth != "none") {
        std::cerr << "vft mock receiver: --auth with a token service is not implemented yet; use "
                     "--auth none\n";
        return kExitCannotRun;
    }
    std::cerr << "WARNING: --auth none: this receiver accepts requests without any token. "
                 "For local development only.\n";
    // Block the stop signals before any thread starts, so only sigwait below sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto receiver = mocks::Receiver::create(o);
    if (!receiver) {
        std::cerr << "vft mock receiver: " << receiver.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto url = (*receiver)->start();
    if (!url) {
        std::cerr << "vft mock receiver: " << url.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::cout << "listening on " << *url << std::endl;
    int sig = 0;
    sigwait(&stop, &sig);
    (*receiver)->stop();
    return kExitOk;
}

}  // namespace

void add_mock(CLI::App& app, int& exit_code) {
    CLI::App* mock = app.add_subcommand("mock", "Run a mock counterpart")->require_subcommand(1);
    auto args = std::make_shared<MockArgs>();
    CLI::App* recv =
        mock->add_subcommand("receiver", "The reference receiver: VKP R4, JFT and PMD write APIs");
    recv->add_option("--listen", args->listen, "HOST:PORT (port 0 picks a free one)");
    recv->add_option("--db", args->db, "Journal file (SQLite); default in memory");
    recv->add_option("--level", args->level, "strict or lenient")
        ->check(CLI::IsMember({"strict", "lenient"}));
    recv->add_option("--auth", args->auth, "none, or the token service URL");
    recv->add_option("--orgnr", args->orgnrs,
                     "Municipality served (repeatable; default: any valid orgnr)");
    recv->add_option("--faults", args->faults, "Fault rules (JSON; see mocks/src/faults.hpp)");
    recv->add_option("--max-body", args->max_body, "Largest body accepted, bytes (default 10 MiB)");
    recv->callback([args, &exit_code] { exit_code = run_receiver(*args); });

    // Named defects: --defect NAME (repeatable) and `vft mock defects`.
    recv->add_option("--defect", args->defects,
                     "Enable a named defect (repeatable; `vft mock defects` lists them)");
    CLI::App* defects = mock->add_subcommand(
        "defects", "List the named defects: name<TAB>group<TAB>description, one per line");
    defects->callback([&exit_code] {
        for (const auto& d : mocks::all_defects())
            std::cout << d.name << '\t' << d.group << '\t' << d.description << '\n';
        exit_code = kExitOk;
    });
}

}  // namespace vft::cli
