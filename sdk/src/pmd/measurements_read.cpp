// PMD batch Bundle and batch-response readers (domain §2.8). The builder is in
// measurements_build.cpp; the vital-sign table both use is in vital_signs.hpp.
#include "vft/pmd/measurements.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "pmd/vital_signs.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft::pmd {
namespace {

using namespace detail;  // NOLINT: the shared table and checks

// ------------------------------------------------------------------------------------------
// Reading

using JValue = rapidjson::Value;

const JValue* member(const JValue* v, const char* name) {
    if (!v || !v->IsObject()) return nullptr;
    auto it = v->FindMember(name);
    return it == v->MemberEnd() ? nullptr : &it->value;
}

std::string_view str(const JValue* v) {
    return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                              : std::string_view();
}

// FHIR has arrays where senders often write one object (domain §6 item 1): read either.
const JValue* first(const JValue* v) {
    if (v && v->IsArray()) return v->Empty() ? nullptr : &(*v)[0];
    return v;
}

// Iterates an element that should be an array but may be a single object.
template <typename F>
void each(const JValue* v, F&& f) {
    if (!v) return;
    if (v->IsArray()) {
        for (rapidjson::SizeType i = 0; i < v->Size(); ++i)
            f((*v)[i], i);
    } else {
        f(*v, rapidjson::SizeType{0});
    }
}

Result<rapidjson::Document> parse(std::string_view json) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
            rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
    if (d.HasParseError()) {
        const size_t off = d.GetErrorOffset();
        int line = 1, col = 1;
        for (size_t i = 0; i < off && i < json.size(); ++i) {
            if (json[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        return make_error(errc::json_syntax, "the document is not well-formed JSON",
                          "line " + std::to_string(line) + ", column " + std::to_string(col));
    }
    return d;
}

// Serialised as is; refuses absurd nesting first because Accept() recurses.
bool shallow(const JValue& v, int depth = 0) {
    if (depth > 64) return false;
    if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it)
            if (!shallow(it->value, depth + 1)) return false;
    } else if (v.IsArray()) {
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
            if (!shallow(v[i], depth + 1)) return false;
    }
    return true;
}

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    v.Accept(w);
    return std::string(sb.GetString(), sb.GetSize());
}

bool is_loinc(std::string_view system) {
    return system == kLoinc || system == kLoincHttps;
}

bool same_code(const CodeRef& known, std::string_view system, std::string_view code) {
    if (known.system.empty() || known.code != code) return false;
    return known.system == kLoinc ? is_loinc(system) : known.system == system;
}

// The vital sign named by the codings of a CodeableConcept: none, one, or several that disagree.
enum class Detect { none, one, conflict };
Detect detect_kind(const JValue* concept_, VitalSign& out) {
    Detect d = Detect::none;
    each(member(concept_, "coding"), [&](const JValue& c, rapidjson::SizeType) {
        const auto system = str(member(&c, "system"));
        const auto code = str(member(&c, "code"));
        for (const auto& vs : kVitalSigns)
            for (const auto& known : vs.codes)
                if (same_code(known, system, code)) {
                    if (d == Detect::one && out != vs.kind)
                        d = Detect::conflict;
                    else if (d == Detect::none) {
                        d = Detect::one;
                        out = vs.kind;
                    }
                }
    });
    return d;
}

template <size_t N>
bool has_code(const JValue* concept_, const std::array<CodeRef, N>& codes) {
    bool found = false;
    each(member(concept_, "coding"), [&](const JValue& c, rapidjson::SizeType) {
        for (const auto& known : codes)
            if (same_code(known, str(member(&c, "system")), str(member(&c, "code")))) found = true;
    });
    return found;
}

