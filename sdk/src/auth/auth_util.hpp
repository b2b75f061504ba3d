// Helpers shared by the vft::auth sources (errors, clock, JSON parsing, SHA-256).
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vft/core/error.hpp"
#include "vft/internal/error.hpp"
#include "vft/internal/hash.hpp"

namespace vft::auth::detail {

inline Error auth_error(std::string_view code, std::string message, std::string location = {},
                        std::string hint = {}) {
    return internal::make_error(code, std::move(message), std::move(location), std::move(hint));
}

inline int64_t now_or_clock(int64_t now) {
    if (now != 0) return now;
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Parses a JSON text strictly (iterative, so deep nesting cannot exhaust the stack; UTF-8
// checked). Returns false when it is not a JSON object or an object has a duplicate member name
// (RFC 7515 §5.2 lets us refuse those, and we do: two "alg" members are an attack, not a typo).
bool parse_json_object(std::string_view text, rapidjson::Document& doc);

// A JSON number as an integer: NumericDate may carry a fraction, which is truncated. nullopt for
// null, a non-number, or a value outside int64.
std::optional<int64_t> as_int64(const rapidjson::Value* v);

// A value from untrusted input, fit for an error message: at most 80 bytes, printable ASCII.
std::string shown(std::string_view untrusted);

// Raw SHA-256 digest (32 bytes).
using internal::sha256;

// The three segments of a compact JWS; false unless there are exactly three.
struct JwsParts {
    std::string_view header_b64, payload_b64, signature_b64;
    std::string_view signing_input;  // header_b64 + "." + payload_b64
};
bool split_jws(std::string_view token, JwsParts& parts);

// Case-insensitive typ comparison that treats an "application/" prefix as optional
// (RFC 7515 §4.1.9).
bool typ_matches(std::string_view typ, std::string_view expected);

}  // namespace vft::auth::detail
