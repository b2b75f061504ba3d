// The reference receiver's core (receiver_core.hpp): one parse per write, the verdict, the
// journal, the answer, and the checks the APIs share.
#include "receiver_core.hpp"

#include <openssl/sha.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>

#include "vft/core/identifiers.hpp"
#include "vft/core/uuid.hpp"
#include "vft/internal/parsed_json.hpp"

namespace vft::mocks::detail {

thread_local std::optional<FaultRule> t_fault;

namespace {

constexpr const char* kVkpErrors = "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090";

std::string sha256_hex(std::string_view s) {
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), h);
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : h) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

// The idempotency key: Bundle.identifier, else the resource's first identifier, else the body's
// hash (so an identical resubmission still counts as one).
std::string identifier_of(const rapidjson::Document& d, std::string_view body) {
    auto value_of = [](const JValue& id) -> std::string {
        if (id.IsObject() && id.HasMember("value") && id["value"].IsString())
            return id["value"].GetString();
        return {};
    };
    if (d.IsObject() && d.HasMember("identifier")) {
        const JValue& id = d["identifier"];
        if (id.IsArray() && !id.Empty() && !value_of(id[0]).empty()) return value_of(id[0]);
        if (!value_of(id).empty()) return value_of(id);
    }
    return "sha256:" + sha256_hex(body);
}

bool json_content_type(const http::Request& req) {
    const std::string ct = req.get_header_value("Content-Type");
    const std::string base = ct.substr(0, ct.find(';'));
    return base == "application/fhir+json" || base == "application/json";
}

// The mangles-norwegian-characters defect: UTF-8 bytes read as Latin-1 and encoded again, so
// "Kåre" becomes "KÃ¥re". Applied to raw UTF-8 JSON (never to \u escapes); the result is still
// valid UTF-8 and valid JSON, only the text is wrong.
std::string latin1_mojibake(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size() + utf8.size() / 8);
    for (const char ch : utf8) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

// The value of an Identifier, or of the first one with a value in an array of them.
std::string identifier_value(const JValue* id) {
    if (!id) return {};
    if (id->IsObject()) return str(member(*id, "value"));
    if (id->IsArray())
        for (const auto& i : id->GetArray())
            if (auto v = str(member(i, "value")); !v.empty()) return v;
    return {};
}

// The patient a resource is about: subject (patient for DetectedIssue) by identifier, or by a
// reference to a Patient entry of the same bundle.
std::string patient_of(const JValue& resource, const JValue* entries) {
    const JValue* ref = member(resource, "subject");
    if (!ref) ref = member(resource, "patient");
    if (!ref) return {};
    if (auto v = identifier_value(member(*ref, "identifier")); !v.empty()) return v;
    const std::string target = str(member(*ref, "reference"));
    if (target.empty() || !entries || !entries->IsArray()) return {};
    for (const auto& e : entries->GetArray())
        if (str(member(e, "fullUrl")) == target)
            if (const JValue* r = member(e, "resource"))
                return identifier_value(member(*r, "identifier"));
    return {};
}

// The clinical time of a resource, the one `date=ge/le` bounds.
std::optional<int64_t> when_of(const JValue& resource, const std::string& type) {
    std::string text;
    if (type == "Composition") text = str(member(resource, "date"));
    if (type == "MedicationDispense") text = str(member(resource, "whenHandedOver"));
    if (type == "DetectedIssue") text = str(member(resource, "identifiedDateTime"));
    if (type == "Observation") text = str(member(resource, "effectiveDateTime"));
    if (type == "Encounter" || (type == "Observation" && text.empty())) {
        const JValue* period = member(resource, type == "Encounter" ? "period" : "effectivePeriod");
        if (period) text = str(member(*period, "start"));
        if (period && text.empty()) text = str(member(*period, "end"));
    }
    auto t = parse_fhir_time(text);
    if (!t) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

bool readable_type(const std::string& t) {
    return t == "Composition" || t == "MedicationDispense" || t == "Encounter" ||
           t == "DetectedIssue" || t == "Observation";
}

}  // namespace

// --- helpers ---

std::string json_string(std::string_view s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(b.GetString(), b.GetSize());
}

std::string vkp_outcome(std::string_view vkp_code, std::string_view display, std::string_view text,
                        std::string_view issue_code) {
    return std::string(
               R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":")") +
           std::string(issue_code) + R"(","details":{"coding":[{"system":")" + kVkpErrors +
           R"(","code":")" + std::string(vkp_code) + R"(","display":")" + std::string(display) +
           R"("}],"text":)" + json_string(text) + "}}]}";
}

