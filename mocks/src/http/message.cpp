#include "message.hpp"

#include <algorithm>

namespace vft::detail::http {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
    // ASCII folding (field names are tokens, RFC 9110 §5.1), without std::tolower's locale
    // lookup: every header lookup of every request compares here.
    auto lower = [](unsigned char c) {
        return static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    };
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [&](unsigned char x, unsigned char y) { return lower(x) < lower(y); });
}

namespace {

std::string nth_value(const Headers& h, const std::string& key, size_t id) {
    auto [first, last] = h.equal_range(key);
    for (; first != last; ++first, --id)
        if (id == 0) return first->second;
    return {};
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void Later::finish(Fill fill) {
    std::function<void(Fill)> next;
    {
        std::lock_guard lock(mu_);
        finished_ = true;
        if (!next_) {
            fill_ = std::move(fill);
            return;
        }
        next = std::move(next_);
    }
    next(std::move(fill));
}

void Later::then(std::function<void(Fill)> next) {
    Fill fill;
    {
        std::lock_guard lock(mu_);
        if (!finished_) {
            next_ = std::move(next);
            return;
        }
        fill = std::move(fill_);
    }
    next(std::move(fill));
}

bool Request::has_header(const std::string& key) const {
    return headers.find(key) != headers.end();
}

std::string Request::get_header_value(const std::string& key, size_t id) const {
    return nth_value(headers, key, id);
}

size_t Request::get_header_value_count(const std::string& key) const {
    return headers.count(key);
}

bool Request::has_param(const std::string& key) const {
    return params.find(key) != params.end();
}

std::string Request::get_param_value(const std::string& key, size_t id) const {
    auto [first, last] = params.equal_range(key);
    for (; first != last; ++first, --id)
        if (id == 0) return first->second;
    return {};
}

bool Response::has_header(const std::string& key) const {
    return headers.find(key) != headers.end();
}

std::string Response::get_header_value(const std::string& key, size_t id) const {
    return nth_value(headers, key, id);
}

void Response::set_header(const std::string& key, const std::string& value) {
    // CR or LF in a value would split the header (response splitting): refuse them.
    if (key.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos)
        return;
    headers.erase(key);
    headers.emplace(key, value);
}

void Response::set_content(const std::string& s, const std::string& content_type) {
    body = s;
    set_header("Content-Type", content_type);
}

void Response::set_content(std::string&& s, const std::string& content_type) {
    body = std::move(s);
    set_header("Content-Type", content_type);
}

std::string decode_url(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            const int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += plus_is_space && c == '+' ? ' ' : c;
    }
    return out;
}

void parse_query_text(std::string_view s, Params& params) {
    size_t i = 0;
    while (i <= s.size()) {
        size_t amp = s.find('&', i);
        if (amp == std::string_view::npos) amp = s.size();
        const std::string_view pair = s.substr(i, amp - i);
        if (!pair.empty()) {
            const size_t eq = pair.find('=');
            params.emplace(decode_url(pair.substr(0, eq), true),
                           eq == std::string_view::npos ? std::string()
                                                        : decode_url(pair.substr(eq + 1), true));
        }
        i = amp + 1;
    }
}

void parse_target(std::string_view target, std::string& path, Params& params) {
    const size_t q = target.find('?');
    path = decode_url(target.substr(0, q), false);
    if (q != std::string_view::npos) parse_query_text(target.substr(q + 1), params);
}

}  // namespace vft::detail::http
