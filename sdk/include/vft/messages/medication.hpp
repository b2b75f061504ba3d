// Medication dispensed (domain §2.5): VkpMedicationDispense, as a single resource, in a
// collection Bundle with an optional note, or as a JFT transaction Bundle (Patient +
// MedicationDispense). Unsuccessful dispenses are alarms (build_medication_alert). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vft/core/result.hpp"
#include "vft/messages/journal_note.hpp"
#include "vft/model/types.hpp"

namespace vft {

struct MedicationDispensed {
    std::string identifier;  // MedicationDispense.identifier (urn:uuid); generated when empty
    // Bundle.identifier for the bundle forms; when empty it is derived from `identifier`
    // (name_uuid_urn), so building again from the same values — or from the single-resource
    // form read back — gives the same Bundle.identifier.
    std::string bundle_id;
    Patient patient;
    std::string event =
        "1.1";  // vkp-medicationdispense-events-v090: 1, 1.1, 1.2, 1.3, 2, 2.1, 2.2, 3
    std::string status = "completed";           // completed | in-progress
    Time handed_over{};                         // whenHandedOver: the event time
    Device dispenser;                           // performer: the dispenser, by identifier only
    std::optional<Practitioner> assisted_by;    // a second performer, e.g. for 1.2 assistert
    std::string medication_text = "Multidose";  // medicationCodeableConcept.text
    std::string dosage_text;                    // dispenser free text, e.g. a travel dose
    std::optional<JournalNote> note;            // bundle form only
    std::vector<Extension> extensions;
    bool operator==(const MedicationDispensed&) const = default;
};

[[nodiscard]] Result<Message> build_medication_dispense(
    const MedicationDispensed& m);  // single resource
[[nodiscard]] Result<Message> build_medication_bundle(
    const MedicationDispensed& m);  // collection/document
[[nodiscard]] Result<Message> build_medication_jft_transaction(
    const MedicationDispensed& m);  // JFT transaction
// Reads any of the three forms.
[[nodiscard]] Result<MedicationDispensed> read_medication_dispensed(std::string_view json);

}  // namespace vft
