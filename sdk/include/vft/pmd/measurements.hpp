// PMD measurement batches (domain §2.8): the vital signs of one patient as a FHIR `batch`
// Bundle of VkpObservation resources, the reader that turns such a Bundle back into the same
// values, and the reader of PMD's `batch-response` that maps each result back to the caller's
// measurement.
//
// Units are implied by the kind, in UCUM (`http://unitsofmeasure.org`):
//   blood_pressure mm[Hg] (systolic 40–300, diastolic 20–200, systolic > diastolic)
//   heart_rate /min 20–300            oxygen_saturation % 0–100
//   blood_glucose mmol/L 0.1–100      body_temperature Cel 25–45
//   body_weight kg 0.2–650            respiratory_rate /min 1–100
//   news2 {score} 0–20, whole number  clinical_frailty {score} 1–9, whole number
//   questionnaire_score {score} 0–1000
//   consciousness_acvpu: no number; a SNOMED CT answer (acvpu_code, acvpu_display)
// The ranges are plausibility limits for catching unit mix-ups and typos (°F as °C, g as kg,
// kPa as mm[Hg]), not clinical reference ranges.
//
// Thread safety: free functions over values; safe to call from many threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/model/types.hpp"

namespace vft::pmd {

enum class VitalSign {
    blood_pressure,       // profile Bloodpressure: LOINC 85354-9, SNOMED 75367002 (components)
    heart_rate,           // Heartrate: LOINC 8867-4, SNOMED 364075005
    oxygen_saturation,    // Oxygensat: LOINC 2708-6, SNOMED 431314004
    blood_glucose,        // vkp-Observation: LOINC 15074-8, SNOMED 434912009, NPU02187
    body_temperature,     // Bodytemp: LOINC 8310-5, SNOMED 276885007
    body_weight,          // Bodyweight: LOINC 29463-7, SNOMED 27113001
    respiratory_rate,     // Resprate: LOINC 9279-1, SNOMED 86290005
    news2,                // NEWS2score: SNOMED 1104051000000101
    consciousness_acvpu,  // Consciousness: SNOMED 1104441000000107
    clinical_frailty,     // CFSscore: SNOMED 763264000
    questionnaire_score,  // vkp-Observation: LOINC 74465-6 (category survey)
};

// One Observation of the batch.
struct Measurement {
    // Bundle.entry.fullUrl, `urn:uuid:<lower-case uuid>`; a v4 UUID is generated when empty.
    // PMD echoes it in the response: it is the key that maps a result back to this measurement,
    // and a resend must reuse it (see assign_missing_ids).
    std::string id;
    VitalSign kind = VitalSign::heart_rate;
    Time effective{};  // when it was measured (effectiveDateTime, written in UTC)
    double value = 0;  // in the kind's unit; unused (leave 0) for blood pressure and ACVPU
    std::optional<double> systolic;   // blood pressure only, mm[Hg]
    std::optional<double> diastolic;  // blood pressure only, mm[Hg]
    std::string acvpu_code;           // consciousness only: SNOMED CT answer, e.g. "248234008"
    std::string acvpu_display;        // consciousness only: e.g. "Mentally alert"; optional
    std::string comment;              // Observation.note; optional
    bool operator==(const Measurement&) const = default;
};

// A batch of measurements for one patient, sent to PMD in one POST.
struct Batch {
    // Bundle.identifier (system https://www.nhn.no/komlink/bundle-identifier), `urn:uuid:…`;
    // generated when empty. Resends must reuse it.
    std::string identifier;
    Patient patient;  // fødselsnummer or D-nummer + name (FHN is refused by the builder)
    // Who measured; optional (leave fnr and hpr empty for none). Sent by fødselsnummer, the
    // PMD person slice; by HPR-nummer only when no fødselsnummer is given.
    Practitioner performer_person;
    std::string performer_orgnr;     // "opprinnelig dataansvarlig virksomhet", organisasjonsnummer
    std::string performer_org_name;  // its name; optional
    std::string kommunenummer;       // Bundle.meta.tag, 4 digits, e.g. "0301"; optional
    std::vector<Measurement> measurements;  // at least one
    bool operator==(const Batch&) const = default;
};

// The PMD batch Bundle (fixtures/messages/valid/pmd/batch-all-vital-signs.json is the shape).
// Message::identifier is Bundle.identifier. Checked before anything is written; errors:
//   VFT-BUILD-0702 patient not a valid fødselsnummer/D-nummer
//   VFT-BUILD-0701 patient name, organisation, measurements, a time, a BP side or the ACVPU
//                  answer missing
//   VFT-BUILD-0704 orgnr or performer id fails its check, value not finite or out of range,
//                  a field set that the kind does not use, kommunenummer not 4 digits
//   VFT-BUILD-0705 identifier or measurement id not `urn:uuid:<uuid>`, or ids not unique
//   VFT-BUILD-0706 a time outside years 1900–9999
// Error::location names the field, e.g. "Batch.measurements[2].systolic".
[[nodiscard]] Result<Message> build_batch(const Batch& batch);

// Fills every empty identifier (the batch's and each measurement's) with a new UUID, so the
// caller can keep them for the response and for resends. build_batch does the same internally
// but cannot hand the generated measurement ids back.
void assign_missing_ids(Batch& batch);

// Reads a PMD batch Bundle (type `batch`; PMD's own `collection` examples are read too) into
// the values build_batch takes; read_batch(build_batch(b)->body) == b. The kind comes from the
// LOINC/SNOMED/NPU codings (a vital-sign meta.profile that disagrees is an error). Times with an
// offset become UTC. Errors:
//   VFT-JSON-0101 not JSON (location line/column)
//   VFT-READ-0801 not a Bundle of type batch, or an entry that is not an Observation
//   VFT-READ-0802 no entries, or an entry without fullUrl, subject id, effective time or value
//   VFT-READ-0803 unknown vital sign, unit other than the kind's UCUM unit, value of the wrong
//                 type, a patient not by FNR/DNR/FHN, an organisation not by orgnr, or entries
//                 that differ in patient or performers (a Batch holds one of each)
// Performers other than one Practitioner and one Organization are not represented.
[[nodiscard]] Result<Batch> read_batch(std::string_view json);

// One entry of PMD's batch-response.
struct EntryResult {
    std::string measurement_id;  // the Measurement::id this result is for; empty when unknown
    int status = 0;              // HTTP status of response.status ("201 Created" -> 201)
    std::string location;        // response.location, e.g. "Observation/<id>/_history/1"
    std::string outcome_json;    // the entry's OperationOutcome as JSON, when present
    [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
    bool operator==(const EntryResult&) const = default;
};

// Reads a PMD `batch-response`, one EntryResult per entry in response order. The measurement
// id comes from the PmdBundleResponseEntryId extension on entry.response, else entry.fullUrl;
// else it stays empty and the position in the vector is the position in the request.
// Errors: VFT-JSON-0101; VFT-READ-0801 not a batch-response Bundle; VFT-READ-0802 an entry
// without response.status; VFT-READ-0803 a status that is not an HTTP status code.
[[nodiscard]] Result<std::vector<EntryResult>> read_batch_response(std::string_view json);

// The same, with the request that was sent: entries without an id get the id of the request
// measurement at the same position (FHIR keeps batch-response entries in request order).
// Additional error: VFT-READ-0803 when the entry count differs from the request's or an id is
// not one of the request's measurements.
[[nodiscard]] Result<std::vector<EntryResult>> read_batch_response(std::string_view json,
                                                                   const Batch& request);

// The profile Id (".../StructureDefinition/<Id>" of the published vkp-Observation IG, e.g.
// "vkp-Observation-Heartrate"; "vkp-Observation" for blood glucose and questionnaire score, which
// have no profile of their own) and the UCUM unit code ("/min"; empty for ACVPU) of a vital sign.
[[nodiscard]] std::string_view profile_id(VitalSign kind);
[[nodiscard]] std::string_view ucum_unit(VitalSign kind);

}  // namespace vft::pmd
