// Fault-rule matching of the mock receiver.
#include <catch2/catch.hpp>

#include "../../mocks/src/faults.hpp"

using namespace vft::mocks::detail;

TEST_CASE("fault globs match paths", "[mocks][faults]") {
    CHECK(glob_match("*", "/epj/r4/312229544/bundle"));
    CHECK(glob_match("/epj/r4/*/bundle", "/epj/r4/312229544/bundle"));
    CHECK_FALSE(glob_match("/epj/r4/*/bundle", "/epj/r4/312229544/composition"));
    CHECK(glob_match("/v1/*", "/v1/Bundle/abc/$status"));
    CHECK_FALSE(glob_match("/v1", "/v1/Bundle"));
}

TEST_CASE("fault rules fire for the first N, or with a seeded probability", "[mocks][faults]") {
    auto f = Faults::parse(R"({"seed": 1, "rules": [{"path": "/a", "first": 2, "status": 503},
                                                   {"path": "/b", "probability": 0.5, "action": "drop-after"}]})");
    REQUIRE(f.ok());
    CHECK((*f)->fire("POST", "/a"));
    CHECK((*f)->fire("POST", "/a"));
    CHECK_FALSE((*f)->fire("POST", "/a"));
    int fired = 0;
    for (int i = 0; i < 1000; ++i)
        fired += (*f)->fire("GET", "/b") ? 1 : 0;
    CHECK(fired > 400);
    CHECK(fired < 600);
    auto again = Faults::parse(
        R"({"seed": 1, "rules": [{"path": "/b", "probability": 0.5, "action": "drop-after"}]})");
    int fired_again = 0;
    for (int i = 0; i < 1000; ++i)
        fired_again += (*again)->fire("GET", "/b") ? 1 : 0;
    CHECK(fired_again == fired);  // same seed, same faults
    CHECK_FALSE(Faults::parse(R"({"rules": [{"action": "explode"}]})").ok());
    CHECK_FALSE(Faults::parse(R"({"rules": [{"status": 200}]})").ok());
}
