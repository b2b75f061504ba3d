// The mocks' HTTP/1.1 server (docs/http-engine.md): libmicrohttpd reads requests on one
// event-driven thread (epoll), so an open, idle or slow connection costs a small buffer and no
// thread; a request read whole is handed to a bounded pool of workers (handlers validate and
// journal, and may block), and its connection is resumed when the answer is ready.
//
// Every limit applies while reading, before a handler sees anything: header count and size
// (431), body size for every transfer coding (413, and the connection is closed at once),
// framing that RFC 9112 §6.3 calls ambiguous (two Content-Length, or Content-Length with
// Transfer-Encoding: 400), a whole-request deadline (request line, headers and body), an idle
// timeout and a connection limit.
//
// Thread safety: configure routes and options, then start() and stop() from one thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "router.hpp"

namespace vft::detail::http {

struct ServerOptions {
    size_t max_body_bytes = 10u << 20;    // a larger body gets 413 while it is being read
    size_t max_headers = 100;             // more request header fields get 431
    size_t max_header_bytes = 16u << 10;  // request line + header fields; more gets 431
    unsigned max_connections = 4096;      // connections beyond this are closed at accept
    unsigned idle_timeout_s = 10;         // a connection silent this long is closed
    unsigned request_timeout_s = 30;      // a request must arrive whole within this (0 = no limit)
    size_t threads = 0;                   // handler workers; 0 = 2 × the cores
    unsigned io_threads = 1;              // event loops reading and writing sockets
    // Handle each request on the event loop that read it instead of handing it to a worker: no
    // hand-off between threads (the worker's wake-up and the connection's resumption cost more
    // than HTTP itself). Only for handlers that never wait: a handler that sleeps or blocks
    // stalls every connection of its event loop. A handler may still answer later
    // (Response::later) without holding the loop. No workers are started.
    bool inline_handlers = false;
};

class Server : public Router {
  public:
    Server();
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Before start().
    void set_options(const ServerOptions& o) { options_ = o; }
    [[nodiscard]] const ServerOptions& options() const { return options_; }

    // Binds host:port (0 = a free port) and serves in the background. Returns the bound port, or
    // -1 with `error` set.
    [[nodiscard]] int start(const std::string& host, int port, std::string& error);
    // Stops accepting, lets the handlers that run finish, closes every connection. Idempotent.
    void stop();

    struct Engine;  // libmicrohttpd state (server.cpp)

  private:
    ServerOptions options_;
    std::unique_ptr<Engine> engine_;
};

}  // namespace vft::detail::http
