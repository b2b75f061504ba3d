#include "vft/internal/form.hpp"

#include <curl/curl.h>

#include <climits>

namespace vft::internal {

std::string form_encode(std::string_view value) {
    if (value.empty()) return {};
    if (value.size() > static_cast<size_t>(INT_MAX)) return {};
    // libcurl ignores the handle since 7.82 (Debian 12 ships 7.88).
    char* escaped = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
    if (!escaped) return {};
    std::string out(escaped);
    curl_free(escaped);
    return out;
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty()) out += '&';
        out += form_encode(k);
        out += '=';
        out += form_encode(v);
    }
    return out;
}

}  // namespace vft::internal
