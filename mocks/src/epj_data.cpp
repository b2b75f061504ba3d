#include "epj_data.hpp"

#include <rapidjson/document.h>

#include "embedded_epj.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"

namespace vft::mocks::detail {
namespace {

std::string s(const rapidjson::Value& v, const char* k) {
    return v.HasMember(k) && v[k].IsString() ? v[k].GetString() : std::string();
}
std::optional<Time> t(const rapidjson::Value& v, const char* k) {
    auto r = parse_fhir_time(s(v, k));
    return r ? std::optional<Time>(*r) : std::nullopt;
}

}  // namespace

const EpjPatient* EpjData::find(const std::string& fnr) const {
    for (const auto& p : patients)
        if (p.patient.id == fnr) return &p;
    return nullptr;
}

Result<EpjData> load_epj(std::string_view json) {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("patients") || !d["patients"].IsArray())
        return Error{std::string(errc::mock_epj_data),
                     "EPJ data is not valid: expected {\"orgnr\", \"patients\": [...]}",
                     {},
                     {},
                     0,
                     false};
    EpjData out;
    out.orgnr = s(d, "orgnr");
    for (const auto& p : d["patients"].GetArray()) {
        EpjPatient e;
        e.patient = {s(p, "fnr"), s(p, "name")};
        if (p.HasMember("service_codes"))
            for (const auto& c : p["service_codes"].GetArray())
                e.service_codes.emplace_back(c.GetString());
        if (p.HasMember("services"))
            for (const auto& v : p["services"].GetArray())
                e.services.push_back(
                    {s(v, "code"), s(v, "name"), "active", t(v, "start"), s(v, "organisation")});
        if (p.HasMember("visits"))
            for (const auto& v : p["visits"].GetArray())
                e.visits.push_back(
                    {s(v, "description"), s(v, "status"), {t(v, "start"), t(v, "end")}});
        out.patients.push_back(std::move(e));
    }
    return out;
}

Result<EpjData> builtin_epj() {
    for (const vft::detail::EmbeddedFile* f = vft::detail::embedded_epj_files(); f->path; ++f)
        if (std::string_view(f->path) == "municipality.json") return load_epj({f->data, f->size});
    return Error{std::string(errc::mock_epj_data), "built-in EPJ data missing", {}, {}, 0, false};
}

}  // namespace vft::mocks::detail
