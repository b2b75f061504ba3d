// `vft run --suite pmd --role receiver` against `vft mock receiver` as real processes: the suite
// passes against the correct receiver (without auth, and with HelseID + DPoP through
// `vft mock token-service`), and against each defect of conformance/defects.json ("pmd/receiver")
// the listed tests fail and the verdict is fail.
#include <catch2/catch.hpp>

#include "suite_run.hpp"

namespace {
const std::string kModules = R"(["pmd"])";
}

TEST_CASE("pmd suite: passes against the correct receiver (no auth; auth omitted)",
          "[integration][run][pmd]") {
    vft::test::expect_suite_passes("pmd", kModules, false);
}

TEST_CASE("pmd suite: passes against the correct receiver with HelseID + DPoP",
          "[integration][run][pmd][auth]") {
    vft::test::expect_suite_passes("pmd", kModules, true);
}

TEST_CASE("pmd suite: every defect in conformance/defects.json fails its listed tests",
          "[integration][run][pmd][defects]") {
    vft::test::expect_defects_caught("pmd", "pmd/receiver", kModules, false);
}

TEST_CASE("pmd suite: every auth defect in conformance/defects.json fails its listed tests",
          "[integration][run][pmd][defects][auth]") {
    vft::test::expect_defects_caught("pmd", "pmd/receiver", kModules, true);
}
