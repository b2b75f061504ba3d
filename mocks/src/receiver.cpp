// The reference receiver's HTTP surface. Every write is judged by the SDK validator at the
// configured level; accepted messages are journaled once per identifier, and the resources they
// bring are readable again through the search endpoints (as a real EPJ's would be). Named
// defects (--defect) are small branches at the place the correct behaviour lives; see
// docs/mocks-defects.md for what each one does and how a suite observes it.
#include "vft/mocks/receiver.hpp"

#include <openssl/sha.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "auth_check.hpp"
#include "client/client_util.hpp"
#include "epj_data.hpp"
#include "faults.hpp"
#include "http/server.hpp"
#include "journal.hpp"
#include "receiver_router.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/messages/search.hpp"
#include "vft/mocks/defects.hpp"
#include "write_pairs.hpp"

namespace vft::mocks {
namespace http = ::vft::detail::http;
namespace {

using detail::StoredOutcome;
using JValue = rapidjson::Value;

// The fault rule that fired for the request this worker thread is handling: set by the fault
// hook at the start of every request (the hook, the handler and the post-routing handler run on
// one thread), read by the handler ("duplicate") and after routing ("slow-body").
thread_local std::optional<detail::FaultRule> t_fault;

constexpr const char* kFhirJson = "application/fhir+json; charset=utf-8";
constexpr const char* kVkpErrors = "http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090";

std::string escape(std::string_view s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(b.GetString(), b.GetSize());
}

// The meta.tag the mock puts on a JFT event once $journaling-acknowledged, and the value of the
// _tag / _tag:not search filters (specs/DECISIONS.md D-JFT-TAG).
constexpr const char* kJftAckTagSystem = "https://fhir.jft.nhn.no/journaling-status";
constexpr const char* kJftAckTagCode = "journaling-acknowledged";

// A stored JFT event as the ReadAPI returns it: meta.lastUpdated is when it was received, and an
// acknowledged event carries the journaling-acknowledged tag. A body that does not parse (it was
// validated on the way in, so this does not happen) is returned as stored.
std::string with_jft_meta(const detail::Journal::Found& f) {
    rapidjson::Document d;
    if (d.Parse(f.body.data(), f.body.size()).HasParseError() || !d.IsObject()) return f.body;
    auto& a = d.GetAllocator();
    if (!d.HasMember("meta") || !d["meta"].IsObject())
        d.RemoveMember("meta"), d.AddMember("meta", JValue(rapidjson::kObjectType), a);
    JValue& meta = d["meta"];
    meta.RemoveMember("lastUpdated");
    meta.AddMember("lastUpdated", JValue(f.received.c_str(), a), a);
    if (!f.journaled_at.empty()) {
        if (!meta.HasMember("tag") || !meta["tag"].IsArray())
            meta.RemoveMember("tag"), meta.AddMember("tag", JValue(rapidjson::kArrayType), a);
        JValue tag(rapidjson::kObjectType);
        tag.AddMember("system", JValue(kJftAckTagSystem, a), a);
        tag.AddMember("code", JValue(kJftAckTagCode, a), a);
        meta["tag"].PushBack(tag, a);
    }
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    d.Accept(w);
    return std::string(b.GetString(), b.GetSize());
}

// An OperationOutcome with one issue carrying a VKP error code (vkp-operation-outcome-v090) and
// its official display (specs/upstream/vkp-r4/CodeSystem, vkp-operation-outcome-v090).
std::string vkp_outcome(std::string_view vkp_code, std::string_view display, std::string_view text,
                        std::string_view issue_code = "invalid") {
    return std::string(
               R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":")") +
           std::string(issue_code) + R"(","details":{"coding":[{"system":")" + kVkpErrors +
           R"(","code":")" + std::string(vkp_code) + R"(","display":")" + std::string(display) +
           R"("}],"text":)" + escape(text) + "}}]}";
}

// The validator's OperationOutcome, led by VKP code 2.4 InvalidFormat so VKP clients see the class.
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

// application/x-www-form-urlencoded, as VKP's _search endpoints take (domain §3.1).
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

// "urn:oid:2.16.578.1.12.4.1.4.1|<fnr>" or just "<fnr>".
std::string person_param(const std::string& v) {
    const auto bar = v.find('|');
    return bar == std::string::npos ? v : v.substr(bar + 1);
}

bool json_content_type(const http::Request& req) {
    const std::string ct = req.get_header_value("Content-Type");
    const std::string base = ct.substr(0, ct.find(';'));
    return base == "application/fhir+json" || base == "application/json";
}

