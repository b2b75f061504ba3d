// Helpers shared by the client sources: form encoding, errors, clock, header edits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/error.hpp"
#include "vft/internal/error.hpp"
#include "vft/internal/form.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::client::detail {

// application/x-www-form-urlencoded (vft/internal/form.hpp: libcurl's encoding).
using internal::form;
using internal::form_encode;

int64_t system_now();

inline Error make_error(std::string_view code, std::string message, std::string hint = {},
                        int http_status = 0, bool retryable = false) {
    return internal::make_error(code, std::move(message), {}, std::move(hint), http_status,
                                retryable);
}

// Replaces every header named `name` (case-insensitive) by one with `value`.
void set_header(transport::HttpRequest& request, std::string_view name, std::string value);
void remove_header(transport::HttpRequest& request, std::string_view name);

// True for an absolute http:// or https:// URL with a host.
bool is_http_url(std::string_view url);

// scheme://host[:port] of a URL, lower case ("" when not an http(s) URL).
std::string origin_of(std::string_view url);

// Text from a server made safe for an error message: at most `max` bytes, control characters
// replaced, anything shaped like a JWT or long token replaced by "***", person numbers masked.
std::string sanitize(std::string_view text, size_t max = 300);

}  // namespace vft::client::detail
