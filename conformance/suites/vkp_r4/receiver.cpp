// Suite vkp-r4, role receiver: the SUT is an EPJ (or hub) serving the VKP R4 API (domain §3.1)
// under {base_url}/epj/r4/{orgnr}/. Groups, one file each (receiver_<group>.cpp): auth,
// journaling, validation, duplicates, search, robustness. Every failure message says what was
// expected, what came and where the requirement comes from. IDs are permanent; the mandatory
// ones are in mandatory-<version>.txt.
#include "receiver_groups.hpp"

namespace vft::conformance::suites {

void register_vkp_r4_receiver_tests(RoleTests& s) {
    using namespace vkp_r4;
    add_auth(s);
    add_journaling(s);
    add_concurrent_writes(s);
    add_validation(s);
    add_duplicates(s);
    add_concurrent_duplicates(s);
    add_search(s);
    add_robustness(s);
}

}  // namespace vft::conformance::suites
