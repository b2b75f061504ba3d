// vft run --suite ID --role receiver|sender --sut FILE [--out DIR] [--only GLOB] [--jobs N]
//         [--sign KEY] [--seed N]   |   vft run --list [--suite ID] [--role R] [--format json]
// Pre-flight first (problems → exit 2 with the reasons), then the run; writes DIR/report.json
// and prints the verdict, the counts and where the report is. Exit 0 pass, 1 fail or
// incomplete, 2 could not run (DESIGN.md "vft run").
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "commands.hpp"
#include "json_text.hpp"
#include "terminal.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/reports/output.hpp"
#include "vft/reports/report.hpp"

namespace vft::cli {
namespace {

struct RunArgs {
    std::string suite;
    std::string role;  // receiver when not given (for --list: every role)
    std::string format = "text";
    std::string sut;
    std::string out;
    std::string only;
    int jobs = 1;
    std::string sign;
    uint64_t seed = 0;
    bool list = false;
};

// The roles a suite has tests for, in the order receiver, sender, then any other.
std::vector<std::string> suite_roles(const conformance::Suite& s) {
    std::vector<std::string> roles;
    for (const char* r : {"receiver", "sender"})
        for (const auto& t : s.tests)
            if (t.role == r) {
                roles.emplace_back(r);
                break;
            }
    for (const auto& t : s.tests)
        if (std::find(roles.begin(), roles.end(), t.role) == roles.end()) roles.push_back(t.role);
    return roles;
}

// One suite as DESIGN.md's `vft run --list --format json` contract says:
// {"suite","version","tests":[{"id","role","mandatory","requirements":[{"id","level","source"}]}]}
std::string suite_json(const conformance::Suite& s, const std::string& role) {
    const std::set<std::string> mandatory(s.mandatory.begin(), s.mandatory.end());
    std::string o =
        "{\"suite\":\"" + esc(s.id) + "\",\"version\":\"" + esc(s.version) + "\",\"tests\":[";
    bool first = true;
    for (const auto& t : s.tests) {
        if (!role.empty() && t.role != role) continue;
        o += std::string(first ? "" : ",") + "{\"id\":\"" + esc(t.id) + "\",\"role\":\"" +
             esc(t.role) + "\",\"mandatory\":" + (mandatory.count(t.id) ? "true" : "false") +
             ",\"requirements\":[";
        first = false;
        bool first_req = true;
        for (const auto& id : t.requirements) {
            const auto* r = conformance::find_requirement(s, id);
            o += std::string(first_req ? "" : ",") + "{\"id\":\"" + esc(id) + "\",\"level\":\"" +
                 esc(r ? r->level : "") + "\",\"source\":\"" + esc(r ? r->source : "") + "\"}";
            first_req = false;
        }
        o += "]}";
    }
    return o + "]}";
}

int list_tests(const RunArgs& a) {
    auto suites = conformance::all_suites();
    if (!suites) {
        std::cerr << "vft run: " << suites.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::vector<const conformance::Suite*> chosen;
    for (const auto& s : **suites)
        if (a.suite.empty() || s.id == a.suite) chosen.push_back(&s);
    if (chosen.empty()) {
        std::cerr << "vft run: unknown suite '" << a.suite << "' (suites:";
        for (const auto& s : **suites)
            std::cerr << " " << s.id;
        std::cerr << ")\n";
        return kExitCannotRun;
    }
    if (!a.role.empty() && chosen.size() == 1) {
        const auto roles = suite_roles(*chosen.front());
        if (std::find(roles.begin(), roles.end(), a.role) == roles.end()) {
            std::cerr << "vft run: suite " << a.suite << " has no tests for role " << a.role
                      << "\n";
            return kExitCannotRun;
        }
    }
    if (a.format == "json") {
        // One suite: the contract's object; all suites: {"suites":[...]} of those objects.
        if (!a.suite.empty()) {
            std::cout << suite_json(*chosen.front(), a.role) << "\n";
        } else {
            std::cout << "{\"suites\":[";
            for (size_t i = 0; i < chosen.size(); ++i)
                std::cout << (i ? "," : "") << suite_json(*chosen[i], a.role);
            std::cout << "]}\n";
        }
        return kExitOk;
    }
    for (const auto* s : chosen) {
        const std::set<std::string> mandatory(s->mandatory.begin(), s->mandatory.end());
        if (a.suite.empty()) {
            std::cout << "# suite " << s->id << " " << s->version << " (roles:";
            for (const auto& r : suite_roles(*s))
                std::cout << " " << r;
            std::cout << ")\n";
        }
        for (const auto& t : s->tests) {
            if (!a.role.empty() && t.role != a.role) continue;
            std::cout << t.id << "  " << t.role << "  "
                      << (mandatory.count(t.id) ? "mandatory" : "optional") << " ";
            for (const auto& r : t.requirements)
                std::cout << " " << r;
            std::cout << "\n";
        }
    }
    return kExitOk;
}

// Operator mode ("trigger": "manual"; docs/conformance.md, "Operator mode"): the task on the
// terminal, what the runner waits for, a countdown with the requests that arrived so far, and
// Enter to confirm. Input typed before the task was shown is discarded, so an early Enter never
// confirms the next task. End of input (stdin closed) is "not done".
bool ask_operator(const conformance::OperatorTask& t) {
    tcflush(STDIN_FILENO, TCIFLUSH);
    std::cout << "\n=== operator task: " << printable(t.test_id) << " ===\n"
              << printable(t.task) << "\n"
              << "  send to: " << printable(t.endpoint) << "\n";
    if (!t.token_url.empty()) std::cout << "  token service: " << printable(t.token_url) << "\n";
    std::cout << "  waiting for: " << printable(t.waiting_for) << "\n"
              << "  instruction: " << printable(t.instruction_path) << "\n"
              << "Press Enter when the product has acted (" << t.timeout.count() << " s to go).\n"
              << std::flush;
    const auto until = std::chrono::steady_clock::now() + t.timeout;
    long shown = -1;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              until - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            std::cout << "\r\033[K  no confirmation in " << t.timeout.count()
                      << " s: judged as it is\n"
                      << std::flush;
            return false;
        }
        if (left / 1000 != shown) {
            shown = left / 1000;
            std::cout << "\r\033[K  " << shown + 1
                      << " s left; requests arrived so far: " << (t.arrived ? t.arrived() : 0)
                      << std::flush;
        }
        pollfd p{STDIN_FILENO, POLLIN, 0};
        const int wait = static_cast<int>(std::min<long>(left % 1000 + 1, 1000));
        if (poll(&p, 1, wait) <= 0) continue;
        char buf[256];
        const ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
            std::cout << "\r\033[K  input closed: not confirmed\n" << std::flush;
            return false;
        }
        for (ssize_t k = 0; k < n; ++k)
            if (buf[k] == '\n' || buf[k] == '\r') {
                std::cout << "\r\033[K  confirmed; requests arrived: "
                          << (t.arrived ? t.arrived() : 0) << "\n"
                          << std::flush;
                return true;
            }
    }
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
    o.role = a.role.empty() ? "receiver" : a.role;
    o.only = a.only;
    o.jobs = a.jobs;
    o.seed = a.seed;
    // Operator mode needs a person at a terminal; without one pre-flight refuses the run.
    if (sut->manual() && isatty(STDIN_FILENO)) o.operator_prompt = ask_operator;
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
                                          ? std::filesystem::path("out") / (a.suite + "-" + o.role)
                                          : std::filesystem::path(a.out);
    if (auto w = write_outputs(*rep, dir, a.sign); !w) {
        std::cerr << "vft run: " << w.error().to_string() << "\n";
        return kExitCannotRun;
    }
    for (const auto& t : rep->tests)
        if (t.status == reports::Status::fail || t.status == reports::Status::error ||
            (t.mandatory && t.status == reports::Status::skip))
            std::cout << reports::to_string(t.status) << "  " << t.id << ": "
                      << deciding_message(t.messages) << "\n";
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
    if (rep->operator_driven) std::cout << "operator-driven run (trigger manual)\n";
    std::cout << "report: " << (dir / "report.json").string()
              << (a.sign.empty() ? "" : " (signed: report.json.sig)") << "\n";
    return rep->verdict == reports::Verdict::pass ? kExitOk : kExitFail;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
    auto a = std::make_shared<RunArgs>();
    CLI::App* cmd = app.add_subcommand("run", "Run a conformance suite against a product (SUT)");
    cmd->add_option("--suite", a->suite,
                    "Suite: vkp-r4, jft, pmd or kith (vft run --list shows the tests)");
    cmd->add_option("--role", a->role, "receiver (default) or sender")
        ->check(CLI::IsMember({"receiver", "sender"}));
    cmd->add_option("--format", a->format, "--list output: text or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->footer([] {
        std::string f = "Suites and roles:";
        auto suites = conformance::all_suites();
        if (!suites) return f + " (" + suites.error().to_string() + ")";
        for (const auto& s : **suites) {
            f += "\n  " + s.id + " " + s.version + ":";
            for (const auto& r : suite_roles(s))
                f += " " + r;
        }
        return f;
    });
    cmd->add_option("--sut", a->sut, "SUT file (JSON; docs/conformance.md)");
    cmd->add_option("--out", a->out, "Output folder (default out/<suite>-<role>)");
    cmd->add_option("--only", a->only, "Run only test IDs matching this glob ('*', '?')");
    cmd->add_option("--jobs", a->jobs, "Tests run in parallel")->check(CLI::Range(1, 64));
    cmd->add_option("--sign", a->sign, "Ed25519 private key (PEM) to sign report.json");
    cmd->add_option("--seed", a->seed, "Seed for generated identifiers (0 = random)");
    cmd->add_flag("--list", a->list,
                  "List the tests (of --suite, else of every suite) with their mandatory flag and "
                  "requirement IDs; --format json as DESIGN.md says");
    cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace vft::cli
