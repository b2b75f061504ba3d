// A FHIR JSON document parsed once by a caller that reads it as well as having it judged (the
// mock receiver: its identifier, resources and batch entries), then given to
// Validator::validate_parsed. Parsed exactly as the validator parses text (iterative, UTF-8
// checked, full precision), so the verdict is the one validate(text) gives. Private to vft.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace vft {

class ParsedJson {
  public:
    static constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                            rapidjson::kParseValidateEncodingFlag |
                                            rapidjson::kParseFullPrecisionFlag;

    // `text` must outlive this object.
    explicit ParsedJson(std::string_view text) : text_(text) { parse(doc_, text, buffer_); }

    // Parses `text` with kParseFlags. Valid UTF-8 without a NUL byte (nearly every document) is
    // checked once by utf8_valid, copied into `buffer` (null-terminated) and parsed there in
    // place, without RapidJSON's per-character transcoding check: the document's strings then
    // point into `buffer`, which must outlive it. Anything else is parsed from `text` with the
    // check, so the error (FHIR-JSON-001/002, its offset) is RapidJSON's own.
    static void parse(rapidjson::Document& doc, std::string_view text,
                      std::unique_ptr<char[]>& buffer) {
        if (utf8_valid(text) && std::memchr(text.data(), '\0', text.size()) == nullptr) {
            buffer.reset(new char[text.size() + 1]);
            std::memcpy(buffer.get(), text.data(), text.size());
            buffer[text.size()] = '\0';
            doc.ParseInsitu<(kParseFlags & ~rapidjson::kParseValidateEncodingFlag) |
                            rapidjson::kParseInsituFlag>(buffer.get());
        } else {
            doc.Parse<kParseFlags>(text.data(), text.size());
        }
    }

    // Well-formed UTF-8 (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
    // U+10FFFF), eight ASCII bytes at a time where it can.
    static bool utf8_valid(std::string_view text) {
        const auto* p = reinterpret_cast<const unsigned char*>(text.data());
        const unsigned char* const end = p + text.size();
        while (p < end) {
            if (end - p >= 8) {
                uint64_t w;
                std::memcpy(&w, p, 8);
                if ((w & 0x8080808080808080ULL) == 0) {
                    p += 8;
                    continue;
                }
            }
            const unsigned c = *p;
            if (c < 0x80) {
                ++p;
                continue;
            }
            size_t n;
            unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
            if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
                if (c == 0xE0) lo = 0xA0;
                if (c == 0xED) hi = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
                if (c == 0xF0) lo = 0x90;
                if (c == 0xF4) hi = 0x8F;
            } else {
                return false;
            }
            if (static_cast<size_t>(end - p) < n || p[1] < lo || p[1] > hi) return false;
            for (size_t i = 2; i < n; ++i)
                if (p[i] < 0x80 || p[i] > 0xBF) return false;
            p += n;
        }
        return true;
    }
    // A JSON object: something validate_parsed judges itself (else it judges the text).
    [[nodiscard]] bool ok() const { return !doc_.HasParseError() && doc_.IsObject(); }
    [[nodiscard]] rapidjson::Document& doc() { return doc_; }
    [[nodiscard]] const rapidjson::Document& doc() const { return doc_; }
    [[nodiscard]] std::string_view text() const { return text_; }

  private:
    std::string_view text_;
    std::unique_ptr<char[]> buffer_;  // the parsed copy the document's strings point into
    rapidjson::Document doc_;
};

}  // namespace vft
