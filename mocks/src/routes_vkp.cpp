// VKP R4 (domain §3.1) mapped to the receiver core: journaling writes (a bundle or a single
// resource, 201 with the validator's OperationOutcome), the retrieval searches (patient,
// services, visit plans, from the mock municipality's EPJ), and the read-back of what was
// journaled.
#include "receiver_core.hpp"
#include "vft/messages/search.hpp"

namespace vft::mocks::detail {

namespace {

// patient | episodeofcare | careplan _search: from the municipality's EPJ (fixtures/epj).
void search(ReceiverCore& core, const http::Request& req, http::Response& res) {
    const std::string orgnr = req.matches[1];
    const std::string what = req.matches[2];
    if (!core.orgnr_ok(orgnr, res)) return;
    const auto params = ReceiverCore::search_params(req);
    auto param = [&](const char* k) {
        auto it = params.find(k);
        return it == params.end() ? std::string() : it->second;
    };
    const std::string ident =
        person_param(what == "patient" ? param("identifier") : param("patient.identifier"));
    if (!core.person_ok(ident, res)) return;
    // search-ignores-identifier: patient/_search answers with every patient.
    const bool by_ident = !ident.empty() && !(what == "patient" &&
                                              core.defects.has(Defect::search_ignores_identifier));
    std::vector<const EpjPatient*> hits;
    for (const auto& p : core.epj.patients)
        if (!by_ident || p.patient.id == ident) hits.push_back(&p);
    std::vector<const EpjPatient*> allowed;
    for (const auto* p : hits)
        if (core.service_need(req, *p)) allowed.push_back(p);
    if (by_ident && !hits.empty() && allowed.empty())
        return ReceiverCore::missing_service(req, res);
    Result<Message> out = Error{};
    if (what == "careplan") {
        // The date range bounds the visits' start.
        std::optional<Time> from, to;
        if (!ReceiverCore::date_range(params, res, from, to)) return;
        if (core.defects.has(Defect::careplan_ignores_date_range)) from = to = std::nullopt;
        std::vector<VisitPlan> plans;
        for (const auto* p : allowed) {
            VisitPlan plan{p->patient, "Besøksplan", {}};
            for (const auto& v : p->visits) {
                const Time start = v.when.start.value_or(Time{});
                if ((from && start < *from) || (to && start > *to)) continue;
                plan.visits.push_back(v);
            }
            plans.push_back(std::move(plan));
        }
        out = build_visit_plan_search_result(plans);
    } else {
        std::vector<PatientRecord> records;
        for (const auto* p : allowed)
            records.push_back({p->patient, p->services});
        out = build_patient_search_result(records);
    }
    if (!out)
        return reply(res, 500, vkp_outcome("3", "annen feil", out.error().message, "exception"));
    reply(res, 200, out->body);
}

}  // namespace

void add_vkp_routes(http::Router& router, ReceiverCore& core) {
    // Journaling (bundle and single resources).
    router.Post(
        R"(/epj/r4/([^/]+)/(bundle|composition|medicationdispense|encounter|detectedissue))",
        [&core](const http::Request& req, http::Response& res) {
            const std::string orgnr = req.matches[1];
            if (!core.orgnr_ok(orgnr, res)) return;
            core.write({"vkp", "vkp-r4", orgnr}, req, res,
                       [](const std::string&, const ValidationReport& r) {
                           return StoredOutcome{201, r.to_operation_outcome(), {}, kFhirJson, 1};
                       });
        });
    // Retrieval: patient, services (EpisodeOfCare), visit plans (CarePlan).
    router.Post(R"(/epj/r4/([^/]+)/(patient|episodeofcare|careplan)/_search)",
                [&core](const http::Request& req, http::Response& res) { search(core, req, res); });
    // Read-back of what was journaled (Composition as in domain §3.1; the other journaled
    // resource types the same way), so a suite can check "journaled once" and "text kept"
    // through the API an EPJ offers.
    router.Post(
        R"(/epj/r4/([^/]+)/(composition|medicationdispense|encounter|detectedissue)/_search)",
        [&core](const http::Request& req, http::Response& res) {
            const std::string orgnr = req.matches[1];
            if (!core.orgnr_ok(orgnr, res)) return;
            static const std::map<std::string, std::string> types = {
                {"composition", "Composition"},
                {"medicationdispense", "MedicationDispense"},
                {"encounter", "Encounter"},
                {"detectedissue", "DetectedIssue"}};
            core.journaled_search(req, res, false, orgnr, types.at(req.matches[2]));
        });
}

}  // namespace vft::mocks::detail
