// The rules engine's shortcuts give the answers of what they replace.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "validate/compiled_spec.hpp"
#include "validate/rules_engine.hpp"

using vft::detail::fixed_length_regex;
using vft::detail::literal_alternatives;
using vft::detail::pattern_matches;
using vft::detail::Rule;

namespace {

// A pattern rule as the loader makes it (spec_loader.cpp).
Rule pattern_rule(const std::string& regex) {
    Rule r;
    r.kind = "pattern";
    r.regex = std::make_shared<std::regex>(regex);
    if (!literal_alternatives(regex, r.regex_words)) r.regex_words.clear();
    if (r.regex_words.empty() && !fixed_length_regex(regex, r.regex_fixed)) r.regex_fixed.clear();
    return r;
}

}  // namespace

TEST_CASE("pattern rules: words and fixed positions match as std::regex does",
          "[validator][rules]") {
    // The regexes of the pattern rules in specs/ (VKP-MD-002, JFT-002) and a few more.
    const std::vector<std::string> regexes = {
        "^(in-progress|completed)$",
        "^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "^completed$",
        "^[a-c-]{2}x$",
    };
    const std::vector<std::string> values = {
        "",
        "completed",
        "in-progress",
        "Completed",
        "completed ",
        " completed",
        "completed\n",
        "in-progresscompleted",
        "in-progress|completed",
        "urn:uuid:5b1a4f8e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "urn:uuid:5B1A4F8E-2C3D-4E5F-8A9B-0C1D2E3F4A5B",
        "urn:uuid:5b1a4f8e-2c3d-4e5f-8a9b-0c1d2e3f4a5",
        "urn:uuid:5b1a4f8e-2c3d-4e5f-8a9b-0c1d2e3f4a5bb",
        "urn:uuid:5b1a4f8e_2c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "urn:uuid:5g1a4f8e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "URN:uuid:5b1a4f8e-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
        "urn:uuid:5b1a4f8e-2c3d-4e5f-8a9b-0c1d2e3f4a5\xc3\xa5",
        "ab-x",
        "a-x",
        "-cx",
        "dax",
        "aax",
    };
    for (const std::string& re : regexes) {
        const Rule r = pattern_rule(re);
        INFO(re);
        CHECK((!r.regex_words.empty() || !r.regex_fixed.empty()));  // a shortcut is taken
        const std::regex plain(re);
        for (const std::string& v : values) {
            INFO(v);
            CHECK(pattern_matches(r, v) == std::regex_search(v, plain));
        }
    }
}

TEST_CASE("pattern rules: other regexes are left to std::regex", "[validator][rules]") {
    std::vector<std::string> words;
    std::vector<std::bitset<256>> positions;
    for (const char* re : {"^a.b$", "^[^a]$", "^(a|b)+$", "a$", "^a", "^(a|)$", "^a{0}$",
                           "^a{2,3}$", "^\\d{4}$", "^(ab|c)d$", "^[a-]$x", "^a*$"}) {
        INFO(re);
        CHECK_FALSE(literal_alternatives(re, words));
        CHECK_FALSE(fixed_length_regex(re, positions));
    }
    // and what std::regex then says is what the rule says
    const Rule r = pattern_rule("^[0-9]+$");
    CHECK(r.regex_words.empty());
    CHECK(r.regex_fixed.empty());
    CHECK(pattern_matches(r, "123"));
    CHECK_FALSE(pattern_matches(r, "12a"));
}