Result<double> read_quantity(const JValue* q, const VitalSignInfo& vs, const std::string& where) {
    if (!q) return make_error(errc::read_missing_element, "the measured value is missing", where);
    const JValue* v = member(q, "value");
    if (!v)
        return make_error(errc::read_missing_element, "the quantity has no value",
                          where + ".value");
    if (!v->IsNumber())
        return make_error(errc::read_invalid_value, "the quantity value is not a number",
                          where + ".value");
    const auto system = str(member(q, "system"));
    auto code = str(member(q, "code"));
    if (!member(q, "code")) code = str(member(q, "unit"));  // unit text when no UCUM code
    const double x = v->GetDouble();
    if (system.empty() || system == kUcum) {
        if (code == vs.ucum) return x;
        // Other units the published profiles allow (R4's ucum-bodytemp and ucum-bodyweight),
        // converted to the unit of the kind.
        if (vs.ucum == "Cel" && code == "[degF]") return (x - 32.0) * 5.0 / 9.0;
        if (vs.ucum == "kg" && code == "g") return x / 1000.0;
        if (vs.ucum == "kg" && code == "[lb_av]") return x * 0.45359237;
        // The score profiles constrain no unit: a unitless quantity is the score itself.
        if (vs.ucum == "{score}" && (code.empty() || code == "1")) return x;
    }
    return make_error(errc::read_invalid_value,
                      std::string(vs.name) + " is not in a UCUM unit vft::pmd reads (" +
                          std::string(vs.ucum) + ")",
                      where, "vft::pmd values are in the unit of their kind");
}

struct Performers {
    Practitioner person;
    std::string orgnr;
    std::string org_name;
    bool operator==(const Performers&) const = default;
};

Result<Performers> read_performers(const JValue* performers, const std::string& where) {
    Performers out;
    bool have_person = false, have_org = false;
    std::optional<Error> err;
    each(performers, [&](const JValue& p, rapidjson::SizeType i) {
        if (err) return;
        const std::string at = where + "[" + std::to_string(i) + "]";
        const auto type = str(member(&p, "type"));
        const JValue* id = first(member(&p, "identifier"));
        const auto system = str(member(id, "system"));
        const auto value = str(member(id, "value"));
        const auto display = str(member(&p, "display"));
        const bool org_system =
            system == oid::orgnr || system == oid::orgnr_retired || system == oid::resh;
        const bool person_system = system == oid::fnr || system == oid::dnr || system == oid::hpr;
        if (type == "Organization" || (type.empty() && org_system)) {
            if (have_org) {
                err = make_error(errc::read_invalid_value, "more than one organisation performer",
                                 at);
                return;
            }
            if (system != oid::orgnr && system != oid::orgnr_retired) {
                err = make_error(errc::read_invalid_value,
                                 "the organisation performer is not identified by "
                                 "organisasjonsnummer",
                                 at + ".identifier", "vft::pmd::Batch holds an orgnr (…4.101)");
                return;
            }
            have_org = true;
            out.orgnr = std::string(value);
            out.org_name = std::string(display);
        } else if (type == "Practitioner" || (type.empty() && person_system)) {
            if (have_person) {
                err = make_error(errc::read_invalid_value, "more than one person performer", at);
                return;
            }
            have_person = true;
            if (system == oid::hpr)
                out.person.hpr = std::string(value);
            else if (system == oid::fnr || system == oid::dnr)
                out.person.fnr = std::string(value);
            else {
                err = make_error(errc::read_invalid_value,
                                 "the person performer is not identified by fødselsnummer, "
                                 "D-nummer or HPR-nummer",
                                 at + ".identifier");
                return;
            }
            out.person.name = std::string(display);
        }
    });
    if (err) return *err;
    return out;
}

struct ReadEntry {
    Patient patient;
    Performers performers;
    Measurement m;
};

