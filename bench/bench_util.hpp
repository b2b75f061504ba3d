// Shared by the benchmarks: how many calls per second `fn` sustains for `seconds`.
#pragma once

#include <chrono>
#include <cstddef>
#include <ctime>

namespace vft::bench {

template <typename Fn>
double rate(double seconds, Fn fn) {
    using Clock = std::chrono::steady_clock;
    size_t n = 0;
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
        fn();
        ++n;
    }
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - start).count();
}

// The same, timed by the thread's CPU clock: what the calls cost on a shared machine, where
// the wall clock also counts the time other processes hold the core.
template <typename Fn>
double cpu_rate(double seconds, Fn fn) {
    const auto now = [] {
        timespec t{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
    };
    size_t n = 0;
    const double start = now();
    double t = start;
    while (t - start < seconds) {
        fn();
        ++n;
        t = now();
    }
    return static_cast<double>(n) / (t - start);
}

}  // namespace vft::bench
