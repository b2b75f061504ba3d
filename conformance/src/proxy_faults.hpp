// Faults the role-sender runner itself plays, beyond the mock receiver's (mocks/src/faults.hpp):
// what the recording proxy in front of the endpoint does, how the test's token service behaves,
// and whether the product is restarted. A sender test puts them into Instruction::faults_json
// beside the receiver's "rules" (the receiver ignores these members):
//
// {"rules": [...receiver rules...],
//  "proxy": [{"method": "POST", "path": "/v1/*", "first": 1, "action": "invalid-token"},
//            {"path": "/pmd", "action": "outage", "ms": 1500},
//            {"path": "/epj/r4/*/bundle", "action": "restart"}],
//  "token_service": {"lifetime_s": 2, "dpop_nonce": true, "clock_offset_s": -120}}
//
// Proxy actions (each fires for the first `first` matching requests, default 1):
//   invalid-token  answer 401 with `WWW-Authenticate: <scheme> error="invalid_token"` (scheme of
//                  the request's Authorization: Bearer or DPoP; RFC 6750 §3.1, RFC 9449 §7.1),
//                  without forwarding: the token was refused once
//   outage         close the connection without an answer and stop listening for `ms`
//                  milliseconds (connections are refused: the port is closed), then listen again
//                  on the same port; the request is not forwarded
//   restart        forward the request (the receiver journals it), hold the answer, and let the
//                  runner stop the product (SIGKILL to the trigger command's process group) and
//                  start it again with action "resume"; the held answer is never delivered
// Token service: `lifetime_s` of issued tokens (1..86400), `dpop_nonce` (the service answers a
// proof without its nonce with use_dpop_nonce + DPoP-Nonce, RFC 9449 §8), `clock_offset_s` (its
// clock for judging assertions runs that far ahead; TokenServiceOptions::clock_offset_s).
// docs/conformance.md, "Runner faults". Internal to the conformance library.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::conformance::detail {

struct ProxyFault {
    std::string method;  // empty = any
    std::string path = "*";
    std::string action;  // invalid-token | outage | restart
    int first = 1;
    int ms = 0;  // outage: how long the port stays closed
};

struct TokenServiceFaults {
    int lifetime_s = 0;  // 0 = the service's default
    bool dpop_nonce = false;
    int clock_offset_s = 0;
};

struct RunnerFaults {
    std::vector<ProxyFault> proxy;
    TokenServiceFaults token_service;
    [[nodiscard]] bool restart() const;
};

// Reads the members above from a faults document; an empty text is no faults. Errors:
// errc::conf_instruction naming the member (a bug in the suite).
[[nodiscard]] Result<RunnerFaults> parse_runner_faults(std::string_view json);

// The proxy's faults of one test: which fires for a request (counts the match). Thread-safe.
class ProxyFaults {
  public:
    explicit ProxyFaults(std::vector<ProxyFault> faults);
    [[nodiscard]] std::optional<ProxyFault> fire(const std::string& method,
                                                 const std::string& path);

  private:
    std::vector<ProxyFault> faults_;
    std::vector<int> matched_;
    std::mutex mu_;
};

}  // namespace vft::conformance::detail