Result<ReadEntry> read_observation(const JValue& entry, const std::string& where) {
    ReadEntry e;
    const JValue* url = member(&entry, "fullUrl");
    if (!url || !url->IsString())
        return make_error(errc::read_missing_element, "the entry has no fullUrl",
                          where + ".fullUrl");
    e.m.id = std::string(str(url));
    const JValue* obs = member(&entry, "resource");
    if (!obs) return make_error(errc::read_missing_element, "the entry has no resource", where);
    const std::string at = where + ".resource";
    if (str(member(obs, "resourceType")) != "Observation")
        return make_error(errc::read_wrong_message, "a PMD batch carries Observations only", at);

    VitalSign kind{};
    switch (detect_kind(member(obs, "code"), kind)) {
        case Detect::none:
            return make_error(
                errc::read_invalid_value,
                "the Observation's code is none of the vital signs of PMD", at + ".code",
                "see share/vft/specs/pmd/vital-signs.json under the vft install prefix");
        case Detect::conflict:
            return make_error(errc::read_invalid_value,
                              "the Observation's codings name different vital signs", at + ".code");
        case Detect::one:
            break;
    }
    e.m.kind = kind;
    const VitalSignInfo& vs = *info(kind);
    bool profile_conflict = false;
    each(member(member(obs, "meta"), "profile"), [&](const JValue& p, rapidjson::SizeType) {
        const auto url_text = str(&p);
        if (url_text.substr(0, kProfileBase.size()) != kProfileBase) return;
        // The published canonical ("vkp-Observation-Heartrate") or the Id earlier vft versions
        // wrote ("Heartrate"); the general vkp-Observation names no vital sign.
        const auto id = url_text.substr(kProfileBase.size());
        constexpr std::string_view kPrefix = "vkp-Observation-";
        for (const auto& other : kVitalSigns)
            if (other.profile != "vkp-Observation" && other.kind != kind &&
                (other.profile == id || (other.profile.substr(kPrefix.size()) == id &&
                                         other.profile.substr(0, kPrefix.size()) == kPrefix)))
                profile_conflict = true;
    });
    if (profile_conflict)
        return make_error(
            errc::read_invalid_value,
            "meta.profile claims another vital sign than the code (" + std::string(vs.name) + ")",
            at + ".meta.profile");

    const JValue* subject = member(obs, "subject");
    const JValue* sid = first(member(subject, "identifier"));
    const auto system = str(member(sid, "system"));
    const auto value = str(member(sid, "value"));
    if (value.empty())
        return make_error(errc::read_missing_element, "the patient has no identifier",
                          at + ".subject.identifier");
    if (system != oid::fnr && system != oid::dnr && system != oid::fhn)
        return make_error(errc::read_invalid_value,
                          "the patient is not identified by fødselsnummer, D-nummer or FHN",
                          at + ".subject.identifier.system");
    e.patient.id = std::string(value);
    e.patient.name = std::string(str(member(subject, "display")));

    auto perf = read_performers(member(obs, "performer"), at + ".performer");
    if (!perf) return perf.error();
    e.performers = std::move(perf.value());

    const JValue* eff = member(obs, "effectiveDateTime");
    if (!eff) eff = member(obs, "effectiveInstant");
    if (!eff || str(eff).empty())
        return make_error(errc::read_missing_element, "the Observation has no effective time",
                          at + ".effectiveDateTime");
    auto t = parse_fhir_time(str(eff));
    if (!t)
        return make_error(errc::read_invalid_value, t.error().message, at + ".effectiveDateTime");
    e.m.effective = *t;

    if (kind == VitalSign::blood_pressure) {
        const JValue* comps = member(obs, "component");
        bool sys_found = false, dia_found = false;
        std::optional<Error> err;
        each(comps, [&](const JValue& c, rapidjson::SizeType i) {
            if (err) return;
            const bool sys = has_code(member(&c, "code"), kSystolic);
            const bool dia = has_code(member(&c, "code"), kDiastolicCodes);
            if (!sys && !dia) return;
            auto v = read_quantity(member(&c, "valueQuantity"), vs,
                                   at + ".component[" + std::to_string(i) + "].valueQuantity");
            if (!v) {
                err = v.error();
                return;
            }
            (sys ? e.m.systolic : e.m.diastolic) = *v;
            (sys ? sys_found : dia_found) = true;
        });
        if (err) return *err;
        if (!sys_found || !dia_found)
            return make_error(errc::read_missing_element,
                              std::string("blood pressure without the ") +
                                  (sys_found ? "diastolic" : "systolic") + " component",
                              at + ".component");
    } else if (kind == VitalSign::consciousness_acvpu) {
        const JValue* cc = member(obs, "valueCodeableConcept");
        if (!cc)
            return make_error(errc::read_missing_element, "ACVPU without valueCodeableConcept",
                              at + ".valueCodeableConcept");
        const JValue* chosen = nullptr;
        each(member(cc, "coding"), [&](const JValue& c, rapidjson::SizeType) {
            if (!chosen && str(member(&c, "system")) == kSnomed) chosen = &c;
        });
        if (!chosen || str(member(chosen, "code")).empty())
            return make_error(errc::read_missing_element, "ACVPU without a SNOMED CT answer",
                              at + ".valueCodeableConcept.coding");
        e.m.acvpu_code = std::string(str(member(chosen, "code")));
        e.m.acvpu_display = std::string(str(member(chosen, "display")));
    } else {
        const JValue* vi = member(obs, "valueInteger");
        const bool score = vs.ucum == "{score}";
        if (score && vi) {
            if (!vi->IsInt64())
                return make_error(errc::read_invalid_value, "valueInteger is not an integer",
                                  at + ".valueInteger");
            e.m.value = static_cast<double>(vi->GetInt64());
        } else {
            if (vi || member(obs, "valueCodeableConcept") || member(obs, "valueString"))
                if (!member(obs, "valueQuantity"))
                    return make_error(errc::read_invalid_value,
                                      std::string(vs.name) + " needs valueQuantity", at);
            auto v = read_quantity(member(obs, "valueQuantity"), vs, at + ".valueQuantity");
            if (!v) return v.error();
            e.m.value = *v;
        }
    }

    std::string note;
    each(member(obs, "note"), [&](const JValue& n, rapidjson::SizeType) {
        const auto text = str(member(&n, "text"));
        if (text.empty()) return;
        if (!note.empty()) note += '\n';
        note += text;
    });
    e.m.comment = std::move(note);
    return e;
}

