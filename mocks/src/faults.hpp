// Fault injection for the mock receiver (`--faults FILE`): what a sender meets on real networks,
// on purpose and repeatably. A rule matches by method and path glob and fires for the first N
// matching requests or with a probability drawn from a seeded generator.
//
// {"seed": 7, "rules": [
//   {"method": "POST", "path": "/epj/r4/*/bundle", "first": 2, "status": 503, "retry_after": "1"},
//   {"path": "/v1/*", "probability": 0.2, "action": "drop-after"},
//   {"path": "*", "latency_ms": 150}
// ]}
// Actions: "status" (answer with `status`, an OperationOutcome and optional Retry-After, without
// processing), "drop-before" (close the connection without processing), "drop-after" (process
// and journal, then close the connection before the response is complete), "latency" (wait
// `latency_ms`, then process normally), "slow-body" (process normally, then send the response
// body in pieces of `chunk_bytes` (default 16) with `latency_ms` (default 50) between them: a
// slow network or proxy), "duplicate" (the write reaches the API twice, as through a proxy that
// replays a request, and the client gets the answer to the second arrival; a correct receiver
// journals it once and answers with the original outcome). A rule with `status` and no action is
// a status rule.
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/internal/glob.hpp"

namespace vft::mocks::detail {

struct FaultRule {
    std::string method;  // empty = any
    std::string path = "*";
    std::string action;  // status | drop-before | drop-after | latency | slow-body | duplicate
    int first = 0;       // fire for the first N matches (0 = use probability)
    double probability = 0;
    int status = 0;
    std::string retry_after;
    int latency_ms = 0;
    int chunk_bytes = 16;  // slow-body
    std::shared_ptr<std::atomic<int>> matched = std::make_shared<std::atomic<int>>(0);
};

class Faults {
  public:
    static Result<std::unique_ptr<Faults>> parse(std::string_view json);
    // The rule that fires for this request, if any (counts the match).
    std::optional<FaultRule> fire(const std::string& method, const std::string& path);
    [[nodiscard]] bool empty() const { return rules_.empty(); }

  private:
    std::vector<FaultRule> rules_;
    std::mt19937_64 rng_{0};
    std::mutex mu_;
};

// Paths match by shell glob (vft/internal/glob.hpp: fnmatch(3), '*' also matches '/').
using internal::glob_match;

}  // namespace vft::mocks::detail
