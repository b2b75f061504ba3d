// Helpers shared by the client sources.
#include "client/client_util.hpp"

#include <chrono>

#include "transport/text.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::client::detail {

int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void remove_header(transport::HttpRequest& request, std::string_view name) {
    std::erase_if(request.headers,
                  [&](const auto& h) { return transport::detail::iequals(h.first, name); });
}

void set_header(transport::HttpRequest& request, std::string_view name, std::string value) {
    remove_header(request, name);
    request.headers.emplace_back(std::string(name), std::move(value));
}

bool is_http_url(std::string_view url) {
    const std::string lower = transport::detail::ascii_lower(url.substr(0, 8));
    size_t rest = 0;
    if (lower.rfind("http://", 0) == 0)
        rest = 7;
    else if (lower.rfind("https://", 0) == 0)
        rest = 8;
    else
        return false;
    return url.size() > rest && url[rest] != '/';
}

std::string origin_of(std::string_view url) {
    if (!is_http_url(url)) return {};
    const size_t start = url.find("://") + 3;
    const size_t end = url.find_first_of("/?#", start);
    return transport::detail::ascii_lower(url.substr(0, end));
}

std::string sanitize(std::string_view text, size_t max) {
    std::string out;
    // Tokens: runs of base64url/dot characters long enough to be a credential.
    size_t i = 0;
    while (i < text.size() && out.size() < max) {
        size_t j = i;
        auto tokenish = [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.' || c == '=' || c == '+' || c == '/';
        };
        while (j < text.size() && tokenish(text[j]))
            ++j;
        if (j - i >= 40) {
            out += "***";
            i = j;
            continue;
        }
        if (j == i) {
            const char c = text[i];
            out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
            ++i;
        } else {
            out.append(text.substr(i, j - i));
            i = j;
        }
    }
    if (out.size() > max) out.resize(max);
    if (i < text.size()) out += "...";
    return mask_person_ids(out);
}

}  // namespace vft::client::detail
