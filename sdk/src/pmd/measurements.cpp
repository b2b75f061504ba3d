// PMD batch Bundle builder and readers (domain §2.8). The vital-sign table below mirrors
// specs/pmd/vital-signs.json; the validator judges what this file writes, and the unit tests
// build every kind and validate it at strict level, so the two cannot drift apart unnoticed.
#include "vft/pmd/measurements.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"
#include "vft/internal/error.hpp"

namespace vft::pmd {
namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kLoincHttps = "https://loinc.org";  // domain §6 item 2, read only
constexpr std::string_view kSnomed = "http://snomed.info/sct";
constexpr std::string_view kNpu = "urn:oid:2.16.578.1.12.4.1.1.7280";
constexpr std::string_view kUcum = "http://unitsofmeasure.org";
constexpr std::string_view kProfileBase = "http://hl7.no/fhir/vkpobservation/StructureDefinition/";
constexpr std::string_view kBundleIdSystem = "https://www.nhn.no/komlink/bundle-identifier";
constexpr std::string_view kKommuneSystem =
    "https://register.geonorge.no/sosi-kodelister/inndelinger/inndelingsbase/kommunenummer";
// The published extension (StructureDefinition-PmdBundleResponseEntryIdExtension.json); the
// reader also accepts the URL without the "Extension" suffix that earlier vft versions wrote.
constexpr std::string_view kEntryIdExtension =
    "http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryIdExtension";
constexpr std::string_view kEntryIdExtensionOld =
    "http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryId";
constexpr std::string_view kCategorySystem =
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
};

// Order = enum order (checked by index in info()).
constexpr std::array<VitalSignInfo, 11> kVitalSigns{{
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
     false},
    {VitalSign::heart_rate,
     "vkp-Observation-Heartrate",
     "heart rate",
     {{{kLoinc, "8867-4", "Heart rate"}, {kSnomed, "364075005", "Heart rate"}, {}}},
     "/min",
     "/min",
     {20, 300},
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
     false},
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
     false},
    {VitalSign::body_weight,
     "vkp-Observation-Bodyweight",
     "body weight",
     {{{kLoinc, "29463-7", "Body weight"}, {kSnomed, "27113001", "Body weight"}, {}}},
     "kg",
     "kg",
     {0.2, 650},
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
     false},
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
     false},
    {VitalSign::questionnaire_score,
     "vkp-Observation",  // no published profile of its own (vkp-Observation IG)
     "questionnaire score",
     {{{kLoinc, "74465-6", "Questionnaire score"}, {}, {}}},
     "{score}",
     "score",
     {0, 1000},
     false,
     true},
}};

constexpr Range kDiastolic{20, 200};

const VitalSignInfo* info(VitalSign kind) {
    const auto i = static_cast<size_t>(kind);
    if (i >= kVitalSigns.size() || kVitalSigns[i].kind != kind) return nullptr;
    return &kVitalSigns[i];
}

// Components of the blood-pressure panel (vital-signs.json).
constexpr std::array<CodeRef, 2> kSystolic{{{kLoinc, "8480-6", "Systolic blood pressure"},
                                            {kSnomed, "271649006", "Systolic blood pressure"}}};
constexpr std::array<CodeRef, 2> kDiastolicCodes{
    {{kLoinc, "8462-4", "Diastolic blood pressure"},
     {kSnomed, "271650006", "Diastolic blood pressure"}}};

Error make_error(std::string_view code, std::string message, std::string location,
                 std::string hint = {}) {
    return internal::make_error(code, std::move(message), std::move(location), std::move(hint));
}

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