std::string to_json(const JValue& v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return std::string(b.GetString(), b.GetSize());
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

const JValue* member(const JValue& v, const char* k) {
    if (!v.IsObject()) return nullptr;
    auto it = v.FindMember(k);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

std::string str(const JValue* v) {
    return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
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

// The resources a journaled message brings into the EPJ: the resource itself, or each readable
// entry of a bundle (except the entries in `skip`, which PMD answered with an error).
std::vector<detail::Record> records_of(const rapidjson::Document& d, bool mangle,
                                       const std::set<size_t>& skip = {}) {
    std::vector<detail::Record> out;
    auto add = [&](const JValue& r, const JValue* entries) {
        const std::string type = str(member(r, "resourceType"));
        if (!readable_type(type)) return;
        // A resource written on its own is the journaled message: its body is not stored twice.
        std::string body = entries ? to_json(r) : std::string();
        out.push_back({type, patient_of(r, entries), when_of(r, type),
                       mangle ? latin1_mojibake(body) : std::move(body)});
    };
    const std::string type = str(member(d, "resourceType"));
    if (type != "Bundle") {
        add(d, nullptr);
        return out;
    }
    const JValue* entries = member(d, "entry");
    if (!entries || !entries->IsArray()) return out;
    for (rapidjson::SizeType i = 0; i < entries->Size(); ++i)
        if (const JValue* r = member((*entries)[i], "resource"); r && !skip.count(i))
            add(*r, entries);
    return out;
}

}  // namespace

struct Receiver::Impl {
    ReceiverOptions options;
    detail::EpjData epj;
    std::unique_ptr<detail::Faults> faults;
    std::unique_ptr<detail::AuthChecker> auth;  // null = --auth none
    std::unique_ptr<detail::Journal> journal;
    Validator validator;
    http::Server server;
    std::string base_url;
    Defects defects;
    std::atomic<int> writes_in_flight{0};
    detail::WritePairs write_pairs{std::chrono::seconds(1)};  // lost-write-under-load

    Impl(ReceiverOptions o, std::unique_ptr<detail::Journal> j, Validator v)
        : options(std::move(o)), journal(std::move(j)), validator(std::move(v)) {}

    // Closes the connection before the response is complete.
    static void drop(http::Response& res) {
        res.status = 200;
        res.body.clear();
        res.drop();
    }

    // Sends the response body in pieces with a pause before each ("slow-body" fault).
    static void slow_body(http::Response& res, const detail::FaultRule& rule) {
        res.pace(rule.latency_ms, static_cast<size_t>(rule.chunk_bytes));
    }

    static void reply(http::Response& res, int status, const std::string& body,
                      const char* type = kFhirJson) {
        res.status = status;
        res.set_content(body, type);
    }

    // Common gate for FHIR writes: content type, parse. Returns false when a reply was sent.
    bool fhir_body(const http::Request& req, http::Response& res, rapidjson::Document& d) {
        if (!json_content_type(req) && !defects.has("accepts-wrong-content-type")) {
            reply(res, 415,
                  vkp_outcome(
                      "2.4", "ugyldig format",
                      "Content-Type must be application/fhir+json (or application/json), got '" +
                          req.get_header_value("Content-Type") + "'",
                      "not-supported"));
            return false;
        }
        d.Parse(req.body.data(), req.body.size());
        if (d.HasParseError() || !d.IsObject()) {
            const auto report = validator.validate(req.body, {options.level, ""});
            reply(res, invalid_status(), invalid_outcome(report));
            return false;
        }
        return true;
    }

    // 400 for a message that does not conform; the server-error-on-invalid defect says 500.
    int invalid_status() const { return defects.has("server-error-on-invalid") ? 500 : 400; }

    bool orgnr_ok(const std::string& orgnr, http::Response& res) {
        if (!check_orgnr(orgnr) ||
            (!options.served_orgnrs.empty() &&
             std::find(options.served_orgnrs.begin(), options.served_orgnrs.end(), orgnr) ==
                 options.served_orgnrs.end())) {
            reply(
                res, 400,
                vkp_outcome("2.2", "ugyldig systemidentifikator",
                            "organisation number '" + orgnr + "' is malformed or not served here"));
            return false;
        }
        return true;
    }

    // Validates and journals once; `accepted` builds the outcome of the first submission.
    void write(
        const std::string& api, const std::string& spec, const std::string& orgnr,
        const http::Request& req, http::Response& res,
        const std::function<StoredOutcome(const std::string&, const ValidationReport&)>& accepted) {
        const InFlight in_flight(writes_in_flight);
        rapidjson::Document d;
        if (!fhir_body(req, res, d)) return;
        const auto report = validator.validate(req.body, {options.level, spec});
        if (!report.valid() && !defects.has("accepts-invalid-bundles")) {
            // Rejections are not journaled: the identifier stays free for a corrected message.
            reply(res, invalid_status(), invalid_outcome(report));
            return;
        }
        write_valid(
            api, orgnr, d, req, res, records_of(d, defects.has("mangles-norwegian-characters")),
            [&](const std::string& id) { return accepted(id, report); }, in_flight);
    }

    // Counts the writes being handled (from the body's arrival to the answer), for
    // lost-write-under-load.
    struct InFlight {
        std::atomic<int>& n;
        int at_start;
        explicit InFlight(std::atomic<int>& c) : n(c), at_start(++c) {}
        ~InFlight() { --n; }
        InFlight(const InFlight&) = delete;
        InFlight& operator=(const InFlight&) = delete;
    };

    // A write is under load when it is the second of two overlapping writes (detail::WritePairs:
    // deterministic, no timing window decides; a write alone waits at most 1 s for a pair). One
    // client writing in sequence is never under load.
    bool under_load(const http::Request&, const InFlight&) { return write_pairs.second_of_pair(); }

    // Journals a judged message (once per identifier) with the resources it brings, and answers
    // with the outcome of its first submission.
    void write_valid(const std::string& api, const std::string& orgnr, const rapidjson::Document& d,
                     const http::Request& req, http::Response& res,
                     const std::vector<detail::Record>& records,
                     const std::function<StoredOutcome(const std::string&)>& accepted,
                     const InFlight& in_flight) {
        StoredOutcome lost;
        // lost-write-under-load: the second write of each overlapping pair is answered as
        // accepted and never journaled.
        if (defects.has("lost-write-under-load") && under_load(req, in_flight))
            lost = accepted(new_uuid());
        const bool mangle = defects.has("mangles-norwegian-characters");
        auto record = [&] {
            return journal->record_once(api, identifier_of(d, req.body),
                                        str(member(d, "resourceType")), orgnr,
                                        mangle ? latin1_mojibake(to_json(d)) : req.body, accepted,
                                        records, !defects.has("journals-duplicates"));
        };
        // "duplicate" fault: the first arrival is handled and its answer lost, as behind a proxy
        // that replays the request.
        if (t_fault && t_fault->action == "duplicate" && lost.status == 0) (void)record();
        auto stored = lost.status != 0 ? Result<StoredOutcome>(lost) : record();
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

    void routes() {
        http::ServerOptions http_options;
        // no-body-limit ignores --max-body; the mock itself still stops at 256 MiB.
        http_options.max_body_bytes =
            defects.has("no-body-limit") ? size_t{256} << 20 : options.max_body_bytes;
        http_options.max_headers = options.http.max_headers;
        http_options.max_header_bytes = options.http.max_header_bytes;
        http_options.max_connections = options.http.max_connections;
        http_options.request_timeout_s = options.http.request_timeout_s;
        http_options.idle_timeout_s = options.http.idle_timeout_s;
        http_options.threads = options.threads;
        server.set_options(http_options);
        std::function<http::Server::HandlerResponse(const http::Request&, http::Response&)>
            fault_hook;
        if (faults) {
            fault_hook = ([this](const http::Request& req, http::Response& res) {
                t_fault = faults->fire(req.method, req.path);
                const auto& rule = t_fault;
                if (!rule) return http::Server::HandlerResponse::Unhandled;
                if (rule->action == "latency") {
                    std::this_thread::sleep_for(std::chrono::milliseconds(rule->latency_ms));
                    return http::Server::HandlerResponse::Unhandled;
                }
                if (rule->action == "status") {
                    // Answered before the body is read: the unread body would be parsed as the
                    // next request on a kept-alive connection (a 400 for the client's next
                    // message). Closing makes the client reconnect.
                    res.set_header("Connection", "close");
                    if (!rule->retry_after.empty())
                        res.set_header("Retry-After", rule->retry_after);
                    reply(res, rule->status,
                          vkp_outcome("3", "annen feil", "injected fault", "transient"));
                    return http::Server::HandlerResponse::Handled;
                }
                if (rule->action == "drop-after") {
                    res.set_header("X-Vft-Drop",
                                   "after");  // processed normally; the post-routing hook drops it
                    return http::Server::HandlerResponse::Unhandled;
                }
                if (rule->action == "drop-before") {
                    drop(res);  // nothing processed
                    return http::Server::HandlerResponse::Handled;
                }
                // slow-body, duplicate: processed normally, acted on by the handler (duplicate)
                // or after routing (slow-body).
                return http::Server::HandlerResponse::Unhandled;
            });
        }
        // Token checks (auth_check.hpp) come after the injected faults: a failing network or
        // proxy answers before the API sees the token.
        server.set_pre_routing_handler(
            [this, fault_hook](const http::Request& req, http::Response& res) {
                if (host_refused(req, res)) return http::Server::HandlerResponse::Handled;
                if (fault_hook && fault_hook(req, res) == http::Server::HandlerResponse::Handled)
                    return http::Server::HandlerResponse::Handled;
                return auth ? check_token(req, res) : http::Server::HandlerResponse::Unhandled;
            });
        server.set_post_routing_handler([this](const http::Request&, http::Response& res) {
            if (faults && res.get_header_value("X-Vft-Drop") == "after") return drop(res);
            if (res.status >= 400 && defects.has("no-operation-outcome")) {
                res.body.clear();
                res.headers.erase("Content-Type");
                res.headers.erase("Content-Length");  // httplib has set it for the old body
                res.set_header("Content-Length", "0");
            }
            // Last: it sends whatever body the answer ends up with.
            if (faults && t_fault && t_fault->action == "slow-body") slow_body(res, *t_fault);
        });
        // Also answers what the HTTP engine refuses before routing (docs/http-engine.md).
        server.set_error_handler([this](const http::Request&, http::Response& res) {
            if (!res.body.empty() || defects.has("no-operation-outcome")) return;
            struct Why {
                const char* vkp;
                const char* display;
                const char* text;
                const char* issue;
            };
            const Why why =
                res.status == 413
                    ? Why{"2.4", "ugyldig format", "the body is larger than this receiver accepts",
                          "too-costly"}
                : res.status == 404 ? Why{"3", "annen feil", "no such endpoint", "not-found"}
                : res.status == 431
                    ? Why{"3", "annen feil", "too many or too large request header fields",
                          "too-costly"}
                : res.status == 400 ? Why{"3", "annen feil",
                                          "malformed request (RFC 9112: two Content-Length, or "
                                          "Content-Length with Transfer-Encoding)",
                                          "structure"}
                : res.status == 503
                    ? Why{"3", "annen feil", "the receiver is stopping", "transient"}
                    : Why{"3", "annen feil", "request refused", "not-found"};
            reply(res, res.status, vkp_outcome(why.vkp, why.display, why.text, why.issue));
        });

        // VKP R4: journaling (bundle and single resources).
        server.Post(
            R"(/epj/r4/([^/]+)/(bundle|composition|medicationdispense|encounter|detectedissue))",
            [this](const http::Request& req, http::Response& res) {
                const std::string orgnr = req.matches[1];
                if (!orgnr_ok(orgnr, res)) return;
                write("vkp", "vkp-r4", orgnr, req, res,
                      [](const std::string&, const ValidationReport& r) {
                          return StoredOutcome{201, r.to_operation_outcome(), {}, kFhirJson, 1};
                      });
            });

        // JFT WriteAPI: 202 + status location.
        server.Post(R"(/v1/(Bundle|Composition|MedicationDispense))", [this](
                                                                          const http::Request& req,
                                                                          http::Response& res) {
            const std::string type = req.matches[1];
            write("jft", "jft", "", req, res, [&](const std::string& id, const ValidationReport&) {
                if (defects.has("jft-200-instead-of-202"))
                    return StoredOutcome{200, {}, {}, kFhirJson, 1};
                return StoredOutcome{
                    202, {}, base_url + "/v1/" + type + "/" + id + "/$status", kFhirJson, 1};
            });
        });
        server.Get(R"(/v1/(Bundle|Composition|MedicationDispense)/([0-9a-f-]+)/\$status)",
                   [this](const http::Request& req, http::Response& res) {
                       auto e = journal->by_resource_id(req.matches[1], req.matches[2]);
                       if (!e || !*e)
                           return reply(
                               res, 404,
                               vkp_outcome("3", "annen feil", "no such resource", "not-found"));
                       const auto& x = **e;
                       auto ts = [](const std::string& s) {
                           return s.empty() ? std::string("null") : "\"" + s + "\"";
                       };
                       reply(res, 200,
                             R"({"registered":)" + ts(x.status_registered) + R"(,"read":)" +
                                 ts(x.status_read) + R"(,"journaled":)" + ts(x.status_journaled) +
                                 R"(,"failed":null})",
                             "application/json");
                   });
        server.Post(
            R"(/v1/(Bundle|Composition|MedicationDispense)/([0-9a-f-]+)/\$journaling-acknowledged)",
            [this](const http::Request& req, http::Response& res) {
                // jft-status-stuck: the acknowledgement is answered but never recorded.
                auto ok =
                    journal->mark(req.matches[1], req.matches[2],
                                  defects.has("jft-status-stuck") ? "read_at" : "journaled_at");
                if (!ok || !*ok)
                    return reply(res, 404,
                                 vkp_outcome("3", "annen feil", "no such resource", "not-found"));
                (void)journal->mark(req.matches[1], req.matches[2], "read_at");
                res.status = 202;
                res.set_header("Location", base_url + "/v1/" + std::string(req.matches[1]) + "/" +
                                               std::string(req.matches[2]) + "/$status");
            });

        // VKP R4 retrieval: patient, services (EpisodeOfCare), visit plans (CarePlan).
        server.Post(R"(/epj/r4/([^/]+)/(patient|episodeofcare|careplan)/_search)",
                    [this](const http::Request& req, http::Response& res) { search(req, res); });
        // VKP R4 read-back of what was journaled (Composition as in domain §3.1; the other
        // journaled resource types the same way), so a suite can check "journaled once" and
        // "text kept" through the API an EPJ offers.
        server.Post(
            R"(/epj/r4/([^/]+)/(composition|medicationdispense|encounter|detectedissue)/_search)",
            [this](const http::Request& req, http::Response& res) { journaled_search(req, res); });

        // KITH: a MsgHead with a Dialogmelding; the AppRec comes back in the response.
        server.Post("/kith/messages",
                    [this](const http::Request& req, http::Response& res) { kith(req, res); });

        // JFT ReadAPI search (domain §3.2): keyset paging with an opaque cursor, _count, _sort by
        // _lastUpdated; reading marks each event `read`.
        server.Get(R"(/v1/(Bundle|Composition|MedicationDispense))",
                   [this](const http::Request& req, http::Response& res) {
                       jft_search(req, res, req.params);
                   });
        // The older form of the same search: POST .../_search with a form body.
        server.Post(R"(/v1/(Bundle|Composition|MedicationDispense)/_search)",
                    [this](const http::Request& req, http::Response& res) {
                        auto params = form(req.body);
                        params.insert(req.params.begin(), req.params.end());
                        jft_search(req, res, params);
                    });

        // PMD: a batch of Observations; each entry answered on its own.
        server.Post("/pmd",
                    [this](const http::Request& req, http::Response& res) { pmd(req, res); });
        server.Post(
            "/pmd/Observation/_search",
            [this](const http::Request& req, http::Response& res) { journaled_search(req, res); });

        // Test hook: what was journaled, with counts.
        server.Get("/_admin/journal", [this](const http::Request&, http::Response& res) {
            auto entries = journal->entries();
            if (!entries)
                return reply(res, 500,
                             vkp_outcome("3", "annen feil", entries.error().message, "exception"));
            std::string out = R"({"entries":[)";
            for (size_t i = 0; i < entries->size(); ++i) {
                const auto& e = (*entries)[i];
                out += (i ? "," : "") + std::string(R"({"api":)") + escape(e.api) +
                       R"(,"identifier":)" + escape(e.identifier) + R"(,"resource_type":)" +
                       escape(e.resource_type) + R"(,"orgnr":)" + escape(e.orgnr) + R"(,"count":)" +
                       std::to_string(e.count) + R"(,"received":)" + escape(e.received) + "}";
            }
            reply(res, 200, out + "]}", "application/json");
        });
    }

    // RFC 9112 §3.2: exactly one Host, and a valid one (valid_host: host[:port] only), else 400
    // and true. Answered before the body is read; the connection is closed. (A template only so
    // that it names no HTTP engine type.)
    template <typename Request, typename Response>
    bool host_refused(const Request& req, Response& res) {
        size_t count = 0;
        bool ok = true;
        for (const auto& [name, value] : req.headers)
            if (name.size() == 4 && (name[0] | 0x20) == 'h' && (name[1] | 0x20) == 'o' &&
                (name[2] | 0x20) == 's' && (name[3] | 0x20) == 't') {
                ++count;
                ok = ok && detail::valid_host(value);
            }
        if (count == 1 && ok) return false;
        res.set_header("Connection", "close");
        reply(res, 400,
              vkp_outcome("2.4", "ugyldig format",
                          count == 0  ? "the request has no Host header"
                          : count > 1 ? "the request has more than one Host header"
                                      : "the Host header is not host[:port]",
                          "invalid"));
        return true;
    }

    // A refused request is answered here, before its body is read; the connection is closed
    // so an unread body cannot be taken for the next request.
    http::Server::HandlerResponse check_token(const http::Request& req, http::Response& res) {
        const auto api = detail::api_of(req.path);
        if (!api) return http::Server::HandlerResponse::Unhandled;
        detail::AuthChecker::Headers headers(req.headers.begin(), req.headers.end());
        // The endpoint, the scope and the DPoP htu come from the routed path and this receiver's
        // own URL; the Host header (checked for its syntax in host_refused) is not used.
        const std::string public_url = options.public_url.empty() ? base_url : options.public_url;
        auto refusal = auth->check(req.method, req.path, public_url, headers, api->api, api->orgnr);
        if (!refusal) return http::Server::HandlerResponse::Unhandled;
        if (!refusal->www_authenticate.empty())
            res.set_header("WWW-Authenticate", refusal->www_authenticate);
        res.set_header("Connection", "close");
        reply(res, refusal->status, refusal->outcome);
        return http::Server::HandlerResponse::Handled;
    }

    // The "tjenstlig behov" gate (domain §3.1): the ServiceCodes header must name a service the
    // patient has in this municipality, else 403 with VKP code 1.3.
    bool service_need(const http::Request& req, const detail::EpjPatient& p) const {
        if (defects.has("missing-service-code-allowed")) return true;
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

    static std::multimap<std::string, std::string> search_params(const http::Request& req) {
        auto params = form(req.body);
        for (const auto& [k, v] : req.params)
            params.emplace(k, v);  // httplib may have parsed the form already
        return params;
    }

    // date=geYYYY-MM-DD and date=leYYYY-MM-DD (or full dateTimes); a date alone means the whole
    // day. Returns false when a reply was sent.
    static bool date_range(const std::multimap<std::string, std::string>& params,
                           http::Response& res, std::optional<Time>& from,
                           std::optional<Time>& to) {
        for (auto [it, end] = params.equal_range("date"); it != end; ++it) {
            const std::string v = it->second;
            auto t = v.size() < 3 ? Result<Time>(Error{}) : parse_fhir_time(v.substr(2));
            if (!t || (v.compare(0, 2, "ge") != 0 && v.compare(0, 2, "le") != 0)) {
                reply(
                    res, 400,
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

    // The person a search is about; false (and a 400 2.1) when it is not a valid fødselsnummer
    // or D-nummer — unless the invalid-fnr-accepted defect is on.
    bool person_ok(const std::string& ident, http::Response& res) const {
        if (ident.empty() || parse_person_id(ident) || defects.has("invalid-fnr-accepted"))
            return true;
        reply(res, 400,
              vkp_outcome("2.1", "ugyldig personidentifikator",
                          "the patient identifier is not a valid fødselsnummer or D-nummer"));
        return false;
    }

    static void missing_service(const http::Request& req, http::Response& res) {
        reply(res, 403,
              vkp_outcome("1.3", "ikke oppfylt tjenstlig behov",
                          "no active service for this patient matches the ServiceCodes header ('" +
                              req.get_header_value("ServiceCodes") + "')",
                          "forbidden"));
    }

    void search(const http::Request& req, http::Response& res) {
        const std::string orgnr = req.matches[1];
        const std::string what = req.matches[2];
        if (!orgnr_ok(orgnr, res)) return;
        const auto params = search_params(req);
        auto param = [&](const char* k) {
            auto it = params.find(k);
            return it == params.end() ? std::string() : it->second;
        };
        const std::string ident =
            person_param(what == "patient" ? param("identifier") : param("patient.identifier"));
        if (!person_ok(ident, res)) return;
        // search-ignores-identifier: patient/_search answers with every patient.
        const bool by_ident =
            !ident.empty() && !(what == "patient" && defects.has("search-ignores-identifier"));
        std::vector<const detail::EpjPatient*> hits;
        for (const auto& p : epj.patients)
            if (!by_ident || p.patient.id == ident) hits.push_back(&p);
        std::vector<const detail::EpjPatient*> allowed;
        for (const auto* p : hits)
            if (service_need(req, *p)) allowed.push_back(p);
        if (by_ident && !hits.empty() && allowed.empty()) return missing_service(req, res);
        Result<Message> out = Error{};
        if (what == "careplan") {
            // The date range bounds the visits' start.
            std::optional<Time> from, to;
            if (!date_range(params, res, from, to)) return;
            if (defects.has("careplan-ignores-date-range")) from = to = std::nullopt;
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
            return reply(res, 500,
                         vkp_outcome("3", "annen feil", out.error().message, "exception"));
        reply(res, 200, out->json);
    }

    // Read-back of journaled resources: VKP composition|medicationdispense|encounter|
    // detectedissue/_search (patient.identifier required, date ge/le, the ServiceCodes gate) and
    // PMD Observation/_search (patient.identifier or subject:identifier). A searchset Bundle,
    // oldest first.
    void journaled_search(const http::Request& req, http::Response& res) {
        const bool pmd_search = req.matches.size() < 3;
        std::string orgnr, type = "Observation";
        if (!pmd_search) {
            orgnr = req.matches[1];
            if (!orgnr_ok(orgnr, res)) return;
            static const std::map<std::string, std::string> types = {
                {"composition", "Composition"},
                {"medicationdispense", "MedicationDispense"},
                {"encounter", "Encounter"},
                {"detectedissue", "DetectedIssue"}};
            type = types.at(req.matches[2]);
        }
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
        // VKP answers only for a patient of this municipality with a matching service (an
        // unknown patient has no records, as in patient/_search); PMD has no service gate.
        const detail::EpjPatient* p = pmd_search ? nullptr : epj.find(ident);
        if (!pmd_search && p && !service_need(req, *p)) return missing_service(req, res);
        if (pmd_search || p) {
            auto secs = [](const std::optional<Time>& t) -> std::optional<int64_t> {
                if (!t) return std::nullopt;
                return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch())
                    .count();
            };
            auto found = journal->records(pmd_search ? "pmd" : "vkp", orgnr, type, ident,
                                          secs(from), secs(to));
            if (!found)
                return reply(res, 500,
                             vkp_outcome("3", "annen feil", found.error().message, "exception"));
            bodies = std::move(found).value();
        }
        std::string out = R"({"resourceType":"Bundle","type":"searchset","total":)" +
                          std::to_string(bodies.size());
        if (!bodies.empty()) out += R"(,"entry":[)";
        for (size_t i = 0; i < bodies.size(); ++i)
            out += (i ? "," : "") + std::string(R"({"resource":)") + bodies[i] +
                   R"(,"search":{"mode":"match"}})";
        reply(res, 200, out + (bodies.empty() ? "}" : "]}"));
    }

    // Who this receiver is in KITH terms (fixtures/persons: Testkommune Nord helse og omsorg).
    static kith::Organisation self() {
        return {"Testkommune Nord helse og omsorg", "921000006", "8143061", std::nullopt};
    }

    void kith(const http::Request& req, http::Response& res) {
        const std::string ct = req.get_header_value("Content-Type");
        const std::string base = ct.substr(0, ct.find(';'));
        if (base != "application/xml" && base != "text/xml" &&
            !defects.has("accepts-wrong-content-type"))
            return reply(res, 415,
                         vkp_outcome("2.4", "ugyldig format",
                                     "Content-Type must be application/xml", "not-supported"));
        const auto report = validator.validate(req.body, {options.level, "kith"});
        std::vector<kith::AppRecError> errors;
        std::string first;  // the first finding, for OT
        for (const auto& i : report.issues) {
            if (i.severity != Severity::error && i.severity != Severity::fatal) continue;
            // kodeverk 8221: T01 not XML, T02 XSD, T10 unsupported, E31 wrong fødselsnummer, T99
            // other format.
            const char* code = i.rule == "KITH-XML-001"                                 ? "T01"
                               : i.rule == "KITH-XML-002"                               ? "T10"
                               : i.rule == "KITH-MSG-003"                               ? "E31"
                               : (i.rule == "KITH-XSD-001" || i.rule == "KITH-MSG-005") ? "T02"
                                                                                        : "T99";
            if (std::none_of(errors.begin(), errors.end(),
                             [&](const auto& e) { return e.code == code; }))
                errors.push_back({code, "", i.rule + " " + i.path + ": " + i.message});
        }
        auto original = kith::read_dialog_message(req.body);
        if (errors.empty() && !original) errors.push_back({"T99", "", original.error().message});
        if (errors.empty() && !epj.find(original->patient.id))
            errors.push_back(
                {"E35", "", "the patient is not known in this municipality's journal"});
        kith::AppRec apprec;
        // Not readable, or not answerable as read: acknowledge what can be recovered (MsgId), to
        // an unknown sender, rejected with the reason. Every KITH message gets an AppRec; 500 is
        // left for the receiver's own faults (issue 13).
        auto unaddressed = [&](std::vector<kith::AppRecError> why) {
            kith::AppRec a;
            a.sender = self();
            a.receiver = {"Ukjent avsender", "", "0", std::nullopt};
            a.status = kith::AppRecStatus::rejected;
            a.errors = std::move(why);
            // The reasons may quote what could not be read: no control characters, which XML
            // 1.0 cannot carry and the receipt would fail on.
            for (auto& e : a.errors)
                for (std::string* t : {&e.text, &e.detail})
                    for (char& c : *t) {
                        const auto u = static_cast<unsigned char>(c);
                        if ((u < 0x20 && c != '\t' && c != '\n') || u == 0x7F) c = '?';
                    }
            const auto at = req.body.find("<MsgId>"), end = req.body.find("</MsgId>");
            a.original_msg_id = at != std::string::npos && end > at && end - at - 7 <= 200
                                    ? req.body.substr(at + 7, end - at - 7)
                                    : "";
            // Copied only when it is an identifier (a GUID in practice): anything else the
            // receipt could not carry.
            if (a.original_msg_id.empty() ||
                !std::all_of(a.original_msg_id.begin(), a.original_msg_id.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                           c == '.' || c == ':' || c == '{' || c == '}';
                }))
                a.original_msg_id = "ukjent";
            a.original_issue_date =
                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            return a;
        };
        if (original)
            apprec = kith::apprec_for(
                *original, errors.empty() ? kith::AppRecStatus::ok : kith::AppRecStatus::rejected,
                errors);
        else
            apprec = unaddressed(errors);
        if (defects.has("apprec-wrong-status") && apprec.status != kith::AppRecStatus::ok) {
            apprec.status = kith::AppRecStatus::ok;  // "OK" for a message it could not take
            apprec.errors.clear();
        }
        if (defects.has("apprec-wrong-original-msgid"))
            apprec.original_msg_id = new_uuid();  // correlates with nothing the sender sent
        auto built = kith::build_apprec(apprec);
        if (!built && original) {
            // The message is readable but its sender cannot be written into a receipt (text
            // XML cannot carry): rejected, T99, with the reason.
            errors.push_back({"T99", "",
                              "the AppRec cannot be addressed to the sender: " +
                                  built.error().location + ": " + built.error().message});
            apprec = unaddressed(errors);
            original = built.error();  // not journaled: it was not accepted
            built = kith::build_apprec(apprec);
        }
        if (!built && apprec.status == kith::AppRecStatus::rejected) {
            // Last resort: the reasons in ASCII (a quoted byte sequence that is not UTF-8).
            for (auto& e : apprec.errors)
                for (std::string* t : {&e.text, &e.detail})
                    for (char& c : *t)
                        if (static_cast<unsigned char>(c) >= 0x80) c = '?';
            built = kith::build_apprec(apprec);
        }
        if (!built)  // even the receipt to an unknown sender failed: a fault of this receiver
            return reply(res, 500,
                         vkp_outcome("3", "annen feil", built.error().message, "exception"));
        if (!original) return reply(res, 200, built->json, "application/xml; charset=utf-8");
        // A message is received once: a resend of the same MsgId gets the same AppRec.
        auto stored = journal->record_once(
            "kith", original->msg_id, "MsgHead", "", req.body, [&](const std::string&) {
                return StoredOutcome{200, built->json, {}, "application/xml; charset=utf-8", 1};
            });
        if (!stored)
            return reply(res, 500,
                         vkp_outcome("3", "annen feil", stored.error().message, "exception"));
        if (stored->count > 1) res.set_header("X-Vft-Duplicate", std::to_string(stored->count));
        reply(res, stored->status, stored->body, "application/xml; charset=utf-8");
    }

    // JFT ReadAPI search parameters (domain §3.2): _count, cursor, _sort=[-]_lastUpdated,
    // _lastUpdated=[eq|gt|ge|lt|le]date-or-instant (repeatable, all must hold), and _tag / _tag:not
    // on the journaling acknowledgement. Anything else unknown is refused rather than ignored: a
    // client that believes it filtered must not get everything.
    void jft_search(const http::Request& req, http::Response& res,
                    const std::multimap<std::string, std::string>& params) {
        const std::string type = req.matches[1];
        auto bad = [&](std::string_view code, std::string_view display, const std::string& text) {
            reply(res, 400, vkp_outcome(code, display, text));
        };
        auto one = [&](const char* name) -> const std::string* {
            auto [lo, hi] = params.equal_range(name);
            return lo == hi ? nullptr : &lo->second;
        };
        for (const auto& [name, value] : params)
            if (name != "_count" && name != "cursor" && name != "_sort" && name != "_lastUpdated" &&
                name != "_tag" && name != "_tag:not" && name != "_format")
                return bad("2.4", "ugyldig format",
                           "unknown search parameter '" + name +
                               "'; JFT takes _count, cursor, _sort, _lastUpdated, _tag, _tag:not");
        bool descending = false;
        if (const auto* sort = one("_sort")) {
            if (*sort == "-_lastUpdated")
                descending = true;
            else if (*sort != "_lastUpdated")
                return bad("2.4", "ugyldig format", "_sort must be _lastUpdated or -_lastUpdated");
        }
        size_t count = 10;
        if (const auto* c = one("_count")) {
            if (c->empty() || c->size() > 3 ||
                c->find_first_not_of("0123456789") != std::string::npos || std::stoul(*c) == 0 ||
                std::stoul(*c) > 100)
                return bad("2.3", "ugyldig antall parametere", "_count must be 1..100");
            count = std::stoul(*c);
        }
        int64_t after = descending ? INT64_MAX : 0;
        if (const auto* c = one("cursor")) {
            if (c->size() < 2 || c->size() > 19 || (*c)[0] != 'c' ||
                c->find_first_not_of("0123456789", 1) != std::string::npos)
                return bad("2.4", "ugyldig format", "unknown cursor");
            after = std::stoll(c->substr(1));
        }
        detail::Journal::SearchFilter filter;
        auto [lu, lu_end] = params.equal_range("_lastUpdated");
        for (auto it = lu; it != lu_end; ++it) {
            std::string v = it->second;
            for (char& ch : v)
                if (ch == ' ') ch = '+';  // an unencoded "+01:00" arrives as a space
            std::string prefix = "eq";
            if (v.size() > 2 && std::isalpha(static_cast<unsigned char>(v[0]))) {
                prefix = v.substr(0, 2);
                v = v.substr(2);
            }
            auto t = parse_fhir_time(v);
            if (!t || (prefix != "eq" && prefix != "gt" && prefix != "ge" && prefix != "lt" &&
                       prefix != "le"))
                return bad("2.4", "ugyldig format",
                           "_lastUpdated must be [eq|gt|ge|lt|le] followed by a date or an instant "
                           "with a zone, e.g. ge2026-11-28T08:00:00+01:00");
            // The value stands for the interval of its precision: a day or a second.
            const Time lo = *t;
            const Time hi = lo + (v.size() == 10 ? Time::duration(std::chrono::days(1))
                                                 : Time::duration(std::chrono::seconds(1)));
            auto from = [&](Time x) {
                const auto text = format_fhir_time(x);
                if (filter.received_from.empty() || text > filter.received_from)
                    filter.received_from = text;
            };
            auto to = [&](Time x) {
                const auto text = format_fhir_time(x);
                if (filter.received_to.empty() || text < filter.received_to)
                    filter.received_to = text;
            };
            if (prefix == "eq" || prefix == "ge") from(lo);
            if (prefix == "gt") from(hi);
            if (prefix == "eq" || prefix == "le") to(hi);
            if (prefix == "lt") to(lo);
        }
        // The tag that marks an acknowledged event; its system is vft's choice (specs/DECISIONS.md)
        // since the national documentation names the filter but not the coding.
        auto acknowledged_tag = [](const std::string& token) {
            const auto bar = token.find('|');
            const std::string code = bar == std::string::npos ? token : token.substr(bar + 1);
            const std::string system = bar == std::string::npos ? "" : token.substr(0, bar);
            return code == kJftAckTagCode && (system.empty() || system == kJftAckTagSystem);
        };
        auto [tg, tg_end] = params.equal_range("_tag");
        for (auto it = tg; it != tg_end; ++it) {
            if (!acknowledged_tag(it->second))
                filter.none = true;  // no stored event has that tag
            else if (filter.acknowledged == 0)
                filter.none = true;
            else
                filter.acknowledged = 1;
        }
        auto [tn, tn_end] = params.equal_range("_tag:not");
        for (auto it = tn; it != tn_end; ++it)
            if (acknowledged_tag(it->second)) {
                if (filter.acknowledged == 1) filter.none = true;
                filter.acknowledged = 0;
            }
        if (!filter.received_from.empty() && !filter.received_to.empty() &&
            filter.received_from >= filter.received_to)
            filter.none = true;

        auto found = journal->search(type, after, count, descending, filter);
        if (!found)
            return reply(res, 500,
                         vkp_outcome("3", "annen feil", found.error().message, "exception"));
        std::string out = R"({"resourceType":"Bundle","type":"searchset")";
        if (found->size() == count) {
            // The next link repeats every filter, with the cursor after this page's last entry.
            std::string next = base_url + "/v1/" + type + "?_count=" + std::to_string(count) +
                               "&cursor=c" + std::to_string(found->back().seq);
            for (const auto& [name, value] : params)
                if (name != "_count" && name != "cursor")
                    next += "&" + client::detail::form_encode(name) + "=" +
                            client::detail::form_encode(value);
            out += R"(,"link":[{"relation":"next","url":)" + escape(next) + "}]";
        }
        if (!found->empty()) {
            out += R"(,"entry":[)";
            for (size_t i = 0; i < found->size(); ++i) {
                const auto& f = (*found)[i];
                out += (i ? "," : "") + std::string(R"({"fullUrl":)") +
                       escape(base_url + "/v1/" + type + "/" + f.resource_id) + R"(,"resource":)" +
                       with_jft_meta(f) + R"(,"search":{"mode":"match"}})";
                (void)journal->mark(type, f.resource_id, "read_at");
            }
            out += "]";
        }
        reply(res, 200, out + "}");
    }

    void pmd(const http::Request& req, http::Response& res) {
        const InFlight in_flight(writes_in_flight);
        rapidjson::Document d;
        if (!fhir_body(req, res, d)) return;
        const auto report = validator.validate(req.body, {options.level, "pmd"});
        // Issues inside entry i fail entry i only; any other error fails the whole batch.
        std::map<size_t, std::vector<const Issue*>> by_entry;
        bool batch_error = false;
        for (const auto& i : report.issues) {
            if (i.severity != Severity::error && i.severity != Severity::fatal) continue;
            size_t n = 0;
            if (std::sscanf(i.path.c_str(), "Bundle.entry[%zu]", &n) == 1 &&
                i.path.find(".resource") != std::string::npos)
                by_entry[n].push_back(&i);
            else
                batch_error = true;
        }
        if (defects.has("accepts-invalid-bundles")) {
            by_entry.clear();
            batch_error = false;
        }
        if (batch_error || !d.HasMember("entry") || !d["entry"].IsArray() ||
            (!by_entry.empty() && defects.has("pmd-all-or-nothing")))
            return reply(res, invalid_status(), invalid_outcome(report));
        std::set<size_t> failed;
        for (const auto& [n, issues] : by_entry)
            failed.insert(n);
        // The batch is journaled (once per Bundle.identifier) even when some entries failed;
        // only the entries answered 201 become readable Observations.
        write_valid(
            "pmd", "", d, req, res,
            records_of(d, defects.has("mangles-norwegian-characters"), failed),
            [&](const std::string&) {
                std::string out = R"({"resourceType":"Bundle","type":"batch-response","entry":[)";
                const JValue& entries = d["entry"];
                for (rapidjson::SizeType i = 0; i < entries.Size(); ++i) {
                    const std::string full_url =
                        entries[i].HasMember("fullUrl") && entries[i]["fullUrl"].IsString()
                            ? entries[i]["fullUrl"].GetString()
                            : "";
                    out +=
                        (i ? "," : "") + std::string(R"({"fullUrl":)") + escape(full_url) +
                        R"(,"response":{"extension":[{"url":"http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryIdExtension","valueUri":)" +
                        escape(full_url) + "}],";
                    auto bad = by_entry.find(i);
                    if (bad == by_entry.end()) {
                        out += R"("status":"201 Created","location":"Observation/)" +
                               full_url.substr(full_url.rfind(':') + 1) + "\"}}";
                    } else {
                        ValidationReport part;
                        for (const Issue* issue : bad->second)
                            part.issues.push_back(*issue);
                        out += R"("status":"400 Bad Request","outcome":)" +
                               part.to_operation_outcome() + "}}";
                    }
                }
                return StoredOutcome{200, out + "]}", {}, kFhirJson, 1};
            },
            in_flight);
    }
};

Receiver::Receiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Receiver::~Receiver() {
    stop();
}

Result<std::unique_ptr<Receiver>> Receiver::create(ReceiverOptions options) {
    auto defects = Defects::parse(options.defects);
    if (!defects) return defects.error();
    auto journal = detail::Journal::open(options.db_path);
    if (!journal) return journal.error();
    auto validator = Validator::create();
    if (!validator) return validator.error();
    auto epj = detail::builtin_epj();
    if (!epj) return epj.error();
    auto impl = std::make_unique<Impl>(std::move(options), std::move(journal).value(),
                                       std::move(validator).value());
    impl->epj = std::move(epj).value();
    impl->defects = std::move(defects).value();
    if (impl->defects.has("journals-concurrent-duplicates"))
        impl->journal->racy_claim(std::chrono::seconds(1));
    if (!impl->options.faults_json.empty()) {
        auto faults = detail::Faults::parse(impl->options.faults_json);
        if (!faults) return faults.error();
        impl->faults = std::move(faults).value();
    }
    if (!impl->options.auth_url.empty()) {
        detail::AuthCheckerOptions a;
        a.token_service_url = impl->options.auth_url;
        a.authz_json = impl->options.authz_json;
        a.authz_label = impl->options.authz_label;
        a.served_orgnrs = impl->options.served_orgnrs;
        a.defects = impl->options.defects;
        auto checker = detail::AuthChecker::create(std::move(a));
        if (!checker) return checker.error();
        impl->auth = std::move(checker).value();
    }
    impl->routes();
    return std::unique_ptr<Receiver>(new Receiver(std::move(impl)));
}

Result<std::string> Receiver::start() {
    Impl& i = *impl_;
    std::string why;
    const int port = i.server.start(i.options.host, i.options.port, why);
    if (port <= 0)
        return Error{"VFT-MOCK-1202",
                     "cannot listen on " + i.options.host + ":" + std::to_string(i.options.port) +
                         " (" + why + ")",
                     {},
                     "is the port in use?",
                     0,
                     false};
    i.base_url = "http://" + i.options.host + ":" + std::to_string(port);
    return i.base_url;
}

void Receiver::stop() {
    if (!impl_) return;
    impl_->server.stop();
}

}  // namespace vft::mocks

// --- The routes without sockets (receiver_router.hpp) ---

namespace vft::mocks {

Result<std::unique_ptr<ReceiverRouter>> ReceiverRouter::create(ReceiverOptions options) {
    auto r = Receiver::create(std::move(options));
    if (!r) return r.error();
    auto out = std::unique_ptr<ReceiverRouter>(new ReceiverRouter());
    out->receiver_ = std::move(r).value();
    out->receiver_->impl_->base_url = "http://" + out->receiver_->impl_->options.host + ":0";
    return out;
}

http::Response ReceiverRouter::handle(http::Request req) const {
    return receiver_->impl_->server.handle(std::move(req));
}

}  // namespace vft::mocks
