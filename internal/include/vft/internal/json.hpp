// JSON reading helpers over RapidJSON, and the one way vft writes JSON text: RapidJSON's Writer.
// Private: RapidJSON never appears in a public header.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>

namespace vft::internal {

using JValue = rapidjson::Value;
using JsonBuffer = rapidjson::StringBuffer;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

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
void line_col(std::string_view text, size_t offset, int& line, int& col);

// Parses JSON strictly (iterative, UTF-8 checked); false with `offset` set when it does not.
bool parse_strict(std::string_view text, rapidjson::Document& doc, size_t& offset);

// Writes a string value through `w` (any length, embedded NULs kept).
inline bool write_string(JsonWriter& w, std::string_view s) {
    return w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// `s` as a JSON string literal, quotes included, escaped by RapidJSON's Writer.
[[nodiscard]] std::string json_quote(std::string_view s);

// `s` escaped for the inside of a JSON string literal (json_quote without the quotes).
[[nodiscard]] std::string json_escape(std::string_view s);

// The text a finished writer produced.
inline std::string text_of(const JsonBuffer& b) {
    return std::string(b.GetString(), b.GetSize());
}

// A value (e.g. a Document) serialised compactly.
[[nodiscard]] std::string to_json(const JValue& v);

}  // namespace vft::internal
