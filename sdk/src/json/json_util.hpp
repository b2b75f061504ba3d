// Small helpers over RapidJSON used inside the SDK (never in public headers).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace vft::detail {

using JValue = rapidjson::Value;

inline const JValue* member(const JValue& v, const char* name) {
    if (!v.IsObject()) return nullptr;
    auto it = v.FindMember(name);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

inline std::string_view str(const JValue* v) {
    return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                              : std::string_view();
}

inline std::string_view str_member(const JValue& v, const char* name) {
    return str(member(v, name));
}

// 1-based line and column of a byte offset in `text` (column counts bytes).
inline void line_col(std::string_view text, size_t offset, int& line, int& col) {
    line = 1;
    col = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
}

// Escapes a string for embedding in JSON output.
std::string json_escape(std::string_view s);

}  // namespace vft::detail
