// Every fixture is judged by the validator and compared with its sidecar: the exact set of error
// rule IDs (and warnings, where the sidecar lists them). Valid fixtures must have no errors and no
// warnings but those their sidecar lists (fixtures/README.md: none when there is no list).
// A fixture that triggers fewer or other rules than its sidecar says fails the test.
#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "../support/files.hpp"
#include "../support/validator.hpp"
#include "vft/validate/validator.hpp"

namespace fs = std::filesystem;
using namespace vft;

using vft::test::slurp;

using vft::test::validator;

namespace {

const fs::path kFixtures = fs::path(VFT_SOURCE_DIR) / "fixtures" / "messages";

std::set<std::string> ids(const rapidjson::Value& arr) {
    std::set<std::string> out;
    for (const auto& v : arr.GetArray())
        out.insert(v.GetString());
    return out;
}

std::string join(const std::set<std::string>& s) {
    std::string o;
    for (const auto& x : s)
        o += (o.empty() ? "" : ", ") + x;
    return "[" + o + "]";
}

struct Fixture {
    fs::path message;
    fs::path sidecar;  // may not exist for valid fixtures
};

std::vector<Fixture> fixtures_under(const fs::path& dir) {
    std::vector<Fixture> out;
    if (!fs::exists(dir)) return out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        const std::string name = e.path().filename().string();
        if (name.size() > 12 && name.compare(name.size() - 12, 12, ".expect.json") == 0) continue;
        const auto ext = e.path().extension();
        if (ext != ".json" && ext != ".xml") continue;
        fs::path side = e.path();
        side.replace_extension(".expect.json");
        out.push_back({e.path(), side});
    }
    std::sort(out.begin(), out.end(),
              [](const Fixture& a, const Fixture& b) { return a.message < b.message; });
    return out;
}

