// The mock receiver's request handling without sockets: the same hooks and routes the HTTP
// engine runs for a request it has read whole, for tests/fuzz/fuzz_receiver_router.cpp.
//
// Thread safety: handle() may run on several threads at once, as the engine's workers do.
#pragma once

#include <memory>

#include "http/message.hpp"
#include "vft/core/result.hpp"
#include "vft/mocks/receiver.hpp"

namespace vft::mocks {

class ReceiverRouter {
  public:
    // A receiver that is never started (no socket is opened).
    [[nodiscard]] static Result<std::unique_ptr<ReceiverRouter>> create(ReceiverOptions options);
    // Pre-routing hook (faults, token checks), route, error hook, post-routing hook.
    [[nodiscard]] vft::detail::http::Response handle(vft::detail::http::Request req) const;

  private:
    std::unique_ptr<Receiver> receiver_;
};

}  // namespace vft::mocks
