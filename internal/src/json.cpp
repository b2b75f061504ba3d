#include "vft/internal/json.hpp"

namespace vft::internal {

void line_col(std::string_view text, size_t offset, int& line, int& col) {
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

bool parse_strict(std::string_view text, rapidjson::Document& doc, size_t& offset) {
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                      text.size());
    offset = doc.HasParseError() ? doc.GetErrorOffset() : 0;
    return !doc.HasParseError();
}

std::string json_quote(std::string_view s) {
    JsonBuffer b;
    JsonWriter w(b);
    write_string(w, s);
    return text_of(b);
}

std::string json_escape(std::string_view s) {
    std::string q = json_quote(s);
    return q.substr(1, q.size() - 2);
}

std::string to_json(const JValue& v) {
    JsonBuffer b;
    JsonWriter w(b);
    v.Accept(w);
    return text_of(b);
}

}  // namespace vft::internal
