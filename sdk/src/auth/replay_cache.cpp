// vft::auth::ReplayCache: a map of ids with an expiry index, under one mutex.
#include "vft/auth/replay_cache.hpp"

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/auth_util.hpp"

namespace vft::auth {

struct ReplayCache::State {
    Options options;
    mutable std::mutex mu;
    std::multimap<int64_t, std::string> by_expiry;
    std::unordered_map<std::string, std::multimap<int64_t, std::string>::iterator> ids;

    void erase(std::multimap<int64_t, std::string>::iterator it) {
        ids.erase(it->second);
        by_expiry.erase(it);
    }
};

ReplayCache::ReplayCache() : ReplayCache(Options{}) {}

ReplayCache::ReplayCache(Options options) : impl_(std::make_unique<State>()) {
    impl_->options = options;
    if (impl_->options.max_entries == 0) impl_->options.max_entries = 1;
}

ReplayCache::~ReplayCache() = default;

bool ReplayCache::seen_before(std::string_view id, int64_t expires_at, int64_t now) {
    now = detail::now_or_clock(now);
    State& s = *impl_;
    const std::lock_guard lock(s.mu);
    while (!s.by_expiry.empty() && s.by_expiry.begin()->first <= now)
        s.erase(s.by_expiry.begin());
    const std::string key(id);
    if (s.ids.count(key)) return true;
    if (expires_at <= now) return false;  // already expired: nothing to remember
    // Full: forget what would expire soonest. A flood can thus push out a live id, but memory
    // stays bounded; size max_entries for the expected request rate times the window.
    while (s.ids.size() >= s.options.max_entries)
        s.erase(s.by_expiry.begin());
    auto it = s.by_expiry.emplace(expires_at, key);
    s.ids.emplace(key, it);
    return false;
}

std::size_t ReplayCache::size() const {
    const std::lock_guard lock(impl_->mu);
    return impl_->ids.size();
}

}  // namespace vft::auth
