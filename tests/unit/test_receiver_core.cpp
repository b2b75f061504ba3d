// The mock receiver's core pieces without HTTP: the validator judging a document its caller
// parsed once (Validator::validate_parsed) gives the report validate() gives for the text, and
// the typed defect table is complete and in enum order.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "vft/internal/parsed_json.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/validate/validator.hpp"

namespace fs = std::filesystem;
using namespace vft;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string describe(const ValidationReport& r) {
    std::string out = r.kind + " " + r.spec + " " + r.resource_type + "\n";
    for (const auto& i : r.issues)
        out += std::to_string(static_cast<int>(i.severity)) + " " + i.rule + " " + i.path + " " +
               i.message + " " + i.hint + " " + std::to_string(i.line) + ":" +
               std::to_string(i.column) + " " + i.source + "\n";
    return out;
}

}  // namespace

TEST_CASE("validate_parsed judges a parsed document as validate() judges its text",
          "[validator][receiver]") {
    static const Validator v = Validator::create().value();
    size_t files = 0;
    size_t invalid = 0;
    for (const auto& e :
         fs::recursive_directory_iterator(fs::path(VFT_SOURCE_DIR) / "fixtures" / "messages")) {
        if (e.path().extension() != ".json") continue;
        const std::string text = slurp(e.path());
        for (const Level level : {Level::strict, Level::lenient})
            for (const char* spec : {"", "vkp-r4", "jft", "pmd"}) {
                INFO(e.path().string()
                     << " spec '" << spec << "' level " << static_cast<int>(level));
                const ValidateOptions o{level, spec};
                const auto expected = v.validate(text, o);
                ParsedJson parsed(text);
                CHECK(describe(v.validate_parsed(parsed, o)) == describe(expected));
                invalid += expected.valid() ? 0 : 1;
            }
        ++files;
    }
    CHECK(files > 100);
    CHECK(invalid > 100);  // the comparison covered rejections, not only clean documents
    // Not JSON, not an object, a byte order mark: judged on the text, as before.
    for (const std::string& text :
         {std::string("{\"resourceType\": "), std::string("[1]"), std::string("<x/>"),
          std::string("\xEF\xBB\xBF{\"resourceType\":\"Composition\"}"), std::string("\"\xFF\"")}) {
        ParsedJson parsed(text);
        CHECK(describe(v.validate_parsed(parsed, {Level::strict, ""})) ==
              describe(v.validate(text, {Level::strict, ""})));
    }
}

TEST_CASE("the defect table has one row per Defect, in enum and name order", "[mocks][defects]") {
    const auto& all = mocks::all_defects();
    REQUIRE(all.size() == mocks::kDefectCount);
    for (size_t i = 0; i < all.size(); ++i) {
        INFO(all[i].name);
        CHECK(static_cast<size_t>(all[i].id) == i);
        CHECK(&mocks::defect_info(all[i].id) == &all[i]);
        CHECK(!all[i].details.empty());
        CHECK(!all[i].observable.empty());
        CHECK(!all[i].hook.empty());
        if (i > 0) CHECK(all[i - 1].name < all[i].name);
        auto one = mocks::Defects::parse({std::string(all[i].name)});
        REQUIRE(one.ok());
        for (size_t k = 0; k < all.size(); ++k)
            CHECK(one->has(all[k].id) == (k == i));
        CHECK(one->has(all[i].name));
    }
    CHECK(mocks::Defects{}.empty());
    CHECK(!mocks::Defects::parse({"no-such-defect"}).ok());
}
