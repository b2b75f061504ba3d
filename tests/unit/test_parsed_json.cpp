// ParsedJson::parse skips RapidJSON's per-character UTF-8 check when utf8_valid says the text is
// valid, and then parses a null-terminated copy in place: utf8_valid must accept exactly what
// RapidJSON's kParseValidateEncodingFlag accepts, and the document, error and offset must be
// those of RapidJSON's checked parse, or a verdict (FHIR-JSON-001/002) would change.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "vft/internal/parsed_json.hpp"

namespace {

// RapidJSON's own verdict on `bytes` as the content of a JSON string.
bool rapidjson_accepts(const std::string& bytes) {
    const std::string text = "{\"s\":\"" + bytes + "\"}";
    rapidjson::Document d;
    d.Parse<vft::ParsedJson::kParseFlags>(text.data(), text.size());
    return !d.HasParseError();
}

}  // namespace

TEST_CASE("utf8_valid accepts exactly the UTF-8 RapidJSON accepts", "[validator][utf8]") {
    // Edges of table 3-7: overlong forms, surrogates, above U+10FFFF, truncated sequences.
    const std::string cases[] = {"abc",
                                 "Kåre Nordmann",
                                 "\xC2\x80",
                                 "\xC1\xBF",
                                 "\xDF\xBF",
                                 "\xE0\x9F\xBF",
                                 "\xE0\xA0\x80",
                                 "\xED\x9F\xBF",
                                 "\xED\xA0\x80",
                                 "\xEF\xBF\xBF",
                                 "\xF0\x8F\xBF\xBF",
                                 "\xF0\x90\x80\x80",
                                 "\xF4\x8F\xBF\xBF",
                                 "\xF4\x90\x80\x80",
                                 "\xF5\x80\x80\x80",
                                 "\xC3",
                                 "\xE2\x82",
                                 "\x80",
                                 "\xFF",
                                 "12345678\xC3\xA5"
                                 "12345678"};
    for (const std::string& c : cases) {
        INFO(c);
        CHECK(vft::ParsedJson::utf8_valid(c) == rapidjson_accepts(c));
    }
    // Random byte strings around multi-byte sequences (no '"', '\\' or control characters,
    // which RapidJSON rejects for other reasons).
    std::mt19937 rng(20);
    size_t valid = 0;
    for (int k = 0; k < 50000; ++k) {
        std::string s;
        const int len = static_cast<int>(rng() % 12);
        for (int i = 0; i < len; ++i) {
            unsigned char b = static_cast<unsigned char>(rng() % 3 == 0 ? 0x20 + rng() % 0x5F
                                                                        : 0x80 + rng() % 0x80);
            if (b == '"' || b == '\\') b = 'x';
            s.push_back(static_cast<char>(b));
        }
        const bool ours = vft::ParsedJson::utf8_valid(s);
        valid += ours ? 1 : 0;
        if (ours != rapidjson_accepts(s)) FAIL_CHECK("disagree on a " << s.size() << "-byte value");
    }
    CHECK(valid > 1000);  // the sample reaches both answers
}

namespace {

std::string serialize(const rapidjson::Document& d) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    d.Accept(w);
    return b.GetString();
}

}  // namespace

TEST_CASE("ParsedJson::parse gives RapidJSON's own document, error and offset",
          "[validator][utf8]") {
    // Every message fixture, whole and cut short at a few places (malformed), and with a NUL
    // byte or an invalid UTF-8 byte in it (the checked path).
    std::vector<std::string> texts;
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(VFT_SOURCE_DIR) / "fixtures" / "messages")) {
        if (!e.is_regular_file() || e.path().extension() != ".json") continue;
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string t = ss.str();
        texts.push_back(t);
        for (size_t cut : {t.size() / 3, t.size() / 2, t.size() - 1})
            texts.push_back(t.substr(0, cut));
        texts.push_back(t.substr(0, t.size() / 2) + std::string(1, '\0') + t.substr(t.size() / 2));
        texts.push_back(t.substr(0, t.size() / 2) + "\xC3" + t.substr(t.size() / 2));
    }
    REQUIRE(texts.size() > 500);
    for (const std::string& t : texts) {
        rapidjson::Document ref;
        ref.Parse<vft::ParsedJson::kParseFlags>(t.data(), t.size());
        vft::ParsedJson ours(t);
        const rapidjson::Document& d = ours.doc();
        REQUIRE(d.HasParseError() == ref.HasParseError());
        if (ref.HasParseError()) {
            CHECK(d.GetParseError() == ref.GetParseError());
            CHECK(d.GetErrorOffset() == ref.GetErrorOffset());
        } else {
            CHECK(serialize(d) == serialize(ref));
        }
    }
}
