// Suite pmd: the SUT is a sender of PMD measurement batches (domain §2.8, §3.3).
// Role sender: the runner triggers the SUT and judges what arrived (common/sender_support.hpp).
#include "../common/sender_support.hpp"

namespace vft::conformance::suites {

void register_pmd_sender_tests(RoleTests& suite) {
    suite.add(
        {.id = "pmd.sender.measurements.delivered",
         .title =
             "Instructed measurements arrive once as a valid PMD batch with a DPoP-bound token",
         .module = "pmd",
         .spec_ref = "domain §2.8, §3.3",
         .rules = {"VFT-SEND-010", "VFT-SEND-012"}},
        delivered_check(measurements()));
    add_fault_tests(suite, "pmd", measurements(), "/pmd");
}

}  // namespace vft::conformance::suites