// Compares one level of a sidecar with the report; returns a description of the mismatch.
// `warnings_default_none`: a sidecar level without "warnings" expects none (valid fixtures);
// otherwise warnings are compared only where listed.
std::string compare(const ValidationReport& r, const rapidjson::Value& expect,
                    bool warnings_default_none = false) {
    std::set<std::string> errors, warnings;
    for (const auto& i : r.issues) {
        if (i.severity == Severity::fatal || i.severity == Severity::error) errors.insert(i.rule);
        if (i.severity == Severity::warning) warnings.insert(i.rule);
    }
    std::string out;
    if (expect.HasMember("errors") && ids(expect["errors"]) != errors)
        out += "errors: expected " + join(ids(expect["errors"])) + ", got " + join(errors) + "\n";
    if (expect.IsObject() && expect.HasMember("warnings")) {
        if (ids(expect["warnings"]) != warnings)
            out += "warnings: expected " + join(ids(expect["warnings"])) + ", got " +
                   join(warnings) + "\n";
    } else if (warnings_default_none && !warnings.empty()) {
        out += "warnings: expected none (the sidecar lists none), got " + join(warnings) + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("fixtures: every invalid message triggers exactly the rule IDs its sidecar names",
          "[fixtures]") {
    size_t checked = 0;
    for (const auto& dir : {"invalid", "quirks"}) {
        for (const auto& f : fixtures_under(kFixtures / dir)) {
            INFO(f.message.string());
            REQUIRE(fs::exists(f.sidecar));  // an invalid fixture without a sidecar proves nothing
            rapidjson::Document side;
            side.Parse(slurp(f.sidecar).c_str());
            REQUIRE_FALSE(side.HasParseError());
            REQUIRE(side.HasMember("description"));
            REQUIRE((side.HasMember("strict") || side.HasMember("lenient")));
            const std::string doc = slurp(f.message);
            for (const char* level : {"strict", "lenient"}) {
                if (!side.HasMember(level)) continue;
                ValidateOptions o;
                o.level = std::string(level) == "strict" ? Level::strict : Level::lenient;
                if (side.HasMember("spec")) o.spec = side["spec"].GetString();
                const auto report = validator().validate(doc, o);
                INFO(level << ": " << report.to_operation_outcome());
                CHECK(compare(report, side[level]) == "");
                if (side[level].HasMember("errors") && side[level]["errors"].Empty())
                    CHECK(report.valid());
                ++checked;
            }
        }
    }
    CHECK(checked >= 160);  // at least 80 invalid fixtures, judged at both levels
}

TEST_CASE("fixtures: every valid message passes strict without errors, with only listed warnings",
          "[fixtures]") {
    size_t checked = 0;
    for (const auto& f : fixtures_under(kFixtures / "valid")) {
        INFO(f.message.string());
        ValidateOptions o;
        const std::string doc = slurp(f.message);
        rapidjson::Document side;
        if (fs::exists(f.sidecar)) {
            side.Parse(slurp(f.sidecar).c_str());
            REQUIRE_FALSE(side.HasParseError());
            if (side.HasMember("spec")) o.spec = side["spec"].GetString();
        }
        const auto report = validator().validate(doc, o);
        INFO(report.to_operation_outcome());
        CHECK(report.valid());
        // No sidecar, or a sidecar without strict.warnings: no warning is allowed.
        static const rapidjson::Value kNothingListed(rapidjson::kObjectType);
        const rapidjson::Value& strict =
            side.IsObject() && side.HasMember("strict") ? side["strict"] : kNothingListed;
        CHECK(compare(report, strict, true) == "");
        // Valid in strict means valid in lenient too: lenient only relaxes.
        o.level = Level::lenient;
        CHECK(validator().validate(doc, o).valid());
        ++checked;
    }
    CHECK(checked >= 20);
}

TEST_CASE("fixtures: every error rule in the catalogue is proven by at least one invalid fixture",
          "[fixtures]") {
    // Rule IDs of specs/README.md's catalogue tables.
    std::set<std::string> catalogue;
    std::istringstream readme(slurp(fs::path(VFT_SOURCE_DIR) / "specs" / "README.md"));
    for (std::string line; std::getline(readme, line);)
        if (line.rfind("| ", 0) == 0) {
            const auto end = line.find(' ', 2);
            const std::string id = line.substr(2, end - 2);
            if (id.find('-') != std::string::npos && id != "ID" &&
                std::isupper(static_cast<unsigned char>(id[0])))
                catalogue.insert(id);
        }
    REQUIRE(catalogue.size() > 80);
    std::set<std::string> proven;
    // A warning rule may be proven by a valid fixture whose sidecar lists it (a message the
    // published sources allow, which vft still warns about: specs/DECISIONS.md).
    for (const auto& dir : {"invalid", "quirks", "valid"})
        for (const auto& f : fixtures_under(kFixtures / dir)) {
            if (!fs::exists(f.sidecar)) continue;
            rapidjson::Document side;
            side.Parse(slurp(f.sidecar).c_str());
            for (const char* level : {"strict", "lenient"})
                if (side.IsObject() && side.HasMember(level))
                    for (const char* kind : {"errors", "warnings"})
                        if (side[level].HasMember(kind))
                            for (const auto& id : side[level][kind].GetArray())
                                proven.insert(id.GetString());
        }
    // Information-only and limit rules are proven by unit tests (test_validator.cpp) instead,
    // and so are the rules only `--spec r4` raises (test_validator_r4.cpp; the fixture sidecars
    // judge the national packages).
    const std::set<std::string> by_unit_test{
        "FHIR-JSON-006", "VKP-CMP-009",  "FHIR-STR-009", "FHIR-STR-010", "FHIR-STR-011",
        "FHIR-STR-012",  "FHIR-STR-013", "FHIR-STR-014", "FHIR-STR-015", "FHIR-INV-001"};
    std::set<std::string> missing;
    for (const auto& id : catalogue)
        if (!proven.count(id) && !by_unit_test.count(id)) missing.insert(id);
    INFO("rules without an invalid fixture: " << join(missing));
    CHECK(missing.empty());
}
