// VkpClient: VKP R4 journaling and searches over the shared request loop.
#include "vft/client/vkp_client.hpp"

#include <rapidjson/document.h>

#include <cstdio>

#include "client/caller.hpp"
#include "client/client_util.hpp"
#include "json/json_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::client {

namespace {

constexpr const char* kFhirJson = "application/fhir+json";

std::string scope_for(std::string_view resource, std::string_view access) {
    return "nhn:vkp/api/user/" + std::string(resource) + "." + std::string(access);
}

std::string ymd(const std::chrono::year_month_day& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                  static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
    return buf;
}

std::string join(const std::vector<std::string>& codes) {
    std::string out;
    for (const auto& c : codes)
        out += (out.empty() ? "" : ",") + c;
    return out;
}

}  // namespace

struct VkpClient::State {
    VkpClientOptions options;
    detail::Caller caller;

    std::string url(std::string_view resource) const {
        return caller.base() + "/epj/r4/" + options.orgnr + "/" + std::string(resource);
    }

    Result<Reply<Written>> write(std::string_view resource, std::string_view json) const {
        transport::HttpRequest r{"POST",
                                 url(resource),
                                 {{"Content-Type", kFhirJson}, {"Accept", kFhirJson}},
                                 std::string(json)};
        auto called = caller.send(r, {scope_for(resource, "write")}, true);
        if (!called) return called.error();
        auto ok = detail::Caller::expect(*called, {200, 201, 202, 204});
        if (!ok) return ok.error();
        const auto& res = called->response;
        return Reply<Written>{
            Written{res.header("Location"), res.body, !res.header("X-Vft-Duplicate").empty()},
            res.status, called->attempts};
    }

    // POST .../{resource}/_search with a form body; the searchset body on success.
    Result<detail::Called> search(std::string_view resource, std::string_view id_param,
                                  const VkpQuery& q, bool dates) const {
        std::vector<std::pair<std::string, std::string>> fields;
        if (!q.patient.empty()) {
            auto id = parse_person_id(q.patient);
            if (!id) {
                Error e = id.error();
                e.location = "VkpQuery.patient";
                return e;
            }
            fields.emplace_back(std::string(id_param), q.patient);
        }
        if (dates && q.from) fields.emplace_back("date", "ge" + ymd(*q.from));
        if (dates && q.to) fields.emplace_back("date", "le" + ymd(*q.to));
        if ((q.from && !q.from->ok()) || (q.to && !q.to->ok()))
            return detail::make_error(errc::build_invalid_time,
                                      "VkpQuery date is not a calendar date");
        if (q.from && q.to && *q.to < *q.from)
            return detail::make_error(errc::build_invalid_time,
                                      "VkpQuery.to is before VkpQuery.from");
        const auto& codes = q.service_codes.empty() ? options.service_codes : q.service_codes;
        transport::HttpRequest r{
            "POST",
            url(std::string(resource) + "/_search"),
            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", kFhirJson}},
            detail::form(fields)};
        if (!codes.empty()) r.headers.emplace_back("ServiceCodes", join(codes));
        auto called = caller.send(r, {scope_for(resource, "read")}, true);
        if (!called) return called.error();
        auto ok = detail::Caller::expect(*called, {200});
        if (!ok) return ok.error();
        return called;
    }

    Result<Reply<SearchSet>> searchset(std::string_view resource, std::string_view id_param,
                                       const VkpQuery& q, bool dates) const {
        auto called = search(resource, id_param, q, dates);
        if (!called) return called.error();
        rapidjson::Document d;
        const std::string& body = called->response.body;
        d.Parse(body.data(), body.size());
        if (d.HasParseError() || !d.IsObject())
            return detail::make_error(errc::json_syntax, "the search answer is not JSON");
        if (vft::detail::str_member(d, "resourceType") != "Bundle")
            return detail::make_error(errc::read_wrong_message,
                                      "the search answer is not a Bundle");
        const auto* entries = vft::detail::member(d, "entry");
        const int total = entries && entries->IsArray() ? static_cast<int>(entries->Size()) : 0;
        return Reply<SearchSet>{SearchSet{body, total}, called->response.status, called->attempts};
    }
};

Result<VkpClient> VkpClient::create(VkpClientOptions options, Auth auth) {
    if (auto ok = check_orgnr(options.orgnr); !ok) {
        Error e = ok.error();
        e.location = "VkpClientOptions.orgnr";
        return e;
    }
    for (const auto& c : options.service_codes)
        if (c.empty() || c.find_first_of(",\r\n") != std::string::npos)
            return detail::make_error(errc::build_invalid_value,
                                      "a service code is empty or holds ',' or a line break",
                                      "codes: RT TA GPS MD DT DHO");
    auto caller = detail::Caller::create(options.api, std::move(auth));
    if (!caller) return caller.error();
    return VkpClient(
        std::make_shared<const State>(State{std::move(options), std::move(caller).value()}));
}

std::string VkpClient::url(std::string_view resource) const {
    return impl_->url(resource);
}

Result<Reply<Written>> VkpClient::journal(std::string_view bundle_json) const {
    return impl_->write("bundle", bundle_json);
}
Result<Reply<Written>> VkpClient::write_composition(std::string_view json) const {
    return impl_->write("composition", json);
}
Result<Reply<Written>> VkpClient::write_medication_dispense(std::string_view json) const {
    return impl_->write("medicationdispense", json);
}
Result<Reply<Written>> VkpClient::write_encounter(std::string_view json) const {
    return impl_->write("encounter", json);
}

Result<Reply<std::vector<PatientRecord>>> VkpClient::search_patients(const VkpQuery& q) const {
    auto called = impl_->search("patient", "identifier", q, false);
    if (!called) return called.error();
    auto read = read_patient_search_result(called->response.body);
    if (!read) return read.error();
    return Reply<std::vector<PatientRecord>>{std::move(read).value(), called->response.status,
                                             called->attempts};
}

Result<Reply<std::vector<PatientRecord>>> VkpClient::search_episodes_of_care(
    const VkpQuery& q) const {
    auto called = impl_->search("episodeofcare", "patient.identifier", q, false);
    if (!called) return called.error();
    auto read = read_patient_search_result(called->response.body);
    if (!read) return read.error();
    return Reply<std::vector<PatientRecord>>{std::move(read).value(), called->response.status,
                                             called->attempts};
}

Result<Reply<std::vector<VisitPlan>>> VkpClient::search_care_plans(const VkpQuery& q) const {
    auto called = impl_->search("careplan", "patient.identifier", q, true);
    if (!called) return called.error();
    auto read = read_visit_plan_search_result(called->response.body);
    if (!read) return read.error();
    return Reply<std::vector<VisitPlan>>{std::move(read).value(), called->response.status,
                                         called->attempts};
}

Result<Reply<SearchSet>> VkpClient::search_compositions(const VkpQuery& q) const {
    return impl_->searchset("composition", "patient.identifier", q, true);
}
Result<Reply<SearchSet>> VkpClient::search_conditions(const VkpQuery& q) const {
    return impl_->searchset("condition", "patient.identifier", q, false);
}
Result<Reply<SearchSet>> VkpClient::search_medication_statements(const VkpQuery& q) const {
    return impl_->searchset("medicationstatement", "patient.identifier", q, false);
}
Result<Reply<SearchSet>> VkpClient::search_allergy_intolerances(const VkpQuery& q) const {
    return impl_->searchset("allergyintolerance", "identifier", q, false);
}

}  // namespace vft::client
