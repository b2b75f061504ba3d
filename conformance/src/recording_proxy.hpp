// The recording reverse proxy of the role-sender live context (sender_context.hpp): it stands in
// front of the runner's mock receiver or token service, forwards every request the SUT sends and
// records it as an inbound reports::Exchange, credentials redacted to their facts (a JWT's header
// and claims, a DPoP proof checked where it arrived) and remembered in Secrets so an echo is
// scrubbed later. A connection the upstream dropped is dropped towards the SUT too.
// Internal to the conformance library (vft::conformance::detail).
// Thread-safety: the proxy records from its own threads under the mutex it is given; start(),
// set_upstream() and stop() from one thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "conformance_detail.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"

namespace vft::conformance::detail {

class ProxyFaults;  // proxy_faults.hpp

class RecordingProxy {
  public:
    // `kind`: the exchange note ("endpoint", "token service"); token-service answers have their
    // tokens redacted. `out`: where exchanges are appended under `mu`. `secrets`: where every
    // credential passing through is remembered.
    RecordingProxy(std::string kind, std::mutex& mu, std::vector<reports::Exchange>& out,
                   Secrets& secrets);
    ~RecordingProxy();
    RecordingProxy(const RecordingProxy&) = delete;
    RecordingProxy& operator=(const RecordingProxy&) = delete;

    // Listens on `host` (an address of this machine), on `port` or, when 0, on a free port; the
    // proxy's base URL ("http://host:port"). Errors: VFT-MOCK listen code.
    [[nodiscard]] Result<std::string> start(const std::string& host = "127.0.0.1", int port = 0);
    void set_upstream(const std::string& host, int port);
    void stop();
    // The runner's own faults for requests through this proxy (proxy_faults.hpp: a 401
    // invalid_token, an outage that closes the port, a held answer for a restart); not owned,
    // must outlive the proxy's serving. Set before the SUT sends.
    void set_faults(ProxyFaults* faults);
    // Notified (notify_all, after `mu` is released) each time an exchange is recorded, so a
    // waiter on `out` under `mu` needs no polling; not owned, must outlive the proxy's serving.
    // Set before the SUT sends.
    void set_recorded_signal(std::condition_variable* signal);
    // A "restart" fault holds an answer: true once one is held. release() lets the held
    // connection go (it is closed without the answer); stop() releases too.
    [[nodiscard]] bool held();
    void release();
    [[nodiscard]] const std::string& base() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The port of "http://host:port" (0 when none).
[[nodiscard]] int port_of(const std::string& url);

}  // namespace vft::conformance::detail