std::string invalid_outcome(const ValidationReport& report) {
    std::string oo = report.to_operation_outcome();
    const std::string lead =
        vkp_outcome("2.4", "ugyldig format", "the message does not conform; see the issues");
    const size_t at = oo.find("\"issue\":[");
    const size_t lead_at = lead.find("\"issue\":[");
    const std::string first =
        lead.substr(lead_at + 9, lead.size() - lead_at - 9 - 2);  // the lead issue object
    return oo.insert(at + 9, first + ",");
}

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return std::string(b.GetString(), b.GetSize());
}

const JValue* member(const JValue& v, const char* k) {
    if (!v.IsObject()) return nullptr;
    auto it = v.FindMember(k);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

std::string str(const JValue* v) {
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
}

std::multimap<std::string, std::string> form(const std::string& body) {
    auto decode = [](std::string_view in) {
        std::string out;
        for (size_t i = 0; i < in.size(); ++i) {
            if (in[i] == '+') {
                out += ' ';
            } else if (in[i] == '%' && i + 2 < in.size() &&
                       std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
                       std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
                out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
                i += 2;
            } else {
                out += in[i];
            }
        }
        return out;
    };
    std::multimap<std::string, std::string> out;
    size_t i = 0;
    while (i <= body.size()) {
        size_t amp = body.find('&', i);
        if (amp == std::string::npos) amp = body.size();
        const std::string_view pair(body.data() + i, amp - i);
        if (!pair.empty()) {
            const size_t eq = pair.find('=');
            out.emplace(decode(pair.substr(0, eq)),
                        eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1)));
        }
        i = amp + 1;
    }
    return out;
}

std::string person_param(const std::string& v) {
    const auto bar = v.find('|');
    return bar == std::string::npos ? v : v.substr(bar + 1);
}

void reply(http::Response& res, int status, const std::string& body, const char* type) {
    res.status = status;
    res.set_content(body, type);
}

// --- writes ---

bool ReceiverCore::parse_fhir(const http::Request& req, http::Response& res,
                              ParsedJson& parsed) const {
    if (!json_content_type(req) && !defects.has(Defect::accepts_wrong_content_type)) {
        reply(
            res, 415,
            vkp_outcome("2.4", "ugyldig format",
                        "Content-Type must be application/fhir+json (or application/json), got '" +
                            req.get_header_value("Content-Type") + "'",
                        "not-supported"));
        return false;
    }
    if (parsed.ok()) return true;
    // Not a JSON object: the validator says why (line and column), judging the text.
    const auto report = validator.validate_parsed(parsed, {options.level, ""});
    reply(res, invalid_status(), invalid_outcome(report));
    return false;
}

ValidationReport ReceiverCore::judge(ParsedJson& parsed, const std::string& spec) const {
    return validator.validate_parsed(parsed, {options.level, spec});
}

int ReceiverCore::invalid_status() const {
    return defects.has(Defect::server_error_on_invalid) ? 500 : 400;
}

ReadWrite ReceiverCore::read_write(const http::Request& req, const rapidjson::Document& d) const {
    ReadWrite out;
    out.identifier = identifier_of(d, req.body);
    out.resource_type = str(member(d, "resourceType"));
    // mangles-norwegian-characters: what is journaled is the text re-encoded.
    out.journaled =
        defects.has(Defect::mangles_norwegian_characters) ? latin1_mojibake(to_json(d)) : req.body;
    return out;
}

std::vector<std::pair<size_t, Record>> ReceiverCore::entry_records(
    const rapidjson::Document& d) const {
    const bool mangle = defects.has(Defect::mangles_norwegian_characters);
    std::vector<std::pair<size_t, Record>> out;
    auto add = [&](size_t at, const JValue& r, const JValue* entries) {
        const std::string type = str(member(r, "resourceType"));
        if (!readable_type(type)) return;
        // A resource written on its own is the journaled message: its body is not stored twice.
        std::string body = entries ? to_json(r) : std::string();
        out.emplace_back(at, Record{type, patient_of(r, entries), when_of(r, type),
                                    mangle ? latin1_mojibake(body) : std::move(body)});
    };
    const std::string type = str(member(d, "resourceType"));
    if (type != "Bundle") {
        add(0, d, nullptr);
        return out;
    }
    const JValue* entries = member(d, "entry");
    if (!entries || !entries->IsArray()) return out;
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i)
        if (const JValue* r = member((*entries)[i], "resource")) add(i, *r, entries);
    return out;
}

