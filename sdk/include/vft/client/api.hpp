// What the typed API clients (VkpClient, JftClient, PmdClient, KithClient) share: their options
// and the shape of a reply — the typed value, the final HTTP status and how many requests it
// took (retries and an auth resend included).
// Thread-safety: plain values.
#pragma once

#include <string>

#include "vft/transport/http_client.hpp"
#include "vft/transport/retry.hpp"

namespace vft::client {

struct ApiOptions {
    std::string base_url;          // the API root, e.g. "https://api.test.vkpnorge.no" (no '/')
    transport::HttpOptions http;   // timeouts, TLS, log sink
    transport::RetryPolicy retry;  // backoff, deadline; every request of the clients is idempotent
};

template <typename T>
struct Reply {
    T value{};
    int status = 0;    // the final response's HTTP status
    int attempts = 0;  // HTTP requests sent for this call, resends for auth included
};

// The answer to a write (journaling, submit, acknowledge).
struct Written {
    std::string location;    // the Location header ("" when none)
    std::string body;        // the response body (an OperationOutcome for VKP writes, may be "")
    bool duplicate = false;  // the receiver said it had this identifier already (X-Vft-Duplicate)
};

}  // namespace vft::client
