#include "vft/messages/search.hpp"

#include "messages/note.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft {

using namespace detail;

namespace {

JValue searchset(Json& j, size_t total) {
    JValue b = j.obj();
    j.set(b, "resourceType", "Bundle");
    j.set(b, "type", "searchset");
    j.set(b, "total", JValue(static_cast<uint64_t>(total)));
    j.set(b, "entry", j.arr());
    return b;
}

void add(Json& j, JValue& b, const std::string& url, JValue resource, const char* mode) {
    JValue e = j.obj();
    j.set(e, "fullUrl", url);
    j.set(e, "resource", std::move(resource));
    JValue search = j.obj();
    j.set(search, "mode", mode);
    j.set(e, "search", std::move(search));
    b["entry"].PushBack(e, j.a());
}

Result<rapidjson::Document> searchset_doc(std::string_view json) {
    auto d = parse_json(json);
    if (!d) return d.error();
    if (str_member(*d, "resourceType") != "Bundle" || str_member(*d, "type") != "searchset")
        return read_error(errc::read_wrong_message, "not a searchset Bundle");
    return d;
}

}  // namespace

Result<Message> build_patient_search_result(const std::vector<PatientRecord>& records) {
    Json j;
    JValue b = searchset(j, records.size());
    for (const auto& rec : records) {
        if (auto c = check_patient(rec.patient); !c) return c.error();
        const std::string purl = new_uuid_urn();
        add(j, b, purl, patient_resource(j, rec.patient), "match");
        for (const auto& s : rec.services) {
            if (s.name.empty())
                return build_error(errc::build_missing_field, "a service needs a name");
            JValue e = j.obj();
            j.set(e, "resourceType", "EpisodeOfCare");
            j.set(e, "status", s.status);
            JValue types = j.arr();
            JValue type = j.obj();
            if (!s.code.empty()) {
                JValue codings = j.arr();
                JValue c = j.obj();
                j.set(c, "code", s.code);
                j.set(c, "display", s.name);
                j.push(codings, std::move(c));
                j.set(type, "coding", std::move(codings));
            }
            j.set(type, "text", s.name);
            j.push(types, std::move(type));
            j.set(e, "type", std::move(types));
            JValue pref = j.patient_ref(rec.patient);
            j.set(pref, "reference", purl);
            j.set(e, "patient", std::move(pref));
            if (!s.organisation.empty()) {
                JValue org = j.obj();
                j.set(org, "display", s.organisation);
                j.set(e, "managingOrganization", std::move(org));
            }
            if (s.start) j.set(e, "period", j.period({s.start, std::nullopt}));
            add(j, b, new_uuid_urn(), std::move(e), "include");
        }
    }
    if (b["entry"].Empty()) b.RemoveMember("entry");  // FHIR forbids empty arrays
    j.set_root(b);
    return Message{{}, "Bundle", j.str()};
}

Result<std::vector<PatientRecord>> read_patient_search_result(std::string_view json) {
    auto d = searchset_doc(json);
    if (!d) return d.error();
    const BundleView v = view(*d);
    std::vector<PatientRecord> out;
    std::map<const JValue*, size_t> index;
    for (const JValue* r : v.resources)
        if (str_member(*r, "resourceType") == "Patient") {
            index[r] = out.size();
            out.push_back({patient_resource_of(*r), {}});
        }
    for (const JValue* r : v.resources) {
        if (str_member(*r, "resourceType") != "EpisodeOfCare") continue;
        const JValue* patient = v.resolve(member(*r, "patient"));
        size_t at = out.size();
        if (patient && index.count(patient)) {
            at = index[patient];
        } else {
            const Patient p = patient_of(member(*r, "patient"));
            for (size_t i = 0; i < out.size(); ++i)
                if (out[i].patient.id == p.id) at = i;
            if (at == out.size()) out.push_back({p, {}});
        }
        Service s;
        s.status = std::string(str_member(*r, "status"));
        if (const JValue* types = member(*r, "type");
            types && types->IsArray() && !types->Empty()) {
            const JValue& t = (*types)[0];
            s.name = std::string(str_member(t, "text"));
            if (const JValue* c = member(t, "coding"); c && c->IsArray() && !c->Empty()) {
                s.code = std::string(str_member((*c)[0], "code"));
                if (s.name.empty()) s.name = std::string(str_member((*c)[0], "display"));
            }
        }
        if (const JValue* org = member(*r, "managingOrganization"))
            s.organisation = std::string(str_member(*org, "display"));
        s.start = period_of(member(*r, "period")).start;
        out[at].services.push_back(std::move(s));
    }
    return out;
}

Result<Message> build_visit_plan_search_result(const std::vector<VisitPlan>& plans) {
    Json j;
    JValue b = searchset(j, plans.size());
    std::map<std::string, std::string> patient_urls;
    for (const auto& plan : plans) {
        if (auto c = check_patient(plan.patient); !c) return c.error();
        for (const auto& visit : plan.visits)
            if (auto c = check_period(visit.when, "visit", true); !c) return c.error();
        JValue cp = j.obj();
        j.set(cp, "resourceType", "CarePlan");
        j.set(cp, "meta", j.meta_profile(std::string(kSd) + "vkp-CarePlan-v090"));
        j.set(cp, "status", "active");
        j.set(cp, "intent", "plan");
        JValue cats = j.arr();
        j.push(cats, j.vkp_concept("vkp-careplan-category-v090", "3"));
        j.set(cp, "category", std::move(cats));
        if (!plan.title.empty()) j.set(cp, "title", plan.title);
        j.set(cp, "subject", j.patient_ref(plan.patient));
        if (!plan.visits.empty()) {
            JValue acts = j.arr();
            for (const auto& visit : plan.visits) {
                JValue detail = j.obj();
                j.set(detail, "kind", "Appointment");
                j.set(detail, "status", visit.status);
                j.set(detail, "scheduledPeriod", j.period(visit.when));
                if (!visit.description.empty()) j.set(detail, "description", visit.description);
                JValue act = j.obj();
                j.set(act, "detail", std::move(detail));
                j.push(acts, std::move(act));
            }
            j.set(cp, "activity", std::move(acts));
        }
        add(j, b, new_uuid_urn(), std::move(cp), "match");
        if (!patient_urls.count(plan.patient.id)) {
            patient_urls[plan.patient.id] = new_uuid_urn();
            add(j, b, patient_urls[plan.patient.id], patient_resource(j, plan.patient), "include");
        }
    }
    if (b["entry"].Empty()) b.RemoveMember("entry");  // FHIR forbids empty arrays
    j.set_root(b);
    return Message{{}, "Bundle", j.str()};
}

Result<std::vector<VisitPlan>> read_visit_plan_search_result(std::string_view json) {
    auto d = searchset_doc(json);
    if (!d) return d.error();
    std::vector<VisitPlan> out;
    for (const JValue* r : view(*d).resources) {
        if (str_member(*r, "resourceType") != "CarePlan") continue;
        VisitPlan plan;
        plan.patient = patient_of(member(*r, "subject"));
        plan.title = std::string(str_member(*r, "title"));
        if (const JValue* acts = member(*r, "activity"); acts && acts->IsArray())
            for (const auto& a : acts->GetArray()) {
                const JValue* detail = member(a, "detail");
                if (!detail) continue;
                Visit visit;
                visit.description = std::string(str_member(*detail, "description"));
                visit.status = std::string(str_member(*detail, "status"));
                visit.when = period_of(member(*detail, "scheduledPeriod"));
                plan.visits.push_back(std::move(visit));
            }
        out.push_back(std::move(plan));
    }
    return out;
}

}  // namespace vft
