// `vft run --suite kith --role receiver` against `vft mock receiver` as real processes: the suite
// passes against the correct receiver (without auth, and with HelseID Bearer tokens through
// `vft mock token-service`), and against each defect of conformance/defects.json ("kith/receiver")
// the listed tests fail and the verdict is fail.
#include <catch2/catch.hpp>

#include "suite_run.hpp"

namespace {
const std::string kModules = R"(["kith"])";
}

TEST_CASE("kith suite: passes against the correct receiver (no auth)", "[integration][run][kith]") {
    vft::test::expect_suite_passes("kith", kModules, false);
}

TEST_CASE("kith suite: passes against the correct receiver with HelseID tokens",
          "[integration][run][kith][auth]") {
    vft::test::expect_suite_passes("kith", kModules, true);
}

TEST_CASE("kith suite: every defect in conformance/defects.json fails its listed tests",
          "[integration][run][kith][defects]") {
    vft::test::expect_defects_caught("kith", "kith/receiver", kModules, false);
}

TEST_CASE("kith suite: every auth defect in conformance/defects.json fails its listed tests",
          "[integration][run][kith][defects][auth]") {
    vft::test::expect_defects_caught("kith", "kith/receiver", kModules, true);
}
