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

// The alarm of vft_bench_validator (bench/validator_bench.cpp): DetectedIssue + Encounter +
// Composition + Device, about 4.5 KB, as a response centre sends it.
std::string typical_alarm() {
    using namespace std::chrono_literals;
    const vft::Time a0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h;
    vft::AlarmReport a;
    a.identifier = "urn:uuid:7d1c6a0e-3f4b-4c55-9a1e-2b8f6d0c4e31";
    a.encounter_id = "urn:uuid:c2b7e9a4-58d1-4f3a-8e6b-91d0a4f2c7b5";
    a.patient = {"12854812341", "Kåre Nordmann Testesen"};
    a.alert_code = "3";
    a.severity = "30";
    a.triage = "Y";
    a.identified = a0;
    a.device = {"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm"};
    a.response = {a0 + 1min, a0 + 12min};
    a.participants = {{"2", a.device, {a0 + 1min, a0 + 4min}, std::nullopt}};
    a.note.date = a0 + 15min;
    a.note.author = {"9144900", "", "Operatør"};
    a.note.events = {{"0", a0}, {"1", a0 + 1min}, {"8", a0 + 2min}, {"3", a0 + 12min}};
    a.note.sections = {{"1.2", "Hendelse", "Brukeren trykket på alarmen."},
                       {"1.1", "Oppfølging", "Toveis tale, alt i orden."}};
    auto m = vft::build_alarm(a);
    return m ? m->body : std::string();
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
