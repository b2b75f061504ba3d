// vft's side of bench/validator_compare.sh: validator throughput over a given list of files, the
// same files the Medplum bench (bench/medplum/medplum_bench.mjs) validates in the same run.
//   vft_bench_validator_compare --write-typical FILE
//       writes the typical VKP alarm bundle the SDK builds (the one vft_bench_validator times)
//   vft_bench_validator_compare [--seconds S] [--runs N] [--warmup S] FILE...
//       validates the files round robin from their text, at strict with the detected spec and at
//       --spec r4 (base FHIR R4 alone, what Medplum checks), N runs of S seconds each after a
//       warm-up; prints one line per mode with the median and best of the runs, wall clock and
//       thread CPU time (the machine may be shared), and the issues of each file.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "typical_alarm.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/validate/validator.hpp"

namespace {

std::string slurp(const char* path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Figures {
    double wall_median, wall_best, cpu_median, cpu_best;
};

template <typename Fn>
Figures measure(double seconds, int runs, double warmup, Fn fn) {
    (void)vft::bench::rate(warmup, fn);
    std::vector<double> wall, cpu;
    for (int r = 0; r < runs; ++r) {
        wall.push_back(vft::bench::rate(seconds, fn));
        cpu.push_back(vft::bench::cpu_rate(seconds, fn));
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], wall.back(), cpu[cpu.size() / 2], cpu.back()};
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 2.0, warmup = 1.0;
    int runs = 5;
    std::vector<std::string> names, docs;
    for (int k = 1; k < argc; ++k) {
        const std::string arg = argv[k];
        if (arg == "--write-typical" && k + 1 < argc) {
            const std::string alarm = typical_alarm();
            std::ofstream out(argv[k + 1], std::ios::binary);
            out << alarm;
            if (alarm.empty() || !out) {
                std::fprintf(stderr, "cannot build or write the typical alarm bundle\n");
                return 2;
            }
            return 0;
        }
        if (arg == "--seconds" && k + 1 < argc) {
            seconds = std::atof(argv[++k]);
        } else if (arg == "--runs" && k + 1 < argc) {
            runs = std::max(1, std::atoi(argv[++k]));
        } else if (arg == "--warmup" && k + 1 < argc) {
            warmup = std::atof(argv[++k]);
        } else if (arg.rfind("--", 0) == 0) {
            std::fprintf(stderr, "unknown option %s\n", arg.c_str());
            return 2;
        } else {
            bool ok = false;
            docs.push_back(slurp(argv[k], ok));
            if (!ok) {
                std::fprintf(stderr, "cannot read %s\n", argv[k]);
                return 2;
            }
            names.push_back(arg);
        }
    }
    if (docs.empty()) {
        std::fprintf(stderr,
                     "usage: vft_bench_validator_compare [--seconds S] [--runs N] [--warmup S] "
                     "FILE... | --write-typical FILE\n");
        return 2;
    }
    auto v = vft::Validator::create();
    if (!v) {
        std::fprintf(stderr, "%s\n", v.error().to_string().c_str());
        return 2;
    }
    size_t bytes = 0;
    for (const auto& d : docs)
        bytes += d.size();
    std::printf("vft: %zu files, %.0f bytes average, %d runs of %.1f s after %.1f s warm-up\n",
                docs.size(), static_cast<double>(bytes) / static_cast<double>(docs.size()), runs,
                seconds, warmup);

    vft::ValidateOptions strict;  // level strict, spec detected (national profiles)
    vft::ValidateOptions r4;
    r4.spec = "r4";
    for (const auto* mode : {&strict, &r4}) {
        const char* label = mode->spec.empty() ? "strict" : "r4";
        for (size_t k = 0; k < docs.size(); ++k) {
            const auto report = v->validate(docs[k], *mode);
            size_t errors = 0;
            for (const auto& i : report.issues)
                if (i.severity == vft::Severity::error || i.severity == vft::Severity::fatal)
                    ++errors;
            std::printf("vft %s: %s: %zu issues, %zu errors\n", label, names[k].c_str(),
                        report.issues.size(), errors);
        }
        size_t i = 0;
        const Figures f = measure(seconds, runs, warmup,
                                  [&] { (void)v->validate(docs[i++ % docs.size()], *mode); });
        std::printf(
            "RATE vft-%s wall_median=%.0f wall_best=%.0f cpu_median=%.0f cpu_best=%.0f "
            "(files/s, one core)\n",
            label, f.wall_median, f.wall_best, f.cpu_median, f.cpu_best);
    }
    return 0;
}
