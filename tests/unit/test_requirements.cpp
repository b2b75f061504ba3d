// The requirements catalogue (specs/*/requirements.json) and the suites' traceability to it
// (docs/conformance.md, "Requirements"): every validator rule maps to a requirement, every test
// lists the requirements it checks, a mandatory test rests on a SHALL (the registry refuses one
// that does not), and the registry holds exactly the tests of the checked-in tests-<version>.txt.
#include <rapidjson/document.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "../../conformance/src/conformance_detail.hpp"
#include "vft/conformance/suite.hpp"

using namespace vft;
using namespace vft::conformance;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::vector<Suite>& suites() {
    auto s = all_suites();
    INFO((s ? std::string() : s.error().to_string()));
    REQUIRE(s.ok());
    return **s;
}

}  // namespace

TEST_CASE("conformance requirements: a mandatory test without a SHALL is refused, naming it",
          "[conformance][requirements]") {
    const std::map<std::string, std::string> levels = {
        {"REQ-X-0001", "SHALL"}, {"REQ-X-0002", "SHOULD"}, {"REQ-X-0003", "DECISION"}};
    const std::map<std::string, std::vector<std::string>> reqs = {
        {"x.a.shall", {"REQ-X-0002", "REQ-X-0001"}},
        {"x.a.should", {"REQ-X-0002", "REQ-X-0003"}},
    };
    CHECK(detail::check_mandatory_shall({"x.a.shall"}, reqs, levels, "list").ok());
    auto bad = detail::check_mandatory_shall({"x.a.shall", "x.a.should"}, reqs, levels, "list");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == "VFT-CONF-1410");
    CHECK_THAT(bad.error().message, Catch::Contains("x.a.should"));
    // A mandatory test that lists no requirement at all is refused too.
    auto none = detail::check_mandatory_shall({"x.a.unlisted"}, reqs, levels, "list");
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error().message, Catch::Contains("x.a.unlisted"));
}

TEST_CASE("conformance requirements: every mandatory test of every suite and role checks a SHALL",
          "[conformance][requirements]") {
    for (const auto& s : suites()) {
        const std::set<std::string> mandatory(s.mandatory.begin(), s.mandatory.end());
        for (const auto& t : s.tests) {
            INFO(s.id << " " << t.role << " " << t.id);
            CHECK_FALSE(t.requirements.empty());
            bool shall = false;
            for (const auto& id : t.requirements) {
                const Requirement* r = find_requirement(s, id);
                INFO("requirement " << id);
                REQUIRE(r != nullptr);
                shall = shall || r->level == "SHALL";
            }
            if (mandatory.count(t.id)) CHECK(shall);
        }
        CHECK(s.version == "1.1.0");
    }
}

TEST_CASE("conformance_tests_list: the registry holds exactly the tests of tests-<version>.txt",
          "[conformance][requirements]") {
    for (const auto& s : suites()) {
        const std::string dir = vft::conformance::detail::suite_dir(s.id);
        const auto path = std::filesystem::path(VFT_SOURCE_DIR) / "conformance" / "suites" / dir /
                          ("tests-" + s.version + ".txt");
        INFO(path.string());
        REQUIRE(std::filesystem::is_regular_file(path));
        std::istringstream in(slurp(path));
        std::set<std::string> listed;
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line[0] == '#') continue;
            listed.insert(line.substr(0, line.find_first_of(" \t")));
        }
        std::set<std::string> registered;
        for (const auto& t : s.tests)
            registered.insert(t.id);
        for (const auto& id : registered) {
            INFO("registered but not in the list: " << id);
            CHECK(listed.count(id));
        }
        for (const auto& id : listed) {
            INFO("listed but not registered: " << id);
            CHECK(registered.count(id));
        }
        // The mandatory list of the version is checked in beside it.
        CHECK(std::filesystem::is_regular_file(path.parent_path() /
                                               ("mandatory-" + s.version + ".txt")));
    }
}

TEST_CASE("conformance requirements: every validator rule ID maps to a requirement",
          "[conformance][requirements]") {
    auto cat = requirements_catalogue();
    REQUIRE(cat.ok());
    std::set<std::string> mapped;
    for (const auto& r : **cat)
        mapped.insert(r.rules.begin(), r.rules.end());
    const auto specs = std::filesystem::path(VFT_SOURCE_DIR) / "specs";
    size_t rules = 0;
    for (const auto& pkg : std::filesystem::directory_iterator(specs)) {
        for (const char* kind : {"profiles", "rules"}) {
            if (!std::filesystem::is_directory(pkg.path() / kind)) continue;
            for (const auto& f : std::filesystem::directory_iterator(pkg.path() / kind)) {
                rapidjson::Document d;
                const std::string text = slurp(f.path());
                d.Parse(text.data(), text.size());
                REQUIRE_FALSE(d.HasParseError());
                if (!d.HasMember("rules") || !d["rules"].IsArray()) continue;
                for (const auto& r : d["rules"].GetArray()) {
                    const std::string id = r["id"].GetString();
                    INFO(f.path().string() << ": rule " << id);
                    CHECK(mapped.count(id));
                    ++rules;
                }
            }
        }
    }
    CHECK(rules > 100);
}

TEST_CASE("conformance requirements: levels and sources are honest and citable",
          "[conformance][requirements]") {
    auto cat = requirements_catalogue();
    REQUIRE(cat.ok());
    const auto upstream = std::filesystem::path(VFT_SOURCE_DIR) / "specs" / "upstream";
    for (const auto& r : **cat) {
        INFO(r.id << " (" << r.level << "): " << r.source);
        const bool decision_only = r.source.rfind("specs/DECISIONS.md", 0) == 0;
        // A vft decision is never a SHALL, and a DECISION cites DECISIONS.md.
        if (r.level == "SHALL") CHECK_FALSE(decision_only);
        if (r.level == "DECISION") CHECK(decision_only);
        const bool citable = r.source.rfind("specs/", 0) == 0 ||
                             r.source.rfind("fhir-r4:", 0) == 0 ||
                             r.source.rfind("https://", 0) == 0;
        CHECK(citable);
        // An upstream file it cites exists once specs/upstream is vendored.
        if (!std::filesystem::is_directory(upstream)) continue;
        const std::string prefix = "specs/upstream/";
        for (size_t at = r.source.find(prefix); at != std::string::npos;
             at = r.source.find(prefix, at + 1)) {
            const std::string rel = r.source.substr(at + prefix.size());
            const std::string file = rel.substr(0, rel.find_first_of("#; ("));
            INFO("cited file " << file);
            CHECK(std::filesystem::exists(upstream / file));
        }
    }
}
