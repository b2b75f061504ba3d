// Member lookups by a literal name for the validator's hot walks (rules engine, profile walker):
// the length is known at compile time, so no strlen, and most members are told apart by length
// and first letter before their bytes are compared. The first match, as FindMember.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "json/json_util.hpp"

namespace vft::detail {

// Equal bytes, compared inline 8 at a time (member names are short: a libc call costs more).
inline bool bytes_equal(const char* a, const char* b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x = 0, y = 0;
        std::memcpy(&x, a, 8);
        std::memcpy(&y, b, 8);
        if (x != y) return false;
    }
    for (; n > 0; ++a, ++b, --n)
        if (*a != *b) return false;
    return true;
}

template <size_t N>
const JValue* lit_member(const JValue& v, const char (&name)[N]) {
    constexpr size_t len = N - 1;
    if (!v.IsObject()) return nullptr;
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
        if (m->name.GetStringLength() == len && m->name.GetString()[0] == name[0] &&
            bytes_equal(m->name.GetString(), name, len))
            return &m->value;
    return nullptr;
}

template <size_t N>
std::string_view lit_str_member(const JValue& v, const char (&name)[N]) {
    return str(lit_member(v, name));
}

}  // namespace vft::detail
