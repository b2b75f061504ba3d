// The jft receiver suite (domain §3.2, DESIGN.md "Validation levels" and "duplicates"). Every test
// builds its messages with the SDK builders and fresh identifiers from the context, and judges
// only from the responses it got, so a re-judge over recorded exchanges reaches the same verdict.
// Groups, one file each (receiver_<group>.cpp): auth, submit (and status), search, validation,
// duplicates, robustness; the messages and API helpers the roles share are in jft_support.hpp.
#include "receiver_groups.hpp"

namespace vft::conformance::suites {

void register_jft_receiver_tests(RoleTests& suite) {
    using namespace jft_suite;
    add_auth(suite);
    add_submit(suite);
    add_search(suite);
    add_validation(suite);
    add_duplicates(suite);
    add_robustness(suite);
}

}  // namespace vft::conformance::suites