bool blank(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    return true;
}

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF): what FHIR JSON requires.
bool valid_utf8(std::string_view s) {
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

// ------------------------------------------------------------------------------------------
// Building

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void key(JsonWriter& w, std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void string(JsonWriter& w, std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void kv(JsonWriter& w, std::string_view k, std::string_view v) {
    key(w, k);
    string(w, v);
}

// Whole numbers as integers ("72", as PMD's examples write them), others in the shortest form
// that reads back to the same double.
void number(JsonWriter& w, double v) {
    if (std::trunc(v) == v && std::fabs(v) < 1e15)
        w.Int64(static_cast<int64_t>(v));
    else
        w.Double(v);
}

void coding(JsonWriter& w, const CodeRef& c) {
    w.StartObject();
    kv(w, "system", c.system);
    kv(w, "code", c.code);
    if (!c.display.empty()) kv(w, "display", c.display);
    w.EndObject();
}

template <size_t N>
void codeable_concept(JsonWriter& w, const std::array<CodeRef, N>& codes) {
    w.StartObject();
    key(w, "coding");
    w.StartArray();
    for (const auto& c : codes)
        if (!c.system.empty()) coding(w, c);
    w.EndArray();
    w.EndObject();
}

void quantity(JsonWriter& w, double v, const VitalSignInfo& vs) {
    w.StartObject();
    key(w, "value");
    number(w, v);
    kv(w, "unit", vs.unit);
    kv(w, "system", kUcum);
    kv(w, "code", vs.ucum);
    w.EndObject();
}

void identified_reference(JsonWriter& w, std::string_view type, std::string_view system,
                          std::string_view value, std::string_view display) {
    w.StartObject();
    if (!type.empty()) kv(w, "type", type);
    key(w, "identifier");
    w.StartObject();
    kv(w, "system", system);
    kv(w, "value", value);
    w.EndObject();
    if (!display.empty()) kv(w, "display", display);
    w.EndObject();
}

// What the checks resolved, so writing needs no second look at the input.
struct Resolved {
    std::string identifier;
    std::string_view patient_system;
    std::string_view person_system;  // empty = no person performer
    std::string_view person_value;
    std::vector<std::string> ids;
};

Result<void> check_range(double v, Range r, bool whole, const VitalSignInfo& vs,
                         std::string_view what, const std::string& where) {
    if (!std::isfinite(v))
        return make_error(
            errc::build_invalid_value,
            std::string(vs.name) + " " + std::string(what) + " is not a finite number", where);
    if (v < r.min || v > r.max) {
        char buf[160];
        std::snprintf(buf, sizeof buf, "%s %.*s %g is outside the plausible range %g-%g %.*s",
                      std::string(vs.name).c_str(), static_cast<int>(what.size()), what.data(), v,
                      r.min, r.max, static_cast<int>(vs.ucum.size()), vs.ucum.data());
        return make_error(errc::build_invalid_value, buf, where,
                          "check the unit: the value must be in " +
                              std::string(vs.ucum.empty() ? std::string_view("-") : vs.ucum));
    }
    if (whole && std::trunc(v) != v)
        return make_error(errc::build_invalid_value,
                          std::string(vs.name) + " is a whole number on its scale", where);
    return {};
}

Result<void> check_time(Time t, const std::string& where) {
    if (t == Time{})
        return make_error(errc::build_missing_field, "the measurement time is not set", where,
                          "set effective to when the value was measured");
    const std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(t));
    if (ymd.year() < std::chrono::year(1900) || ymd.year() > std::chrono::year(9999))
        return make_error(errc::build_invalid_time,
                          "the measurement time is not in years 1900-9999", where);
    return {};
}

Result<void> check_measurement(const Measurement& m, const std::string& where) {
    const VitalSignInfo* vs = info(m.kind);
    if (!vs) return make_error(errc::build_invalid_value, "unknown vital sign", where + ".kind");
    if (auto t = check_time(m.effective, where + ".effective"); !t) return t;
    const bool bp = m.kind == VitalSign::blood_pressure;
    const bool acvpu = m.kind == VitalSign::consciousness_acvpu;
    if (!bp && (m.systolic || m.diastolic))
        return make_error(
            errc::build_invalid_value,
            "systolic/diastolic belong to blood pressure only, not " + std::string(vs->name),
            where + (m.systolic ? ".systolic" : ".diastolic"));
    if (!acvpu && (!m.acvpu_code.empty() || !m.acvpu_display.empty()))
        return make_error(errc::build_invalid_value,
                          "acvpu_code/acvpu_display belong to ACVPU consciousness only, not " +
                              std::string(vs->name),
                          where + ".acvpu_code");
    if ((bp || acvpu) && m.value != 0)
        return make_error(errc::build_invalid_value,
                          std::string(vs->name) + " has no single value; leave value at 0",
                          where + ".value",
                          bp ? "set systolic and diastolic" : "set acvpu_code (SNOMED CT answer)");
    if (!valid_utf8(m.comment) || !valid_utf8(m.acvpu_display))
        return make_error(errc::build_invalid_value, "text is not valid UTF-8", where);
    if (bp) {
        if (!m.systolic)
            return make_error(errc::build_missing_field, "blood pressure needs the systolic value",
                              where + ".systolic");
        if (!m.diastolic)
            return make_error(errc::build_missing_field, "blood pressure needs the diastolic value",
                              where + ".diastolic");
        if (auto r =
                check_range(*m.systolic, vs->range, false, *vs, "systolic", where + ".systolic");
            !r)
            return r;
        if (auto r = check_range(*m.diastolic, kDiastolic, false, *vs, "diastolic",
                                 where + ".diastolic");
            !r)
            return r;
        if (*m.systolic <= *m.diastolic)
            return make_error(errc::build_invalid_value, "systolic must be higher than diastolic",
                              where + ".systolic", "are the two values swapped?");
        return {};
    }
    if (acvpu) {
        if (m.acvpu_code.empty())
            return make_error(errc::build_missing_field,
                              "ACVPU consciousness needs the SNOMED CT answer code",
                              where + ".acvpu_code", "e.g. 248234008 (Mentally alert)");
        // A SNOMED CT identifier: 6-18 digits, no leading zero.
        if (m.acvpu_code.size() < 6 || m.acvpu_code.size() > 18 || !all_digits(m.acvpu_code) ||
            m.acvpu_code[0] == '0')
            return make_error(errc::build_invalid_code, "acvpu_code is not a SNOMED CT concept id",
                              where + ".acvpu_code");
        return {};
    }
    return check_range(m.value, vs->range, vs->whole, *vs, "value", where + ".value");
}

Result<Resolved> check_batch(const Batch& b) {
    Resolved r;
    r.identifier = b.identifier.empty() ? new_uuid_urn() : b.identifier;
    if (!is_uuid_urn(r.identifier))
        return make_error(errc::build_invalid_identifier,
                          "the batch identifier is not urn:uuid:<lower-case uuid>",
                          "Batch.identifier", "leave it empty to have one generated");

    auto pid = parse_person_id(b.patient.id);
    if (!pid)
        return make_error(errc::build_invalid_patient, "patient: " + pid.error().message,
                          "Batch.patient.id", pid.error().hint);
    if (pid->kind == PersonIdKind::fnr)
        r.patient_system = oid::fnr;
    else if (pid->kind == PersonIdKind::dnr)
        r.patient_system = oid::dnr;
    else
        return make_error(errc::build_invalid_patient,
                          "patient: PMD measurements need a fødselsnummer or D-nummer",
                          "Batch.patient.id", "H-nummer and felles hjelpenummer are not accepted");
    if (blank(b.patient.name))
        return make_error(errc::build_missing_field, "the patient's name is required",
                          "Batch.patient.name", "receivers show the name next to the number");

    if (b.performer_orgnr.empty())
        return make_error(errc::build_missing_field,
                          "the performing organisation (opprinnelig dataansvarlig virksomhet) is "
                          "required",
                          "Batch.performer_orgnr");
    if (auto o = check_orgnr(b.performer_orgnr); !o)
        return make_error(errc::build_invalid_value, "performer_orgnr: " + o.error().message,
                          "Batch.performer_orgnr", o.error().hint);

    const Practitioner& p = b.performer_person;
    if (!p.fnr.empty()) {
        auto id = parse_person_id(p.fnr);
        if (!id)
            return make_error(errc::build_invalid_value, "performer_person: " + id.error().message,
                              "Batch.performer_person.fnr", id.error().hint);
        if (id->kind != PersonIdKind::fnr && id->kind != PersonIdKind::dnr)
            return make_error(errc::build_invalid_value,
                              "performer_person: not a fødselsnummer or D-nummer",
                              "Batch.performer_person.fnr");
        r.person_system = id->kind == PersonIdKind::fnr ? oid::fnr : oid::dnr;
        r.person_value = p.fnr;
    } else if (!p.hpr.empty()) {
        r.person_system = oid::hpr;
        r.person_value = p.hpr;
    } else if (!p.name.empty()) {
        return make_error(errc::build_missing_field,
                          "performer_person has a name but neither fnr nor hpr",
                          "Batch.performer_person", "PMD identifies the person by number");
    }
    // HPR is checked even when the fødselsnummer is what is sent: a wrong number is a typo.
    if (!p.hpr.empty())
        if (auto h = check_hpr(p.hpr); !h)
            return make_error(errc::build_invalid_value, "performer_person: " + h.error().message,
                              "Batch.performer_person.hpr", h.error().hint);

    if (!b.kommunenummer.empty() && (b.kommunenummer.size() != 4 || !all_digits(b.kommunenummer)))
        return make_error(errc::build_invalid_value, "kommunenummer is not 4 digits",
                          "Batch.kommunenummer", "e.g. \"0301\" (Oslo)");
    if (!valid_utf8(b.patient.name) || !valid_utf8(p.name) || !valid_utf8(b.performer_org_name))
        return make_error(errc::build_invalid_value, "a name is not valid UTF-8", "Batch");

    if (b.measurements.empty())
        return make_error(errc::build_missing_field, "the batch has no measurements",
                          "Batch.measurements");
    std::set<std::string_view> seen;
    r.ids.reserve(b.measurements.size());
    for (size_t i = 0; i < b.measurements.size(); ++i) {
        const Measurement& m = b.measurements[i];
        const std::string where = "Batch.measurements[" + std::to_string(i) + "]";
        r.ids.push_back(m.id.empty() ? new_uuid_urn() : m.id);
        if (!is_uuid_urn(r.ids.back()))
            return make_error(errc::build_invalid_identifier,
                              "the measurement id is not urn:uuid:<lower-case uuid>", where + ".id",
                              "leave it empty to have one generated");
        if (auto c = check_measurement(m, where); !c) return c.error();
    }
    for (size_t i = 0; i < r.ids.size(); ++i)
        if (!seen.insert(r.ids[i]).second)
            return make_error(errc::build_invalid_identifier,
                              "the measurement id is used twice in the batch",
                              "Batch.measurements[" + std::to_string(i) + "].id",
                              "PMD echoes the id in its response; each must be unique");
    return r;
}

void write_observation(JsonWriter& w, const Batch& b, const Resolved& r, const Measurement& m) {
    const VitalSignInfo& vs = *info(m.kind);
    w.StartObject();
    kv(w, "resourceType", "Observation");
    key(w, "meta");
    w.StartObject();
    key(w, "profile");
    w.StartArray();
    string(w, std::string(kProfileBase) + std::string(vs.profile));
    w.EndArray();
    w.EndObject();
    kv(w, "status", "final");

    key(w, "category");
    w.StartArray();
    w.StartObject();
    key(w, "coding");
    w.StartArray();
    coding(w, vs.survey ? CodeRef{kCategorySystem, "survey", "Survey"}
                        : CodeRef{kCategorySystem, "vital-signs", "Vital Signs"});
    w.EndArray();
    w.EndObject();
    w.EndArray();

    key(w, "code");
    codeable_concept(w, vs.codes);

    key(w, "subject");
    identified_reference(w, {}, r.patient_system, b.patient.id, b.patient.name);
    kv(w, "effectiveDateTime", format_fhir_time(m.effective));

    key(w, "performer");
    w.StartArray();
    if (!r.person_system.empty())
        identified_reference(w, "Practitioner", r.person_system, r.person_value,
                             b.performer_person.name);
    identified_reference(w, "Organization", oid::orgnr, b.performer_orgnr, b.performer_org_name);
    w.EndArray();

    if (m.kind == VitalSign::blood_pressure) {
        key(w, "component");
        w.StartArray();
        for (int side = 0; side < 2; ++side) {
            w.StartObject();
            key(w, "code");
            codeable_concept(w, side == 0 ? kSystolic : kDiastolicCodes);
            key(w, "valueQuantity");
            quantity(w, side == 0 ? *m.systolic : *m.diastolic, vs);
            w.EndObject();
        }
        w.EndArray();
    } else if (m.kind == VitalSign::consciousness_acvpu) {
        key(w, "valueCodeableConcept");
        codeable_concept(w, std::array<CodeRef, 1>{{{kSnomed, m.acvpu_code, m.acvpu_display}}});
    } else {
        key(w, "valueQuantity");
        quantity(w, m.value, vs);
    }

    if (!m.comment.empty()) {
        key(w, "note");
        w.StartArray();
        w.StartObject();
        kv(w, "text", m.comment);
        w.EndObject();
        w.EndArray();
    }
    w.EndObject();
}

// ------------------------------------------------------------------------------------------
// Reading

using JValue = rapidjson::Value;

const JValue* member(const JValue* v, const char* name) {
    if (!v || !v->IsObject()) return nullptr;
    auto it = v->FindMember(name);
    return it == v->MemberEnd() ? nullptr : &it->value;
}

std::string_view str(const JValue* v) {
    return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                              : std::string_view();
}

// FHIR has arrays where senders often write one object (domain §6 item 1): read either.
const JValue* first(const JValue* v) {
    if (v && v->IsArray()) return v->Empty() ? nullptr : &(*v)[0];
    return v;
}

// Iterates an element that should be an array but may be a single object.
template <typename F>
void each(const JValue* v, F&& f) {
    if (!v) return;
    if (v->IsArray()) {
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i)
            f((*v)[i], i);
    } else {
        f(*v, rapidjson::SizeType{0});
    }
}

Result<rapidjson::Document> parse(std::string_view json) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
            rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
    if (d.HasParseError()) {
        const size_t off = d.GetErrorOffset();
        int line = 1, col = 1;
        for (size_t i = 0; i < off && i < json.size(); ++i) {
            if (json[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        return make_error(errc::json_syntax, "the document is not well-formed JSON",
                          "line " + std::to_string(line) + ", column " + std::to_string(col));
    }
    return d;
}

// Serialised as is; refuses absurd nesting first because Accept() recurses.
bool shallow(const JValue& v, int depth = 0) {
    if (depth > 64) return false;
    if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
            if (!shallow(it->value, depth + 1)) return false;
    } else if (v.IsArray()) {
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
            if (!shallow(v[i], depth + 1)) return false;
    }
    return true;
}

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

bool is_loinc(std::string_view system) {
    return system == kLoinc || system == kLoincHttps;
}

bool same_code(const CodeRef& known, std::string_view system, std::string_view code) {
    if (known.system.empty() || known.code != code) return false;
    return known.system == kLoinc ? is_loinc(system) : known.system == system;
}

// The vital sign named by the codings of a CodeableConcept: none, one, or several that disagree.
enum class Detect { none, one, conflict };
Detect detect_kind(const JValue* concept_, VitalSign& out) {
    Detect d = Detect::none;
    each(member(concept_, "coding"), [&](const JValue& c, rapidjson::SizeType) {
        const auto system = str(member(&c, "system"));
        const auto code = str(member(&c, "code"));
        for (const auto& vs : kVitalSigns)
            for (const auto& known : vs.codes)
                if (same_code(known, system, code)) {
                    if (d == Detect::one && out != vs.kind)
                        d = Detect::conflict;
                    else if (d == Detect::none) {
                        d = Detect::one;
                        out = vs.kind;
                    }
                }
    });
    return d;
}

template <size_t N>
bool has_code(const JValue* concept_, const std::array<CodeRef, N>& codes) {
    bool found = false;
    each(member(concept_, "coding"), [&](const JValue& c, rapidjson::SizeType) {
        for (const auto& known : codes)
            if (same_code(known, str(member(&c, "system")), str(member(&c, "code")))) found = true;
    });
    return found;
}

Result<double> read_quantity(const JValue* q, const VitalSignInfo& vs, const std::string& where) {
    if (!q) return make_error(errc::read_missing_element, "the measured value is missing", where);
    const JValue* v = member(q, "value");
    if (!v)
        return make_error(errc::read_missing_element, "the quantity has no value",
                          where + ".value");
    if (!v->IsNumber())
        return make_error(errc::read_invalid_value, "the quantity value is not a number",
                          where + ".value");
    const auto system = str(member(q, "system"));
    auto code = str(member(q, "code"));
    if (!member(q, "code")) code = str(member(q, "unit"));  // unit text when no UCUM code
    const double x = v->GetDouble();
    if (system.empty() || system == kUcum) {
        if (code == vs.ucum) return x;
        // Other units the published profiles allow (R4's ucum-bodytemp and ucum-bodyweight),
        // converted to the unit of the kind.
        if (vs.ucum == "Cel" && code == "[degF]") return (x - 32.0) * 5.0 / 9.0;
        if (vs.ucum == "kg" && code == "g") return x / 1000.0;
        if (vs.ucum == "kg" && code == "[lb_av]") return x * 0.45359237;
        // The score profiles constrain no unit: a unitless quantity is the score itself.
        if (vs.ucum == "{score}" && (code.empty() || code == "1")) return x;
    }
    return make_error(errc::read_invalid_value,
                      std::string(vs.name) + " is not in a UCUM unit vft::pmd reads (" +
                          std::string(vs.ucum) + ")",
                      where, "vft::pmd values are in the unit of their kind");
}

struct Performers {
    Practitioner person;
    std::string orgnr;
    std::string org_name;
    bool operator==(const Performers&) const = default;
};

Result<Performers> read_performers(const JValue* performers, const std::string& where) {
    Performers out;
    bool have_person = false, have_org = false;
    std::optional<Error> err;
    each(performers, [&](const JValue& p, rapidjson::SizeType i) {
        if (err) return;
        const std::string at = where + "[" + std::to_string(i) + "]";
        const auto type = str(member(&p, "type"));
        const JValue* id = first(member(&p, "identifier"));
        const auto system = str(member(id, "system"));
        const auto value = str(member(id, "value"));
        const auto display = str(member(&p, "display"));
        const bool org_system =
            system == oid::orgnr || system == oid::orgnr_retired || system == oid::resh;
        const bool person_system = system == oid::fnr || system == oid::dnr || system == oid::hpr;
        if (type == "Organization" || (type.empty() && org_system)) {
            if (have_org) {
                err = make_error(errc::read_invalid_value, "more than one organisation performer",
                                 at);
                return;
            }
            if (system != oid::orgnr && system != oid::orgnr_retired) {
                err = make_error(errc::read_invalid_value,
                                 "the organisation performer is not identified by "
                                 "organisasjonsnummer",
                                 at + ".identifier", "vft::pmd::Batch holds an orgnr (…4.101)");
                return;
            }
            have_org = true;
            out.orgnr = std::string(value);
            out.org_name = std::string(display);
        } else if (type == "Practitioner" || (type.empty() && person_system)) {
            if (have_person) {
                err = make_error(errc::read_invalid_value, "more than one person performer", at);
                return;
            }
            have_person = true;
            if (system == oid::hpr)
                out.person.hpr = std::string(value);
            else if (system == oid::fnr || system == oid::dnr)
                out.person.fnr = std::string(value);
            else {
                err = make_error(errc::read_invalid_value,
                                 "the person performer is not identified by fødselsnummer, "
                                 "D-nummer or HPR-nummer",
                                 at + ".identifier");
                return;
            }
            out.person.name = std::string(display);
        }
    });
    if (err) return *err;
    return out;
}

struct ReadEntry {
    Patient patient;
    Performers performers;
    Measurement m;
};

Result<ReadEntry> read_observation(const JValue& entry, const std::string& where) {
    ReadEntry e;
    const JValue* url = member(&entry, "fullUrl");
    if (!url || !url->IsString())
        return make_error(errc::read_missing_element, "the entry has no fullUrl",
                          where + ".fullUrl");
    e.m.id = std::string(str(url));
    const JValue* obs = member(&entry, "resource");
    if (!obs) return make_error(errc::read_missing_element, "the entry has no resource", where);
    const std::string at = where + ".resource";
    if (str(member(obs, "resourceType")) != "Observation")
        return make_error(errc::read_wrong_message, "a PMD batch carries Observations only", at);

    VitalSign kind{};
    switch (detect_kind(member(obs, "code"), kind)) {
        case Detect::none:
            return make_error(
                errc::read_invalid_value,
                "the Observation's code is none of the vital signs of PMD", at + ".code",
                "see share/vft/specs/pmd/vital-signs.json under the vft install prefix");
        case Detect::conflict:
            return make_error(errc::read_invalid_value,
                              "the Observation's codings name different vital signs", at + ".code");
        case Detect::one:
            break;
    }
    e.m.kind = kind;
    const VitalSignInfo& vs = *info(kind);
    bool profile_conflict = false;
    each(member(member(obs, "meta"), "profile"), [&](const JValue& p, rapidjson::SizeType) {
        const auto url_text = str(&p);
        if (url_text.substr(0, kProfileBase.size()) != kProfileBase) return;
        // The published canonical ("vkp-Observation-Heartrate") or the Id earlier vft versions
        // wrote ("Heartrate"); the general vkp-Observation names no vital sign.
        const auto id = url_text.substr(kProfileBase.size());
        constexpr std::string_view kPrefix = "vkp-Observation-";
        for (const auto& other : kVitalSigns)
            if (other.profile != "vkp-Observation" && other.kind != kind &&
                (other.profile == id || (other.profile.substr(kPrefix.size()) == id &&
                                         other.profile.substr(0, kPrefix.size()) == kPrefix)))
                profile_conflict = true;
    });
    if (profile_conflict)
        return make_error(
            errc::read_invalid_value,
            "meta.profile claims another vital sign than the code (" + std::string(vs.name) + ")",
            at + ".meta.profile");

    const JValue* subject = member(obs, "subject");
    const JValue* sid = first(member(subject, "identifier"));
    const auto system = str(member(sid, "system"));
    const auto value = str(member(sid, "value"));
    if (value.empty())
        return make_error(errc::read_missing_element, "the patient has no identifier",
                          at + ".subject.identifier");
    if (system != oid::fnr && system != oid::dnr && system != oid::fhn)
        return make_error(errc::read_invalid_value,
                          "the patient is not identified by fødselsnummer, D-nummer or FHN",
                          at + ".subject.identifier.system");
    e.patient.id = std::string(value);
    e.patient.name = std::string(str(member(subject, "display")));

    auto perf = read_performers(member(obs, "performer"), at + ".performer");
    if (!perf) return perf.error();
    e.performers = std::move(perf.value());

    const JValue* eff = member(obs, "effectiveDateTime");
    if (!eff) eff = member(obs, "effectiveInstant");
    if (!eff || str(eff).empty())
        return make_error(errc::read_missing_element, "the Observation has no effective time",
                          at + ".effectiveDateTime");
    auto t = parse_fhir_time(str(eff));
    if (!t)
        return make_error(errc::read_invalid_value, t.error().message, at + ".effectiveDateTime");
    e.m.effective = *t;

    if (kind == VitalSign::blood_pressure) {
        const JValue* comps = member(obs, "component");
        bool sys_found = false, dia_found = false;
        std::optional<Error> err;
        each(comps, [&](const JValue& c, rapidjson::SizeType i) {
            if (err) return;
            const bool sys = has_code(member(&c, "code"), kSystolic);
            const bool dia = has_code(member(&c, "code"), kDiastolicCodes);
            if (!sys && !dia) return;
            auto v = read_quantity(member(&c, "valueQuantity"), vs,
                                   at + ".component[" + std::to_string(i) + "].valueQuantity");
            if (!v) {
                err = v.error();
                return;
            }
            (sys ? e.m.systolic : e.m.diastolic) = *v;
            (sys ? sys_found : dia_found) = true;
        });
        if (err) return *err;
        if (!sys_found || !dia_found)
            return make_error(errc::read_missing_element,
                              std::string("blood pressure without the ") +
                                  (sys_found ? "diastolic" : "systolic") + " component",
                              at + ".component");
    } else if (kind == VitalSign::consciousness_acvpu) {
        const JValue* cc = member(obs, "valueCodeableConcept");
        if (!cc)
            return make_error(errc::read_missing_element, "ACVPU without valueCodeableConcept",
                              at + ".valueCodeableConcept");
        const JValue* chosen = nullptr;
        each(member(cc, "coding"), [&](const JValue& c, rapidjson::SizeType) {
            if (!chosen && str(member(&c, "system")) == kSnomed) chosen = &c;
        });
        if (!chosen || str(member(chosen, "code")).empty())
            return make_error(errc::read_missing_element, "ACVPU without a SNOMED CT answer",
                              at + ".valueCodeableConcept.coding");
        e.m.acvpu_code = std::string(str(member(chosen, "code")));
        e.m.acvpu_display = std::string(str(member(chosen, "display")));
    } else {
        const JValue* vi = member(obs, "valueInteger");
        const bool score = vs.ucum == "{score}";
        if (score && vi) {
            if (!vi->IsInt64())
                return make_error(errc::read_invalid_value, "valueInteger is not an integer",
                                  at + ".valueInteger");
            e.m.value = static_cast<double>(vi->GetInt64());
        } else {
            if (vi || member(obs, "valueCodeableConcept") || member(obs, "valueString"))
                if (!member(obs, "valueQuantity"))
                    return make_error(errc::read_invalid_value,
                                      std::string(vs.name) + " needs valueQuantity", at);
            auto v = read_quantity(member(obs, "valueQuantity"), vs, at + ".valueQuantity");
            if (!v) return v.error();
            e.m.value = *v;
        }
    }

    std::string note;
    each(member(obs, "note"), [&](const JValue& n, rapidjson::SizeType) {
        const auto text = str(member(&n, "text"));
        if (text.empty()) return;
        if (!note.empty()) note += '\n';
        note += text;
    });
    e.m.comment = std::move(note);
    return e;
}

std::string status_text_error(std::string_view s) {
    return "response.status '" + std::string(s.substr(0, 40)) + "' is not an HTTP status";
}

}  // namespace

std::string_view profile_id(VitalSign kind) {
    const VitalSignInfo* vs = info(kind);
    return vs ? vs->profile : std::string_view();
}

std::string_view ucum_unit(VitalSign kind) {
    const VitalSignInfo* vs = info(kind);
    return vs ? vs->ucum : std::string_view();
}

void assign_missing_ids(Batch& batch) {
    if (batch.identifier.empty()) batch.identifier = new_uuid_urn();
    for (auto& m : batch.measurements)
        if (m.id.empty()) m.id = new_uuid_urn();
}

Result<Message> build_batch(const Batch& b) {
    auto checked = check_batch(b);
    if (!checked) return checked.error();
    const Resolved& r = *checked;

    rapidjson::StringBuffer sb;
    JsonWriter w(sb);
    w.StartObject();
    kv(w, "resourceType", "Bundle");
    if (!b.kommunenummer.empty()) {
        key(w, "meta");
        w.StartObject();
        key(w, "tag");
        w.StartArray();
        coding(w, CodeRef{kKommuneSystem, b.kommunenummer, {}});
        w.EndArray();
        w.EndObject();
    }
    key(w, "identifier");
    w.StartObject();
    kv(w, "system", kBundleIdSystem);
    kv(w, "value", r.identifier);
    w.EndObject();
    kv(w, "type", "batch");
    key(w, "entry");
    w.StartArray();
    for (size_t i = 0; i < b.measurements.size(); ++i) {
        w.StartObject();
        kv(w, "fullUrl", r.ids[i]);
        key(w, "resource");
        write_observation(w, b, r, b.measurements[i]);
        key(w, "request");
        w.StartObject();
        kv(w, "method", "POST");
        kv(w, "url", "Observation");
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();

    return Message{r.identifier, "Bundle", std::string(sb.GetString(), sb.GetSize())};
}

Result<Batch> read_batch(std::string_view json) {
    auto parsed = parse(json);
    if (!parsed) return parsed.error();
    const JValue& d = *parsed;
    const auto type = str(member(&d, "type"));
    if (str(member(&d, "resourceType")) != "Bundle" || (type != "batch" && type != "collection"))
        return make_error(
            errc::read_wrong_message, "not a PMD batch Bundle", "Bundle.type",
            type == "batch-response" ? "use read_batch_response for PMD's answer" : "");
    Batch b;
    b.identifier = std::string(str(member(first(member(&d, "identifier")), "value")));
    each(member(member(&d, "meta"), "tag"), [&](const JValue& t, rapidjson::SizeType) {
        if (str(member(&t, "system")) == kKommuneSystem && b.kommunenummer.empty())
            b.kommunenummer = std::string(str(member(&t, "code")));
    });

    const JValue* entries = member(&d, "entry");
    if (!entries || (entries->IsArray() && entries->Empty()))
        return make_error(errc::read_missing_element, "the batch has no entries", "Bundle.entry");
    std::optional<Error> err;
    Performers performers;
    each(entries, [&](const JValue& entry, rapidjson::SizeType i) {
        if (err) return;
        const std::string where = "Bundle.entry[" + std::to_string(i) + "]";
        auto e = read_observation(entry, where);
        if (!e) {
            err = e.error();
            return;
        }
        if (i == 0) {
            b.patient = e->patient;
            performers = e->performers;
        } else if (!(e->patient == b.patient)) {
            err = make_error(errc::read_invalid_value,
                             "entries name different patients; a Batch holds one patient",
                             where + ".resource.subject");
            return;
        } else if (!(e->performers == performers)) {
            err = make_error(errc::read_invalid_value,
                             "entries name different performers; a Batch holds one of each",
                             where + ".resource.performer");
            return;
        }
        b.measurements.push_back(std::move(e->m));
    });
    if (err) return *err;
    b.performer_person = performers.person;
    b.performer_orgnr = performers.orgnr;
    b.performer_org_name = performers.org_name;
    return b;
}

Result<std::vector<EntryResult>> read_batch_response(std::string_view json) {
    auto parsed = parse(json);
    if (!parsed) return parsed.error();
    const JValue& d = *parsed;
    if (str(member(&d, "resourceType")) != "Bundle" || str(member(&d, "type")) != "batch-response")
        return make_error(errc::read_wrong_message, "not a batch-response Bundle", "Bundle.type");

    std::vector<EntryResult> out;
    std::optional<Error> err;
    each(member(&d, "entry"), [&](const JValue& entry, rapidjson::SizeType i) {
        if (err) return;
        const std::string where = "Bundle.entry[" + std::to_string(i) + "]";
        EntryResult r;
        const JValue* response = member(&entry, "response");
        each(member(response, "extension"), [&](const JValue& x, rapidjson::SizeType) {
            if (r.measurement_id.empty() && (str(member(&x, "url")) == kEntryIdExtension ||
                                             str(member(&x, "url")) == kEntryIdExtensionOld))
                r.measurement_id = std::string(str(member(&x, "valueUri")));
        });
        if (r.measurement_id.empty())
            r.measurement_id = std::string(str(member(&entry, "fullUrl")));

        const auto status = str(member(response, "status"));
        if (status.empty()) {
            err = make_error(errc::read_missing_element, "the entry has no response.status",
                             where + ".response.status");
            return;
        }
        if (status.size() < 3 || !all_digits(status.substr(0, 3)) ||
            (status.size() > 3 && status[3] != ' ') || status[0] < '1' || status[0] > '5') {
            err = make_error(errc::read_invalid_value, status_text_error(status),
                             where + ".response.status", "e.g. \"201 Created\"");
            return;
        }
        r.status = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
        r.location = std::string(str(member(response, "location")));

        const JValue* outcome = member(response, "outcome");
        if (!outcome &&
            str(member(member(&entry, "resource"), "resourceType")) == "OperationOutcome")
            outcome = member(&entry, "resource");
        if (outcome && outcome->IsObject()) {
            if (!shallow(*outcome)) {
                err =
                    make_error(errc::read_invalid_value, "the OperationOutcome is nested too deep",
                               where + ".response.outcome");
                return;
            }
            r.outcome_json = to_json(*outcome);
        }
        out.push_back(std::move(r));
    });
    if (err) return *err;
    return out;
}

Result<std::vector<EntryResult>> read_batch_response(std::string_view json, const Batch& request) {
    auto results = read_batch_response(json);
    if (!results) return results;
    auto& out = results.value();
    if (out.size() != request.measurements.size())
        return make_error(errc::read_invalid_value,
                          "the response has " + std::to_string(out.size()) +
                              " entries, the request had " +
                              std::to_string(request.measurements.size()),
                          "Bundle.entry");
    std::set<std::string_view> known;
    for (const auto& m : request.measurements)
        known.insert(m.id);
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].measurement_id.empty()) {
            out[i].measurement_id = request.measurements[i].id;
        } else if (!known.count(out[i].measurement_id)) {
            return make_error(errc::read_invalid_value,
                              "the response names a measurement the request did not have",
                              "Bundle.entry[" + std::to_string(i) + "]",
                              "was the request sent with these ids? (assign_missing_ids)");
        }
    }
    return results;
}

}  // namespace vft::pmd