std::vector<Record> ReceiverCore::records_of(const rapidjson::Document& d) const {
    std::vector<Record> out;
    for (auto& [at, r] : entry_records(d))
        out.push_back(std::move(r));
    return out;
}

void ReceiverCore::write(
    const WriteTarget& target, const http::Request& req, http::Response& res,
    const std::function<StoredOutcome(const std::string&, const ValidationReport&)>& accepted) {
    // A group commit that begins while this write is validated waits for it (journal.hpp).
    const Journal::Expecting expecting(*journal);
    ParsedJson parsed(req.body);
    if (!parse_fhir(req, res, parsed)) return;
    // Read before judging: the validator normalises the document in place.
    const ReadWrite what = read_write(req, parsed.doc());
    const auto records = records_of(parsed.doc());
    const auto report = judge(parsed, target.spec);
    if (!report.valid() && !defects.has(Defect::accepts_invalid_bundles)) {
        // Rejections are not journaled: the identifier stays free for a corrected message.
        reply(res, invalid_status(), invalid_outcome(report));
        return;
    }
    journal_write(
        target, what, records, [&](const std::string& id) { return accepted(id, report); }, res);
}

void ReceiverCore::journal_write(const WriteTarget& target, const ReadWrite& what,
                                 const std::vector<Record>& records,
                                 const std::function<StoredOutcome(const std::string&)>& accepted,
                                 http::Response& res) {
    StoredOutcome lost;
    // lost-write-under-load: the second write of each overlapping pair (write_pairs.hpp:
    // deterministic, no timing window decides) is answered as accepted and never journaled.
    if (defects.has(Defect::lost_write_under_load) && write_pairs_.second_of_pair())
        lost = accepted(new_uuid());
    // journals-duplicates: not once per identifier.
    const bool once = !defects.has(Defect::journals_duplicates);
    auto record = [&] {
        return journal->record_once(target.api, what.identifier, what.resource_type, target.orgnr,
                                    what.journaled, accepted, records, once);
    };
    const bool duplicate_fault = t_fault && t_fault->action == "duplicate";
    if (answer_later && lost.status == 0 && !duplicate_fault) {
        // Answered from the commit thread once the write is committed (2xx only after COMMIT).
        auto later = std::make_shared<http::Later>();
        res.later = later;
        journal->record_async(target.api, what.identifier, what.resource_type, target.orgnr,
                              what.journaled, accepted, records, once,
                              [later](Result<StoredOutcome> stored) {
                                  later->finish([stored = std::move(stored)](http::Response& r) {
                                      answer(stored, r);
                                  });
                              });
        return;
    }
    // "duplicate" fault: the first arrival is handled and its answer lost, as behind a proxy
    // that replays the request.
    if (duplicate_fault && lost.status == 0) (void)record();
    answer(lost.status != 0 ? Result<StoredOutcome>(lost) : record(), res);
}

void ReceiverCore::answer(const Result<StoredOutcome>& stored, http::Response& res) {
    if (!stored) {
        reply(res, 500, vkp_outcome("3", "annen feil", stored.error().message, "exception"));
        return;
    }
    res.status = stored->status;
    if (!stored->location.empty()) res.set_header("Location", stored->location);
    if (stored->count > 1) res.set_header("X-Vft-Duplicate", std::to_string(stored->count));
    res.set_content(stored->body,
                    stored->content_type.empty() ? kFhirJson : stored->content_type.c_str());
}

// --- shared checks ---

bool ReceiverCore::orgnr_ok(const std::string& orgnr, http::Response& res) const {
    if (!check_orgnr(orgnr) ||
        (!options.served_orgnrs.empty() &&
         std::find(options.served_orgnrs.begin(), options.served_orgnrs.end(), orgnr) ==
             options.served_orgnrs.end())) {
        reply(res, 400,
              vkp_outcome("2.2", "ugyldig systemidentifikator",
                          "organisation number '" + orgnr + "' is malformed or not served here"));
        return false;
    }
    return true;
}

bool ReceiverCore::person_ok(const std::string& ident, http::Response& res) const {
    if (ident.empty() || parse_person_id(ident) || defects.has(Defect::invalid_fnr_accepted))
        return true;
    reply(res, 400,
          vkp_outcome("2.1", "ugyldig personidentifikator",
                      "the patient identifier is not a valid fødselsnummer or D-nummer"));
    return false;
}

