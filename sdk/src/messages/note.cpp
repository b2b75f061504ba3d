#include "messages/note.hpp"

#include <openssl/sha.h>

#include <algorithm>

#include <cstdio>

#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"

namespace vft::detail {

Result<void> check_note(const JournalNote& n) {
    if (auto r = check_code("vkp-composition-category-v090", n.category, "note category"); !r)
        return r;
    if (n.title.empty()) return build_error(errc::build_missing_field, "note title is required");
    if (n.date == Time{})
        return build_error(errc::build_missing_field, "note date is required",
                           "when the note was saved");
    if (n.author.name.empty())
        return build_error(errc::build_missing_field, "note author name is required",
                           "the operator who wrote it");
    if (!n.author.fnr.empty())
        if (auto r = check_identifier(oid::fnr, n.author.fnr); !r)
            return build_error(errc::build_invalid_value, "note author: " + r.error().message);
    if (!n.author.hpr.empty())
        if (auto r = check_hpr(n.author.hpr); !r)
            return build_error(errc::build_invalid_value, "note author: " + r.error().message);
    for (const auto& e : n.events) {
        if (auto r = check_code("vkp-composition-event-v090", e.code, "note event code"); !r)
            return r;
        if (e.time == Time{})
            return build_error(errc::build_missing_field, "every note event needs its time");
    }
    for (const auto& s : n.sections) {
        if (auto r = check_code("vkp-composition-section-v090", s.code, "note section code"); !r)
            return r;
        if (s.text.empty())
            return build_error(errc::build_missing_field,
                               "note section " + s.code + " has no text");
    }
    return {};
}

Result<void> check_device(const Device& d, const char* what) {
    if (d.system.empty() || d.value.empty())
        return build_error(errc::build_missing_field,
                           std::string(what) + " needs an identifier system and value",
                           "e.g. the manufacturer's serial-number system and the serial number");
    return {};
}

Result<void> check_period(const Period& p, const char* what, bool need_one) {
    if (need_one && !p.start && !p.end)
        return build_error(errc::build_missing_field,
                           std::string(what) + " needs a start or an end");
    if (p.start && p.end && *p.end < *p.start)
        return build_error(errc::build_invalid_time, std::string(what) + " ends before it starts");
    return {};
}

Result<void> check_participants(const std::vector<Participant>& ps) {
    if (ps.empty())
        return build_error(errc::build_missing_field,
                           "at least one participant (device + mode) is required");
    for (const auto& p : ps) {
        if (auto r = check_code("vkp-encounter-mode-v090", p.mode, "participant mode"); !r)
            return r;
        if (p.practitioner) {
            if (p.practitioner->name.empty() ||
                (p.practitioner->hpr.empty() && p.practitioner->fnr.empty()))
                return build_error(
                    errc::build_missing_field,
                    "a participating practitioner needs a name and an HPR-nummer or fødselsnummer");
        } else if (auto r = check_device(p.device, "participant device"); !r) {
            return r;
        }
        if (auto r = check_period(p.period, "participant period", false); !r) return r;
    }
    return {};
}

std::string entry_url(std::string_view identifier, int n) {
    const std::string key = std::string(identifier) + "#" + std::to_string(n);
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), h);
    h[6] = static_cast<unsigned char>((h[6] & 0x0F) | 0x50);  // name-based
    h[8] = static_cast<unsigned char>((h[8] & 0x3F) | 0x80);
    char out[48];
    std::snprintf(out, sizeof out,
                  "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                  h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
                  h[13], h[14], h[15]);
    return out;
}

JValue composition(Json& j, const JournalNote& n, const Patient& patient,
                   const std::string& issue_url) {
    JValue c = j.obj();
    j.set(c, "resourceType", "Composition");
    j.set(c, "meta", j.meta_profile(std::string(kSd) + "vkp-Composition-v090"));
    j.set(c, "status", "final");
    j.set(c, "type", j.codeable("http://loinc.org", "34133-9", "Summarization of episode note"));
    JValue cat = j.arr();
    j.push(cat, j.vkp_concept("vkp-composition-category-v090", n.category));
    j.set(c, "category", std::move(cat));
    j.set(c, "subject", j.patient_ref(patient));
    j.set(c, "date", format_fhir_time(n.date));
    JValue authors = j.arr();
    j.push(authors, j.practitioner_ref(n.author));
    j.set(c, "author", std::move(authors));
    j.set(c, "title", n.title);
    if (!n.events.empty()) {
        JValue events = j.arr();
        for (const auto& e : n.events) {
            JValue ev = j.obj();
            JValue codes = j.arr();
            j.push(codes, j.vkp_concept("vkp-composition-event-v090", e.code));
            j.set(ev, "code", std::move(codes));
            j.set(ev, "period", j.period({e.time, std::nullopt}));
            j.push(events, std::move(ev));
        }
        j.set(c, "event", std::move(events));
    }
    if (!n.sections.empty()) {
        JValue sections = j.arr();
        bool first = true;
        for (const auto& s : n.sections) {
            JValue sec = j.obj();
            if (!s.title.empty()) j.set(sec, "title", s.title);
            j.set(sec, "code", j.vkp_concept("vkp-composition-section-v090", s.code));
            j.set(sec, "text", j.xhtml_div(s.text));
            if (first && !issue_url.empty()) {
                JValue entries = j.arr();
                j.push(entries, reference_to(j, issue_url, "DetectedIssue"));
                j.set(sec, "entry", std::move(entries));
            }
            first = false;
            j.push(sections, std::move(sec));
        }
        j.set(c, "section", std::move(sections));
    }
    return c;
}

