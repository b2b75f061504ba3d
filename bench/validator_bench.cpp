// Validator throughput on one core: a mixed corpus of the shipped fixtures (valid, invalid and
// quirk messages, FHIR JSON and KITH XML), the spec compiled once; plus a generated 1 MB bundle
// and peak memory. Rates are timed by the thread's CPU clock (bench_util.hpp cpu_rate): what a
// validation costs one core, also on a shared machine. Usage: vft_bench_validator
// [seconds-per-measurement] [alarm] With `alarm`, only the typical alarm bundle at strict is
// validated, for `seconds` (for `perf record`).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "fhir/model.hpp"
#include "typical_alarm.hpp"
#include "validate/embedded_specs.hpp"
#include "validate/profiles.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/validate/validator.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using vft::bench::cpu_rate;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A collection Bundle of about 1 MB: the entry repeated with a distinct fullUrl each time.
std::string one_mb_bundle(const std::string& entry) {
    std::string out =
        R"({"resourceType":"Bundle","type":"collection","identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:0b6f3a52-8f0e-4c8a-9d59-3b7b1c2d4e5f"},"entry":[)";
    const std::string marker = "5f0c2a9e-2b7d-4f71-9a43-";
    for (unsigned n = 0; out.size() < (1u << 20); ++n) {
        std::string e = entry;
        char tail[13];
        std::snprintf(tail, sizeof tail, "%012x", n);
        e.replace(e.find(marker) + marker.size(), 12, tail);
        out += (n ? "," : "") + e;
    }
    return out + "]}";
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    const auto t0 = Clock::now();
    auto v = vft::Validator::create();
    if (!v) {
        std::fprintf(stderr, "%s\n", v.error().to_string().c_str());
        return 2;
    }
    const double compile_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();

    std::vector<std::string> corpus, bundles;
    size_t bytes = 0;
    for (const auto& e :
         fs::recursive_directory_iterator(fs::path(VFT_SOURCE_DIR) / "fixtures" / "messages")) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || name.find(".expect.") != std::string::npos) continue;
        if (e.path().extension() != ".json" && e.path().extension() != ".xml") continue;
        corpus.push_back(slurp(e.path()));
        bytes += corpus.back().size();
        if (e.path().string().find("/valid/") != std::string::npos &&
            e.path().extension() == ".json" &&
            corpus.back().find("\"Bundle\"") != std::string::npos)
            bundles.push_back(corpus.back());
    }
    std::printf("spec packages compiled once in %.1f ms\n", compile_ms);
    std::printf("corpus: %zu documents, %.1f KiB average\n", corpus.size(),
                bytes / 1024.0 / corpus.size());
    const std::string alarm = typical_alarm();
    if (argc > 2 && std::string(argv[2]) == "alarm") {
        const double r = cpu_rate(seconds, [&] { (void)v->validate(alarm); });
        std::printf("typical alarm bundle (%zu bytes): %8.0f bundles/s (%.1f us each)\n",
                    alarm.size(), r, 1e6 / r);
        return 0;
    }
    if (argc > 2 && std::string(argv[2]) == "alarm-count") {   // `seconds` validations, for
        for (long n = 0; n < static_cast<long>(seconds); ++n)  // perf stat -e instructions
            (void)v->validate(alarm);
        return 0;
    }

    size_t i = 0;
    const double mixed = cpu_rate(seconds, [&] { (void)v->validate(corpus[i++ % corpus.size()]); });
    std::printf("mixed corpus:        %10.0f documents/s on one core (%.1f us each)\n", mixed,
                1e6 / mixed);
    i = 0;
    const double valid =
        cpu_rate(seconds, [&] { (void)v->validate(bundles[i++ % bundles.size()]); });
    std::printf("valid typical bundles: %8.0f bundles/s on one core (%.1f us each, %zu distinct)\n",
                valid, 1e6 / valid, bundles.size());

    const double typical = cpu_rate(seconds, [&] { (void)v->validate(alarm); });
    std::printf(
        "typical alarm bundle (%zu bytes): %8.0f bundles/s on one core (%.1f us each, %zu "
        "issues)\n",
        alarm.size(), typical, 1e6 / typical, v->validate(alarm).issues.size());
    for (const auto& is : v->validate(alarm).issues)
        std::printf("  %s %s %s\n", is.rule.c_str(), is.path.c_str(), is.message.c_str());

    // 1 MB bundle of repeated Composition entries taken from a valid fixture.
    const std::string entry =
        R"({"fullUrl":"urn:uuid:5f0c2a9e-2b7d-4f71-9a43-0c6f4f1e8a11","resource":{"resourceType":"Composition","status":"final","type":{"coding":[{"system":"http://loinc.org","code":"34133-9","display":"Summarization of episode note"}]},"category":[{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090","code":"1","display":"Trygghet og mestring"}]}],"subject":{"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"12854812341"},"display":"Kåre Nordmann Testesen"},"date":"2026-03-12T08:15:00+01:00","author":[{"display":"Operatør Responssenter"}],"title":"Journalnotat for respons på hendelse","section":[{"title":"Oppfølging","code":{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-composition-section-v090","code":"1.1"}]},"text":{"status":"additional","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Bruker svarte på toveis tale, alt i orden.</div>"}}]}})";
    const std::string big = one_mb_bundle(entry);
    const auto report = v->validate(big);
    const double big_rate = cpu_rate(seconds, [&] { (void)v->validate(big); });
    std::printf("1 MB bundle (%zu bytes, %zu issues): %.1f ms each\n", big.size(),
                report.issues.size(), 1e3 / big_rate);

    // --spec r4: the compiled FHIR R4 model, its load time and the walk over the same documents.
    std::string model_text, profiles_text;
    for (const auto* f = vft::detail::embedded_compiled_model(); f->path; ++f) {
        if (std::string_view(f->path) == "fhir-r4.model") model_text.assign(f->data, f->size);
        if (std::string_view(f->path) == "profiles.model") profiles_text.assign(f->data, f->size);
    }
    double load_best = 1e9, national_best = 1e9;
    for (int k = 0; k < 20; ++k) {
        const auto l0 = Clock::now();
        auto m = vft::detail::FhirModel::parse(model_text);
        const auto l1 = Clock::now();
        if (!m) return 2;
        auto p = vft::detail::ProfileModel::parse(profiles_text, **m);
        const auto l2 = Clock::now();
        if (!p) return 2;
        load_best = std::min(load_best, std::chrono::duration<double, std::milli>(l1 - l0).count());
        national_best =
            std::min(national_best, std::chrono::duration<double, std::milli>(l2 - l1).count());
    }
    std::printf("R4 model (%zu bytes, %zu types): loaded in %.2f ms (best of 20)\n",
                model_text.size(), vft::detail::FhirModel::r4().types().size(), load_best);
    std::printf(
        "national profiles (%zu bytes, every package): loaded in %.2f ms (best of 20); R4 + "
        "national %.2f ms\n",
        profiles_text.size(), national_best, load_best + national_best);
    vft::ValidateOptions r4;
    r4.spec = "r4";
    i = 0;
    const double r4_valid =
        cpu_rate(seconds, [&] { (void)v->validate(bundles[i++ % bundles.size()], r4); });
    std::printf("--spec r4, valid typical bundles: %8.0f bundles/s on one core (%.1f us each)\n",
                r4_valid, 1e6 / r4_valid);
    const double r4_typical = cpu_rate(seconds, [&] { (void)v->validate(alarm, r4); });
    std::printf(
        "--spec r4, typical alarm bundle: %8.0f bundles/s on one core (%.1f us each, %zu "
        "issues)\n",
        r4_typical, 1e6 / r4_typical, v->validate(alarm, r4).issues.size());
    const double r4_big = cpu_rate(seconds, [&] { (void)v->validate(big, r4); });
    std::printf("--spec r4, 1 MB bundle: %.1f ms each (%zu issues)\n", 1e3 / r4_big,
                v->validate(big, r4).issues.size());

    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("peak memory (max RSS): %.1f MiB\n", ru.ru_maxrss / 1024.0);
    return 0;
}
