// Role sender of suite kith (issue 17; docs/conformance.md, "Role sender, suite kith"): the SUT is
// a response centre that sends a Dialogmelding in a MsgHead to the runner's KITH endpoint
// (POST {endpoint}/kith/messages) and gets the AppRec back in the answer. Judged from the recorded
// exchanges only: the message is valid for the KITH XSDs, addressed and about the instructed
// patient, every new message has a MsgId of its own, a resend after a dropped connection carries
// the same MsgId, a message the AppRec rejected is not sent again, and the adapter reports the
// AppRec's status and errors (one JSON line {"apprec":{...}} on stdout, recorded as the STDOUT
// exchange after the trigger run).
#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "suites.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"

namespace vft::conformance::suites {
namespace {

using reports::Exchange;

// The EPJ the runner's receiver plays (fixtures/persons: Testkommune Nord helse og omsorg).
constexpr const char* kReceiverName = "Testkommune Nord helse og omsorg";
constexpr const char* kReceiverOrgnr = "921000006";
constexpr const char* kReceiverHer = "8143061";
// A patient the receiver's journal holds, and one it does not (fixtures/epj/municipality.json).
constexpr const char* kKnownFnr = "12854812341";
constexpr const char* kKnownName = "Kåre Nordmann Testesen";
constexpr const char* kUnknownFnr = "29813531133";
constexpr const char* kUnknownName = "Jürgen Müller Hansen";
constexpr const char* kScope = "nhn:kith/api";

std::string jq(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string header(const Exchange& x, std::string_view name) {
    auto lower = [](std::string s) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return s;
    };
    for (const auto& h : x.request_headers)
        if (lower(h.name) == lower(std::string(name))) return h.value;
    return {};
}

// The recorder's facts about a redacted credential: "[redacted] {json}".
bool facts(const std::string& value, rapidjson::Document& d) {
    const auto brace = value.find('{');
    if (value.rfind("[redacted]", 0) != 0 || brace == std::string::npos) return false;
    d.Parse(value.c_str() + brace);
    return !d.HasParseError() && d.IsObject();
}
std::string member(const rapidjson::Value& o, const char* a) {
    return o.IsObject() && o.HasMember(a) && o[a].IsString() ? o[a].GetString() : "";
}

std::string path_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return slash == std::string::npos ? "/" : url.substr(slash);
}

bool is_guid(const std::string& s) {
    static const std::regex guid(
        "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$");
    return s.size() == 36 && std::regex_match(s, guid);  // the length first: s is the SUT's
}

// What the adapter reported for one AppRec (docs/conformance.md, "Role sender, suite kith").
struct Reported {
    std::string msg_id, original_msg_id;
    int status = 0;
    std::vector<std::string> codes;
};

// Every {"apprec":{...}} line of a recorded stdout.
std::vector<Reported> reports_in(const Exchange& out) {
    std::vector<Reported> all;
    std::istringstream lines(out.response_body);
    for (std::string line; std::getline(lines, line);) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("apprec") || !d["apprec"].IsObject())
            continue;
        const auto& a = d["apprec"];
        Reported r;
        r.msg_id = member(a, "msg_id");
        r.original_msg_id = member(a, "original_msg_id");
        if (a.HasMember("status") && a["status"].IsInt()) r.status = a["status"].GetInt();
        if (a.HasMember("status") && a["status"].IsString())
            r.status = std::atoi(a["status"].GetString());
        if (a.HasMember("errors") && a["errors"].IsArray())
            for (const auto& e : a["errors"].GetArray())
                r.codes.push_back(member(e, "code"));
        all.push_back(std::move(r));
    }
    return all;
}

// One message that arrived, read.
struct Arrived {
    Exchange x;
    Result<kith::DialogMessage> message = Error{};
    Result<kith::AppRec> apprec = Error{};  // what the runner's receiver answered
};

