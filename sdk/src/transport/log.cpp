// The allow-list and redaction that keep transport logs free of secrets and person numbers.
#include "vft/transport/log.hpp"

#include <array>
#include <cctype>

#include "transport/text.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::transport {

namespace {

// Headers whose values help an operator and carry no credential. Everything else stays out.
constexpr std::array<std::string_view, 6> kLoggable = {
    "Content-Type", "Location", "Retry-After", "ServiceCodes", "nhn-source-system", "X-Request-Id"};

// A query parameter whose name contains one of these is treated as a secret.
constexpr std::array<std::string_view, 10> kSecretParams = {
    "token",     "key",       "secret", "password", "passwd",
    "assertion", "signature", "jwt",    "session",  "auth"};

bool secret_param(std::string_view name) {
    const std::string lower = detail::ascii_lower(name);
    for (auto s : kSecretParams)
        if (lower.find(s) != std::string::npos) return true;
    return false;
}

}  // namespace

bool is_loggable_header(std::string_view name) {
    for (auto h : kLoggable)
        if (detail::iequals(h, name)) return true;
    return false;
}

std::string redact_for_log(std::string_view url) {
    std::string out;
    out.reserve(url.size());
    size_t pos = 0;
    // user:password@ in the authority.
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        const size_t auth_begin = scheme + 3;
        size_t auth_end = url.find_first_of("/?#", auth_begin);
        if (auth_end == std::string_view::npos) auth_end = url.size();
        const auto at = url.substr(auth_begin, auth_end - auth_begin).rfind('@');
        out.append(url.substr(0, auth_begin));
        pos = at == std::string_view::npos ? auth_begin : auth_begin + at + 1;
    }
    const size_t q = url.find('?', pos);
    if (q == std::string_view::npos) {
        out.append(url.substr(pos));
        return mask_person_ids(out);
    }
    out.append(url.substr(pos, q + 1 - pos));
    size_t end = url.find('#', q);
    if (end == std::string_view::npos) end = url.size();
    std::string_view query = url.substr(q + 1, end - q - 1);
    bool first = true;
    while (true) {
        const size_t amp = query.find('&');
        const std::string_view param = query.substr(0, amp);
        if (!first) out += '&';
        first = false;
        const size_t eq = param.find('=');
        if (eq != std::string_view::npos && secret_param(param.substr(0, eq))) {
            out.append(param.substr(0, eq + 1));
            out += "***";
        } else {
            out.append(param);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    out.append(url.substr(end));
    return mask_person_ids(out);
}

}  // namespace vft::transport
