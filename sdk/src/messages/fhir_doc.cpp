#include "messages/fhir_doc.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "validate/embedded_specs.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft::detail {
namespace {

using Terminology = std::unordered_map<std::string, std::unordered_map<std::string, std::string>>;

void collect(const JValue* concepts, std::unordered_map<std::string, std::string>& out) {
    if (!concepts || !concepts->IsArray()) return;
    for (const auto& c : concepts->GetArray()) {
        out.emplace(std::string(str_member(c, "code")), std::string(str_member(c, "display")));
        collect(member(c, "concept"), out);
    }
}

const Terminology& terminology() {
    static const Terminology t = [] {
        Terminology out;
        for (const EmbeddedFile* f = embedded_spec_files(); f->path; ++f) {
            const std::string_view p(f->path);
            if (p.find("/codesystems/") == std::string_view::npos) continue;
            rapidjson::Document d;
            d.Parse(f->data, f->size);
            if (d.HasParseError()) continue;
            collect(member(d, "concept"), out[std::string(str_member(d, "url"))]);
        }
        return out;
    }();
    return t;
}

}  // namespace

std::optional<std::string> code_display(std::string_view url, std::string_view code) {
    const auto& t = terminology();
    auto cs = t.find(std::string(url));
    if (cs == t.end()) return std::nullopt;
    auto c = cs->second.find(std::string(code));
    if (c == cs->second.end()) return std::nullopt;
    return c->second;
}

Error build_error(std::string_view code, std::string message, std::string hint) {
    return Error{std::string(code), std::move(message), {}, std::move(hint), 0, false};
}

Error read_error(std::string_view code, std::string message, std::string location) {
    return Error{std::string(code), std::move(message), std::move(location), {}, 0, false};
}

Result<void> check_patient(const Patient& p, const char* what) {
    auto id = parse_person_id(p.id);
    if (!id)
        return build_error(errc::build_invalid_patient,
                           std::string(what) + ": " + id.error().message, id.error().hint);
    if (p.name.empty())
        return build_error(errc::build_missing_field, std::string(what) + " name is required",
                           "receivers show the name next to the number");
    return {};
}

Result<void> check_code(std::string_view cs_id, std::string_view code, const char* what) {
    const std::string url = std::string(kCs) + std::string(cs_id);
    if (code.empty())
        return build_error(errc::build_missing_field, std::string(what) + " is required");
    if (!code_display(url, code))
        return build_error(errc::build_invalid_code,
                           std::string(what) + " '" + std::string(code) + "' is not a code of " +
                               std::string(cs_id),
                           "see share/vft/specs/vkp-r4/codesystems/" + std::string(cs_id) +
                               ".json under the vft install prefix");
    return {};
}

Result<std::string> identifier_or_new(const std::string& given, const char* what) {
    if (given.empty()) return new_uuid_urn();
    if (!is_uuid_urn(given))
        return build_error(errc::build_invalid_identifier,
                           std::string(what) + " must be urn:uuid:<lower-case uuid>",
                           "leave it empty to get a new one; keep it when you resend");
    return given;
}

JValue Json::coding(std::string_view system, std::string_view code, std::string_view display) {
    JValue c = obj();
    set(c, "system", system);
    set(c, "code", code);
    if (!display.empty()) set(c, "display", display);
    return c;
}

JValue Json::codeable(std::string_view system, std::string_view code, std::string_view display) {
    JValue cc = obj();
    JValue list = arr();
    push(list, coding(system, code, display));
    set(cc, "coding", std::move(list));
    return cc;
}

JValue Json::vkp_concept(std::string_view cs_id, std::string_view code) {
    const std::string url = std::string(kCs) + std::string(cs_id);
    return codeable(url, code, code_display(url, code).value_or(""));
}

JValue Json::identifier(std::string_view system, std::string_view value) {
    JValue i = obj();
    set(i, "system", system);
    set(i, "value", value);
    return i;
}

JValue Json::patient_ref(const Patient& p) {
    auto id = parse_person_id(p.id);
    const std::string_view system = !id                             ? oid::fnr
                                    : id->kind == PersonIdKind::dnr ? oid::dnr
                                    : id->kind == PersonIdKind::fhn ? oid::fhn
                                                                    : oid::fnr;
    JValue r = obj();
    set(r, "identifier", identifier(system, p.id));
    set(r, "display", p.name);
    return r;
}

