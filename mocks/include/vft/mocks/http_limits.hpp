// vft::mocks::HttpLimits — what the mocks' HTTP engine accepts from a client, applied while a
// request is read and before any handler sees it (docs/http-engine.md has the reasons and the
// memory each costs).
#pragma once

#include <cstddef>

namespace vft::mocks {

struct HttpLimits {
    size_t max_headers = 100;             // more request header fields get 431
    size_t max_header_bytes = 16u << 10;  // request line + header fields; more gets 431
    unsigned max_connections = 4096;      // connections beyond this are closed at accept
    unsigned request_timeout_s = 30;      // request line, headers and body within this; 0 = none
    unsigned idle_timeout_s = 10;         // a connection silent this long is closed
};

}  // namespace vft::mocks
