// Suite jft: the SUT is a sender of JFT messages (domain §3.2): DPoP-bound HelseID tokens,
// documents and MedicationDispense.
// Role sender: the runner triggers the SUT and judges what arrived (common/sender_support.hpp).
#include "../common/sender_support.hpp"

namespace vft::conformance::suites {

void register_jft_sender_tests(RoleTests& suite) {
    suite.add({.id = "jft.sender.medication.delivered",
               .title = "An instructed medication dispense arrives once as a valid JFT "
                        "MedicationDispense, with a DPoP-bound token and a fresh proof",
               .module = "medication",
               .spec_ref = "domain §3.2, §3.3",
               .rules = {"VFT-SEND-010", "VFT-SEND-012"}},
              delivered_check(medication("jft")));
    suite.add({.id = "jft.sender.dho.delivered",
               .title = "An instructed DHO note arrives once as a valid JFT document bundle",
               .module = "dho",
               .spec_ref = "domain §3.2",
               .rules = {"VFT-SEND-010", "VFT-SEND-012"}},
              delivered_check(dho_note()));
    suite.add({.id = "jft.sender.alarm.delivered",
               .title = "An instructed alarm arrives once as a valid JFT document bundle",
               .module = "alarm",
               .spec_ref = "domain §3.2",
               .rules = {"VFT-SEND-010", "VFT-SEND-012"}},
              delivered_check(alarm("jft")));
    add_fault_tests(suite, "medication", medication("jft"), "/v1/*");
}

}  // namespace vft::conformance::suites
