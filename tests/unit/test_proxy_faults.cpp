// The role-sender runner's own faults (conformance/src/proxy_faults.hpp): what a sender test may
// ask of the recording proxy and the token service, refused clearly when malformed, and which
// request a proxy fault fires for.
#include <catch2/catch.hpp>

#include "../../conformance/src/proxy_faults.hpp"
#include "vft/core/error_codes.hpp"

using namespace vft;
using namespace vft::conformance::detail;

TEST_CASE("runner faults: parsed beside the receiver's rules", "[conformance][proxy_faults]") {
    auto none = parse_runner_faults("");
    REQUIRE(none.ok());
    CHECK(none->proxy.empty());
    CHECK_FALSE(none->restart());

    auto f = parse_runner_faults(
        R"({"rules":[{"status":503,"first":1}],)"
        R"("proxy":[{"method":"POST","path":"/v1/*","action":"invalid-token"},)"
        R"({"path":"/pmd","action":"outage","ms":1000,"first":2},{"action":"restart"}],)"
        R"("token_service":{"lifetime_s":2,"dpop_nonce":true,"clock_offset_s":-120}})");
    REQUIRE(f.ok());
    REQUIRE(f->proxy.size() == 3);
    CHECK(f->proxy[0].action == "invalid-token");
    CHECK(f->proxy[1].ms == 1000);
    CHECK(f->proxy[1].first == 2);
    CHECK(f->proxy[2].path == "*");
    CHECK(f->restart());
    CHECK(f->token_service.lifetime_s == 2);
    CHECK(f->token_service.dpop_nonce);
    CHECK(f->token_service.clock_offset_s == -120);

    for (const char* bad :
         {"[]", R"({"proxy":{}})", R"({"proxy":[{"action":"explode"}]})",
          R"({"proxy":[{"action":"outage"}]})", R"({"proxy":[{"action":"outage","ms":600000}]})",
          R"({"proxy":[{"action":"restart","first":0}]})", R"({"token_service":{"lifetime_s":0}})",
          R"({"token_service":{"dpop_nonce":"yes"}})", R"({"token_service":[]})"}) {
        INFO(bad);
        auto r = parse_runner_faults(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == errc::conf_instruction);
    }
}

TEST_CASE("runner faults: a proxy fault fires for the first N matching requests",
          "[conformance][proxy_faults]") {
    ProxyFaults faults({{"POST", "/epj/r4/*/bundle", "invalid-token", 2, 0}});
    CHECK_FALSE(faults.fire("GET", "/epj/r4/312229544/bundle"));
    CHECK_FALSE(faults.fire("POST", "/v1/Bundle"));
    CHECK(faults.fire("POST", "/epj/r4/312229544/bundle"));
    CHECK(faults.fire("POST", "/epj/r4/312229544/bundle"));
    CHECK_FALSE(faults.fire("POST", "/epj/r4/312229544/bundle"));
}