JournalNote read_note(const JValue& c) {
    JournalNote n;
    if (const JValue* cat = member(c, "category"); cat && cat->IsArray() && !cat->Empty())
        n.category = code_in(&(*cat)[0], std::string(kCs) + "vkp-composition-category-v090");
    n.title = std::string(str_member(c, "title"));
    n.date = time_of(member(c, "date")).value_or(Time{});
    if (const JValue* a = member(c, "author"); a && a->IsArray() && !a->Empty())
        n.author = practitioner_of(&(*a)[0]);
    if (const JValue* ev = member(c, "event"); ev && ev->IsArray())
        for (const auto& e : ev->GetArray()) {
            NoteEvent out;
            if (const JValue* codes = member(e, "code");
                codes && codes->IsArray() && !codes->Empty())
                out.code = code_in(&(*codes)[0], std::string(kCs) + "vkp-composition-event-v090");
            out.time = period_of(member(e, "period")).start.value_or(Time{});
            n.events.push_back(std::move(out));
        }
    if (const JValue* secs = member(c, "section"); secs && secs->IsArray())
        for (const auto& s : secs->GetArray()) {
            NoteSection out;
            out.title = std::string(str_member(s, "title"));
            out.code =
                code_in(member(s, "code"), std::string(kCs) + "vkp-composition-section-v090");
            if (const JValue* t = member(s, "text")) out.text = text_of_div(str_member(*t, "div"));
            n.sections.push_back(std::move(out));
        }
    return n;
}

JValue device_resource(Json& j, const Device& d) {
    JValue r = j.obj();
    j.set(r, "resourceType", "Device");
    JValue ids = j.arr();
    j.push(ids, j.identifier(d.system, d.value));
    j.set(r, "identifier", std::move(ids));
    if (!d.display.empty()) {
        JValue type = j.obj();
        j.set(type, "text", d.display);
        j.set(r, "type", std::move(type));
    }
    return r;
}

Device device_of(const JValue& r) {
    Device d;
    if (const JValue* ids = member(r, "identifier"); ids && ids->IsArray() && !ids->Empty()) {
        d.system = std::string(str_member((*ids)[0], "system"));
        d.value = std::string(str_member((*ids)[0], "value"));
    }
    if (const JValue* t = member(r, "type")) d.display = std::string(str_member(*t, "text"));
    return d;
}

JValue reference_to(Json& j, const std::string& url, std::string_view type) {
    JValue r = j.obj();
    j.set(r, "reference", url);
    j.set(r, "type", type);
    return r;
}

JValue encounter(Json& j, const std::string& id, const Patient& patient, bool digital,
                 const std::string& reason, const Period& period,
                 const std::vector<Participant>& ps,
                 const std::map<std::string, std::string>& device_urls,
                 const std::string& location) {
    JValue e = j.obj();
    j.set(e, "resourceType", "Encounter");
    j.set(e, "meta", j.meta_profile(std::string(kSd) + "vkp-Encounter-v090"));
    JValue ids = j.arr();
    j.push(ids, j.identifier("urn:ietf:rfc:3986", id));
    j.set(e, "identifier", std::move(ids));
    j.set(e, "status", "finished");
    j.set(e, "class",
          digital
              ? j.coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "VR", "virtual")
              : j.coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "HH", "home health"));
    j.set(e, "subject", j.patient_ref(patient));
    JValue parts = j.arr();
    for (const auto& p : ps) {
        JValue part = j.obj();
        JValue types = j.arr();
        j.push(types, j.vkp_concept("vkp-encounter-mode-v090", p.mode));
        j.set(part, "type", std::move(types));
        if (p.period.start || p.period.end) j.set(part, "period", j.period(p.period));
        if (p.practitioner) {
            j.set(part, "individual", j.practitioner_ref(*p.practitioner));
        } else if (auto url = device_urls.find(p.device.system + "|" + p.device.value);
                   url != device_urls.end()) {
            j.set(part, "individual", reference_to(j, url->second, "Device"));
        }
        j.push(parts, std::move(part));
    }
    j.set(e, "participant", std::move(parts));
    j.set(e, "period", j.period(period));
    if (!reason.empty()) {
        JValue reasons = j.arr();
        j.push(reasons, j.vkp_concept("vkp-encounter-reason-v090", reason));
        j.set(e, "reasonCode", std::move(reasons));
    }
    if (!location.empty()) {
        JValue locs = j.arr();
        JValue loc = j.obj();
        JValue ref = j.obj();
        j.set(ref, "display", location);
        j.set(loc, "location", std::move(ref));
        j.push(locs, std::move(loc));
        j.set(e, "location", std::move(locs));
    }
    return e;
}

