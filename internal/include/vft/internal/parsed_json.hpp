// A FHIR JSON document parsed once by a caller that reads it as well as having it judged (the
// mock receiver: its identifier, resources and batch entries), then given to
// Validator::validate_parsed. Parsed exactly as the validator parses text (iterative, UTF-8
// checked, full precision), so the verdict is the one validate(text) gives. Private to vft.
#pragma once

#include <rapidjson/document.h>

#include <string_view>

namespace vft {

class ParsedJson {
  public:
    static constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                            rapidjson::kParseValidateEncodingFlag |
                                            rapidjson::kParseFullPrecisionFlag;

    // `text` must outlive this object.
    explicit ParsedJson(std::string_view text) : text_(text) {
        doc_.Parse<kParseFlags>(text.data(), text.size());
    }
    // A JSON object: something validate_parsed judges itself (else it judges the text).
    [[nodiscard]] bool ok() const { return !doc_.HasParseError() && doc_.IsObject(); }
    [[nodiscard]] rapidjson::Document& doc() { return doc_; }
    [[nodiscard]] const rapidjson::Document& doc() const { return doc_; }
    [[nodiscard]] std::string_view text() const { return text_; }

  private:
    std::string_view text_;
    rapidjson::Document doc_;
};

}  // namespace vft
