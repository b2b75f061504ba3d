#include "vft/core/uuid.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdio>
#include <random>
#include <string>

namespace vft {
namespace {

std::string format_uuid(const unsigned char* b) {
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return out;
}

}  // namespace

std::string name_uuid_urn(std::string_view name) {
    // vft's namespace: the version 5 UUID of "vft" in RFC 9562's URL namespace, fixed forever.
    static constexpr unsigned char ns[16] = {0x4b, 0x1e, 0x0c, 0x7a, 0x52, 0x6d, 0x5f, 0x0e,
                                             0x9a, 0x3c, 0x2d, 0x61, 0x7e, 0x08, 0x55, 0x19};
    std::string input(reinterpret_cast<const char*>(ns), sizeof ns);
    input.append(name);
    unsigned char h[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), h);
    h[6] = static_cast<unsigned char>((h[6] & 0x0F) | 0x50);  // version 5
    h[8] = static_cast<unsigned char>((h[8] & 0x3F) | 0x80);  // RFC 9562 variant
    return "urn:uuid:" + format_uuid(h);
}

std::string new_uuid() {
    std::array<unsigned char, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
        // The CSPRNG failed (no entropy source): fall back to std::random_device, still unique.
        std::random_device rd;
        for (auto& x : b)
            x = static_cast<unsigned char>(rd());
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return format_uuid(b.data());
}

std::string new_uuid_urn() {
    return "urn:uuid:" + new_uuid();
}

bool is_uuid_urn(std::string_view s) {
    constexpr std::string_view prefix = "urn:uuid:";
    if (s.size() != prefix.size() + 36 || s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace vft
