// The reference trigger adapter for the conformance suite's sender role (docs/conformance.md,
// "Trigger protocol"): a welfare-technology system that reads one instruction file, builds the
// national message with the SDK builders, keeps it in a durable outbox and delivers it to the
// endpoint the instruction names — HelseID-style client_credentials with a private_key_jwt client
// assertion, Bearer tokens for VKP and DPoP for JFT and PMD (vft::client::TokenClient, Auth) — with
// the SDK's delivery loop (vft::Deliverer): the same bytes on every resend, Retry-After honoured,
// a rejection kept as a dead letter.
//
// Usage: example_sender --instruction FILE --key PEM [--kid KID] [--defect NAME]...
//        example_sender --list-defects
// Exit: 0 delivered (or searched) · 1 rejected (OperationOutcome on stderr) or not delivered in
// time · 2 could not run (usage, unreadable instruction or key).
//
// --defect makes it misbehave on purpose so the sender suites can prove they catch it:
//   new-identifier-on-retry  resends with a freshly built message (new identifier)
//   retries-400              treats a rejection (400) as worth retrying
//   ignores-retry-after      waits its own backoff instead of the server's Retry-After
//   reuses-dpop-proof        signs one DPoP proof for the API and sends it on every attempt
//   wrong-service-code       sends a ServiceCodes header other than the instruction's
//   new-identifier-after-token-expiry  builds the message anew (new identifier) when it had to
//                            get a new token (the old one expired or was refused with 401)
//   ignores-patient-order    queues followed_by messages on their own, the newest first, so a
//                            later message of a patient can overtake an earlier one
//   loses-message-on-restart keeps its queue in memory (a per-process outbox file), so a
//                            restart forgets what was not yet acknowledged
//
// Action "resume" (docs/conformance.md, "Restart"): the product was stopped and started again;
// it delivers what its durable outbox still holds, with the stored bytes (same identifier).
//   resends-rejected-apprec  (KITH) sends a message again after its AppRec said Avvist
//   ignores-apprec-errors    (KITH) reports every AppRec as OK, without its errors
//
// KITH (`api` `kith`, action `report-dialog-note`): the Dialogmelding in a MsgHead goes to
// {endpoint}/kith/messages through the same outbox (the MsgId is the outbox identifier, so a
// resend carries it unchanged); the AppRec in the answer is printed on stdout as one JSON line,
// {"apprec":{"msg_id","original_msg_id","status","errors":[{"code","text","detail"}]}}, and the
// exit code is 0 for status 1 or 3, 1 for status 2 (Avvist): docs/conformance.md, "Role sender,
// suite kith".
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <vft/auth/key.hpp>
#include <vft/client/auth.hpp>
#include <vft/client/token_client.hpp>
#include <vft/core/error_codes.hpp>
#include <vft/core/time.hpp>
#include <vft/core/uuid.hpp>
#include <vft/kith/apprec.hpp>
#include <vft/kith/dialog_message.hpp>
#include <vft/messages/alarm.hpp>
#include <vft/messages/dho_note.hpp>
#include <vft/messages/medication.hpp>
#include <vft/messages/supervision.hpp>
#include <vft/outbox/delivery.hpp>
#include <vft/outbox/outbox.hpp>
#include <vft/pmd/measurements.hpp>
#include <vft/transport/http_client.hpp>
#include <vft/transport/http_error.hpp>
#include <vft/transport/retry.hpp>