// One trigger run and what it caused.
struct Run {
    Result<void> triggered;
    std::vector<Arrived> arrived;    // POSTs at the KITH endpoint, in order
    std::vector<Exchange> token;     // token requests
    std::vector<Reported> reported;  // the adapter's AppRec lines
    std::optional<Exchange> journal;
};

std::string instruction(const char* fnr, const char* name, const std::string& text) {
    return std::string(R"({"version":1,"action":"report-dialog-note","api":"kith",)") +
           R"("service_codes":[],"patient":{"fnr":)" + jq(fnr) + R"(,"name":)" + jq(name) +
           R"(},"event":{"receiver":{"name":)" + jq(kReceiverName) + R"(,"orgnr":)" +
           jq(kReceiverOrgnr) + R"(,"her_id":)" + jq(kReceiverHer) +
           R"(},"tema_code":"6","tema_text":"Trygghetsalarm","text":)" + jq(text) +
           R"(,"operator":{"hpr":"9144900","name":"Operatør Ødegård"}}})";
}

// Triggers one note (the `run`-th trigger of the test, from 0) and sorts out what it caused: the
// exchanges from its TRIGGER record to the next one (a re-judge sees every run's at once).
Run act(TestContext& ctx, const char* fnr, const char* name, const std::string& text,
        const std::string& faults, size_t& run) {
    Run r;
    r.triggered =
        ctx.trigger(Instruction{"report-dialog-note", instruction(fnr, name, text), faults});
    size_t triggers = 0;
    bool mine = false;
    for (const Exchange& x : ctx.inbound()) {
        if (x.method == "TRIGGER") mine = triggers++ == run;
        if (!mine) continue;
        if (x.note == "endpoint" && x.method == "POST") {
            Arrived a{x, kith::read_dialog_message(x.request_body),
                      kith::read_apprec(x.response_body)};
            r.arrived.push_back(std::move(a));
        } else if (x.note == "token service" && x.method == "POST") {
            r.token.push_back(x);
        } else if (x.method == "STDOUT") {
            for (auto& rep : reports_in(x))
                r.reported.push_back(std::move(rep));
        } else if (x.note.rfind("journal", 0) == 0) {
            r.journal = x;
        }
    }
    ++run;
    return r;
}

std::string where(size_t i) {
    return "request " + std::to_string(i + 1) + " (POST /kith/messages)";
}

