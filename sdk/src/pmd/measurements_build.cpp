// PMD batch Bundle builder (domain §2.8): checks a Batch and writes its Bundle. The readers
// are in measurements_read.cpp; the vital-sign table both use is in vital_signs.hpp.
#include "vft/pmd/measurements.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "pmd/vital_signs.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft::pmd {
namespace {

using namespace detail;  // NOLINT: the shared table and checks

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

// The profile an observation claims. The published vital-sign profiles built on R4's vital-sign
// profiles, and Consciousness, bind performer.identifier.system to VkpPerformerIdentifiersValueSet
// (FNR only, required: StructureDefinition-vkp-Observation-Bloodpressure.json#Observation.performer
// .identifier.system, and the same in the others), so an observation naming its organisation (ORG,
// which PMD always carries: domain §2.8, "opprinnelig dataansvarlig virksomhet") conforms only to
// the general vkp-Observation, whose performer is sliced into author and organization. The
// builder claims the most specific published profile the observation conforms to.
std::string_view claimed_profile(const VitalSignInfo& vs) {
    return vs.org_performer ? vs.profile : std::string_view("vkp-Observation");
}

void write_observation(JsonWriter& w, const Batch& b, const Resolved& r, const Measurement& m) {
    const VitalSignInfo& vs = *info(m.kind);
    w.StartObject();
    kv(w, "resourceType", "Observation");
    key(w, "meta");
    w.StartObject();
    key(w, "profile");
    w.StartArray();
    string(w, std::string(kProfileBase) + std::string(claimed_profile(vs)));
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

}  // namespace vft::pmd