namespace {

using Json = rapidjson::Value;
using namespace std::chrono;

constexpr int kDelivered = 0, kNotDelivered = 1, kCannotRun = 2;
constexpr const char* kDefects[] = {"ignores-apprec-errors",
                                    "ignores-patient-order",
                                    "ignores-retry-after",
                                    "loses-message-on-restart",
                                    "new-identifier-after-token-expiry",
                                    "new-identifier-on-retry",
                                    "resends-rejected-apprec",
                                    "retries-400",
                                    "reuses-dpop-proof",
                                    "wrong-service-code"};

struct Args {
    std::string instruction, key, kid;
    std::set<std::string> defects;
    bool has(const char* defect) const { return defects.count(defect) > 0; }
};

// ---- reading the instruction ---------------------------------------------------------------

std::string str(const Json& o, const char* name, std::string fallback = {}) {
    if (!o.IsObject() || !o.HasMember(name) || !o[name].IsString()) return fallback;
    return o[name].GetString();
}
double num(const Json& o, const char* name, double fallback = 0) {
    if (!o.IsObject() || !o.HasMember(name) || !o[name].IsNumber()) return fallback;
    return o[name].GetDouble();
}
const Json& member(const Json& o, const char* name) {
    static const Json null;
    return o.IsObject() && o.HasMember(name) ? o[name] : null;
}
vft::Time time_of(const Json& o, const char* name) {
    auto t = vft::parse_fhir_time(str(o, name));
    return t ? *t : floor<seconds>(system_clock::now());
}
vft::Device device_of(const Json& event) {
    const Json& d = member(event, "device");
    return {str(d, "system", "https://fhir.example-sender.no/device/serial"),
            str(d, "value", "EX-0001"), str(d, "display", "Example device")};
}
vft::Practitioner operator_of(const Json& event) {
    const Json& o = member(event, "operator");
    return {str(o, "hpr", "9144900"), "", str(o, "name", "Operatør Example")};
}
vft::JournalNote note_of(const Json& event, vft::Time at, std::string category) {
    vft::JournalNote note;
    note.category = std::move(category);
    note.date = at;
    note.author = operator_of(event);
    note.events = {{"0", at}};
    note.sections = {{"1.1", "Oppfølging", str(event, "text", "Hendelse håndtert.")}};
    return note;
}

// The message the instruction asks for, with the instructed identifier when there is one.
// `fresh` ignores it (the new-identifier-on-retry defect builds a new message on each resend).
vft::Result<vft::Message> build(const std::string& action, const std::string& api, const Json& in,
                                bool fresh) {
    const Json& event = member(in, "event");
    const Json& p = member(in, "patient");
    const vft::Patient patient{str(p, "fnr"), str(p, "name")};
    const std::string id = fresh ? std::string() : str(in, "identifier");
    if (action == "report-alarm") {
        vft::AlarmReport r;
        r.identifier = id;
        r.patient = patient;
        r.alert_code = str(event, "alert_code", "3");
        r.severity = str(event, "severity");
        r.triage = str(event, "triage");
        r.detail = str(event, "detail");
        r.identified = time_of(event, "time");
        r.device = device_of(event);
        r.response = {r.identified, r.identified + minutes(10)};
        r.participants = {{"2", r.device, r.response, std::nullopt}};
        r.location = str(event, "location", "hjemme");
        r.note = note_of(event, r.identified + minutes(12), "1");
        return vft::build_alarm(r);
    }
    if (action == "report-medication-dispense") {
        vft::MedicationDispensed m;
        m.identifier = id;
        m.bundle_id = id;  // VKP gets the bundle form; both carry the instructed identifier
        m.patient = patient;
        m.event = str(event, "event", "1.1");
        m.handed_over = time_of(event, "time");
        m.dispenser = device_of(event);
        m.medication_text = str(event, "medication", "Multidose");
        return api == "jft" ? vft::build_medication_dispense(m) : vft::build_medication_bundle(m);
    }
    if (action == "report-supervision") {
        vft::SupervisionReport s;
        s.identifier = id;
        s.patient = patient;
        s.digital = !member(event, "digital").IsBool() || member(event, "digital").GetBool();
        s.reason = str(event, "reason", "1");
        const vft::Time start = time_of(event, "time");
        s.period = {start, start + minutes(2)};
        s.participants = {{str(event, "mode", "0"), device_of(event), s.period, std::nullopt}};
        s.location = str(event, "location", "hjemme");
        return vft::build_supervision(s);
    }
    if (action == "report-dho-note") {
        vft::DhoNote n;
        n.identifier = id;
        n.patient = patient;
        n.note = note_of(event, time_of(event, "time"), "2");
        n.note.events.clear();
        n.note.sections = {{"1.3", "Kommentar", str(event, "text", "Målinger vurdert.")}};
        return api == "jft" ? vft::build_jft_document(n) : vft::build_dho_note(n);
    }
    if (action == "report-dialog-note") {  // KITH: Dialogmelding 1.1 in MsgHead 1.2
        vft::kith::DialogMessage k;
        k.msg_id = id;  // empty: build_dialog_message makes a new GUID
        const Json& from = member(event, "sender");
        const Json& to = member(event, "receiver");
        // This product's own identity in Adresseregisteret (fixtures/persons: a response
        // centre); an instruction may name another.
        k.sender = {str(from, "name", "Responssenter Vest"), str(from, "orgnr", "812345672"),
                    str(from, "her_id", "8143063"), std::nullopt};
        k.receiver = {str(to, "name"), str(to, "orgnr"), str(to, "her_id"), std::nullopt};
        const Json& op = member(event, "operator");
        if (!str(op, "name").empty())
            k.sender_professional =
                vft::kith::HealthcareProfessional{str(op, "name"), str(op, "hpr"), "", ""};
        k.patient = patient;
        k.tema_code = str(event, "tema_code", "6");
        k.tema_text = str(event, "tema_text");
        k.note_text = str(event, "text", "Hendelse håndtert.");
        return vft::kith::build_dialog_message(k);
    }
    if (action == "report-measurements") {
        vft::pmd::Batch b;
        b.identifier = id;
        b.patient = patient;
        b.performer_orgnr = str(event, "performer_orgnr", str(in, "orgnr"));
        for (const auto& m : member(event, "measurements").GetArray()) {
            vft::pmd::Measurement x;
            const std::string kind = str(m, "kind");
            x.effective = time_of(m, "time");
            if (kind == "blood_pressure") {
                x.kind = vft::pmd::VitalSign::blood_pressure;
                x.systolic = num(m, "systolic");
                x.diastolic = num(m, "diastolic");
            } else {
                x.kind = kind == "oxygen_saturation"  ? vft::pmd::VitalSign::oxygen_saturation
                         : kind == "body_temperature" ? vft::pmd::VitalSign::body_temperature
                         : kind == "body_weight"      ? vft::pmd::VitalSign::body_weight
                                                      : vft::pmd::VitalSign::heart_rate;
                x.value = num(m, "value");
            }
            b.measurements.push_back(x);
        }
        return vft::pmd::build_batch(b);
    }
    return vft::Error{std::string(vft::errc::build_invalid_value),
                      "unknown action '" + action + "'",
                      "action",
                      "see docs/conformance.md for the actions",
                      0,
                      false};
}

// Where a message goes: the outbox endpoint key and the URL under the instruction's endpoint.
// The outbox endpoint of a message (vft::delivery_url turns it into the URL).
std::string endpoint_for(const std::string& api, const vft::Message& m) {
    if (api == "jft") return "jft:" + m.resource_type;
    if (api == "pmd") return "pmd:batch";
    if (api == "kith") return "kith:messages";
    return "vkp:bundle";
}

// ---- delivery ------------------------------------------------------------------------------

struct Delivery {
    const Args& args;
    const rapidjson::Document& in;
    vft::transport::HttpClient http;
    vft::client::Auth auth = vft::client::Auth::none();  // Bearer (VKP), DPoP (JFT, PMD)
    std::string api, action, orgnr, scope;
    std::string saved_proof;                 // reuses-dpop-proof only
    std::optional<vft::DeliveryEvent> last;  // the last attempt's event (KITH: its AppRec)
    // new-identifier-after-token-expiry only: the Authorization the message was first sent
    // with, and whether a new one was seen (the message is then rebuilt before it is sent).
    std::string first_authorization;
    bool rebuild = false;

