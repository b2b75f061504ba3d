// For the tests of answers completed later (test_http_router.cpp, test_http_later.cpp).
#pragma once

#include <string>
#include <utility>

#include "../../mocks/src/http/message.hpp"

// Completes `later` with `status` and a text body.
inline void finish_with(vft::detail::http::Later& later, int status, std::string body) {
    later.finish([status, body = std::move(body)](vft::detail::http::Response& r) {
        r.status = status;
        r.set_content(body, "text/plain");
    });
}