std::vector<Participant> participants_of(const JValue& encounter, const BundleView& v) {
    std::vector<Participant> out;
    if (const JValue* ps = member(encounter, "participant"); ps && ps->IsArray())
        for (const auto& p : ps->GetArray()) {
            Participant part;
            if (const JValue* t = member(p, "type"); t && t->IsArray() && !t->Empty())
                part.mode = code_in(&(*t)[0], std::string(kCs) + "vkp-encounter-mode-v090");
            part.period = period_of(member(p, "period"));
            const JValue* ind = member(p, "individual");
            if (const JValue* dev = v.resolve(ind)) {
                part.device = device_of(*dev);
            } else if (ind && str_member(*ind, "type") != "Device" && member(*ind, "identifier")) {
                part.practitioner = practitioner_of(ind);
            }
            out.push_back(std::move(part));
        }
    return out;
}

JValue patient_resource(Json& j, const Patient& p) {
    JValue r = j.obj();
    j.set(r, "resourceType", "Patient");
    j.set(r, "meta", j.meta_profile(std::string(kSd) + "vkp-Patient-v090"));
    JValue ids = j.arr();
    JValue ref = j.patient_ref(p);
    j.push(ids, std::move(ref["identifier"]));
    j.set(r, "identifier", std::move(ids));
    JValue names = j.arr();
    JValue name = j.obj();
    j.set(name, "text", p.name);
    j.push(names, std::move(name));
    j.set(r, "name", std::move(names));
    return r;
}

Patient patient_resource_of(const JValue& r) {
    Patient p;
    if (const JValue* ids = member(r, "identifier"); ids && ids->IsArray() && !ids->Empty())
        p.id = std::string(str_member((*ids)[0], "value"));
    if (const JValue* names = member(r, "name"); names && names->IsArray() && !names->Empty()) {
        const JValue& n = (*names)[0];
        p.name = std::string(str_member(n, "text"));
        if (p.name.empty()) {  // structured name: given names, then family
            if (const JValue* given = member(n, "given"); given && given->IsArray())
                for (const auto& g : given->GetArray())
                    p.name += std::string(str(&g)) + " ";
            p.name += std::string(str_member(n, "family"));
            while (!p.name.empty() && p.name.back() == ' ')
                p.name.pop_back();
        }
    }
    return p;
}

JValue bundle(Json& j, const std::string& identifier, std::string_view type,
              const std::optional<Time>& timestamp) {
    JValue b = j.obj();
    j.set(b, "resourceType", "Bundle");
    j.set(b, "identifier", j.identifier("urn:ietf:rfc:3986", identifier));
    j.set(b, "type", type);
    if (timestamp) j.set(b, "timestamp", format_fhir_time(*timestamp));
    j.set(b, "entry", j.arr());
    return b;
}

void add_entry(Json& j, JValue& b, const std::string& full_url, JValue resource,
               const char* request_type) {
    JValue e = j.obj();
    j.set(e, "fullUrl", full_url);
    j.set(e, "resource", std::move(resource));
    if (request_type) {
        JValue req = j.obj();
        j.set(req, "method", "POST");
        j.set(req, "url", request_type);
        j.set(e, "request", std::move(req));
    }
    b["entry"].PushBack(e, j.a());
}

const JValue* BundleView::first(std::string_view type) const {
    for (const JValue* r : resources)
        if (str_member(*r, "resourceType") == type) return r;
    return nullptr;
}

const JValue* BundleView::resolve(const JValue* ref) const {
    if (!ref) return nullptr;
    auto it = by_url.find(std::string(str_member(*ref, "reference")));
    return it == by_url.end() ? nullptr : it->second;
}

BundleView view(const JValue& root) {
    BundleView v;
    v.root = &root;
    if (str_member(root, "resourceType") != "Bundle") {
        v.resources.push_back(&root);
        return v;
    }
    if (const JValue* entries = member(root, "entry"); entries && entries->IsArray())
        for (const auto& e : entries->GetArray())
            if (const JValue* r = member(e, "resource"); r && r->IsObject()) {
                v.resources.push_back(r);
                if (auto u = str_member(e, "fullUrl"); !u.empty()) v.by_url[std::string(u)] = r;
            }
    return v;
}

std::vector<Extension> kept_extensions(const JValue& r, const std::vector<std::string>& known) {
    std::vector<Extension> out;
    if (const JValue* ext = member(r, "extension"); ext && ext->IsArray())
        for (const auto& e : ext->GetArray()) {
            const std::string url(str_member(e, "url"));
            if (std::find(known.begin(), known.end(), url) == known.end())
                out.push_back({url, to_json(e)});
        }
    return out;
}

void write_extensions(Json& j, JValue& r, const std::vector<Extension>& ext) {
    if (ext.empty()) return;
    if (!r.HasMember("extension")) j.set(r, "extension", j.arr());
    for (const auto& e : ext) {
        JValue v = j.raw(e.json);
        if (v.IsObject()) r["extension"].PushBack(v, j.a());
    }
}

}  // namespace vft::detail
