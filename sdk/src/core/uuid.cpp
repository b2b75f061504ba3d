#include "vft/core/uuid.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

namespace vft {
namespace {

std::string format_uuid(const unsigned char* b) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(36, '-');
    size_t at = 0;
    for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the dashes
        out[at++] = hex[b[i] >> 4];
        out[at++] = hex[b[i] & 15];
    }
    return out;
}

// Random bytes for new_uuid: OpenSSL's CSPRNG (seeded from the OS, reseeded by OpenSSL) read
// 512 bytes at a time into a per-thread buffer, so a UUID costs a copy instead of a trip through
// the EVP layer. A forked child must not hand out its parent's buffered bytes: fork bumps the
// generation, and a buffer from an older generation is dropped. Each byte is used once.
std::atomic<unsigned> g_fork_generation{0};
const int g_atfork = pthread_atfork(nullptr, nullptr, [] { ++g_fork_generation; });

struct RandomBuffer {
    std::array<unsigned char, 512> bytes{};
    size_t used = bytes.size();
    unsigned generation = 0;
    ~RandomBuffer() { std::memset(bytes.data(), 0, bytes.size()); }
};

bool random_bytes(unsigned char* out, size_t n) {
    thread_local RandomBuffer buf;
    (void)g_atfork;
    const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
    if (buf.generation != generation) {
        buf.used = buf.bytes.size();
        buf.generation = generation;
    }
    if (buf.bytes.size() - buf.used < n) {
        if (RAND_bytes(buf.bytes.data(), static_cast<int>(buf.bytes.size())) != 1) return false;
        buf.used = 0;
    }
    std::memcpy(out, buf.bytes.data() + buf.used, n);
    std::memset(buf.bytes.data() + buf.used, 0, n);
    buf.used += n;
    return true;
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
    if (!random_bytes(b.data(), b.size())) {
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
