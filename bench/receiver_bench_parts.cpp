// Where a mock receiver write goes, part by part, in one process without HTTP: validating the
// bench body (bench/receiver_bench.sh sends the same one), and journaling it (SQLite file, WAL,
// synchronous=NORMAL) from one thread and from 8 threads sharing group commits. Together with
// the CPU per write that receiver_bench.sh reports, this says what bounds the receiver. The CPU
// is the process's, so the journal's figure includes its maintenance thread (indexing the
// lookups and records, checkpointing the WAL).
// Usage: vft_bench_receiver_parts [seconds-per-measurement] [journal]
// (`journal`: only the journal's two measurements, e.g. under perf.)
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "journal.hpp"
#include "vft/internal/parsed_json.hpp"
#include "vft/validate/validator.hpp"

namespace fs = std::filesystem;
using vft::bench::rate;
using vft::mocks::detail::Journal;
using vft::mocks::detail::StoredOutcome;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

double cpu_seconds() {
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    const std::string body = slurp(fs::path(VFT_SOURCE_DIR) / "fixtures" / "messages" / "valid" /
                                   "medication" / "dispense-1-1-single.json");
    auto v = vft::Validator::create();
    if (!v) {
        std::fprintf(stderr, "%s\n", v.error().to_string().c_str());
        return 2;
    }
    const bool journal_only = argc > 2 && std::string_view(argv[2]) == "journal";
    // CPU time, not only the wall clock: on a shared machine the neighbours take the difference.
    const double c = cpu_seconds();
    if (!journal_only) {
        size_t validations = 0;
        const double validated = rate(seconds, [&] {
            (void)v->validate(body, {vft::Level::strict, "vkp-r4"});
            ++validations;
        });
        std::printf("validate the bench body (%zu bytes):   %8.0f /s (%.1f us CPU each)\n",
                    body.size(), validated,
                    (cpu_seconds() - c) * 1e6 / static_cast<double>(validations));

        // The receiver's read of a write: before issue 15 it parsed the body for itself and the
        // validator parsed it again; now the validator judges the receiver's parse.
        {
            const double c2 = cpu_seconds();
            size_t k = 0;
            const double twice = rate(seconds, [&] {
                rapidjson::Document d;
                d.Parse(body.data(), body.size());
                (void)v->validate(body, {vft::Level::strict, "vkp-r4"});
                ++k;
            });
            std::printf("parse + validate(text), as before:    %8.0f /s (%.1f us CPU each)\n",
                        twice, (cpu_seconds() - c2) * 1e6 / static_cast<double>(k));
            const double c3 = cpu_seconds();
            k = 0;
            const double once = rate(seconds, [&] {
                vft::ParsedJson parsed(body);
                (void)v->validate_parsed(parsed, {vft::Level::strict, "vkp-r4"});
                ++k;
            });
            std::printf("one parse + validate_parsed, now:     %8.0f /s (%.1f us CPU each)\n", once,
                        (cpu_seconds() - c3) * 1e6 / static_cast<double>(k));
        }
    }

    const fs::path dir = fs::temp_directory_path() / ("vft-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);
    // JOURNAL_INDEX_BATCH / JOURNAL_CHECKPOINT_FRAMES: try other maintenance triggers.
    Journal::Tuning tuning;
    if (const char* e = std::getenv("JOURNAL_INDEX_BATCH")) tuning.index_batch = std::atoll(e);
    if (const char* e = std::getenv("JOURNAL_CHECKPOINT_FRAMES"))
        tuning.checkpoint_frames = std::atoi(e);
    auto journal = Journal::open((dir / "journal.db").string(), tuning);
    if (!journal) {
        std::fprintf(stderr, "%s\n", journal.error().to_string().c_str());
        return 2;
    }
    const std::string outcome = R"({"resourceType":"OperationOutcome","issue":[]})";
    std::atomic<long> n{0};
    auto write = [&] {
        const std::string id = "urn:uuid:bench-" + std::to_string(n++);
        auto r = (*journal)->record_once("vkp", id, "MedicationDispense", "312229544", body,
                                         [&](const std::string&) {
                                             return StoredOutcome{201, outcome, {}, {}, 1};
                                         },
                                         {{"MedicationDispense", "12854812341", 1773298872, ""}});
        if (!r) std::abort();
    };
    const double c0 = cpu_seconds();
    const long n0 = n;
    const double one = rate(seconds, write);
    std::printf("journal, 1 thread:                     %8.0f writes/s (%.1f us CPU each)\n", one,
                (cpu_seconds() - c0) * 1e6 / static_cast<double>(n - n0));

    constexpr int kThreads = 8;
    std::vector<std::thread> threads;
    std::atomic<bool> stop{false};
    const double c1 = cpu_seconds();
    const long n1 = n;
    const auto t1 = std::chrono::steady_clock::now();
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            while (!stop)
                write();
        });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : threads)
        th.join();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    const double writes = static_cast<double>(n - n1);
    std::printf("journal, %d threads (group commit):    %8.0f writes/s (%.1f us CPU each)\n",
                kThreads, writes / wall, (cpu_seconds() - c1) * 1e6 / writes);
    journal->reset();
    fs::remove_all(dir);
    return 0;
}
