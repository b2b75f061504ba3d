#include "vft/messages/supervision.hpp"

#include "messages/note.hpp"

namespace vft {

using namespace detail;

Result<Message> build_supervision(const SupervisionReport& r) {
    if (auto c = check_patient(r.patient); !c) return c.error();
    if (auto c = check_code("vkp-encounter-reason-v090", r.reason, "reason"); !c) return c.error();
    if (auto c = check_period(r.period, "period", true); !c) return c.error();
    if (auto c = check_participants(r.participants); !c) return c.error();
    if (r.note)
        if (auto c = check_note(*r.note); !c) return c.error();
    auto id = identifier_or_new(r.identifier, "identifier");
    if (!id) return id.error();
    auto enc_id = identifier_or_new(r.encounter_id, "encounter_id");
    if (!enc_id) return enc_id.error();

    Json j;
    std::map<std::string, std::string> device_urls;
    std::vector<const Device*> devices;
    for (const auto& p : r.participants) {
        if (p.practitioner) continue;
        const std::string key = p.device.system + "|" + p.device.value;
        if (device_urls.count(key)) continue;
        device_urls[key] = entry_url(*id, 2 + static_cast<int>(devices.size()));
        devices.push_back(&p.device);
    }
    // With a note the Bundle is a document (note first, as JFT requires); without, a collection.
    JValue b = bundle(j, *id, r.note ? "document" : "collection",
                      r.note ? std::optional<Time>(r.note->date) : std::nullopt);
    if (r.note) add_entry(j, b, entry_url(*id, 0), composition(j, *r.note, r.patient, {}));
    JValue enc = encounter(j, *enc_id, r.patient, r.digital, r.reason, r.period, r.participants,
                           device_urls, r.location);
    write_extensions(j, enc, r.extensions);
    add_entry(j, b, entry_url(*id, 1), std::move(enc));
    for (const Device* d : devices)
        add_entry(j, b, device_urls.at(d->system + "|" + d->value), device_resource(j, *d));
    j.set_root(b);
    return Message{*id, "Bundle", j.str()};
}

Result<SupervisionReport> read_supervision(std::string_view json) {
    auto d = parse_json(json);
    if (!d) return d.error();
    const BundleView v = view(*d);
    const JValue* enc = v.first("Encounter");
    if (!enc || v.first("DetectedIssue"))
        return read_error(errc::read_wrong_message,
                          "not a supervision report (an Encounter without an alarm)");
    SupervisionReport r;
    if (const JValue* id = member(*d, "identifier"))
        r.identifier = std::string(str_member(*id, "value"));
    if (const JValue* ids = member(*enc, "identifier"); ids && ids->IsArray() && !ids->Empty())
        r.encounter_id = std::string(str_member((*ids)[0], "value"));
    r.patient = patient_of(member(*enc, "subject"));
    if (const JValue* cls = member(*enc, "class")) r.digital = str_member(*cls, "code") != "HH";
    r.reason.clear();
    if (const JValue* rc = member(*enc, "reasonCode"); rc && rc->IsArray() && !rc->Empty())
        r.reason = code_in(&(*rc)[0], std::string(kCs) + "vkp-encounter-reason-v090");
    r.period = period_of(member(*enc, "period"));
    r.participants = participants_of(*enc, v);
    if (const JValue* locs = member(*enc, "location"); locs && locs->IsArray() && !locs->Empty())
        if (const JValue* l = member((*locs)[0], "location"))
            r.location = std::string(str_member(*l, "display"));
    if (const JValue* comp = v.first("Composition")) r.note = read_note(*comp);
    r.extensions = kept_extensions(*enc, {});
    return r;
}

}  // namespace vft
