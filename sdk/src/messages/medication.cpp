#include "vft/messages/medication.hpp"

#include "messages/note.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft {
namespace {

using namespace detail;

Result<std::string> check(const MedicationDispensed& m) {
    if (auto c = check_patient(m.patient); !c) return c.error();
    if (auto c = check_code("vkp-medicationdispense-events-v090", m.event, "event"); !c)
        return c.error();
    if (m.status != "completed" && m.status != "in-progress")
        return build_error(
            errc::build_invalid_value,
            "status must be completed or in-progress, got '" + m.status + "'",
            "an unsuccessful dispense is an alarm with alert code 1.x (build_medication_alert)");
    if (m.handed_over == Time{})
        return build_error(errc::build_missing_field, "handed_over (the event time) is required");
    if (auto c = check_device(m.dispenser, "dispenser"); !c) return c.error();
    if (m.assisted_by && m.assisted_by->hpr.empty() && m.assisted_by->fnr.empty())
        return build_error(errc::build_missing_field,
                           "assisted_by needs an HPR-nummer or fødselsnummer",
                           "VKP allows logical references only (identifier, no reference)");
    if (m.medication_text.empty())
        return build_error(errc::build_missing_field, "medication_text is required");
    if (m.note)
        if (auto c = check_note(*m.note); !c) return c.error();
    return identifier_or_new(m.identifier, "identifier");
}

JValue dispense(Json& j, const MedicationDispensed& m, const std::string& id) {
    JValue r = j.obj();
    j.set(r, "resourceType", "MedicationDispense");
    j.set(r, "meta", j.meta_profile(std::string(kSd) + "vkp-MedicationDispense-v090"));
    write_extensions(j, r, m.extensions);
    JValue ids = j.arr();
    j.push(ids, j.identifier("urn:ietf:rfc:3986", id));
    j.set(r, "identifier", std::move(ids));
    j.set(r, "status", m.status);
    j.set(r, "category", j.vkp_concept("vkp-medicationdispense-events-v090", m.event));
    JValue med = j.obj();
    j.set(med, "text", m.medication_text);
    j.set(r, "medicationCodeableConcept", std::move(med));
    j.set(r, "subject", j.patient_ref(m.patient));
    JValue performers = j.arr();
    JValue dev = j.obj();
    JValue actor = j.obj();
    j.set(actor, "identifier", j.identifier(m.dispenser.system, m.dispenser.value));
    if (!m.dispenser.display.empty()) j.set(actor, "display", m.dispenser.display);
    j.set(dev, "actor", std::move(actor));
    j.push(performers, std::move(dev));
    if (m.assisted_by) {
        JValue p = j.obj();
        j.set(p, "actor", j.practitioner_ref(*m.assisted_by));
        j.push(performers, std::move(p));
    }
    j.set(r, "performer", std::move(performers));
    j.set(r, "whenHandedOver", format_fhir_time(m.handed_over));
    if (!m.dosage_text.empty()) {
        JValue dosage = j.arr();
        JValue d = j.obj();
        j.set(d, "text", m.dosage_text);
        j.push(dosage, std::move(d));
        j.set(r, "dosageInstruction", std::move(dosage));
    }
    return r;
}

// Bundle.identifier of the bundle forms: the one given, else derived from the
// MedicationDispense identifier (name-based), so a message read back from its single-resource
// form and built again as a bundle gets the same Bundle.identifier every time.
Result<std::string> bundle_id_for(const MedicationDispensed& m, const std::string& id) {
    if (m.bundle_id.empty()) return name_uuid_urn("bundle-of:" + id);
    return identifier_or_new(m.bundle_id, "bundle_id");
}

}  // namespace

Result<Message> build_medication_dispense(const MedicationDispensed& m) {
    auto id = check(m);
    if (!id) return id.error();
    Json j;
    JValue r = dispense(j, m, *id);
    j.set_root(r);
    return Message{*id, "MedicationDispense", j.str()};
}

Result<Message> build_medication_bundle(const MedicationDispensed& m) {
    auto id = check(m);
    if (!id) return id.error();
    auto bid = bundle_id_for(m, *id);
    if (!bid) return bid.error();
    Json j;
    JValue b = bundle(j, *bid, m.note ? "document" : "collection",
                      m.note ? std::optional<Time>(m.note->date) : std::nullopt);
    if (m.note) add_entry(j, b, entry_url(*bid, 0), composition(j, *m.note, m.patient, {}));
    add_entry(j, b, entry_url(*bid, 1), dispense(j, m, *id));
    j.set_root(b);
    return Message{*bid, "Bundle", j.str()};
}

Result<Message> build_medication_jft_transaction(const MedicationDispensed& m) {
    auto id = check(m);
    if (!id) return id.error();
    auto bid = bundle_id_for(m, *id);
    if (!bid) return bid.error();
    Json j;
    JValue b = bundle(j, *bid, "transaction", m.handed_over);
    JValue p = patient_resource(j, m.patient);
    add_entry(j, b, entry_url(*bid, 0), std::move(p), "Patient");
    add_entry(j, b, entry_url(*bid, 1), dispense(j, m, *id), "MedicationDispense");
    j.set_root(b);
    return Message{*bid, "Bundle", j.str()};
}

Result<MedicationDispensed> read_medication_dispensed(std::string_view json) {
    auto d = parse_json(json);
    if (!d) return d.error();
    const BundleView v = view(*d);
    const JValue* md = v.first("MedicationDispense");
    if (!md) return read_error(errc::read_wrong_message, "no MedicationDispense in the message");
    MedicationDispensed m;
    if (str_member(*d, "resourceType") == "Bundle")
        if (const JValue* id = member(*d, "identifier"))
            m.bundle_id = std::string(str_member(*id, "value"));
    if (const JValue* ids = member(*md, "identifier"); ids && ids->IsArray() && !ids->Empty())
        m.identifier = std::string(str_member((*ids)[0], "value"));
    m.status = std::string(str_member(*md, "status"));
    m.event =
        code_in(member(*md, "category"), std::string(kCs) + "vkp-medicationdispense-events-v090");
    if (const JValue* med = member(*md, "medicationCodeableConcept"))
        m.medication_text = std::string(str_member(*med, "text"));
    m.patient = patient_of(member(*md, "subject"));
    if (const JValue* ps = member(*md, "performer"); ps && ps->IsArray())
        for (rapidjson::SizeType i = 0; i < ps->Size(); ++i) {
            const JValue* actor = member((*ps)[i], "actor");
            if (!actor) continue;
            if (i == 0) {
                if (const JValue* id = member(*actor, "identifier")) {
                    m.dispenser.system = std::string(str_member(*id, "system"));
                    m.dispenser.value = std::string(str_member(*id, "value"));
                }
                m.dispenser.display = std::string(str_member(*actor, "display"));
            } else {
                m.assisted_by = practitioner_of(actor);
            }
        }
    m.handed_over = time_of(member(*md, "whenHandedOver")).value_or(Time{});
    if (const JValue* dos = member(*md, "dosageInstruction");
        dos && dos->IsArray() && !dos->Empty())
        m.dosage_text = std::string(str_member((*dos)[0], "text"));
    if (const JValue* comp = v.first("Composition")) m.note = read_note(*comp);
    m.extensions = kept_extensions(*md, {});
    if (m.event.empty())
        return read_error(errc::read_invalid_value,
                          "MedicationDispense.category has no vkp event code");
    return m;
}

}  // namespace vft
