// The HTTP layer of the transport: one request in, one response (or a typed network error) out.
// It sends exactly what it is given over HTTP/1.1, reuses connections, never follows redirects
// and never judges a status: any response the server sent is ok(); the retry layer (retry.hpp)
// and error mapping (http_error.hpp) decide what a status means. No curl type appears here.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/core/headers.hpp"
#include "vft/core/result.hpp"
#include "vft/transport/log.hpp"

namespace vft::transport {

struct HttpRequest {
    std::string method;  // "GET", "POST", ... (an HTTP token; anything else is refused)
    std::string url;     // absolute http:// or https:// URL
    Headers headers;     // sent in this order
    std::string body;    // sent as is (may be empty)
};

struct HttpResponse {
    int status = 0;   // the final status line's code; 3xx are reported, never followed
    Headers headers;  // in arrival order, names as sent
    std::string body;
    std::chrono::milliseconds elapsed{0};  // wall time of the exchange

    // The first header with this name (ASCII case-insensitive), or "" when absent.
    [[nodiscard]] std::string header(std::string_view name) const;
};

struct HttpOptions {
    std::chrono::milliseconds connect_timeout{5000};  // TCP + TLS handshake
    std::chrono::milliseconds total_timeout{30000};   // whole exchange, per attempt
    bool verify_tls = true;                           // verify the server certificate and host name
    std::string ca_file;  // PEM CA bundle; empty = the system's trust store
    std::string proxy;    // e.g. "http://proxy:3128"; empty = direct (env vars ignored)
    size_t max_response_bytes = 16u << 20;  // body larger than this fails with VFT-NET-1007
    std::string user_agent = "vft/0.1";     // User-Agent header
    LogSink log;                            // one record per exchange; empty = no logging
};

class RetryingClient;
// What the retry layer (RetryingClient) tells the client about one attempt, and learns back from
// it; callers of send() never need it.
struct HttpAttempt {
    int attempt = 1;                                   // 1-based, for the log
    std::optional<std::chrono::milliseconds> timeout;  // overrides total_timeout when shorter
    bool request_sent = true;  // out: false when the request provably never left (no connection)
};

// Thread-safety: send() may be called from any number of threads at once. Copies share one
// connection pool. Connection reuse: a small pool of curl easy handles — a thread takes an idle
// handle, sends, and puts it back; each handle keeps its own live connections, DNS cache and TLS
// sessions, so consecutive calls to the same host reuse the connection with no lock held during
// I/O (a curl share of the connection cache would need lock callbacks on every transfer).
class HttpClient {
  public:
    // Fails only when libcurl cannot be set up (VFT-NET-1001) or ca_file is unreadable
    // (VFT-IO-0601). Options are copied.
    [[nodiscard]] static Result<HttpClient> create(HttpOptions options);

    // Sends one request. ok() for every response, whatever its status. Errors (no response):
    // VFT-NET-1001 connect (also: no curl handle or no memory for the request), 1002 timeout,
    // 1003 TLS, 1004 resolve, 1005 connection dropped (or an empty reply), 1007 response over
    // max_response_bytes, 1008 reply not HTTP; `retryable` says whether the same request may
    // succeed. A request that cannot go on the wire as given (method not an HTTP token, CR/LF in
    // a header, URL not http(s)) is refused unsent with VFT-NET-1009. The deadline code
    // (VFT-NET-1006) and the status codes (VFT-HTTP-*, VFT-VKP-*) come from the layers above
    // (retry.hpp, http_error.hpp), never from send().
    [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) const;

    [[nodiscard]] const HttpOptions& options() const;

  private:
    struct State;
    explicit HttpClient(std::shared_ptr<State> impl) : impl_(std::move(impl)) {}
    Result<HttpResponse> send_attempt(const HttpRequest& request, HttpAttempt& attempt) const;
    void log(const LogRecord& record) const;
    friend class RetryingClient;

    std::shared_ptr<State> impl_;
};

}  // namespace vft::transport
