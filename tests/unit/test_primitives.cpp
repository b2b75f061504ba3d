// The native checkers of FHIR primitive formats must agree with the official regexes kept in the
// JSON Schema. Each regex is compiled from the schema file and compared with the checker on seed
// values and on every single-character insertion, deletion and substitution of them.
#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "validate/primitives.hpp"

using vft::detail::has_native_format;
using vft::detail::native_format_ok;

namespace {

std::set<std::string> mutations(const std::vector<std::string>& seeds) {
    static const std::string alphabet = " \t\nZT+-:.019af/=A_";
    std::set<std::string> out(seeds.begin(), seeds.end());
    for (const auto& s : seeds)
        for (size_t i = 0; i <= s.size(); ++i) {
            if (i < s.size()) out.insert(s.substr(0, i) + s.substr(i + 1));
            for (char c : alphabet) {
                out.insert(s.substr(0, i) + c + s.substr(i));
                if (i < s.size()) out.insert(s.substr(0, i) + c + s.substr(i + 1));
            }
        }
    return out;
}

}  // namespace

TEST_CASE("native primitive checkers agree with the schema regexes", "[validator][primitives]") {
    std::ifstream in(VFT_SOURCE_DIR "/specs/vkp-r4/schemas/fhir-r4.schema.json");
    std::stringstream ss;
    ss << in.rdbuf();
    rapidjson::Document schema;
    schema.Parse(ss.str().c_str());
    REQUIRE_FALSE(schema.HasParseError());

    const std::map<std::string, std::vector<std::string>> seeds{
        {"dateTime",
         {"2026", "2026-03", "2026-03-12", "2026-03-12T08:15:00+01:00", "2026-03-12T08:15:00.123Z",
          "2026-03-12T23:59:60-14:00", "0001-01-01T00:00:00+14:00", "2026-13-01", "0000"}},
        {"instant",
         {"2026-03-12T08:15:00Z", "2026-03-12T08:15:00.5+13:59", "2026-03-12",
          "2026-03-12T08:15:00"}},
        {"date", {"2026", "2026-02", "2026-02-29", "1999-12-31", "2026-00-10"}},
        {"time", {"08:15:00", "23:59:60.25", "24:00:00"}},
        {"code", {"final", "in-progress", "a b c", "1.1", "x"}},
        {"uri", {"http://loinc.org", "urn:oid:2.16.578.1.12.4.1.4.1", "a"}},
        {"url", {"https://fhir.example/x?y=1"}},
        {"canonical", {"http://ehelse.no/fhir/StructureDefinition/vkp-Composition-v090|0.9.0"}},
        {"id", {"abc-1.2", "A", std::string(64, 'a'), std::string(65, 'a')}},
        {"oid",
         {"urn:oid:2.16.578.1.12.4.1.4.1", "urn:oid:1.0", "urn:oid:0.10.20", "urn:oid:3.1",
          "urn:oid:1.01"}},
        {"uuid",
         {"urn:uuid:0b6f3a52-8f0e-4c8a-9d59-3b7b1c2d4e5f",
          "urn:uuid:0B6F3A52-8f0e-4c8a-9d59-3b7b1c2d4e5f"}},
        {"base64Binary", {"QUFB", "QUFBQUFB", "QUFB QUFB", "QUF=", " QUFB ", "QU FB"}},
        {"xhtml",
         {"<div xmlns=\"http://www.w3.org/1999/xhtml\">x</div>", "<div>x</div>", "<divx>",
          "<p>x</p>"}},
    };
    size_t compared = 0;
    for (const auto& def : schema["definitions"].GetObject()) {
        const std::string type = def.name.GetString();
        if (!def.value.HasMember("pattern")) continue;
        INFO("type " << type);
        REQUIRE(has_native_format(type));  // every patterned primitive has a native checker
        REQUIRE(seeds.count(type));
        const std::regex re(def.value["pattern"].GetString());
        for (const auto& value : mutations(seeds.at(type))) {
            if (value.empty()) continue;  // minLength, not the pattern, rejects ""
            INFO("value '" << value << "'");
            CHECK(native_format_ok(type, value) == std::regex_search(value, re));
            ++compared;
        }
    }
    CHECK(compared > 5000);
}

TEST_CASE("LOINC codes: digits, a hyphen and the mod-10 check digit", "[primitives]") {
    using vft::detail::loinc_code_ok;
    // Real codes (vital signs, the VKP Composition type, PMD panels).
    for (const char* ok : {"8310-5", "8867-4", "8480-6", "8462-4", "85354-9", "29463-7", "34133-9",
                           "2708-6", "9279-1", "59408-5", "3141-9", "55284-4", "39156-5"})
        CHECK(loinc_code_ok(ok));
    // The LOINC Users' Guide's worked example: 12345 has check digit 5.
    CHECK(loinc_code_ok("12345-5"));
    for (const char* bad : {"8310-4", "8310", "8310-", "8310-55", "8310-x", "0-1", "1234567890-1"})
        CHECK_FALSE(loinc_code_ok(bad));
    // Other forms (answers, parts) are not judged.
    CHECK(loinc_code_ok("LA6576-8"));
    CHECK(loinc_code_ok("LP12345-9"));
}
