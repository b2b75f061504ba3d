// Report sizes and speeds for a large run: ~60 tests x 5 captured exchanges whose request bodies
// are the shipped valid fixtures (fødselsnummer hashed as the runner does), one failing test.
// Prints the size of report.json, report.html and junit.xml and the time to write, render, sign
// and verify. Usage: vft_bench_report [SECONDS per measurement, default 2] [REPORT.json]
// (docs/reports.md). With REPORT.json (e.g. what `vft run` wrote) that report is measured instead.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../tests/support/sample_report.hpp"
#include "bench_util.hpp"
#include "vft/auth/key.hpp"
#include "vft/reports/html.hpp"
#include "vft/reports/junit.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"
#include "vft/reports/verify.hpp"

namespace fs = std::filesystem;

namespace {

// Each 11-digit run (a fødselsnummer in the fixtures) → "FNR#" + 12 hex, as the runner stores it.
std::string hash_person_ids(const std::string& in) {
    std::string out;
    size_t i = 0;
    while (i < in.size()) {
        size_t j = i;
        while (j < in.size() && in[j] >= '0' && in[j] <= '9')
            ++j;
        if (j - i == 11) {
            out += "FNR#" + vft::reports::sha256_hex("salt" + in.substr(i, 11)).substr(0, 12);
            i = j;
        } else if (j > i) {
            out.append(in, i, j - i);
            i = j;
        } else {
            out += in[i++];
        }
    }
    return out;
}

std::vector<std::string> fixture_bodies() {
    std::vector<std::string> bodies;
    const fs::path root = fs::path(VFT_SOURCE_DIR) / "fixtures/messages/valid";
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        const std::string name = e.path().filename().string();
        if (e.path().extension() == ".json" && name.find(".expect.") == std::string::npos)
            files.push_back(e.path());
        if (e.path().extension() == ".xml") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        bodies.push_back(hash_person_ids(ss.str()));
    }
    return bodies;
}

void line(const char* what, double per_second) {
    std::printf("  %-34s %9.2f ms   (%.1f/s)\n", what, 1000.0 / per_second, per_second);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    vft::test::SampleOptions o;
    o.tests = 60;
    o.exchanges_per_test = 5;
    o.bodies = fixture_bodies();
    vft::reports::Report report;
    if (argc > 2) {
        std::ifstream in(argv[2], std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto parsed = vft::reports::from_json(ss.str());
        if (!parsed) {
            std::fprintf(stderr, "bench: %s: %s\n", argv[2], parsed.error().to_string().c_str());
            return 2;
        }
        report = std::move(*parsed);
        o.bodies.clear();
    } else {
        report = vft::test::sample_report(o);
    }
    auto key = vft::auth::Key::generate(vft::auth::Algorithm::eddsa);
    auto pub = vft::auth::Key::load_pem(key->public_pem());
    const std::string json = vft::reports::to_json(report);
    const std::string html = vft::reports::render_html(report);
    const std::string junit = vft::reports::render_junit(report);
    const std::string sig = *vft::reports::sign_report(json, *key);
    size_t exchanges = 0;
    for (const auto& t : report.tests)
        exchanges += t.exchanges.size();
    if (!vft::reports::verify_report(json, sig, *pub).ok()) {
        std::fprintf(stderr, "bench: the report does not verify\n");
        return 1;
    }
    std::printf("report: %s, %zu tests, %zu exchanges\n",
                argc > 2 ? argv[2] : "generated from the fixtures", report.tests.size(), exchanges);
    std::printf(
        "  report.json      %8zu bytes\n  report.html      %8zu bytes\n"
        "  junit.xml        %8zu bytes\n  report.json.sig  %8zu bytes\n",
        json.size(), html.size(), junit.size(), sig.size());
    std::printf("time per call (one core, %.1f s each):\n", seconds);
    line("to_json", vft::bench::rate(seconds, [&] { (void)vft::reports::to_json(report); }));
    line("from_json", vft::bench::rate(seconds, [&] { (void)vft::reports::from_json(json); }));
    line("validate_report_json (schema)",
         vft::bench::rate(seconds, [&] { (void)vft::reports::validate_report_json(json); }));
    line("render_html",
         vft::bench::rate(seconds, [&] { (void)vft::reports::render_html(report); }));
    line("render_junit",
         vft::bench::rate(seconds, [&] { (void)vft::reports::render_junit(report); }));
    line("sign_report (Ed25519)",
         vft::bench::rate(seconds, [&] { (void)vft::reports::sign_report(json, *key); }));
    line("verify_report (sig+schema+hashes)",
         vft::bench::rate(seconds, [&] { (void)vft::reports::verify_report(json, sig, *pub); }));
    return 0;
}
