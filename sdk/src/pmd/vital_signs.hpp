// What the PMD builder (measurements_build.cpp) and readers (measurements_read.cpp) share:
// the vital-sign table, which mirrors specs/pmd/vital-signs.json (the validator judges what the
// builder writes, and the unit tests build every kind and validate it at strict level, so the two
// cannot drift apart unnoticed), the code systems and small checks. Private to the SDK.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "vft/core/result.hpp"
#include "vft/pmd/measurements.hpp"

namespace vft::pmd::detail {

inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kLoincHttps = "https://loinc.org";  // domain §6 item 2, read only
inline constexpr std::string_view kSnomed = "http://snomed.info/sct";
inline constexpr std::string_view kNpu = "urn:oid:2.16.578.1.12.4.1.1.7280";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
inline constexpr std::string_view kProfileBase =
    "http://hl7.no/fhir/vkpobservation/StructureDefinition/";
inline constexpr std::string_view kBundleIdSystem = "https://www.nhn.no/komlink/bundle-identifier";
inline constexpr std::string_view kKommuneSystem =
    "https://register.geonorge.no/sosi-kodelister/inndelinger/inndelingsbase/kommunenummer";
// The published extension (StructureDefinition-PmdBundleResponseEntryIdExtension.json); the
// reader also accepts the URL without the "Extension" suffix that earlier vft versions wrote.
inline constexpr std::string_view kEntryIdExtension =
    "http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryIdExtension";
inline constexpr std::string_view kEntryIdExtensionOld =
    "http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryId";
inline constexpr std::string_view kCategorySystem =
    "http://terminology.hl7.org/CodeSystem/observation-category";

struct CodeRef {
    std::string_view system;
    std::string_view code;
    std::string_view display;
};

struct Range {
    double min;
    double max;
};

struct VitalSignInfo {
    VitalSign kind;
    std::string_view profile;      // the Id after kProfileBase (the published IG's canonicals)
    std::string_view name;         // for error messages
    std::array<CodeRef, 3> codes;  // unused slots have an empty system
    std::string_view ucum;         // UCUM code; empty = no quantity (ACVPU)
    std::string_view unit;         // Quantity.unit as in vital-signs.json
    Range range;
    bool whole;   // the value must be a whole number (scores with integer scales)
    bool survey;  // category survey instead of vital-signs
    // The published profile lets performer name the organisation (PMD always does, domain §2.8):
    // vkp-Observation slices performer into author and organization, and the NEWS2 and CFS
    // score profiles leave performer.identifier.system unbound. The R4-vital-sign-based ones and
    // Consciousness bind it to VkpPerformerIdentifiersValueSet (FNR only), so an observation of
    // theirs claims vkp-Observation instead (measurements_build.cpp, claimed_profile).
    bool org_performer;
};

// Order = enum order (checked by index in info()).
inline constexpr std::array<VitalSignInfo, 11> kVitalSigns{{
    {VitalSign::blood_pressure,
     "vkp-Observation-Bloodpressure",
     "blood pressure",
     {{{kLoinc, "85354-9", "Blood pressure panel with all children optional"},
       {kSnomed, "75367002", "Blood pressure"},
       {}}},
     "mm[Hg]",
     "mmHg",
     {40, 300},  // systolic; diastolic has its own range below
     false,
     false,
     false},
    {VitalSign::heart_rate,
     "vkp-Observation-Heartrate",
     "heart rate",
     {{{kLoinc, "8867-4", "Heart rate"}, {kSnomed, "364075005", "Heart rate"}, {}}},
     "/min",
     "/min",
     {20, 300},
     false,
     false,
     false},
    {VitalSign::oxygen_saturation,
     "vkp-Observation-Oxygensat",
     "oxygen saturation",
     {{{kLoinc, "2708-6", "Oxygen saturation in Arterial blood"},
       {kSnomed, "431314004", "Peripheral oxygen saturation"},
       {}}},
     "%",
     "%",
     {0, 100},
     false,
     false,
     false},
    {VitalSign::blood_glucose,
     "vkp-Observation",  // no published profile of its own (vkp-Observation IG)
     "blood glucose",
     {{{kLoinc, "15074-8", "Glucose [Moles/volume] in Blood"},
       {kSnomed, "434912009", "Blood glucose concentration"},
       {kNpu, "NPU02187", "B\xE2\x80\x94Glucose"}}},
     "mmol/L",
     "mmol/L",
     {0.1, 100},
     false,
     false,
     true},
    {VitalSign::body_temperature,
     "vkp-Observation-Bodytemp",
     "body temperature",
     {{{kLoinc, "8310-5", "Body temperature"},
       {kSnomed, "276885007", "Core body temperature"},
       {}}},
     "Cel",
     "\xC2\xB0"
     "C",
     {25, 45},
     false,
     false,
     false},
    {VitalSign::body_weight,
     "vkp-Observation-Bodyweight",
     "body weight",
     {{{kLoinc, "29463-7", "Body weight"}, {kSnomed, "27113001", "Body weight"}, {}}},
     "kg",
     "kg",
     {0.2, 650},
     false,
     false,
     false},
    {VitalSign::respiratory_rate,
     "vkp-Observation-Resprate",
     "respiratory rate",
     {{{kLoinc, "9279-1", "Respiratory rate"}, {kSnomed, "86290005", "Respiratory rate"}, {}}},
     "/min",
     "/min",
     {1, 100},
     false,
     false,
     false},
    {VitalSign::news2,
     "vkp-Observation-NEWS2score",
     "NEWS2 score",
     {{{kSnomed, "1104051000000101",
        "Royal College of Physicians NEWS2 (National Early Warning Score 2) total score"},
       {},
       {}}},
     "{score}",
     "score",
     {0, 20},
     true,
     false,
     true},
    {VitalSign::consciousness_acvpu,
     "vkp-Observation-Consciousness",
     "ACVPU consciousness",
     {{{kSnomed, "1104441000000107", "Alert Confusion Voice Pain Unresponsive scale score"},
       {},
       {}}},
     "",
     "",
     {0, 0},
     false,
     false,
     false},
    {VitalSign::clinical_frailty,
     "vkp-Observation-CFSscore",
     "Clinical Frailty Scale score",
     {{{kSnomed, "763264000", "Canadian Study of Health and Aging Clinical Frailty Scale score"},
       {},
       {}}},
     "{score}",
     "score",
     {1, 9},
     true,
     false,
     true},
    {VitalSign::questionnaire_score,
     "vkp-Observation",  // no published profile of its own (vkp-Observation IG)
     "questionnaire score",
     {{{kLoinc, "74465-6", "Questionnaire score"}, {}, {}}},
     "{score}",
     "score",
     {0, 1000},
     false,
     true,
     true},
}};

inline constexpr Range kDiastolic{20, 200};

inline const VitalSignInfo* info(VitalSign kind) {
    const auto i = static_cast<size_t>(kind);
    if (i >= kVitalSigns.size() || kVitalSigns[i].kind != kind) return nullptr;
    return &kVitalSigns[i];
}

// Components of the blood-pressure panel (vital-signs.json).
inline constexpr std::array<CodeRef, 2> kSystolic{
    {{kLoinc, "8480-6", "Systolic blood pressure"},
     {kSnomed, "271649006", "Systolic blood pressure"}}};
inline constexpr std::array<CodeRef, 2> kDiastolicCodes{
    {{kLoinc, "8462-4", "Diastolic blood pressure"},
     {kSnomed, "271650006", "Diastolic blood pressure"}}};

inline Error make_error(std::string_view code, std::string message, std::string location,
                        std::string hint = {}) {
    return Error{
        std::string(code), std::move(message), std::move(location), std::move(hint), 0, false};
}

inline bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

inline bool blank(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    return true;
}

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF): what FHIR JSON requires.
inline bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        unsigned cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;
        for (size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0u) != 0x80u) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += n + 1;
    }
    return true;
}

}  // namespace vft::pmd::detail