std::string status_text_error(std::string_view s) {
    return "response.status '" + std::string(s.substr(0, 40)) + "' is not an HTTP status";
}

}  // namespace

Result<Batch> read_batch(std::string_view json) {
    auto parsed = parse(json);
    if (!parsed) return parsed.error();
    const JValue& d = *parsed;
    const auto type = str(member(&d, "type"));
    if (str(member(&d, "resourceType")) != "Bundle" || (type != "batch" && type != "collection"))
        return make_error(
            errc::read_wrong_message, "not a PMD batch Bundle", "Bundle.type",
            type == "batch-response" ? "use read_batch_response for PMD's answer" : "");
    Batch b;
    b.identifier = std::string(str(member(first(member(&d, "identifier")), "value")));
    each(member(member(&d, "meta"), "tag"), [&](const JValue& t, rapidjson::SizeType) {
        if (str(member(&t, "system")) == kKommuneSystem && b.kommunenummer.empty())
            b.kommunenummer = std::string(str(member(&t, "code")));
    });

    const JValue* entries = member(&d, "entry");
    if (!entries || (entries->IsArray() && entries->Empty()))
        return make_error(errc::read_missing_element, "the batch has no entries", "Bundle.entry");
    std::optional<Error> err;
    Performers performers;
    each(entries, [&](const JValue& entry, rapidjson::SizeType i) {
        if (err) return;
        const std::string where = "Bundle.entry[" + std::to_string(i) + "]";
        auto e = read_observation(entry, where);
        if (!e) {
            err = e.error();
            return;
        }
        if (i == 0) {
            b.patient = e->patient;
            performers = e->performers;
        } else if (!(e->patient == b.patient)) {
            err = make_error(errc::read_invalid_value,
                             "entries name different patients; a Batch holds one patient",
                             where + ".resource.subject");
            return;
        } else if (!(e->performers == performers)) {
            err = make_error(errc::read_invalid_value,
                             "entries name different performers; a Batch holds one of each",
                             where + ".resource.performer");
            return;
        }
        b.measurements.push_back(std::move(e->m));
    });
    if (err) return *err;
    b.performer_person = performers.person;
    b.performer_orgnr = performers.orgnr;
    b.performer_org_name = performers.org_name;
    return b;
}

