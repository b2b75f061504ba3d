// The one factory for vft::Error: every code comes from vft/core/error_codes.hpp.
#pragma once

#include <string>
#include <string_view>

#include "vft/core/error.hpp"

namespace vft::internal {

[[nodiscard]] inline Error make_error(std::string_view code, std::string message,
                                      std::string location = {}, std::string hint = {},
                                      int http_status = 0, bool retryable = false) {
    Error e;
    e.code = std::string(code);
    e.message = std::move(message);
    e.location = std::move(location);
    e.hint = std::move(hint);
    e.http_status = http_status;
    e.retryable = retryable;
    return e;
}

}  // namespace vft::internal
