// Helpers of the vkp-r4 receiver suite (see vkp_r4_support.hpp).
#include "vkp_r4_support.hpp"

#include <rapidjson/document.h>

#include <chrono>

#include "vft/messages/alarm.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/supervision.hpp"

namespace vft::conformance::vkp_r4 {

namespace {

using JValue = rapidjson::Value;
using namespace std::chrono_literals;

std::string form_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '=' ||
            c == '&') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

void collect_strings(const JValue& v, std::vector<std::string>& out) {
    if (v.IsString()) {
        out.emplace_back(v.GetString(), v.GetStringLength());
    } else if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
            collect_strings(it->value, out);
    } else if (v.IsArray()) {
        for (const auto& e : v.GetArray())
            collect_strings(e, out);
    }
}

bool parse(rapidjson::Document& d, const std::string& body) {
    d.Parse(body.data(), body.size());
    return !d.HasParseError() && d.IsObject();
}

}  // namespace

std::string api_url(const TestContext& ctx, const std::string& path) {
    return ctx.sut().base_url + "/epj/r4/" + ctx.sut().orgnr + "/" + path;
}

std::string scope(const std::string& resource, const char* access) {
    return "nhn:vkp/api/user/" + resource + "." + access;
}

Result<transport::HttpResponse> post_fhir(TestContext& ctx, const std::string& path,
                                          const std::string& body, std::string note,
                                          TokenKind token, const std::string& content_type) {
    transport::HttpRequest req;
    req.method = "POST";
    req.url = api_url(ctx, path);
    req.headers = {{"Content-Type", content_type}, {"Accept", kFhirJson}};
    req.body = body;
    const std::string resource = path == "bundle" ? "bundle" : path;
    return ctx.send(std::move(req), std::move(note), token, {scope(resource, "write")}, false);
}

Result<transport::HttpResponse> search(TestContext& ctx, const std::string& resource,
                                       const std::string& form, const std::string& service_codes,
                                       std::string note) {
    transport::HttpRequest req;
    req.method = "POST";
    req.url = api_url(ctx, resource + "/_search");
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", kFhirJson}};
    if (!service_codes.empty()) req.headers.emplace_back("ServiceCodes", service_codes);
    req.body = form_encode(form);
    return ctx.send(std::move(req), std::move(note), TokenKind::valid, {scope(resource, "read")},
                    false);
}

std::string describe(const Result<transport::HttpResponse>& res) {
    if (!res) return "no HTTP answer (" + res.error().code + ": " + res.error().message + ")";
    std::string out = "HTTP " + std::to_string(res->status);
    rapidjson::Document d;
    if (parse(d, res->body) && d.HasMember("resourceType") && d["resourceType"].IsString()) {
        const std::string rt = d["resourceType"].GetString();
        out += " with a " + rt;
        if (rt == "OperationOutcome") {
            auto codes = vkp_codes(res->body);
            if (!codes.empty()) out += " (VKP code " + codes.front() + ")";
            std::vector<std::string> strings;
            if (d.HasMember("issue") && d["issue"].IsArray() && !d["issue"].Empty())
                collect_strings(d["issue"][0], strings);
            if (!strings.empty()) out += ": '" + strings.back().substr(0, 160) + "'";
        } else if (rt == "Bundle") {
            out += " of type '" + bundle_type(res->body) + "'";
        }
    } else if (res->body.empty()) {
        out += " with an empty body";
    } else {
        out +=
            " with body '" + res->body.substr(0, 120) + (res->body.size() > 120 ? "…" : "") + "'";
    }
    return out;
}

bool is_operation_outcome(const std::string& body) {
    rapidjson::Document d;
    return parse(d, body) && d.HasMember("resourceType") && d["resourceType"].IsString() &&
           std::string(d["resourceType"].GetString()) == "OperationOutcome" &&
           d.HasMember("issue") && d["issue"].IsArray() && !d["issue"].Empty();
}

