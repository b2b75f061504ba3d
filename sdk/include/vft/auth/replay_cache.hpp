// vft::auth::ReplayCache — remembers identifiers (jti of DPoP proofs and client assertions) until
// they expire, so a receiver can refuse a reused one (VFT-AUTH-0910).
// Thread-safe: every member may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace vft::auth {

class ReplayCache {
  public:
    struct Options {
        std::size_t max_entries = 100000;  // memory bound; when full, the entry that expires
                                           // soonest is forgotten first
    };

    ReplayCache();
    explicit ReplayCache(Options options);
    ~ReplayCache();
    ReplayCache(const ReplayCache&) = delete;
    ReplayCache& operator=(const ReplayCache&) = delete;

    // True when `id` was recorded before and has not expired yet (refuse the request). Otherwise
    // records it until `expires_at` (seconds since the epoch) and returns false. Entries whose
    // expires_at <= now are forgotten. `now` = 0 means the system clock.
    [[nodiscard]] bool seen_before(std::string_view id, int64_t expires_at, int64_t now = 0);

    // Entries currently remembered (expired ones are pruned on the next seen_before).
    [[nodiscard]] std::size_t size() const;

  private:
    struct State;
    std::unique_ptr<State> impl_;
};

}  // namespace vft::auth
