// How conformance tests are declared and found (CONTRIBUTING.md, "Conformance tests"): a suite is
// a directory conformance/suites/<dir> whose role files <role>.cpp the build registers; the
// group comes from the test ID; a test's needs make it skip with a reason; suite names are
// converted in one place.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "../../conformance/src/conformance_detail.hpp"
#include "../../conformance/src/suites.hpp"
#include "vft/conformance/suite.hpp"

using namespace vft::conformance;

namespace {

const std::vector<Suite>& suites() {
    auto s = all_suites();
    INFO((s ? std::string() : s.error().to_string()));
    REQUIRE(s.ok());
    return **s;
}

}  // namespace

TEST_CASE("conformance layout: every role file of every suite directory is registered",
          "[conformance][registry]") {
    const auto root = std::filesystem::path(VFT_SOURCE_DIR) / "conformance" / "suites";
    std::set<std::pair<std::string, std::string>> on_disk, registered;
    for (const auto& dir : std::filesystem::directory_iterator(root)) {
        if (!dir.is_directory()) continue;
        for (const char* role : {"receiver", "sender", "reader"})
            if (std::filesystem::is_regular_file(dir.path() / (std::string(role) + ".cpp")))
                on_disk.emplace(detail::suite_id_of_dir(dir.path().filename().string()), role);
    }
    REQUIRE(on_disk.size() >= 7);  // vkp-r4, jft, pmd: receiver + sender; kith: receiver
    for (const auto& s : suites())
        for (const auto& t : s.tests)
            registered.emplace(s.id, t.role);
    CHECK(registered == on_disk);
    for (const auto& s : suites()) {
        INFO(s.id);
        // The suite's version is the newest checked-in test list.
        CHECK(std::filesystem::is_regular_file(root / detail::suite_dir(s.id) /
                                               ("tests-" + s.version + ".txt")));
        for (const auto& role : s.roles) {
            bool has = false;
            for (const auto& t : s.tests)
                has = has || t.role == role;
            CHECK(has);
        }
    }
}

TEST_CASE("conformance layout: the group is the ID's segment after the suite (and role)",
          "[conformance][registry]") {
    CHECK(group_of("jft.auth.no_token_refused", "receiver") == "auth");
    CHECK(group_of("vkp_r4.journal.alarm.valid_bundle_accepted", "receiver") == "journaling");
    CHECK(group_of("jft.sender.faults.retry_after_honoured", "sender") == "faults");
    CHECK(group_of("jft.reader.search.by_patient", "reader") == "search");
    // A receiver test whose group happens to be named like a role keeps it.
    CHECK(group_of("kith.sender.x", "receiver") == "sender");
    for (const auto& s : suites())
        for (const auto& t : s.tests) {
            INFO(t.id);
            CHECK(t.group == group_of(t.id, t.role));
            CHECK(!t.group.empty());
            if (t.role != "receiver")
                CHECK(t.id.rfind(detail::suite_dir(s.id) + "." + t.role + ".", 0) == 0);
        }
}

TEST_CASE("conformance layout: a declared need skips the test with its reason",
          "[conformance][registry]") {
    Suite s;
    s.id = "jft";
    RoleTests role(s, "reader");
    role.add({.id = "jft.reader.search.by_patient",
              .title = "t",
              .module = "dho",
              .needs = {Need::helseid, Need::test_patient}},
             [](TestContext&, Outcome& out) { out.pass(); });
    role.add({.id = "jft.reader.search.anyone", .title = "t"},
             [](TestContext&, Outcome& out) { out.pass(); });
    REQUIRE(s.tests.size() == 2);
    const TestCase& t = s.tests[0];
    CHECK(t.role == "reader");
    CHECK(t.group == "search");
    CHECK(t.module == "dho");
    REQUIRE(t.precondition);
    Sut sut;
    CHECK(t.precondition(sut).find("auth.type helseid") != std::string::npos);
    sut.auth.type = "helseid";
    CHECK(t.precondition(sut).find("test_patients") != std::string::npos);
    sut.test_patients.push_back({"12854812341", "Kåre Nordmann Testesen", {}});
    CHECK(t.precondition(sut).empty());
    CHECK_FALSE(s.tests[1].precondition);  // needs nothing
    CHECK(unmet(Need::test_tokens, sut).find("auth.test_token_url") != std::string::npos);
    CHECK(unmet(Need::test_patient_service_codes, sut).find("service_codes") != std::string::npos);
}

TEST_CASE("conformance layout: suite names convert one way each", "[conformance][registry]") {
    CHECK(detail::suite_dir("vkp-r4") == "vkp_r4");
    CHECK(detail::suite_id_of_dir("vkp_r4") == "vkp-r4");
    CHECK(detail::suite_dir("kith") == "kith");
    for (const auto& s : suites())
        CHECK(detail::suite_id_of_dir(detail::suite_dir(s.id)) == s.id);
}