// Each request: the KITH endpoint, XML, a message valid for the KITH XSDs and rules, addressed to
// the instructed receiver, about the instructed patient, the note text byte for byte, a GUID
// MsgId; with HelseID a Bearer token for nhn:kith/api got with a private_key_jwt assertion.
// `auth` false: the credentials are left to kith.sender.auth.bearer_token (the KITH token rule
// is vft's decision, REQ-KITH-0008, so it never decides the mandatory test).
void judge_requests(TestContext& ctx, Outcome& out, const Run& r, const char* fnr,
                    const std::string& text, bool auth = true) {
    for (size_t i = 0; i < r.arrived.size(); ++i) {
        const Arrived& a = r.arrived[i];
        const std::string at = where(i);
        out.expect(path_of(a.x.url) == "/kith/messages",
                   at + ": sent to " + path_of(a.x.url) + ", expected /kith/messages");
        const std::string type = header(a.x, "Content-Type");
        out.expect(type.rfind("application/xml", 0) == 0 || type.rfind("text/xml", 0) == 0,
                   at + ": Content-Type '" + type + "', expected application/xml");
        const auto report = ctx.validator().validate(a.x.request_body, {Level::strict, "kith"});
        if (!report.valid()) {
            std::string first;
            for (const auto& issue : report.issues)
                if (issue.severity == Severity::error || issue.severity == Severity::fatal) {
                    first = issue.rule + " at " + issue.path + ": " + issue.message;
                    break;
                }
            out.fail(at + ": the message is not a valid MsgHead 1.2 with Dialogmelding 1.1 (" +
                     first + ") [MsgHead-v1_2.xsd, dialogmelding-v1.1.xsd]");
        }
        if (!out.expect(a.message.ok(), at + ": not readable as MsgHead with a Dialogmelding: " +
                                            (a.message ? "" : a.message.error().message)))
            continue;
        const kith::DialogMessage& m = *a.message;
        out.expect(is_guid(m.msg_id), at + ": MsgId '" + m.msg_id + "' is not a GUID (domain §4)");
        out.expect(m.receiver.her_id == kReceiverHer,
                   at + ": Receiver HER-id '" + m.receiver.her_id + "', the instruction said " +
                       kReceiverHer);
        out.expect(m.patient.id == fnr, at + ": the patient is not the instructed one");
        out.expect(m.note_text == text,
                   at + ": TekstNotatInnhold is not the instructed text byte for byte");
    }
    if (!auth || ctx.sut().auth.type != "helseid") return;
    for (size_t i = 0; i < r.arrived.size(); ++i) {
        rapidjson::Document token;
        if (!out.expect(facts(header(r.arrived[i].x, "Authorization"), token),
                        where(i) + ": no Authorization header"))
            continue;
        out.expect(
            member(token, "scheme") == "Bearer",
            where(i) + ": Authorization scheme '" + member(token, "scheme") + "', expected Bearer");
        const std::string scope = " " + member(token["claims"], "scope") + " ";
        out.expect(scope.find(std::string(" ") + kScope + " ") != std::string::npos,
                   where(i) + ": the token's scope is '" + scope.substr(1, scope.size() - 2) +
                       "'; the KITH endpoint needs " + kScope);
    }
    out.expect(!r.token.empty() || r.arrived.empty(),
               "requests arrived without the SUT asking the token service for a token");
    std::set<std::string> jtis;
    for (size_t i = 0; i < r.token.size(); ++i) {
        const Exchange& x = r.token[i];
        const std::string at = "token request " + std::to_string(i + 1);
        out.expect(x.request_body.find("grant_type=client_credentials") != std::string::npos,
                   at + ": grant_type is not client_credentials");
        rapidjson::Document a;
        if (!out.expect(facts(header(x, "X-Vft-Recorded-Client-Assertion"), a),
                        at + ": no client assertion (private_key_jwt)"))
            continue;
        const auto& c = a["claims"];
        out.expect(member(c, "iss") == ctx.sut().auth.client_id &&
                       member(c, "sub") == ctx.sut().auth.client_id,
                   at + ": assertion iss/sub are not the client id");
        const std::string jti = member(c, "jti");
        out.expect(!jti.empty() && jtis.insert(jti).second,
                   at + ": client assertion jti '" + jti + "' was used before");
    }
}

std::string failure(const Run& r) {
    return "the SUT did not report success: " + r.triggered.error().message +
           (r.triggered.error().hint.empty() ? "" : " — " + r.triggered.error().hint);
}

std::set<std::string> msg_ids(const Run& r) {
    std::set<std::string> ids;
    for (const auto& a : r.arrived)
        if (a.message) ids.insert(a.message->msg_id);
    return ids;
}

// The journal entries (MsgIds) of the runner's receiver.
std::optional<std::vector<std::string>> journaled(Outcome& out, const Run& r) {
    if (!out.expect(r.journal && r.journal->status == 200,
                    "the runner could not read its receiver's journal back"))
        return std::nullopt;
    rapidjson::Document d;
    d.Parse(r.journal->response_body.c_str());
    if (!out.expect(
            !d.HasParseError() && d.IsObject() && d.HasMember("entries") && d["entries"].IsArray(),
            "the journal read-back is not the documented JSON"))
        return std::nullopt;
    std::vector<std::string> ids;
    for (const auto& e : d["entries"].GetArray())
        ids.push_back(member(e, "identifier"));
    return ids;
}

