// Outbox figures: durable enqueue rate (one producer, eight producers) and the delivery-side rate
// of due() + mark_delivered (one worker, four workers). Every call is durable (WAL, fsync on
// commit), so the figures are bound by the disk's fsync; the group commit shows in the ratio of
// writes to commits.
//
//   vft_bench_outbox [SECONDS per measurement, default 2] [FOLDER for the database, default tmp]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "vft/outbox/outbox.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

vft::OutboxEntry entry(const std::string& id, int key) {
    return {id, "patient-" + std::to_string(key), "vkp:bundle", "application/fhir+json",
            std::string(2048, 'x')};  // a small journal bundle
}

struct Figure {
    double per_second = 0;
    size_t done = 0;
    vft::OutboxStats stats;
};

// `threads` producers enqueue unique messages for `seconds`.
Figure enqueue_rate(const std::string& path, vft::OutboxOptions opts, int threads, double seconds) {
    opts.path = path;
    auto box = vft::Outbox::open(opts);
    if (!box) {
        std::fprintf(stderr, "open: %s\n", box.error().to_string().c_str());
        std::exit(2);
    }
    std::atomic<size_t> done{0};
    std::atomic<bool> failed{false};
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; Clock::now() < until; ++i) {
                auto s = box->enqueue(
                    entry("m-" + std::to_string(t) + "-" + std::to_string(i), i % 1000));
                if (!s) failed = true;
                ++done;
            }
        });
    for (auto& th : ts)
        th.join();
    if (failed) std::fprintf(stderr, "some enqueues failed\n");
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    return {static_cast<double>(done) / secs, done, box->stats()};
}

// `workers` threads take due messages and mark them delivered, for `seconds`.
Figure delivery_rate(const std::string& path, int workers, double seconds) {
    auto box = vft::Outbox::open(vft::OutboxOptions{path});
    if (!box) std::exit(2);
    const vft::OutboxStats before = box->stats();
    std::atomic<size_t> done{0};
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    std::vector<std::thread> ts;
    for (int w = 0; w < workers; ++w)
        ts.emplace_back([&] {
            while (Clock::now() < until) {
                auto due = box->due(16, wall_ms() + 1000);
                if (!due || due->empty()) return;
                for (const auto& m : *due) {
                    if (box->mark_delivered(m.seq, 201)) ++done;
                    if (Clock::now() >= until) return;
                }
            }
        });
    for (auto& th : ts)
        th.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    vft::OutboxStats s = box->stats();
    s.writes -= before.writes;
    s.commits -= before.commits;
    return {static_cast<double>(done) / secs, done, s};
}

void print(const char* what, const Figure& f) {
    std::printf("%-52s %9.0f msg/s   (%zu messages, %.1f writes per commit)\n", what, f.per_second,
                f.done,
                f.stats.commits ? static_cast<double>(f.stats.writes) / f.stats.commits : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    const fs::path dir =
        argc > 2 ? fs::path(argv[2])
                 : fs::temp_directory_path() / ("vft-outbox-bench-" + std::to_string(wall_ms()));
    fs::create_directories(dir);
    std::printf("outbox bench: %.1f s per figure, database in %s, 2 KiB bodies, 1000 keys\n",
                seconds, dir.string().c_str());

    vft::OutboxOptions defaults;
    vft::OutboxOptions no_window;
    no_window.group_commit_window = std::chrono::microseconds(0);

    const std::string single = (dir / "single.db").string();
    print("enqueue, 1 producer (window 500 us)", enqueue_rate(single, defaults, 1, seconds));
    print("enqueue, 1 producer (window 0)",
          enqueue_rate((dir / "single0.db").string(), no_window, 1, seconds));
    const std::string eight = (dir / "eight.db").string();
    print("enqueue, 8 producers (window 500 us)", enqueue_rate(eight, defaults, 8, seconds));
    print("enqueue, 8 producers (window 0)",
          enqueue_rate((dir / "eight0.db").string(), no_window, 8, seconds));
    print("due(16) + mark_delivered, 1 worker", delivery_rate(eight, 1, seconds));
    print("due(16) + mark_delivered, 4 workers", delivery_rate(eight, 4, seconds));

    std::error_code ec;
    if (argc <= 2) fs::remove_all(dir, ec);
    return 0;
}
