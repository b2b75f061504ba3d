// "Under load" for the lost-write-under-load defect, made deterministic: writes are paired as they
// overlap. A write waits after its arrival (at most `window`) for a second write; the second of a
// pair is the one under load (the defect answers it as accepted and never journals it), the first
// goes on as usual. A write alone waits out the window and is kept, so one client writing in
// sequence loses nothing; clients writing at once lose every second write. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace vft::mocks::detail {

class WritePairs {
  public:
    explicit WritePairs(std::chrono::milliseconds window) : window_(window) {}

    // True for the second write of a pair.
    bool second_of_pair() {
        std::unique_lock lock(mu_);
        if (waiting_) {
            waiting_ = false;
            ++pairs_;
            cv_.notify_all();
            return true;
        }
        waiting_ = true;
        const uint64_t mine = pairs_;
        cv_.wait_for(lock, window_, [&] { return pairs_ != mine; });
        if (pairs_ == mine) waiting_ = false;  // nobody came: not under load
        return false;
    }

  private:
    std::chrono::milliseconds window_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool waiting_ = false;  // a first write is waiting for its pair
    uint64_t pairs_ = 0;    // pairs formed so far
};

}  // namespace vft::mocks::detail
