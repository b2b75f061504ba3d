// Suite vkp-r4: the SUT is a sender (an alarm centre, a medication dispenser, a supervision
// system, an EPJ client) that journals into and searches the VKP R4 API (domain §3.1).
// Role sender: the runner triggers the SUT and judges what arrived (common/sender_support.hpp).
#include "../common/sender_support.hpp"

namespace vft::conformance::suites {

void register_vkp_r4_sender_tests(RoleTests& suite) {
    suite.add({.id = "vkp_r4.sender.alarm.delivered",
               .title = "An instructed alarm arrives once as a valid VKP document bundle, with the "
                        "right scope, service codes and identifier",
               .module = "alarm",
               .spec_ref = "domain §2.1, §3.1",
               .rules = {"VFT-SEND-010"}},
              delivered_check(alarm("vkp")));
    suite.add({.id = "vkp_r4.sender.supervision.delivered",
               .title = "An instructed supervision arrives once as a valid VKP bundle",
               .module = "supervision",
               .spec_ref = "domain §2.4, §3.1",
               .rules = {"VFT-SEND-010"}},
              delivered_check(supervision()));
    suite.add({.id = "vkp_r4.sender.medication.delivered",
               .title = "An instructed medication dispense arrives once as a valid VKP bundle",
               .module = "medication",
               .spec_ref = "domain §2.5, §3.1",
               .rules = {"VFT-SEND-010"}},
              delivered_check(medication("vkp")));
    suite.add({.id = "vkp_r4.sender.search.patient_by_fnr",
               .title = "An instructed patient search is a form POST with the patient's "
                        "identifier, the read scope and the service codes",
               .module = "search",
               .spec_ref = "domain §3.1",
               .rules = {"VFT-SEND-011"}},
              delivered_check(search_patient()));
    add_fault_tests(suite, "alarm", alarm("vkp"), "/epj/r4/*/bundle");
}

}  // namespace vft::conformance::suites