const std::string kText1 =
    "Trygghetsalarm utløst kl. 02:14; brukeren falt på badet. Hjemmetjenesten er varslet, "
    "økt tilsyn neste døgn.";
const std::string kText2 = "Oppfølging: brukeren er uskadd; alarmen er testet og virker. ÆØÅ æøå.";

// Every kith sender test: skipped without a trigger; pass when nothing failed.
TestFn checked(std::function<void(TestContext&, Outcome&)> body) {
    return [body = std::move(body)](TestContext& ctx, Outcome& out) {
        if (ctx.sut().trigger.empty()) {
            out.skip("the SUT file has no trigger command");
            return;
        }
        body(ctx, out);
        if (!out.decided()) out.pass();
    };
}

std::string drop_fault(const char* action) {
    return std::string(R"({"rules":[{"method":"POST","path":"/kith/messages","first":1,)") +
           R"("action":")" + action + R"("}]})";
}

// A dropped connection: no AppRec reached the sender, so it resends — with the same MsgId.
void judge_dropped(TestContext& ctx, Outcome& out, const char* action) {
    size_t runs = 0;
    const Run r = act(ctx, kKnownFnr, kKnownName, kText1, drop_fault(action), runs);
    if (!r.triggered) out.fail(failure(r));
    if (!out.expect(r.arrived.size() >= 2,
                    std::to_string(r.arrived.size()) +
                        " request(s) arrived; the first connection was dropped before the "
                        "AppRec, so the message must be sent again"))
        return;
    const auto ids = msg_ids(r);
    out.expect(ids.size() == 1, "the resend carried another MsgId (" + std::to_string(ids.size()) +
                                    " MsgIds for one message): a message whose AppRec did not "
                                    "arrive is resent with the same MsgId");
    out.expect(
        r.arrived.back().apprec.ok() && r.arrived.back().apprec->status == kith::AppRecStatus::ok,
        "the last attempt did not get an AppRec with status 1");
    judge_requests(ctx, out, r, kKnownFnr, kText1);
    if (const auto j = journaled(out, r))
        out.expect(j->size() == 1 && ids.size() == 1 && (*j)[0] == *ids.begin(),
                   "the receiver holds " + std::to_string(j->size()) +
                       " message(s) for one note; expected its MsgId once");
}

}  // namespace