    std::string service_codes() const {
        std::string codes;
        for (const auto& c : member(in, "service_codes").GetArray())
            codes += (codes.empty() ? "" : ",") + std::string(c.GetString());
        if (args.has("wrong-service-code")) return codes == "RT" ? "TA" : "RT";
        return codes;
    }

    // One request, authorised afresh (a new DPoP proof each time); once more when the answer
    // asks for a DPoP nonce or a new token (401).
    vft::Result<vft::transport::HttpResponse> send(const std::string& url, const std::string& type,
                                                   const std::string& body) {
        vft::transport::HttpRequest req{"POST", url, {{"Content-Type", type}}, body};
        if (api == "vkp") req.headers.emplace_back("ServiceCodes", service_codes());
        if (api == "jft") req.headers.emplace_back("nhn-source-system", "vft example_sender");
        for (int round = 0;; ++round) {
            if (auto a = auth.authorize(req, {scope}); !a) return a.error();
            if (args.has("reuses-dpop-proof")) {  // defect: the first proof, again and again
                for (auto& [name, value] : req.headers)
                    if (name == "DPoP")
                        value = saved_proof.empty() ? saved_proof = value : saved_proof;
            }
            auto res = http.send(req);
            if (!res || round > 0 ||
                auth.on_response(req, *res, {scope}) == vft::client::Auth::Resend::no)
                return res;
        }
    }
};

int search_patient(Delivery& d) {
    const std::string url = str(d.in, "endpoint") + "/epj/r4/" + d.orgnr + "/patient/_search";
    const std::string fnr = str(member(d.in, "patient"), "fnr");
    for (int attempt = 1; attempt <= 4; ++attempt) {
        auto res = d.send(url, "application/x-www-form-urlencoded", "identifier=" + fnr);
        if (res && res->status == 200) {
            std::cout << "search answered (" << res->body.size() << " bytes)\n";
            return kDelivered;
        }
        const bool retry =
            res ? vft::transport::retryable_status(res->status) : res.error().retryable;
        if (!retry) {
            std::cerr << (res ? vft::transport::error_from_response(*res) : res.error()).to_string()
                      << "\n";
            return kNotDelivered;
        }
        std::this_thread::sleep_for(vft::transport::backoff_for({}, attempt, std::nullopt, 7));
    }
    return kNotDelivered;
}

// Delivers what the outbox holds with the SDK's delivery loop: the stored bytes on every attempt
// (so the identifier never changes), fresh Authorization/DPoP headers per attempt, backoff and
// Retry-After kept in the outbox, a rejection moved to the dead letters.
int deliver(Delivery& d, vft::Outbox& outbox, const vft::OutboxEntry& first) {
    vft::DeliveryOptions o;
    o.base_url = str(d.in, "endpoint");
    o.orgnr = d.orgnr;
    if (d.api == "vkp") {
        const std::string codes = d.service_codes();
        for (size_t at = 0; at <= codes.size();) {
            const size_t comma = std::min(codes.find(',', at), codes.size());
            o.service_codes.push_back(codes.substr(at, comma - at));
            at = comma + 1;
        }
    }
    if (d.api == "jft") o.source_system = "vft example_sender";
    o.poll_interval = milliseconds(20);
    o.retry.initial_backoff = milliseconds(200);
    o.retry.max_retry_after = d.args.has("ignores-retry-after") ? milliseconds(0) : seconds(30);
    o.auth =
        [&d](std::string_view method, std::string_view url,
             std::string_view) -> vft::Result<std::vector<std::pair<std::string, std::string>>> {
        auto headers = d.auth.headers_for(method, url, {d.scope});
        if (headers && d.args.has("reuses-dpop-proof"))  // defect: the first proof every time
            for (auto& [name, value] : *headers)
                if (name == "DPoP")
                    value = d.saved_proof.empty() ? d.saved_proof = value : d.saved_proof;
        if (headers && d.args.has("new-identifier-after-token-expiry"))
            for (const auto& [name, value] : *headers)
                if (name == "Authorization" && value != d.first_authorization) {
                    if (!d.first_authorization.empty()) {
                        // Defect: a new token, so the event is treated as a new message.
                        d.first_authorization = value;
                        d.rebuild = true;
                        return vft::Error{std::string(vft::errc::auth_token_request),
                                          "a new token: the message is built again",
                                          "",
                                          "",
                                          0,
                                          true};
                    }
                    d.first_authorization = value;
                }
        return headers;
    };
    // A 401 (expired or refused token: the token is dropped) or a DPoP nonce challenge: the
    // same bytes once more at once with fresh headers (vft::client::Auth::on_response).
    o.auth_response = [&d](std::string_view, const vft::transport::HttpRequest& sent,
                           const vft::transport::HttpResponse& response) {
        return d.auth.on_response(sent, response, {d.scope}) != vft::client::Auth::Resend::no;
    };
    std::optional<vft::DeliveryEvent> last;
    int rejected_retries = 0, unauthorized = 0;
    o.observer = [&](const vft::DeliveryEvent& e) {
        last = e;
        // A receiver that keeps refusing our credentials will not change its mind: after three
        // 401s in a row the message goes to the dead letters for an operator to look at.
        unauthorized = e.status == 401 ? unauthorized + 1 : 0;
        if (e.verdict == vft::DeliveryVerdict::retry && unauthorized >= 3) {
            (void)outbox.mark_dead(e.seq, 401, "three 401 answers in a row");
            last->verdict = vft::DeliveryVerdict::dead;
            last->outcome = "the receiver refused the credentials three times in a row";
            return;
        }
        if (e.verdict == vft::DeliveryVerdict::retry &&
            (d.args.has("new-identifier-on-retry") || std::exchange(d.rebuild, false))) {
            // Defect: the event is built again as a new message for the resend.
            if (auto again = build(d.action, d.api, d.in, true)) {
                vft::OutboxEntry x = first;
                x.identifier = again->identifier;
                x.body = again->body;
                (void)outbox.drop(e.seq);
                if (auto seq = outbox.enqueue(x))
                    (void)outbox.mark_retry(*seq, e.next_attempt_ms, "resend");
                return;
            }
        }
        if (e.verdict == vft::DeliveryVerdict::dead && d.args.has("retries-400") &&
            rejected_retries++ < 2)
            (void)outbox.retry_dead(e.seq);  // defect: a rejection is sent again
    };
    auto deliverer = vft::Deliverer::create(outbox, o);
    if (!deliverer) {
        std::cerr << deliverer.error().to_string() << "\n";
        return kCannotRun;
    }
    auto idle = deliverer->run_until_idle(steady_clock::now() + seconds(90));
    d.last = last;
    if (!idle) {
        std::cerr << idle.error().to_string() << "\n";
        return kNotDelivered;
    }
    if (last && last->verdict == vft::DeliveryVerdict::delivered) {
        std::cout << "delivered " << last->identifier << " (" << last->status << ", attempt "
                  << last->attempt << ")\n";
        return kDelivered;
    }
    if (last && last->verdict == vft::DeliveryVerdict::dead) {
        std::cerr << "not delivered: " << (last->error ? last->error->to_string() : "rejected")
                  << "\n"
                  << last->outcome << "\n";
        return kNotDelivered;
    }
    if (!last) {  // nothing was due: settled by an earlier invocation for this test?
        auto delivered = outbox.list(vft::OutboxState::delivered, 1000);
        for (const auto& x : delivered ? *delivered : std::vector<vft::OutboxMessage>{})
            if (x.entry.identifier == first.identifier) {
                std::cout << "delivered " << first.identifier << " (earlier invocation)\n";
                return kDelivered;
            }
    }
    std::cerr << "not delivered before the deadline ("
              << (last && last->error ? last->error->to_string() : "no answer")
              << "); the message stays in the outbox\n";
    return kNotDelivered;
}

// KITH: hands the AppRec to the product — here, one JSON line on stdout the runner records — and
// says by the exit code whether the receiver took the message (status 1 or 3) or not (2).
int report_apprec(Delivery& d, const vft::OutboxEntry& entry) {
    vft::kith::AppRec a = *d.last->apprec;
    if (d.args.has("ignores-apprec-errors")) {  // defect: every receipt is "OK"
        a.status = vft::kith::AppRecStatus::ok;
        a.errors.clear();
    }
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("apprec");
    w.StartObject();
    w.Key("msg_id");
    w.String(entry.identifier.c_str());
    w.Key("original_msg_id");
    w.String(a.original_msg_id.c_str());
    w.Key("status");
    w.Int(static_cast<int>(a.status));
    w.Key("errors");
    w.StartArray();
    for (const auto& e : a.errors) {
        w.StartObject();
        w.Key("code");
        w.String(e.code.c_str());
        w.Key("text");
        w.String(e.text.c_str());
        w.Key("detail");
        w.String(e.detail.c_str());
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
    std::cout << b.GetString() << std::endl;
    if (a.status != vft::kith::AppRecStatus::rejected) return kDelivered;
    if (d.args.has("resends-rejected-apprec")) {  // defect: the same message again, twice
        for (int again = 0; again < 2; ++again)
            (void)d.send(str(d.in, "endpoint") + "/kith/messages", "application/xml; charset=utf-8",
                         entry.body);
    }
    std::cerr << "rejected: AppRec status 2 (Avvist)";
    for (const auto& e : d.last->apprec->errors)
        std::cerr << " " << e.code << " " << e.text;
    std::cerr << "\n";
    return kNotDelivered;
}

std::optional<Args> parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--instruction")
            a.instruction = value;
        else if (flag == "--key")
            a.key = value;
        else if (flag == "--kid")
            a.kid = value;
        else if (flag == "--defect" &&
                 std::find(std::begin(kDefects), std::end(kDefects), value) != std::end(kDefects))
            a.defects.insert(value);
        else
            return std::nullopt;
    }
    if (a.instruction.empty() || argc % 2 == 0) return std::nullopt;
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string(argv[1]) == "--list-defects") {
        for (const char* d : kDefects)
            std::cout << d << "\n";
        return kDelivered;
    }
    const auto args = parse_args(argc, argv);
    if (!args) {
        std::cerr << "usage: example_sender --instruction FILE --key PEM [--kid KID] "
                     "[--defect NAME]...\n";
        return kCannotRun;
    }
    std::ifstream file(args->instruction);
    std::stringstream text;
    text << file.rdbuf();
    rapidjson::Document in;
    in.Parse(text.str().c_str());
    if (!file || in.HasParseError() || !in.IsObject() || num(in, "version") != 1) {
        std::cerr << "cannot read instruction " << args->instruction
                  << ": not a version 1 instruction JSON object\n";
        return kCannotRun;
    }
    const std::string action = str(in, "action"), api = str(in, "api", "vkp");
    for (const char* required : {"endpoint", "action", "outbox"})
        if (str(in, required).empty()) {
            std::cerr << "instruction member '" << required << "' is missing\n";
            return kCannotRun;
        }
    auto http = vft::transport::HttpClient::create({});
    if (!http) return kCannotRun;
    Delivery d{
        *args,        in, *http, vft::client::Auth::none(), api, action, str(in, "orgnr"), "", "",
        std::nullopt, "", false};
    // The scopes a real product is registered for (domain §3.1–3.3; PMD sits behind the JFT
    // gateway and takes its scope, docs/mocks.md).
    d.scope = api == "jft" || api == "pmd" ? "nhn:jft/api"
              : api == "kith"              ? "nhn:kith/api"
              : action == "search-patient" ? "nhn:vkp/api/user/patient.read"
                                           : "nhn:vkp/api/user/bundle.write";
    if (!str(in, "token_url").empty()) {  // HelseID: client_credentials + private_key_jwt
        auto key = vft::auth::Key::load_file(args->key);
        if (!key) {
            std::cerr << key.error().to_string() << "\n";
            return kCannotRun;
        }
        vft::client::TokenClientOptions t;
        t.token_url = str(in, "token_url");
        t.client_id = str(in, "client_id");
        t.client_key = *key;
        t.kid = args->kid;
        if (api == "jft" || api == "pmd") {  // DPoP with a key of its own, fresh per process
            auto dpop_key = vft::auth::Key::generate(vft::auth::Algorithm::es256);
            if (!dpop_key) {
                std::cerr << dpop_key.error().to_string() << "\n";
                return kCannotRun;
            }
            t.dpop_key = *dpop_key;
        }
        auto tokens = vft::client::TokenClient::create(t);
        auto auth = !tokens                         ? vft::Result<vft::client::Auth>(tokens.error())
                    : api == "vkp" || api == "kith" ? vft::client::Auth::bearer(*tokens)
                                                    : vft::client::Auth::dpop(*tokens);
        if (!auth) {
            std::cerr << auth.error().to_string() << "\n";
            return kCannotRun;
        }
        d.auth = *auth;
    }
    if (action == "search-patient") return search_patient(d);

    std::filesystem::create_directories(str(in, "outbox"));
    // The durable outbox survives a restart; with the defect the queue lives as long as the
    // process (a file of its own per process: nothing of it is found after a restart).
    const std::string outbox_file =
        str(in, "outbox") + (args->has("loses-message-on-restart")
                                 ? "/memory-" + std::to_string(getpid()) + ".db"
                                 : "/outbox.db");
    auto outbox = vft::Outbox::open({.path = outbox_file});
    if (!outbox) {
        std::cerr << outbox.error().to_string() << "\n";
        return kCannotRun;
    }
    if (action == "resume") {
        // Restarted: deliver what the outbox still holds (the stored bytes, same identifier).
        auto pending = outbox->list(vft::OutboxState::pending, 1);
        if (!pending) {
            std::cerr << pending.error().to_string() << "\n";
            return kCannotRun;
        }
        if (pending->empty()) {
            std::cout << "resumed: nothing pending in the outbox\n";
            return kDelivered;
        }
        return deliver(d, *outbox, pending->front().entry);
    }

    // Build once, keep it durably, and resend exactly these bytes until the receiver answers.
    auto message = build(action, api, in, false);
    if (!message) {
        std::cerr << "cannot build the message: " << message.error().to_string() << "\n";
        return kNotDelivered;
    }
    const std::string content_type =
        api == "kith" ? "application/xml; charset=utf-8" : "application/fhir+json";
    const vft::OutboxEntry entry{message->identifier, str(member(in, "patient"), "fnr"),
                                 endpoint_for(api, *message), content_type, message->body};
    // followed_by: more events of the same kind for the same patient, after this one. Each is
    // a message of its own, queued behind it: the outbox delivers one patient's messages in
    // order, so a later one never overtakes an earlier one that is backing off.
    std::vector<vft::OutboxEntry> queue = {entry};
    const Json& more = member(in, "followed_by");
    for (rapidjson::SizeType n = 0; more.IsArray() && n < more.Size(); ++n) {
        rapidjson::Document next;
        next.CopyFrom(in, next.GetAllocator());
        for (const char* name : {"event", "identifier"}) {
            if (next.HasMember(name)) next.RemoveMember(name);
            if (more[n].IsObject() && more[n].HasMember(name))
                next.AddMember(rapidjson::Value(name, next.GetAllocator()),
                               rapidjson::Value(more[n][name], next.GetAllocator()),
                               next.GetAllocator());
        }
        auto m = build(action, api, next, false);
        if (!m) {
            std::cerr << "cannot build followed_by[" << n << "]: " << m.error().to_string() << "\n";
            return kNotDelivered;
        }
        queue.push_back(
            {m->identifier, entry.ordering_key, endpoint_for(api, *m), content_type, m->body});
    }
    if (args->has("ignores-patient-order")) {
        // Defect: every message on its own (no order per patient), the newest first.
        std::reverse(queue.begin(), queue.end());
        for (auto& e : queue)
            e.ordering_key = e.identifier;
    }
    for (const auto& e : queue)
        if (auto seq = outbox->enqueue(e); !seq) {
            std::cerr << seq.error().to_string() << "\n";
            return kCannotRun;
        }
    const int delivered = deliver(d, *outbox, entry);
    if (api != "kith" || !d.last || !d.last->apprec) return delivered;
    return report_apprec(d, entry);
}
