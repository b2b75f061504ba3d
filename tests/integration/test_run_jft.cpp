// `vft run --suite jft --role receiver` against `vft mock receiver` as real processes: the suite
// passes against the correct receiver (without auth, and with HelseID + DPoP through
// `vft mock token-service`), and against each defect of conformance/defects.json ("jft/receiver")
// the listed tests fail and the verdict is fail.
#include <catch2/catch.hpp>

#include "suite_run.hpp"

namespace {
const std::string kModules = R"(["alarm","medication","supervision","dho"])";
}

TEST_CASE("jft suite: passes against the correct receiver (no auth; auth omitted)",
          "[integration][run][jft]") {
    vft::test::expect_suite_passes("jft", kModules, false);
}

TEST_CASE("jft suite: passes against the correct receiver with HelseID + DPoP",
          "[integration][run][jft][auth]") {
    vft::test::expect_suite_passes("jft", kModules, true);
}

TEST_CASE("jft suite: every defect in conformance/defects.json fails its listed tests",
          "[integration][run][jft][defects]") {
    vft::test::expect_defects_caught("jft", "jft/receiver", kModules, false);
}

TEST_CASE("jft suite: every auth defect in conformance/defects.json fails its listed tests",
          "[integration][run][jft][defects][auth]") {
    vft::test::expect_defects_caught("jft", "jft/receiver", kModules, true);
}
