// libFuzzer target: the mock receiver's request handling (fault and token hooks, routes, the
// validator, the journal) fed a request as bytes, without sockets:
//   METHOD SP TARGET LF, then "Name: value" lines, an empty line, and the body.
// The HTTP engine's own limits (header count and size, body size) are applied the same way
// before routing, so the router sees only what the engine would hand it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/server.hpp"
#include "receiver_router.hpp"

namespace {

namespace http = vft::detail::http;

const vft::mocks::ReceiverRouter& router() {
    static const auto r = [] {
        vft::mocks::ReceiverOptions o;  // in-memory journal, strict, no auth
        auto made = vft::mocks::ReceiverRouter::create(std::move(o));
        if (!made) std::abort();
        return std::move(made).value();
    }();
    return *r;
}

std::string_view line(std::string_view& in) {
    const size_t nl = in.find('\n');
    std::string_view l = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    const http::ServerOptions limits;
    http::Request req;
    const std::string_view first = line(in);
    const size_t sp = first.find(' ');
    if (sp == std::string_view::npos) return 0;
    req.method = std::string(first.substr(0, sp));
    req.target = std::string(first.substr(sp + 1));
    req.version = "HTTP/1.1";
    size_t header_bytes = first.size() + 2;
    while (!in.empty()) {
        const std::string_view l = line(in);
        if (l.empty()) break;
        const size_t colon = l.find(':');
        if (colon == std::string_view::npos) return 0;
        std::string_view v = l.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
            v.remove_prefix(1);
        req.headers.emplace(std::string(l.substr(0, colon)), std::string(v));
        header_bytes += l.size() + 2;
    }
    if (req.headers.size() > limits.max_headers || header_bytes > limits.max_header_bytes ||
        in.size() > limits.max_body_bytes)
        return 0;
    req.body = std::string(in);
    http::parse_target(req.target, req.path, req.params);
    req.remote_addr = "127.0.0.1";
    req.remote_port = 40000;
    const http::Response res = router().handle(std::move(req));
    if (res.status < 100 || res.status > 599) std::abort();
    return 0;
}