JValue Json::practitioner_ref(const Practitioner& p) {
    JValue r = obj();
    set(r, "type", "Practitioner");
    if (!p.hpr.empty())
        set(r, "identifier", identifier(oid::hpr, p.hpr));
    else if (!p.fnr.empty())
        set(r, "identifier", identifier(oid::fnr, p.fnr));
    set(r, "display", p.name);
    return r;
}

JValue Json::period(const Period& p) {
    JValue o = obj();
    if (p.start) set(o, "start", format_fhir_time(*p.start));
    if (p.end) set(o, "end", format_fhir_time(*p.end));
    return o;
}

JValue Json::meta_profile(std::string_view url) {
    JValue m = obj();
    JValue list = arr();
    push(list, s(url));
    set(m, "profile", std::move(list));
    return m;
}

JValue Json::xhtml_div(std::string_view text) {
    std::string out = "<div xmlns=\"http://www.w3.org/1999/xhtml\">";
    for (char c : text) {
        switch (c) {
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '&':
                out += "&amp;";
                break;
            case '\n':
                out += "<br/>";
                break;
            default:
                out += c;
        }
    }
    out += "</div>";
    JValue narrative = obj();
    set(narrative, "status", "additional");
    set(narrative, "div", out);
    return narrative;
}

JValue Json::raw(std::string_view json) {
    rapidjson::Document d(&a());
    d.Parse(json.data(), json.size());
    if (d.HasParseError()) return JValue();
    JValue v;
    v.CopyFrom(d, a());
    return v;
}

std::string Json::str() const {
    return to_json(doc_);
}

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    v.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

Result<rapidjson::Document> parse_json(std::string_view text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                    text.size());
    if (d.HasParseError() || !d.IsObject())
        return read_error(errc::read_wrong_message,
                          "not a FHIR JSON resource (validate it for details)");
    return d;
}

std::optional<Time> time_of(const JValue* v) {
    if (!v || !v->IsString()) return std::nullopt;
    auto t = parse_fhir_time(str(v));
    if (!t) return std::nullopt;
    return *t;
}

std::string text_of_div(std::string_view div) {
    std::string out;
    const size_t open = div.find('>');
    const size_t close = div.rfind("</div>");
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::string(div);
    const std::string_view body = div.substr(open + 1, close - open - 1);
    for (size_t i = 0; i < body.size(); ++i) {
        if (body.compare(i, 5, "<br/>") == 0) {
            out += '\n';
            i += 4;
        } else if (body.compare(i, 4, "&lt;") == 0) {
            out += '<';
            i += 3;
        } else if (body.compare(i, 4, "&gt;") == 0) {
            out += '>';
            i += 3;
        } else if (body.compare(i, 5, "&amp;") == 0) {
            out += '&';
            i += 4;
        } else {
            out += body[i];
        }
    }
    return out;
}

Patient patient_of(const JValue* ref) {
    Patient p;
    if (!ref) return p;
    if (const JValue* id = member(*ref, "identifier")) p.id = std::string(str_member(*id, "value"));
    p.name = std::string(str_member(*ref, "display"));
    return p;
}

Practitioner practitioner_of(const JValue* ref) {
    Practitioner p;
    if (!ref) return p;
    if (const JValue* id = member(*ref, "identifier")) {
        if (str_member(*id, "system") == oid::hpr)
            p.hpr = std::string(str_member(*id, "value"));
        else
            p.fnr = std::string(str_member(*id, "value"));
    }
    p.name = std::string(str_member(*ref, "display"));
    return p;
}

Period period_of(const JValue* p) {
    Period out;
    if (!p) return out;
    out.start = time_of(member(*p, "start"));
    out.end = time_of(member(*p, "end"));
    return out;
}

std::string code_in(const JValue* cc, std::string_view system) {
    if (!cc) return {};
    const JValue* codings = member(*cc, "coding");
    if (codings && codings->IsArray())
        for (const auto& c : codings->GetArray())
            if (str_member(c, "system") == system) return std::string(str_member(c, "code"));
    if (str_member(*cc, "system") == system) return std::string(str_member(*cc, "code"));
    return {};
}

}  // namespace vft::detail
