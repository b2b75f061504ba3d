// vft run --suite ID --role receiver|sender --sut FILE [--out DIR] [--only GLOB] [--jobs N]
//         [--sign KEY] [--seed N]        |   vft run --list --suite ID
// Pre-flight first (problems → exit 2 with the reasons), then the run; writes DIR/report.json
// and prints the verdict, the counts and where the report is. Exit 0 pass, 1 fail or
// incomplete, 2 could not run (DESIGN.md "vft run").
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "commands.hpp"
#include "terminal.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/reports/output.hpp"
#include "vft/reports/report.hpp"

namespace vft::cli {
namespace {

struct RunArgs {
    std::string suite;
    std::string role = "receiver";
    std::string sut;
    std::string out;
    std::string only;
    int jobs = 1;
    std::string sign;
    uint64_t seed = 0;
    bool list = false;
};

int list_tests(const RunArgs& a) {
    auto suites = conformance::all_suites();
    if (!suites) {
        std::cerr << "vft run: " << suites.error().to_string() << "\n";
        return kExitCannotRun;
    }
    for (const auto& s : **suites) {
        if (!a.suite.empty() && s.id != a.suite) continue;
        const std::set<std::string> mandatory(s.mandatory.begin(), s.mandatory.end());
        for (const auto& t : s.tests)
            std::cout << t.id << "  " << t.role << "  "
                      << (mandatory.count(t.id) ? "mandatory" : "optional") << "\n";
        return kExitOk;
    }
    std::cerr << "vft run: unknown suite '" << a.suite << "'\n";
    return kExitCannotRun;
}

// DIR/report.json, junit.xml, report.html, and with --sign the signature and certification record.
Result<void> write_outputs(const reports::Report& report, const std::filesystem::path& dir,
                           const std::string& sign_key) {
    reports::WriteOptions w;
    w.dir = dir;
    w.sign_key = sign_key;
    return reports::write_report_files(report, w);
}

int run(const RunArgs& a) {
    if (a.list) return list_tests(a);
    if (a.suite.empty() || a.sut.empty()) {
        std::cerr << "vft run: --suite and --sut are required (or --list --suite ID)\n";
        return kExitCannotRun;
    }
    if (!a.sign.empty() && !std::filesystem::is_regular_file(a.sign)) {
        std::cerr << "vft run: --sign: cannot read the key file '" << a.sign
                  << "' (vft keys generate --out PREFIX makes one)\n";
        return kExitCannotRun;
    }
    auto sut = conformance::Sut::load(a.sut);
    if (!sut) {
        std::cerr << "vft run: " << sut.error().to_string() << "\n";
        return kExitCannotRun;
    }
    conformance::RunOptions o;
    o.suite = a.suite;
    o.role = a.role;
    o.only = a.only;
    o.jobs = a.jobs;
    o.seed = a.seed;
    auto pf = conformance::preflight(*sut, o);
    if (!pf) {
        std::cerr << "vft run: " << printable(pf.error().to_string()) << "\n";
        return kExitCannotRun;
    }
    if (!pf->ok()) {
        std::cerr << "vft run: pre-flight found problems; nothing was run:\n";
        for (const auto& p : pf->problems)
            std::cerr << "  - " << printable(p) << "\n";
        return kExitCannotRun;
    }
    for (const auto& [id, why] : pf->will_skip)
        std::cerr << "will skip " << id << ": " << printable(why) << "\n";
    const bool tty = isatty(STDERR_FILENO) != 0;
    if (tty)
        o.progress = [](const reports::TestResult& r, size_t done, size_t total) {
            std::cerr << "\r\033[K[" << done << "/" << total << "] " << reports::to_string(r.status)
                      << "  " << r.id << std::flush;
            if (done == total) std::cerr << "\n";
        };
    auto rep = conformance::run(*sut, o);
    if (!rep) {
        std::cerr << "vft run: " << printable(rep.error().to_string()) << "\n";
        return kExitCannotRun;
    }
    const std::filesystem::path dir = a.out.empty()
                                          ? std::filesystem::path("out") / (a.suite + "-" + a.role)
                                          : std::filesystem::path(a.out);
    if (auto w = write_outputs(*rep, dir, a.sign); !w) {
        std::cerr << "vft run: " << w.error().to_string() << "\n";
        return kExitCannotRun;
    }
    for (const auto& t : rep->tests)
        if (t.status == reports::Status::fail || t.status == reports::Status::error ||
            (t.mandatory && t.status == reports::Status::skip))
            std::cout << reports::to_string(t.status) << "  " << t.id << ": "
                      << printable(mask_person_ids(t.messages.empty() ? "" : t.messages.front()))
                      << "\n";
    const auto& s = rep->summary;
    std::cout << "verdict: " << reports::to_string(rep->verdict) << "  (pass " << s.pass
              << ", fail " << s.fail << ", skip " << s.skip << ", omit " << s.omit << ", error "
              << s.error << "; mandatory passed " << s.mandatory_passed << "/" << s.mandatory
              << ")\n";
    if (!rep->modules_passed.empty()) {
        std::cout << "modules passed:";
        for (const auto& m : rep->modules_passed)
            std::cout << " " << m;
        std::cout << "\n";
    }
    std::cout << "report: " << (dir / "report.json").string()
              << (a.sign.empty() ? "" : " (signed: report.json.sig)") << "\n";
    return rep->verdict == reports::Verdict::pass ? kExitOk : kExitFail;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
    auto a = std::make_shared<RunArgs>();
    CLI::App* cmd = app.add_subcommand("run", "Run a conformance suite against a product (SUT)");
    cmd->add_option("--suite", a->suite, "Suite: vkp-r4 (vft run --list shows the tests)");
    cmd->add_option("--role", a->role, "receiver or sender")
        ->check(CLI::IsMember({"receiver", "sender"}));
    cmd->add_option("--sut", a->sut, "SUT file (JSON; docs/conformance.md)");
    cmd->add_option("--out", a->out, "Output folder (default out/<suite>-<role>)");
    cmd->add_option("--only", a->only, "Run only test IDs matching this glob ('*', '?')");
    cmd->add_option("--jobs", a->jobs, "Tests run in parallel")->check(CLI::Range(1, 64));
    cmd->add_option("--sign", a->sign, "Ed25519 private key (PEM) to sign report.json");
    cmd->add_option("--seed", a->seed, "Seed for generated identifiers (0 = random)");
    cmd->add_flag("--list", a->list, "List the suite's test IDs with their mandatory flag");
    cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace vft::cli
