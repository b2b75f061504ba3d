// The public registry site with many records (issue #18): how long `publish_site` takes for N
// records (each with its signed report: the small sample report of tests/support), the size of
// what it writes, and how soon the index page is interactive in headless Chromium (the page
// records performance.now() when the list is rendered and every control wired up, as
// body[data-ready-ms]; and the time one filtering takes, body[data-render-ms]).
// Usage: vft_bench_registry [RECORDS=10000] [RUNS=3] [WORKDIR=/tmp/vft-bench-registry]
// Figures, never assertions (CONTRIBUTING.md).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../tests/support/sample_registry.hpp"
#include "vft/reports/site.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string find_chromium() {
    for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
        if (::access(p, X_OK) == 0) return p;
    return {};
}

int run(const std::vector<std::string>& argv, const fs::path& out) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open("/dev/null", O_WRONLY);
        dup2(o, STDOUT_FILENO);
        dup2(e, STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uintmax_t folder_bytes(const fs::path& dir, size_t& files) {
    uintmax_t total = 0;
    files = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) {
            total += e.file_size();
            ++files;
        }
    return total;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int records = argc > 1 ? std::atoi(argv[1]) : 10000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    const fs::path dir = argc > 3 ? fs::path(argv[3]) : fs::path("/tmp/vft-bench-registry");
    fs::remove_all(dir);
    fs::create_directories(dir);

    auto key = vft::auth::Key::generate(vft::auth::Algorithm::eddsa);
    auto reg = vft::reports::Registry::open({dir / "registry.sqlite", false});
    if (!key || !reg) return 2;
    // The key too, so that `vft registry publish --db WORKDIR/registry.sqlite --sign-key
    // WORKDIR/program.key` can be profiled on the same registry.
    std::ofstream(dir / "program.key") << key->private_pem();
    const auto setup = Clock::now();
    const char* modules[] = {"alarm", "medication", "supervision", "dho", "pmd", "search", "kith"};
    for (int i = 0; i < records; ++i) {
        vft::test::SampleRecord s;
        s.vendor = "Leverandør " + std::to_string(i % 400);
        s.product = "Produkt " + std::to_string(i % 1500);
        s.version = std::to_string(1 + i % 5) + "." + std::to_string(i % 7) + ".0";
        s.suite_version = i % 3 == 0 ? "1.1.0" : "1.0.0";
        s.modules = {modules[i % 7], modules[(i + 3) % 7]};
        s.issued = "2026-0" + std::to_string(1 + i % 9) + "-15T10:00:00Z";
        if (vft::test::add_sample_record(*reg, *key, s) == 0) {
            std::cerr << "cannot add record " << i << "\n";
            return 2;
        }
    }
    for (int i = 0; i < records / 100; ++i)
        (void)reg->revoke(1 + i * 97 % records, "revokert i benchmark");
    std::cout << "registry with " << records << " records (each with its signed report) made in "
              << std::chrono::duration<double>(Clock::now() - setup).count() << " s\n";

    std::vector<double> publish;
    vft::reports::PublishOptions o;
    o.out = dir / "site";
    o.sign_key = &*key;
    for (int r = 0; r < runs; ++r) {
        fs::remove_all(o.out);
        const auto t0 = Clock::now();
        const std::clock_t c0 = std::clock();
        auto done = vft::reports::publish_site(*reg, o);
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        const double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
        if (!done) {
            std::cerr << "publish: " << done.error().to_string() << "\n";
            return 2;
        }
        publish.push_back(s);
        std::cout << "publish_site run " << r + 1 << ": " << s << " s wall, " << cpu << " s CPU ("
                  << done->records << " certifications, " << done->products << " products)\n";
    }
    size_t files = 0;
    const auto bytes = folder_bytes(o.out, files);
    std::cout << "site: " << files << " files, " << bytes / (1024 * 1024) << " MiB; registry.json "
              << fs::file_size(o.out / "registry.json") << " bytes\n";
    std::cout << "publish_site median: " << median(publish) << " s\n";

    const std::string chromium = find_chromium();
    if (chromium.empty()) {
        std::cout << "no chromium: page timings skipped\n";
        return 0;
    }
    std::vector<double> ready, filter;
    const std::regex ready_re("data-ready-ms=\"([0-9]+)\""),
        render_re("data-render-ms=\"([0-9]+)\"");
    for (int r = 0; r < runs + 1; ++r) {
        for (const std::string& hash : {std::string(), std::string("#module=kith&q=produkt%201")}) {
            const std::vector<std::string> args = {
                chromium,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-first-run",
                "--user-data-dir=" + (dir / "profile").string(),
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--dump-dom",
                "file://" + (o.out / "index.html").string() + hash};
            if (run(args, dir / "dom.html") != 0) continue;
            std::ifstream in(dir / "dom.html");
            std::stringstream ss;
            ss << in.rdbuf();
            const std::string dom = ss.str();
            std::smatch m;
            if (r == 0) continue;  // the first load warms the profile and the file cache
            if (hash.empty() && std::regex_search(dom, m, ready_re))
                ready.push_back(std::stod(m[1]));
            if (!hash.empty() && std::regex_search(dom, m, render_re))
                filter.push_back(std::stod(m[1]));
        }
    }
    std::cout << "index.html interactive (navigation start to list rendered, ms):";
    for (double v : ready)
        std::cout << " " << v;
    std::cout << "  median " << median(ready) << "\n";
    std::cout << "one search+filter rendering over " << records << " records (ms):";
    for (double v : filter)
        std::cout << " " << v;
    std::cout << "  median " << median(filter) << "\n";
    return 0;
}
