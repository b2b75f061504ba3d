// Shared by the benchmarks: how many calls per second `fn` sustains for `seconds`.
#pragma once

#include <chrono>
#include <cstddef>

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

}  // namespace vft::bench