void register_kith_sender_tests(RoleTests& suite) {
    suite.add(
        {.id = "kith.sender.note.delivered",
         .title = "An instructed note arrives once as a valid MsgHead 1.2 with Dialogmelding 1.1, "
                  "to the instructed receiver, about the instructed patient, and is accepted "
                  "(AppRec status 1)",
         .module = "kith",
         .spec_ref = "domain §4; MsgHead-v1_2.xsd; dialogmelding-v1.1.xsd",
         .rules = {"KITH-XSD-001"}},
        checked([](TestContext& ctx, Outcome& out) {
            size_t runs = 0;
            const Run r = act(ctx, kKnownFnr, kKnownName, kText1, "", runs);
            if (!out.expect(!r.arrived.empty(), "nothing arrived at the KITH endpoint")) {
                if (!r.triggered) out.fail(failure(r));
                return;
            }
            judge_requests(ctx, out, r, kKnownFnr, kText1, false);
            // Every request refused for its credentials: acceptance cannot be judged here, as the
            // token rule is vft's decision (kith.sender.auth.bearer_token judges it).
            if (std::all_of(r.arrived.begin(), r.arrived.end(), [](const Arrived& a) {
                    return a.x.status == 401 || a.x.status == 403;
                })) {
                if (!out.decided())
                    out.skip("the endpoint refused the credentials (HTTP " +
                             std::to_string(r.arrived.back().x.status) +
                             "): the KITH token rule is vft's decision (REQ-KITH-0008), judged by "
                             "kith.sender.auth.bearer_token; the message itself was valid");
                return;
            }
            if (!r.triggered) out.fail(failure(r));
            out.expect(r.arrived.size() == 1, std::to_string(r.arrived.size()) +
                                                  " requests arrived for one note without any "
                                                  "fault");
            const Arrived& last = r.arrived.back();
            if (out.expect(last.apprec.ok(),
                           "the runner's receiver answered without an AppRec "
                           "(HTTP " +
                               std::to_string(last.x.status) + ")")) {
                std::string codes;
                for (const auto& e : last.apprec->errors)
                    codes += " " + e.code + (e.detail.empty() ? "" : " (" + e.detail + ")");
                out.expect(last.apprec->status == kith::AppRecStatus::ok,
                           "the receiver's AppRec rejected the note:" + codes);
            }
            if (const auto j = journaled(out, r); j && last.message)
                out.expect(j->size() == 1 && (*j)[0] == last.message->msg_id,
                           "the receiver holds " + std::to_string(j->size()) +
                               " message(s); expected the note's MsgId once");
        }));
    suite.add({.id = "kith.sender.auth.bearer_token",
               .title = "The note goes with a HelseID Bearer token for nhn:kith/api, got by "
                        "client_credentials with a private_key_jwt assertion, and is accepted",
               .module = "auth",
               .spec_ref = "specs/DECISIONS.md (KITH over HTTP); HelseID client_credentials",
               .needs = {Need::helseid}},
              checked([](TestContext& ctx, Outcome& out) {
                  size_t runs = 0;
                  const Run r = act(ctx, kKnownFnr, kKnownName, kText1, "", runs);
                  if (!r.triggered) out.fail(failure(r));
                  if (!out.expect(!r.arrived.empty(), "nothing arrived at the KITH endpoint"))
                      return;
                  judge_requests(ctx, out, r, kKnownFnr, kText1);
                  const Exchange& last = r.arrived.back().x;
                  out.expect(last.status / 100 == 2,
                             "the endpoint answered " + std::to_string(last.status) +
                                 ": it takes Authorization: Bearer with a token for "
                                 "nhn:kith/api");
              }));
    suite.add({.id = "kith.sender.note.fresh_msgid_per_message",
               .title = "Two notes are two messages: each has a MsgId of its own",
               .module = "kith",
               .spec_ref = "domain §4; specs/DECISIONS.md"},
              checked([](TestContext& ctx, Outcome& out) {
                  size_t runs = 0;
                  const Run a = act(ctx, kKnownFnr, kKnownName, kText1, "", runs);
                  const Run b = act(ctx, kKnownFnr, kKnownName, kText2, "", runs);
                  if (!a.triggered) out.fail(failure(a));
                  if (!b.triggered) out.fail(failure(b));
                  if (!out.expect(a.arrived.size() == 1 && b.arrived.size() == 1,
                                  std::to_string(a.arrived.size()) + " and " +
                                      std::to_string(b.arrived.size()) +
                                      " request(s) arrived for the two notes; expected one each"))
                      return;
                  judge_requests(ctx, out, a, kKnownFnr, kText1);
                  judge_requests(ctx, out, b, kKnownFnr, kText2);
                  const auto ia = msg_ids(a), ib = msg_ids(b);
                  if (ia.size() == 1 && ib.size() == 1)
                      out.expect(
                          *ia.begin() != *ib.begin(),
                          "both notes carried MsgId '" + *ia.begin() +
                              "': a new message needs a MsgId of its own (the receiver takes "
                              "the second for a resend of the first)");
              }));
    suite.add(
        {.id = "kith.sender.faults.dropped_connection_same_msgid",
         .title = "When the connection drops after the receiver stored the note (no AppRec "
                  "reached the sender), the resend carries the same MsgId and the note is "
                  "stored once",
         .module = "kith",
         .spec_ref = "specs/DECISIONS.md (idempotency on MsgId)"},
        checked([](TestContext& ctx, Outcome& out) { judge_dropped(ctx, out, "drop-after"); }));
    suite.add(
        {.id = "kith.sender.faults.no_answer_same_msgid",
         .title = "When the connection drops before the receiver answered, the resend "
                  "carries the same MsgId",
         .module = "kith",
         .spec_ref = "specs/DECISIONS.md (idempotency on MsgId)"},
        checked([](TestContext& ctx, Outcome& out) { judge_dropped(ctx, out, "drop-before"); }));
    suite.add(
        {.id = "kith.sender.apprec.rejected_not_resent",
         .title = "A note the AppRec rejected (status 2, E35: the patient is not known to the "
                  "receiver) is not sent again",
         .module = "kith",
         .spec_ref = "kodeverk 8258; specs/DECISIONS.md"},
        checked([](TestContext& ctx, Outcome& out) {
            size_t runs = 0;
            const Run r = act(ctx, kUnknownFnr, kUnknownName, kText1, "", runs);
            if (!out.expect(!r.arrived.empty(),
                            "nothing arrived: the note must arrive once (the runner answers it "
                            "with an AppRec Avvist) before a resend can be judged"))
                return;
            out.expect(r.arrived.front().apprec.ok() &&
                           r.arrived.front().apprec->status == kith::AppRecStatus::rejected,
                       "the runner's receiver did not reject the note (a bug in the suite)");
            out.expect(r.arrived.size() == 1,
                       std::to_string(r.arrived.size()) +
                           " requests arrived; a note whose AppRec said Avvist (status 2) must "
                           "not be sent again");
            if (r.triggered)
                out.note(
                    "the trigger command exited 0 although the AppRec rejected the note; "
                    "a product should report the rejection");
            judge_requests(ctx, out, r, kUnknownFnr, kText1);
        }));
    suite.add(
        {.id = "kith.sender.apprec.reported",
         .title = "The AppRec's status and errors reach the product: the adapter reports status 1 "
                  "for an accepted note, and status 2 with error E35 for a rejected one",
         .module = "kith",
         .spec_ref = "kodeverk 8258, 8221; specs/DECISIONS.md"},
        checked([](TestContext& ctx, Outcome& out) {
            size_t runs = 0;
            const Run ok = act(ctx, kKnownFnr, kKnownName, kText1, "", runs);
            const Run no = act(ctx, kUnknownFnr, kUnknownName, kText2, "", runs);
            auto judge = [&](const Run& r, const char* what, int status, const char* code) {
                if (!out.expect(!r.arrived.empty() && r.arrived.back().message.ok(),
                                std::string(what) + ": no readable note arrived"))
                    return;
                const std::string id = r.arrived.back().message->msg_id;
                if (!out.expect(!r.reported.empty(),
                                std::string(what) +
                                    ": the adapter reported no AppRec (expected a line "
                                    "{\"apprec\":{...}} on stdout)"))
                    return;
                const Reported& rep = r.reported.back();
                out.expect(rep.msg_id == id || rep.original_msg_id == id,
                           std::string(what) + ": the reported AppRec names MsgId '" +
                               (rep.msg_id.empty() ? rep.original_msg_id : rep.msg_id) +
                               "', the note carried '" + id + "'");
                out.expect(rep.status == status, std::string(what) + ": reported status " +
                                                     std::to_string(rep.status) +
                                                     ", the AppRec said " + std::to_string(status));
                if (code)
                    out.expect(
                        std::find(rep.codes.begin(), rep.codes.end(), code) != rep.codes.end(),
                        std::string(what) + ": the reported errors do not include " + code +
                            ", which the AppRec carried");
                else
                    out.expect(rep.codes.empty(),
                               std::string(what) + ": errors reported for an AppRec without any");
            };
            judge(ok, "the accepted note", 1, nullptr);
            judge(no, "the rejected note", 2, "E35");
            if (!no.triggered)
                out.note("the trigger command reported the rejection (non-zero exit)");
        }));
}

}  // namespace vft::conformance::suites