std::vector<std::string> vkp_codes(const std::string& body) {
    std::vector<std::string> out;
    rapidjson::Document d;
    if (!parse(d, body) || !d.HasMember("issue") || !d["issue"].IsArray()) return out;
    for (const auto& issue : d["issue"].GetArray()) {
        if (!issue.IsObject() || !issue.HasMember("details")) continue;
        const JValue& det = issue["details"];
        if (!det.IsObject() || !det.HasMember("coding") || !det["coding"].IsArray()) continue;
        for (const auto& c : det["coding"].GetArray())
            if (c.IsObject() && c.HasMember("system") && c["system"].IsString() &&
                std::string(c["system"].GetString()) == kVkpErrorSystem && c.HasMember("code") &&
                c["code"].IsString())
                out.emplace_back(c["code"].GetString());
    }
    return out;
}

std::string bundle_type(const std::string& body) {
    rapidjson::Document d;
    if (!parse(d, body) || !d.HasMember("resourceType") || !d["resourceType"].IsString() ||
        std::string(d["resourceType"].GetString()) != "Bundle")
        return "";
    return d.HasMember("type") && d["type"].IsString() ? d["type"].GetString() : "(none)";
}

int count_entries(const std::string& body, const std::string& resource_type) {
    rapidjson::Document d;
    if (!parse(d, body) || !d.HasMember("entry") || !d["entry"].IsArray()) return 0;
    int n = 0;
    for (const auto& e : d["entry"].GetArray())
        if (e.IsObject() && e.HasMember("resource") && e["resource"].IsObject() &&
            e["resource"].HasMember("resourceType") && e["resource"]["resourceType"].IsString() &&
            resource_type == e["resource"]["resourceType"].GetString())
            ++n;
    return n;
}

std::vector<std::vector<std::string>> entry_strings_containing(const std::string& body,
                                                               const std::string& needle) {
    std::vector<std::vector<std::string>> out;
    rapidjson::Document d;
    if (!parse(d, body) || !d.HasMember("entry") || !d["entry"].IsArray()) return out;
    for (const auto& e : d["entry"].GetArray()) {
        std::vector<std::string> strings;
        collect_strings(e, strings);
        for (const auto& s : strings)
            if (s.find(needle) != std::string::npos) {
                out.push_back(std::move(strings));
                break;
            }
    }
    return out;
}

Person journal_patient(const TestContext& ctx) {
    const auto& tp = ctx.sut().test_patients;
    if (!tp.empty()) {
        Person p{tp.front().fnr, tp.front().name, ""};
        for (const auto& c : tp.front().service_codes)
            p.service_codes += (p.service_codes.empty() ? "" : ",") + c;
        if (p.name.empty()) p.name = "Testperson";
        if (p.service_codes.empty())
            for (const auto& c : ctx.sut().service_codes)
                p.service_codes += (p.service_codes.empty() ? "" : ",") + c;
        return p;
    }
    // fixtures/persons: the first synthetic person (also in the mock's municipality).
    std::string codes;
    for (const auto& c : ctx.sut().service_codes)
        codes += (codes.empty() ? "" : ",") + c;
    return {"12854812341", "Kåre Nordmann Testesen", codes.empty() ? "TA,MD,RT" : codes};
}

