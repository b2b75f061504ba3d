#include "vft/messages/alarm.hpp"

#include "messages/note.hpp"
#include "vft/core/time.hpp"

namespace vft {
namespace {

using namespace detail;

const std::string kSeverityUrl = std::string(kSd) + "vkp-severity-level-v090";
// vft's former triage extension (never published): read from messages that carry it, not written.
const std::string kTriageUrl = std::string(kSd) + "vkp-triage-v090";

Result<void> check(const AlarmReport& r) {
    if (auto c = check_patient(r.patient); !c) return c;
    if (auto c = check_code("vkp-alert-code-v090", r.alert_code, "alert code"); !c) return c;
    if (!r.severity.empty())
        if (auto c = check_code("vkp-severity-level-v090", r.severity, "severity"); !c) return c;
    if (!r.triage.empty())
        if (auto c = check_code("vkp-triage-v090", r.triage, "triage"); !c) return c;
    if (r.identified == Time{})
        return build_error(errc::build_missing_field,
                           "identified (when the alarm was raised) is required");
    if (auto c = check_device(r.device, "alarm device"); !c) return c;
    if (auto c = check_period(r.response, "response", true); !c) return c;
    if (!r.reason.empty())
        if (auto c = check_code("vkp-encounter-reason-v090", r.reason, "encounter reason"); !c)
            return c;
    if (auto c = check_participants(r.participants); !c) return c;
    return check_note(r.note);
}

}  // namespace

Result<Message> build_alarm(const AlarmReport& r) {
    if (auto c = check(r); !c) return c.error();
    auto id = identifier_or_new(r.identifier, "identifier");
    if (!id) return id.error();
    auto enc_id = identifier_or_new(r.encounter_id, "encounter_id");
    if (!enc_id) return enc_id.error();

    Json j;
    const std::string comp_url = entry_url(*id, 0), issue_url = entry_url(*id, 1),
                      enc_url = entry_url(*id, 2);
    // Devices: the alarm's device and every participant device, one entry each.
    std::map<std::string, std::string> device_urls;
    std::vector<const Device*> devices;
    auto add_device = [&](const Device& d) {
        const std::string key = d.system + "|" + d.value;
        if (device_urls.count(key)) return;
        device_urls[key] = entry_url(*id, 3 + static_cast<int>(devices.size()));
        devices.push_back(&d);
    };
    add_device(r.device);
    for (const auto& p : r.participants)
        add_device(p.device);

    JValue b = bundle(j, *id, "document", r.note.date);
    add_entry(j, b, comp_url, composition(j, r.note, r.patient, issue_url));

    JValue di = j.obj();
    j.set(di, "resourceType", "DetectedIssue");
    j.set(di, "meta", j.meta_profile(std::string(kSd) + "vkp-DetectedIssue-v090"));
    if (!r.severity.empty() || !r.extensions.empty()) {
        JValue ext = j.arr();
        if (!r.severity.empty()) {
            JValue e = j.obj();
            j.set(e, "url", kSeverityUrl);
            // The published extension fixes coding.system to the ValueSet URL
            // (vkp-severitylevel-v090.structuredefinition-extension.xml); codes and displays are
            // the CodeSystem's.
            const std::string cs = std::string(kCs) + "vkp-severity-level-v090";
            j.set(e, "valueCodeableConcept",
                  j.codeable(std::string(kVs) + "vkp-severity-level-v090", r.severity,
                             code_display(cs, r.severity).value_or("")));
            j.push(ext, std::move(e));
        }
        // No triage extension: none is published (specs/DECISIONS.md "DetectedIssue
        // extensions"); an extension URL without a published definition is FHIR-STR-012.
        j.set(di, "extension", std::move(ext));
        write_extensions(j, di, r.extensions);
    }
    j.set(di, "status", "final");
    j.set(di, "code", j.vkp_concept("vkp-alert-code-v090", r.alert_code));
    j.set(di, "patient", j.patient_ref(r.patient));
    j.set(di, "identifiedDateTime", format_fhir_time(r.identified));
    j.set(di, "author",
          reference_to(j, device_urls.at(r.device.system + "|" + r.device.value), "Device"));
    if (!r.detail.empty()) j.set(di, "detail", r.detail);
    add_entry(j, b, issue_url, std::move(di));
    add_entry(j, b, enc_url,
              encounter(j, *enc_id, r.patient, true, r.reason, r.response, r.participants,
                        device_urls, r.location));
    for (const Device* d : devices)
        add_entry(j, b, device_urls.at(d->system + "|" + d->value), device_resource(j, *d));
    j.set_root(b);
    return Message{*id, "Bundle", j.str()};
}

Result<Message> build_medication_alert(const AlarmReport& r) {
    if (r.alert_code.rfind("1.", 0) != 0)
        return build_error(
            errc::build_invalid_code,
            "a medication alert has an alert code under 1 (1.1–1.23), got '" + r.alert_code + "'",
            "successful dispenses are MedicationDispense (build_medication_dispense)");
    return build_alarm(r);
}

Result<AlarmReport> read_alarm(std::string_view json) {
    auto d = parse_json(json);
    if (!d) return d.error();
    const BundleView v = view(*d);
    const JValue* di = v.first("DetectedIssue");
    const JValue* comp = v.first("Composition");
    const JValue* enc = v.first("Encounter");
    if (str_member(*d, "resourceType") != "Bundle" || !di)
        return read_error(errc::read_wrong_message, "not an alarm Bundle (no DetectedIssue)");
    if (!comp || !enc)
        return read_error(errc::read_missing_element,
                          "an alarm Bundle has a Composition and an Encounter");
    AlarmReport r;
    if (const JValue* id = member(*d, "identifier"))
        r.identifier = std::string(str_member(*id, "value"));
    r.patient = patient_of(member(*di, "patient"));
    r.alert_code = code_in(member(*di, "code"), std::string(kCs) + "vkp-alert-code-v090");
    if (const JValue* ext = member(*di, "extension"); ext && ext->IsArray())
        for (const auto& e : ext->GetArray()) {
            if (str_member(e, "url") == kSeverityUrl) {
                // The published ValueSet URL, or the CodeSystem URL many senders write.
                r.severity = code_in(member(e, "valueCodeableConcept"),
                                     std::string(kVs) + "vkp-severity-level-v090");
                if (r.severity.empty())
                    r.severity = code_in(member(e, "valueCodeableConcept"),
                                         std::string(kCs) + "vkp-severity-level-v090");
            }
            if (str_member(e, "url") == kTriageUrl)
                r.triage = code_in(member(e, "valueCodeableConcept"),
                                   std::string(kCs) + "vkp-triage-v090");
        }
    r.extensions = kept_extensions(*di, {kSeverityUrl, kTriageUrl});
    r.detail = std::string(str_member(*di, "detail"));
    r.identified = time_of(member(*di, "identifiedDateTime")).value_or(Time{});
    if (const JValue* dev = v.resolve(member(*di, "author"))) r.device = device_of(*dev);
    if (const JValue* ids = member(*enc, "identifier"); ids && ids->IsArray() && !ids->Empty())
        r.encounter_id = std::string(str_member((*ids)[0], "value"));
    r.response = period_of(member(*enc, "period"));
    r.reason.clear();
    if (const JValue* rc = member(*enc, "reasonCode"); rc && rc->IsArray() && !rc->Empty())
        r.reason = code_in(&(*rc)[0], std::string(kCs) + "vkp-encounter-reason-v090");
    r.participants = participants_of(*enc, v);
    if (const JValue* locs = member(*enc, "location"); locs && locs->IsArray() && !locs->Empty())
        if (const JValue* l = member((*locs)[0], "location"))
            r.location = std::string(str_member(*l, "display"));
    r.note = read_note(*comp);
    if (r.alert_code.empty())
        return read_error(errc::read_invalid_value, "DetectedIssue.code has no vkp-alert-code");
    return r;
}

}  // namespace vft