bool ReceiverCore::service_need(const http::Request& req, const EpjPatient& p) const {
    if (defects.has(Defect::missing_service_code_allowed)) return true;
    std::string header = req.get_header_value("ServiceCodes");
    for (auto& c : header)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    size_t i = 0;
    while (i <= header.size()) {
        size_t comma = header.find(',', i);
        if (comma == std::string::npos) comma = header.size();
        std::string code = header.substr(i, comma - i);
        code.erase(0, code.find_first_not_of(' '));
        code.erase(code.find_last_not_of(' ') + 1);
        if (std::find(p.service_codes.begin(), p.service_codes.end(), code) !=
            p.service_codes.end())
            return true;
        i = comma + 1;
    }
    return false;
}

void ReceiverCore::missing_service(const http::Request& req, http::Response& res) {
    reply(res, 403,
          vkp_outcome("1.3", "ikke oppfylt tjenstlig behov",
                      "no active service for this patient matches the ServiceCodes header ('" +
                          req.get_header_value("ServiceCodes") + "')",
                      "forbidden"));
}

std::multimap<std::string, std::string> ReceiverCore::search_params(const http::Request& req) {
    auto params = form(req.body);
    for (const auto& [k, v] : req.params)
        params.emplace(k, v);
    return params;
}

bool ReceiverCore::date_range(const std::multimap<std::string, std::string>& params,
                              http::Response& res, std::optional<Time>& from,
                              std::optional<Time>& to) {
    for (auto [it, end] = params.equal_range("date"); it != end; ++it) {
        const std::string v = it->second;
        auto t = v.size() < 3 ? Result<Time>(Error{}) : parse_fhir_time(v.substr(2));
        if (!t || (v.compare(0, 2, "ge") != 0 && v.compare(0, 2, "le") != 0)) {
            reply(res, 400,
                  vkp_outcome("2.4", "ugyldig format",
                              "date must be geYYYY-MM-DD or leYYYY-MM-DD (or a dateTime), got '" +
                                  v + "'"));
            return false;
        }
        if (v.compare(0, 2, "ge") == 0) from = *t;
        if (v.compare(0, 2, "le") == 0)
            to = v.size() == 12 ? *t + std::chrono::hours(24) - std::chrono::seconds(1) : *t;
    }
    return true;
}

void ReceiverCore::journaled_search(const http::Request& req, http::Response& res, bool pmd,
                                    const std::string& orgnr, const std::string& type) {
    const auto params = search_params(req);
    std::string ident;
    for (const char* k : {"patient.identifier", "subject:identifier", "subject.identifier"})
        if (auto it = params.find(k); ident.empty() && it != params.end())
            ident = person_param(it->second);
    if (ident.empty())
        return reply(res, 400,
                     vkp_outcome("2.3", "ugyldig antall parametere",
                                 "patient.identifier is required (the patient's "
                                 "fødselsnummer or D-nummer)"));
    if (!person_ok(ident, res)) return;
    std::optional<Time> from, to;
    if (!date_range(params, res, from, to)) return;
    std::vector<std::string> bodies;
    // VKP answers only for a patient of this municipality with a matching service (an unknown
    // patient has no records, as in patient/_search); PMD has no service gate.
    const EpjPatient* p = pmd ? nullptr : epj.find(ident);
    if (!pmd && p && !service_need(req, *p)) return missing_service(req, res);
    if (pmd || p) {
        auto secs = [](const std::optional<Time>& t) -> std::optional<int64_t> {
            if (!t) return std::nullopt;
            return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
        };
        auto found =
            journal->records(pmd ? "pmd" : "vkp", orgnr, type, ident, secs(from), secs(to));
        if (!found)
            return reply(res, 500,
                         vkp_outcome("3", "annen feil", found.error().message, "exception"));
        bodies = std::move(found).value();
    }
    std::string out =
        R"({"resourceType":"Bundle","type":"searchset","total":)" + std::to_string(bodies.size());
    if (!bodies.empty()) out += R"(,"entry":[)";
    for (size_t i = 0; i < bodies.size(); ++i)
        out += (i ? "," : "") + std::string(R"({"resource":)") + bodies[i] +
               R"(,"search":{"mode":"match"}})";
    reply(res, 200, out + (bodies.empty() ? "}" : "]}"));
}

}  // namespace vft::mocks::detail