Result<Sent> build_message(TestContext& ctx, UseCase use_case, const Person& person) {
    const Time t0 = std::chrono::floor<std::chrono::seconds>(
        std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ctx.now_ms())) -
        1h);
    const Patient patient{person.fnr, person.name};
    const Device alarm_button{"https://fhir.vft-conformance.example/serial", "TA-0042",
                              "Trygghetsalarm T3"};
    const Device camera{"https://fhir.vft-conformance.example/serial", "CAM-7", "Kamera rom 24"};
    const Device dispenser{"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                           "Evondos E300"};
    const Practitioner operator_{"9144900", "", "Operatør Ødegård"};
    Sent sent;
    sent.path = "bundle";
    const std::string ref = ctx.new_uuid();
    sent.marker = "Ref " + ref;
    sent.note_text =
        "Brukeren trykket på alarmen; ærlig talt gikk det bra, søster Åse kom. " + sent.marker;
    JournalNote note;
    note.date = t0 + 20min;
    note.author = operator_;
    note.events = {{"0", t0}, {"1", t0 + 1min}, {"3", t0 + 15min}};
    note.sections = {{"1.2", "Hendelse", sent.note_text}};
    auto uuid = [&] { return "urn:uuid:" + ctx.new_uuid(); };

    Result<Message> m = Error{};
    switch (use_case) {
        case UseCase::alarm:
        case UseCase::medication_alert: {
            AlarmReport r;
            r.identifier = uuid();
            r.encounter_id = uuid();
            r.patient = patient;
            r.alert_code = use_case == UseCase::alarm ? "3" : "1.1";
            r.severity = "30";
            r.triage = "Y";
            r.identified = t0;
            r.device = use_case == UseCase::alarm ? alarm_button : dispenser;
            r.response = {t0 + 1min, t0 + 15min};
            r.participants = {{"2", alarm_button, {t0 + 1min, t0 + 3min}, std::nullopt}};
            r.location = "rom24 @ Bjørkåsen";
            r.note = note;
            m = use_case == UseCase::alarm ? build_alarm(r) : build_medication_alert(r);
            break;
        }
        case UseCase::dispense_single:
        case UseCase::dispense_bundle_with_note: {
            MedicationDispensed d;
            d.identifier = uuid();
            d.bundle_id = uuid();
            d.patient = patient;
            d.event = "1.1";
            d.handed_over = t0;
            d.dispenser = dispenser;
            if (use_case == UseCase::dispense_single) {
                d.dosage_text = "Reisedose til Tromsø, søndag";
                m = build_medication_dispense(d);
                sent.path = "medicationdispense";
                sent.marker.clear();
                sent.note_text.clear();
            } else {
                d.note = note;
                m = build_medication_bundle(d);
            }
            break;
        }
        case UseCase::supervision_digital:
        case UseCase::supervision_physical: {
            SupervisionReport s;
            s.identifier = uuid();
            s.encounter_id = uuid();
            s.patient = patient;
            s.reason = "1";
            s.period = {t0, t0 + 2min};
            s.location = "rom24 @ Bjørkåsen";
            if (use_case == UseCase::supervision_digital) {
                s.participants = {{"0", camera, {t0, t0 + 2min}, std::nullopt}};
                s.note = note;
            } else {
                s.digital = false;
                s.participants = {
                    {"2", {}, {t0 - 10min, t0}, Practitioner{"9144900", "", "Nina Fjeld"}}};
                s.period = {std::nullopt, t0};
                sent.marker.clear();
                sent.note_text.clear();
            }
            m = build_supervision(s);
            break;
        }
        case UseCase::dho_note: {
            DhoNote n;
            n.identifier = uuid();
            n.patient = patient;
            n.note = note;
            n.note.category = "2";
            n.note.events.clear();
            n.note.sections = {{"1.3", "Kommentar", sent.note_text}};
            m = build_dho_note(n);
            sent.path = "composition";
            break;
        }
    }
    if (!m) return m.error();
    sent.body = m->body;
    return sent;
}

ReadBack read_back(TestContext& ctx, const Person& p, const std::string& marker) {
    ReadBack out;
    auto res = search(ctx, "composition", "patient.identifier=" + p.fnr, p.service_codes,
                      "read the journal back (composition/_search)");
    if (!res) {
        out.problem = describe(res);
        return out;
    }
    if (res->status == 404 || res->status == 405 || res->status == 501) {
        out.absent = true;
        out.problem = describe(res);
        return out;
    }
    if (res->status != 200 || bundle_type(res->body) != "searchset") {
        out.problem = "composition/_search answered " + describe(res) +
                      "; expected HTTP 200 with a searchset Bundle";
        return out;
    }
    out.entries = entry_strings_containing(res->body, marker);
    return out;
}

}  // namespace vft::conformance::vkp_r4
