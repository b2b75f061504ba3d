// vft report verify FILE [--key PUB] — is report.json authentic (signed by the trusted key) and
// intact (bytes, exchange hashes, summary, verdict)? Reads FILE.sig. Exit 0 authentic and
// intact · 1 not (one line per reason) · 2 could not run (unreadable file or key).
// vft report render FILE --html OUT [--junit OUT] — re-render a report.json. Exit 0 · 2.
// vft report rejudge FILE [--out NEW.json] — re-evaluates the stored exchanges with this vft's
// validator and suite version, without contacting the SUT; prints each verdict that would change
// and why. Exit 0 nothing changes · 1 something changes · 2 could not run.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "terminal.hpp"
#include "vft/auth/key.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/reports/html.hpp"
#include "vft/reports/junit.hpp"
#include "vft/reports/signature.hpp"
#include "vft/reports/verify.hpp"

namespace vft::cli {
namespace {

struct ReportArgs {
    std::string file;
    std::string key;
    std::string sig;
    std::string html;
    std::string junit;
    std::string out;
};

// The whole file; nullopt when it is not a readable regular file (a folder reads as nothing).
std::optional<std::string> read_all(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return ss.str();
}

bool write_all(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    return static_cast<bool>(out);
}

int verify(const ReportArgs& a) {
    const auto json = read_all(a.file);
    if (!json) {
        std::cerr << "vft report verify: cannot read " << a.file << "\n";
        return kExitCannotRun;
    }
    const std::string sig_path = a.sig.empty() ? a.file + ".sig" : a.sig;
    const auto sig = read_all(sig_path);
    std::optional<auth::Key> key;
    if (!a.key.empty()) {
        auto k = auth::Key::load_file(a.key);
        if (!k) {
            std::cerr << "vft report verify: " << k.error().to_string() << "\n";
            return kExitCannotRun;
        }
        key = std::move(*k);
    }
    const reports::VerifyResult r = reports::verify_report(*json, sig.value_or(""), key);
    if (r.ok()) {
        std::cout << a.file << ": AUTHENTIC AND INTACT — signed by key " << r.signer_kid
                  << ", every exchange hash, the summary and the verdict agree\n";
        return kExitOk;
    }
    std::cout << a.file << ": NOT VERIFIED";
    if (!r.signature_checked && sig && !r.signer_kid.empty())
        std::cout << " — no trusted key given (--key): the signature names key " << r.signer_kid;
    std::cout << "\n";
    if (!sig) std::cout << "  no signature file " << sig_path << "\n";
    for (const auto& f : r.findings)
        std::cout << "  " << f.code << "  " << printable(mask_person_ids(f.where)) << ": "
                  << printable(mask_person_ids(f.message)) << "\n";
    return kExitFail;
}

// The report at `file`, or nullopt after saying why on stderr ("vft report CMD: ...").
std::optional<reports::Report> load_report(const char* cmd, const std::string& file) {
    const auto json = read_all(file);
    if (!json) {
        std::cerr << "vft report " << cmd << ": cannot read " << file << "\n";
        return std::nullopt;
    }
    auto report = reports::from_json(*json);
    if (!report) {
        std::cerr << "vft report " << cmd << ": " << file << ": " << report.error().to_string()
                  << "\n";
        return std::nullopt;
    }
    return std::move(report).value();
}

int render(const ReportArgs& a) {
    const auto report = load_report("render", a.file);
    if (!report) return kExitCannotRun;
    reports::HtmlOptions options;
    if (const auto sig = read_all(a.file + ".sig")) {
        if (auto info = reports::parse_signature(*sig))
            options.signature_note = "A signature (key id " + info->kid +
                                     ") is in report.json.sig; this page cannot check it. "
                                     "Check offline: vft report verify report.json --key "
                                     "ISSUER.pub";
    }
    if (!write_all(a.html, reports::render_html(*report, options))) {
        std::cerr << "vft report render: cannot write " << a.html << "\n";
        return kExitCannotRun;
    }
    if (!a.junit.empty() && !write_all(a.junit, reports::render_junit(*report))) {
        std::cerr << "vft report render: cannot write " << a.junit << "\n";
        return kExitCannotRun;
    }
    std::cout << "wrote " << a.html << (a.junit.empty() ? "" : " and " + a.junit) << "\n";
    return kExitOk;
}

int rejudge(const ReportArgs& a) {
    const auto report = load_report("rejudge", a.file);
    if (!report) return kExitCannotRun;
    reports::Report rejudged;
    auto changes = conformance::rejudge(*report, &rejudged);
    if (!changes) {
        std::cerr << "vft report rejudge: " << changes.error().to_string() << "\n";
        return kExitCannotRun;
    }
    if (!a.out.empty() && !write_all(a.out, reports::to_json(rejudged))) {
        std::cerr << "vft report rejudge: cannot write " << a.out << "\n";
        return kExitCannotRun;
    }
    std::cout << a.file << ": suite " << printable(report->suite) << " "
              << printable(report->suite_version) << " judged again by suite "
              << rejudged.suite_version << ": verdict " << reports::to_string(report->verdict)
              << " -> " << reports::to_string(rejudged.verdict) << "\n";
    if (changes->empty()) {
        std::cout << "  no test result changes\n";
        return kExitOk;
    }
    for (const auto& c : *changes) {
        std::cout << "  " << printable(c.test_id) << ": " << reports::to_string(c.before) << " -> "
                  << reports::to_string(c.after) << "\n";
        for (const auto& m : c.messages)
            std::cout << "      " << printable(mask_person_ids(m)) << "\n";
    }
    return kExitFail;
}

}  // namespace

void add_report(CLI::App& app, int& exit_code) {
    CLI::App* report =
        app.add_subcommand("report", "Verify and render conformance reports (report.json)");
    report->require_subcommand(1);

    auto v = std::make_shared<ReportArgs>();
    CLI::App* verify_cmd = report->add_subcommand(
        "verify", "Check a report's signature (FILE.sig) and internal hashes, offline");
    verify_cmd->add_option("file", v->file, "report.json")->required();
    verify_cmd->add_option("--key", v->key, "The issuer's public key (PEM) you trust");
    verify_cmd->add_option("--sig", v->sig, "Signature file (default FILE.sig)");
    verify_cmd->callback([v, &exit_code] { exit_code = verify(*v); });

    auto r = std::make_shared<ReportArgs>();
    CLI::App* render_cmd =
        report->add_subcommand("render", "Render report.json as HTML (and JUnit XML)");
    render_cmd->add_option("file", r->file, "report.json")->required();
    render_cmd->add_option("--html", r->html, "Output HTML file")->required();
    render_cmd->add_option("--junit", r->junit, "Output JUnit XML file");
    render_cmd->callback([r, &exit_code] { exit_code = render(*r); });

    auto j = std::make_shared<ReportArgs>();
    CLI::App* rejudge_cmd = report->add_subcommand(
        "rejudge",
        "Re-evaluate a report's stored exchanges with this vft (no contact with the SUT)");
    rejudge_cmd->add_option("file", j->file, "report.json")->required();
    rejudge_cmd->add_option("--out", j->out, "Write the re-judged report.json here");
    rejudge_cmd->callback([j, &exit_code] { exit_code = rejudge(*j); });
}

}  // namespace vft::cli
