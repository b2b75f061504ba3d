// Fuzzes the FHIR JSON readers (VKP messages, searchset Bundles, PMD batch and batch-response) on
// the same bytes; whatever a reader accepts must also survive the builders, which may refuse it
// but must not crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vft/messages/alarm.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/search.hpp"
#include "vft/messages/supervision.hpp"
#include "vft/pmd/measurements.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    if (auto r = vft::read_alarm(json)) {
        (void)vft::build_alarm(*r);
        (void)vft::build_medication_alert(*r);
    }
    if (auto r = vft::read_supervision(json)) (void)vft::build_supervision(*r);
    if (auto r = vft::read_medication_dispensed(json)) {
        (void)vft::build_medication_dispense(*r);
        (void)vft::build_medication_bundle(*r);
        (void)vft::build_medication_jft_transaction(*r);
    }
    if (auto r = vft::read_dho_note(json)) {
        (void)vft::build_dho_note(*r);
        (void)vft::build_jft_document(*r);
    }
    if (auto r = vft::read_patient_search_result(json)) (void)vft::build_patient_search_result(*r);
    if (auto r = vft::read_visit_plan_search_result(json))
        (void)vft::build_visit_plan_search_result(*r);
    if (auto r = vft::pmd::read_batch(json)) (void)vft::pmd::build_batch(*r);
    (void)vft::pmd::read_batch_response(json);
    return 0;
}
