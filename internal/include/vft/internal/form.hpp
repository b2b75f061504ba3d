// application/x-www-form-urlencoded bodies, encoded by libcurl (curl_easy_escape).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vft::internal {

// Every byte except the unreserved ones (A-Z a-z 0-9 - . _ ~) as %XX (a space is %20).
[[nodiscard]] std::string form_encode(std::string_view value);

// "k1=v1&k2=v2" with both sides encoded.
[[nodiscard]] std::string form(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace vft::internal
