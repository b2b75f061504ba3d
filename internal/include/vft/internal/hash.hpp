// SHA-256 (OpenSSL), raw and as lower-case hex.
#pragma once

#include <string>
#include <string_view>

namespace vft::internal {

// The 32 raw digest bytes ("" only if OpenSSL fails).
[[nodiscard]] std::string sha256(std::string_view data);

// The digest as 64 lower-case hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view data);

// Lower-case hex of any bytes.
[[nodiscard]] std::string hex(std::string_view bytes);

}  // namespace vft::internal