Result<std::vector<EntryResult>> read_batch_response(std::string_view json) {
    auto parsed = parse(json);
    if (!parsed) return parsed.error();
    const JValue& d = *parsed;
    if (str(member(&d, "resourceType")) != "Bundle" || str(member(&d, "type")) != "batch-response")
        return make_error(errc::read_wrong_message, "not a batch-response Bundle", "Bundle.type");

    std::vector<EntryResult> out;
    std::optional<Error> err;
    each(member(&d, "entry"), [&](const JValue& entry, rapidjson::SizeType i) {
        if (err) return;
        const std::string where = "Bundle.entry[" + std::to_string(i) + "]";
        EntryResult r;
        const JValue* response = member(&entry, "response");
        each(member(response, "extension"), [&](const JValue& x, rapidjson::SizeType) {
            if (r.measurement_id.empty() && (str(member(&x, "url")) == kEntryIdExtension ||
                                             str(member(&x, "url")) == kEntryIdExtensionOld))
                r.measurement_id = std::string(str(member(&x, "valueUri")));
        });
        if (r.measurement_id.empty())
            r.measurement_id = std::string(str(member(&entry, "fullUrl")));

        const auto status = str(member(response, "status"));
        if (status.empty()) {
            err = make_error(errc::read_missing_element, "the entry has no response.status",
                             where + ".response.status");
            return;
        }
        if (status.size() < 3 || !all_digits(status.substr(0, 3)) ||
            (status.size() > 3 && status[3] != ' ') || status[0] < '1' || status[0] > '5') {
            err = make_error(errc::read_invalid_value, status_text_error(status),
                             where + ".response.status", "e.g. \"201 Created\"");
            return;
        }
        r.status = (status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0');
        r.location = std::string(str(member(response, "location")));

        const JValue* outcome = member(response, "outcome");
        if (!outcome &&
            str(member(member(&entry, "resource"), "resourceType")) == "OperationOutcome")
            outcome = member(&entry, "resource");
        if (outcome && outcome->IsObject()) {
            if (!shallow(*outcome)) {
                err =
                    make_error(errc::read_invalid_value, "the OperationOutcome is nested too deep",
                               where + ".response.outcome");
                return;
            }
            r.outcome_json = to_json(*outcome);
        }
        out.push_back(std::move(r));
    });
    if (err) return *err;
    return out;
}

Result<std::vector<EntryResult>> read_batch_response(std::string_view json, const Batch& request) {
    auto results = read_batch_response(json);
    if (!results) return results;
    auto& out = results.value();
    if (out.size() != request.measurements.size())
        return make_error(errc::read_invalid_value,
                          "the response has " + std::to_string(out.size()) +
                              " entries, the request had " +
                              std::to_string(request.measurements.size()),
                          "Bundle.entry");
    std::set<std::string_view> known;
    for (const auto& m : request.measurements)
        known.insert(m.id);
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].measurement_id.empty()) {
            out[i].measurement_id = request.measurements[i].id;
        } else if (!known.count(out[i].measurement_id)) {
            return make_error(errc::read_invalid_value,
                              "the response names a measurement the request did not have",
                              "Bundle.entry[" + std::to_string(i) + "]",
                              "was the request sent with these ids? (assign_missing_ids)");
        }
    }
    return results;
}

}  // namespace vft::pmd
