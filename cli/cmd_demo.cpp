// vft demo [--out DIR] [--example-sender PATH] [--jobs N]
// The whole certification loop on one machine: starts the reference mock receiver and token
// service in-process, runs every receiver-role suite against the mock receiver and every
// sender-role suite against the SDK's example sender (the reader role against the example
// reader beside it), writes each report under
// DIR/<suite>-<role>/, prints a summary table and where the reports are. Exit 0 when every
// verdict is pass, 1 otherwise, 2 when the demo could not run (docs/conformance.md, "vft demo").
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "json_text.hpp"
#include "terminal.hpp"
#include "vft/auth/key.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/mocks/token_service.hpp"
#include "vft/reports/output.hpp"
#include "vft/reports/registry.hpp"
#include "vft/reports/report.hpp"
#include "vft/reports/site.hpp"

namespace vft::cli {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
    std::string out = "out/demo";
    std::string example_sender;  // empty = next to this vft binary (or the build tree's)
    int jobs = 4;
};

// The organisation and persons the mock receiver serves (fixtures/epj/municipality.json).
constexpr const char* kOrgnr = "312229544";
constexpr const char* kClientId = "vft-demo-conformance";

std::string q(std::string_view s) {
    return "\"" + esc(s) + "\"";
}

// A path as one word of the trigger command line (`vft run`'s pre-flight reads the first word).
std::string shell_word(const std::string& path) {
    if (path.find_first_of(" '\"\\$`") == std::string::npos) return path;
    std::string out = "'";
    for (char c : path)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

fs::path self_dir() {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

// example_sender next to vft (an installed or copied pair), else in the build tree
// (build/<preset>/cli/vft and build/<preset>/sdk/examples/example_sender).
std::optional<fs::path> find_example_sender(const std::string& given) {
    std::vector<fs::path> candidates;
    if (!given.empty())
        candidates.push_back(given);
    else {
        candidates.push_back(self_dir() / "example_sender");
        candidates.push_back(self_dir().parent_path() / "sdk" / "examples" / "example_sender");
    }
    for (const auto& c : candidates)
        if (::access(c.c_str(), X_OK) == 0) return fs::absolute(c);
    return std::nullopt;
}

Result<void> write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
        return Error{std::string(errc::io_write), "cannot write " + p.string(), p.string(),
                     "check --out"};
    return {};
}

Result<std::string> new_key_file(const fs::path& p) {
    auto key = auth::Key::generate(auth::Algorithm::es256);
    if (!key) return key.error();
    if (auto w = write_text(p, key->private_pem()); !w) return w.error();
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
    return key->public_jwk_json();
}

// Stores the record and report a signed run wrote in `dir` (as `vft registry add` does).
Result<void> add_to_registry(reports::Registry& registry, const auth::Key& key,
                             const fs::path& dir) {
    auto read = [](const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    auto id =
        registry.add(read(dir / "certification.json"), read(dir / "certification.json.sig"), key);
    if (!id) return id.error();
    return registry.add_report(*id, read(dir / "report.json"), read(dir / "report.json.sig"),
                               read(dir / "report.html"));
}

struct Row {
    std::string suite, role, verdict;
    reports::Summary summary;
    std::string where;
};

int demo(const DemoArgs& a) {
    const fs::path out = fs::absolute(a.out);
    std::error_code ec;
    fs::create_directories(out / "sut", ec);
    fs::create_directories(out / "mock", ec);
    if (ec) {
        std::cerr << "vft demo: cannot create " << out.string() << ": " << ec.message() << "\n";
        return kExitCannotRun;
    }
    const auto sender = find_example_sender(a.example_sender);
    if (!sender) {
        std::cerr << "vft demo: example_sender not found "
                  << (a.example_sender.empty() ? "next to vft or in the build tree"
                                               : "at " + a.example_sender)
                  << " (build it: cmake --build build/release --target example_sender; or "
                     "pass --example-sender PATH)\n";
        return kExitCannotRun;
    }

    // The demo program's signing key (Ed25519, made afresh): it signs each report and record, and
    // the public registry site the demo publishes for them (out/site). A fresh registry each run.
    fs::create_directories(out / "program", ec);
    auto program_key = auth::Key::generate(auth::Algorithm::eddsa);
    const fs::path program_key_file = out / "program" / "demo-program.key";
    if (!program_key || !write_text(program_key_file, program_key->private_pem()) ||
        !write_text(out / "program" / "demo-program.pub", program_key->public_pem())) {
        std::cerr << "vft demo: cannot write the demo signing key under " << out.string() << "\n";
        return kExitCannotRun;
    }
    fs::permissions(program_key_file, fs::perms::owner_read | fs::perms::owner_write, ec);
    fs::remove(out / "program" / "registry.sqlite", ec);
    auto registry = reports::Registry::open({out / "program" / "registry.sqlite"});
    if (!registry) {
        std::cerr << "vft demo: " << registry.error().to_string() << "\n";
        return kExitCannotRun;
    }

    // The runner's own client (role receiver) and the example sender's (role sender).
    auto runner_jwk = new_key_file(out / "sut" / "conformance-client.key");
    auto sender_jwk = new_key_file(out / "sut" / "example-sender.key.pem");
    auto reader_jwk = new_key_file(out / "sut" / "example-reader.key.pem");
    if (!runner_jwk || !sender_jwk || !reader_jwk) {
        std::cerr << "vft demo: cannot create keys\n";
        return kExitCannotRun;
    }

    mocks::TokenServiceOptions to;
    to.clients_json =
        R"({"clients":[{"client_id":")" + std::string(kClientId) +
        R"(","name":"vft demo, the conformance runner","jwk":)" + *runner_jwk +
        R"(,"scopes":["nhn:vkp/api/user/bundle.write","nhn:vkp/api/user/composition.write",)"
        R"("nhn:vkp/api/user/medicationdispense.write","nhn:vkp/api/user/patient.read",)"
        R"("nhn:vkp/api/user/episodeofcare.read","nhn:vkp/api/user/careplan.read",)"
        R"("nhn:vkp/api/user/composition.read","nhn:jft/api","nhn:kith/api"],)"
        R"("vkp_id":"vft-demo","orgnr_parent":")" +
        kOrgnr + R"("}]})";
    to.allow_test_tokens = true;  // the auth tests ask for expired / wrong-scope tokens
    auto tokens = mocks::TokenService::create(to);
    if (!tokens) {
        std::cerr << "vft demo: token service: " << tokens.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto token_url = (*tokens)->start();
    if (!token_url) {
        std::cerr << "vft demo: token service: " << token_url.error().to_string() << "\n";
        return kExitCannotRun;
    }
    mocks::ReceiverOptions ro;
    ro.db_path = (out / "mock" / "journal.db").string();
    fs::remove(ro.db_path, ec);
    ro.auth_url = *token_url;
    // The authorization register (domain §3.1): the demo client may send to this municipality.
    ro.authz_json =
        R"({"authorizations":[{"vkp_id":"vft-demo","orgnrs":[")" + std::string(kOrgnr) + R"("]}]})";
    ro.authz_label = "vft demo's authorization register";
    auto receiver = mocks::Receiver::create(ro);
    if (!receiver) {
        std::cerr << "vft demo: mock receiver: " << receiver.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto base_url = (*receiver)->start();
    if (!base_url) {
        std::cerr << "vft demo: mock receiver: " << base_url.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::cout << "mock receiver " << *base_url << ", token service " << *token_url << "\n";

    const std::string receiver_sut =
        R"({"name":"vft mock receiver","vendor":"vft","version":"0.1.0","base_url":)" +
        q(*base_url) + R"(,"orgnr":")" + kOrgnr +
        R"(","service_codes":["TA","MD","RT","DT","DHO","GPS"],)"
        R"("auth":{"type":"helseid","token_url":)" +
        q((*tokens)->token_endpoint()) + R"(,"client_id":")" + kClientId +
        R"(","private_key":"conformance-client.key","scopes":[],"dpop":false,"test_token_url":)" +
        q(*token_url + "/_admin/issue") +
        R"(},"modules":["alarm","medication","supervision","dho","pmd","search","kith","auth"],)"
        R"("test_patients":[{"fnr":"12854812341","name":"Kåre Nordmann Testesen",)"
        R"("service_codes":["TA","MD","RT"]},{"fnr":"03913945688","name":"Olga Ødegård",)"
        R"("service_codes":["DT","RT"]}]})";
    const std::string sender_sut =
        R"({"name":"vft example_sender","vendor":"vft","version":"0.1.0","orgnr":")" +
        std::string(kOrgnr) +
        R"(","service_codes":["TA","MD","DT","DHO","RT"],"auth":{"type":"helseid",)"
        R"("client_id":"vft-example-sender","private_key":"example-sender.key.pem","dpop":true},)"
        R"("modules":["alarm","medication","supervision","dho","pmd","search","kith","auth"],)"
        R"("trigger":)" +
        q(shell_word(sender->string()) +
          " --instruction {instruction} --key example-sender.key.pem") +
        "}";
    // Role reader (jft): the SDK's example EPJ reader, beside the example sender.
    const fs::path reader_binary = sender->parent_path() / "example_reader";
    const std::string reader_sut =
        R"({"name":"vft example_reader","vendor":"vft","version":"0.1.0","orgnr":")" +
        std::string(kOrgnr) +
        R"(","service_codes":["TA","MD","DT","DHO"],"auth":{"type":"helseid",)"
        R"("client_id":"vft-example-reader","private_key":"example-reader.key.pem","dpop":true},)"
        R"("modules":["auth"],"trigger":)" +
        q(shell_word(reader_binary.string()) +
          " --instruction {instruction} --key example-reader.key.pem") +
        "}";
    const fs::path receiver_file = out / "sut" / "mock-receiver.json";
    const fs::path sender_file = out / "sut" / "example-sender.json";
    const fs::path reader_file = out / "sut" / "example-reader.json";
    if (!write_text(receiver_file, receiver_sut) || !write_text(sender_file, sender_sut) ||
        !write_text(reader_file, reader_sut)) {
        std::cerr << "vft demo: cannot write the SUT files under " << out.string() << "\n";
        return kExitCannotRun;
    }

    auto suites = conformance::all_suites();
    if (!suites) {
        std::cerr << "vft demo: " << suites.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::vector<Row> rows;
    bool all_pass = true;
    for (const auto& suite : **suites) {
        for (const std::string role : {"receiver", "sender", "reader"}) {
            if (std::find(suite.roles.begin(), suite.roles.end(), role) == suite.roles.end())
                continue;
            auto sut = conformance::Sut::load(role == "receiver" ? receiver_file
                                              : role == "sender" ? sender_file
                                                                 : reader_file);
            if (!sut) {
                std::cerr << "vft demo: " << sut.error().to_string() << "\n";
                return kExitCannotRun;
            }
            conformance::RunOptions o;
            o.suite = suite.id;
            o.role = role;
            o.jobs = a.jobs;
            std::cout << "running " << suite.id << " (" << role << ") ..." << std::flush;
            auto report = conformance::run(*sut, o);
            Row row{suite.id, role, "error", {}, ""};
            if (!report) {
                std::cout << " could not run: " << report.error().to_string() << "\n";
                all_pass = false;
                rows.push_back(row);
                continue;
            }
            const fs::path dir = out / (suite.id + "-" + role);
            reports::WriteOptions w;
            w.dir = dir;
            w.sign_key = program_key_file;
            if (auto written = reports::write_report_files(*report, w); !written) {
                std::cout << " cannot write the report: " << written.error().to_string() << "\n";
                all_pass = false;
            } else if (auto added = add_to_registry(*registry, *program_key, dir); !added) {
                std::cout << " cannot add it to the registry: " << added.error().to_string()
                          << "\n";
                all_pass = false;
            }
            row.verdict = std::string(reports::to_string(report->verdict));
            row.summary = report->summary;
            row.where = (dir / "report.json").string();
            all_pass = all_pass && report->verdict == reports::Verdict::pass;
            std::cout << " " << row.verdict << "\n";
            if (report->verdict != reports::Verdict::pass)
                for (const auto& t : report->tests)
                    if (t.mandatory && t.status != reports::Status::pass)
                        std::cout << "  " << reports::to_string(t.status) << "  " << t.id
                                  << (t.messages.empty() ? "" : ": " + deciding_message(t.messages))
                                  << "\n";
            rows.push_back(row);
        }
    }
    (*receiver)->stop();
    (*tokens)->stop();

    std::cout << "\n"
              << std::left << std::setw(8) << "suite" << std::setw(10) << "role" << std::setw(12)
              << "verdict" << std::right << std::setw(6) << "pass" << std::setw(6) << "fail"
              << std::setw(6) << "skip" << std::setw(6) << "omit" << std::setw(7) << "error"
              << "  report\n";
    for (const auto& r : rows)
        std::cout << std::left << std::setw(8) << r.suite << std::setw(10) << r.role
                  << std::setw(12) << r.verdict << std::right << std::setw(6) << r.summary.pass
                  << std::setw(6) << r.summary.fail << std::setw(6) << r.summary.skip
                  << std::setw(6) << r.summary.omit << std::setw(7) << r.summary.error << "  "
                  << r.where << "\n";
    reports::PublishOptions site;
    site.out = out / "site";
    site.title = "vft demo – sertifiserte produkter";
    site.sign_key = &*program_key;
    if (auto published = reports::publish_site(*registry, site); !published) {
        std::cout << "\ncannot publish the registry site: " << published.error().to_string()
                  << "\n";
        all_pass = false;
    } else {
        std::cout << "\npublic registry site (" << published->records
                  << " certification(s), signed with the demo key " << program_key->thumbprint()
                  << "): " << (site.out / "index.html").string() << "\n";
    }
    std::cout << "\nreports (report.json, junit.xml, report.html) under " << out.string() << "/\n"
              << (all_pass ? "all verdicts pass\n" : "not every verdict is pass\n");
    return all_pass ? kExitOk : kExitFail;
}

}  // namespace

void add_demo(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<DemoArgs>();
    auto* cmd = app.add_subcommand(
        "demo",
        "Run every suite for both roles against the reference mock receiver and the SDK's "
        "example sender; write the reports");
    cmd->add_option("--out", args->out, "folder for the reports (default out/demo)");
    cmd->add_option("--example-sender", args->example_sender,
                    "the example_sender binary (default: next to vft, or in the build tree)");
    cmd->add_option("--jobs", args->jobs, "tests in parallel per suite (default 4)")
        ->check(CLI::Range(1, 64));
    cmd->callback([args, &exit_code] { exit_code = demo(*args); });
}

}  // namespace vft::cli
