// The jft receiver suite (domain §3.2, DESIGN.md "Validation levels" and "duplicates"). Every test
// builds its messages with the SDK builders and fresh identifiers from the context, and judges
// only from the responses it got, so a re-judge over recorded exchanges reaches the same verdict.

#include <chrono>
#include <map>
#include <set>

#include "../common/receiver_support.hpp"
#include "suites.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/supervision.hpp"

namespace vft::conformance::suites {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kScopes{"nhn:jft/api"};
constexpr const char* kJson = "application/json";  // as in the JFT examples (domain §3.2)

constexpr const char* kRefSubmit = "JFT WriteAPI submit, domain §3.2";
constexpr const char* kRefStatus = "JFT $status / $journaling-acknowledged, domain §3.2";
constexpr const char* kRefSearch = "JFT ReadAPI search, domain §3.2";
constexpr const char* kRefValidation = "JFT validation on submit, domain §3.2; DESIGN.md strict";
constexpr const char* kRefDuplicates = "DESIGN.md duplicates (Bundle.identifier idempotency)";
constexpr const char* kRefDuplicatesConcurrent =
    "DESIGN.md duplicates; specs/DECISIONS.md duplicates (also when resends arrive at once)";
constexpr const char* kRefAuth = "JFT auth: HelseID scope nhn:jft/api + DPoP, domain §3.2/§3.3";

// ---- the messages -----------------------------------------------------------------------------

const Practitioner kOperator{"9144900", "", "Operatør Ødegård"};
const Device kAlarmButton{"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
const Device kCamera{"https://fhir.trygghet.example/serial", "CAM-7", "Kamera rom 24"};
const Device kDispenser{"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                        "Evondos E300"};

JournalNote note(Time t, std::string text) {
    JournalNote n;
    n.date = t;
    n.author = kOperator;
    n.events = {{"0", t - 20min}, {"1", t - 19min}, {"3", t - 5min}};
    n.sections = {{"1.1", "Oppfølging", std::move(text)}};
    return n;
}

Result<Message> dho_document(TestContext& ctx, std::string text =
                                                   "Blodtrykket er høyere enn vanlig; "
                                                   "ringte brukeren.") {
    DhoNote n;
    n.identifier = new_urn(ctx);
    n.patient = test_patient(ctx);
    n.note = note(run_time(ctx) - 1min, std::move(text));
    n.note.category = "2";
    n.note.events.clear();
    n.note.sections = {{"1.3", "Kommentar", n.note.sections.front().text}};
    return build_jft_document(n);
}

Result<Message> dho_composition(TestContext& ctx) {
    DhoNote n;
    n.identifier = new_urn(ctx);
    n.patient = test_patient(ctx);
    n.note = note(run_time(ctx) - 1min, "Måling av oksygenmetning kontrollert; ingen tiltak.");
    n.note.category = "2";
    n.note.events.clear();
    n.note.sections = {{"1.3", "Kommentar", n.note.sections.front().text}};
    return build_dho_note(n);
}

Result<Message> alarm_document(TestContext& ctx) {
    const Time t = run_time(ctx) - 30min;
    AlarmReport r;
    r.identifier = new_urn(ctx);
    r.encounter_id = new_urn(ctx);
    r.patient = test_patient(ctx);
    r.alert_code = "3";
    r.severity = "30";
    r.triage = "Y";
    r.detail = "gul";
    r.identified = t;
    r.device = kAlarmButton;
    r.response = {t + 1min, t + 15min};
    r.participants = {{"2", kAlarmButton, {t + 1min, t + 3min}, std::nullopt}};
    r.location = "rom24 @ Bøgata bofellesskap";
    r.note = note(t + 20min, "Brukeren trykket på alarmen; toveis tale, hjemmetjenesten varslet.");
    return build_alarm(r);
}

Result<Message> supervision_document(TestContext& ctx) {
    const Time t = run_time(ctx) - 30min;
    SupervisionReport s;
    s.identifier = new_urn(ctx);
    s.encounter_id = new_urn(ctx);
    s.patient = test_patient(ctx);
    s.reason = "1";
    s.period = {t, t + 2min};
    s.participants = {{"0", kCamera, {t, t + 2min}, std::nullopt}};
    s.location = "rom24 @ Åsen sykehjem";
    s.note = note(t + 5min, "Planlagt kameratilsyn: brukeren sover rolig.");
    return build_supervision(s);
}

MedicationDispensed dispensed(TestContext& ctx) {
    MedicationDispensed m;
    m.identifier = new_urn(ctx);
    m.bundle_id = new_urn(ctx);
    m.patient = test_patient(ctx);
    m.event = "1.1";
    m.handed_over = run_time(ctx) - 10min;
    m.dispenser = kDispenser;
    return m;
}

Result<Message> medication_transaction(TestContext& ctx) {
    return build_medication_jft_transaction(dispensed(ctx));
}

Result<Message> medication_dispense(TestContext& ctx) {
    return build_medication_dispense(dispensed(ctx));
}

// ---- talking to the API -----------------------------------------------------------------------

std::string v1(TestContext& ctx, std::string_view type) {
    return ctx.sut().base_url + "/v1/" + std::string(type);
}

std::string absolute(TestContext& ctx, const std::string& url) {
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0) return url;
    return ctx.sut().base_url + (url.rfind('/', 0) == 0 ? "" : "/") + url;
}

std::optional<HttpResponse> post(TestContext& ctx, Outcome& out, std::string_view type,
                                 std::string body, std::string note,
                                 const char* spec_ref = kRefSubmit,
                                 std::string content_type = kJson) {
    return call(ctx, out, make_request("POST", v1(ctx, type), std::move(body), content_type),
                std::move(note), kScopes, true, spec_ref);
}

std::optional<HttpResponse> get(TestContext& ctx, Outcome& out, const std::string& url,
                                std::string note, const char* spec_ref) {
    return call(ctx, out, make_request("GET", absolute(ctx, url)), std::move(note), kScopes, true,
                spec_ref);
}

// Submits and expects 202 with a Location naming /v1/{type}/{id}/$status. Returns the status URL.
std::optional<std::string> submit_accepted(TestContext& ctx, Outcome& out, std::string_view type,
                                           const Message& m, const std::string& what) {
    auto r = post(ctx, out, type, m.json, "submit " + what);
    if (!r) return std::nullopt;
    if (!expect_status(out, *r, 202, "submit " + what, kRefSubmit)) return std::nullopt;
    const std::string loc = r->header("Location");
    const std::string want = "/v1/" + std::string(type) + "/";
    if (!out.expect(!loc.empty(), "submit " + what +
                                      ": expected a status URL in the Location header of the "
                                      "202, got none [" +
                                      std::string(kRefSubmit) + "]"))
        return std::nullopt;
    if (!out.expect(loc.find(want) != std::string::npos && loc.size() > 8 &&
                        loc.compare(loc.size() - 8, 8, "/$status") == 0,
                    "submit " + what + ": expected Location " + want + "{id}/$status, got '" + loc +
                        "' [" + kRefSubmit + "]"))
        return std::nullopt;
    return absolute(ctx, loc);
}

struct Lifecycle {
    bool present = false;
    std::string registered, read, journaled;
};

// GET $status: 200 with plain JSON {"registered","read","journaled"|"journalingAcknowledged"}.
std::optional<Lifecycle> status_of(TestContext& ctx, Outcome& out, const std::string& url,
                                   const std::string& note) {
    auto r = get(ctx, out, url, note, kRefStatus);
    if (!r) return std::nullopt;
    if (!expect_status(out, *r, 200, note, kRefStatus)) return std::nullopt;
    auto d = parse_json(r->body);
    if (!out.expect(d && d->IsObject() && member(*d, "registered"),
                    note +
                        ": expected JSON {\"registered\", \"read\", \"journaled\", \"failed\"}, "
                        "got " +
                        got(*r) + " [" + kRefStatus + "]"))
        return std::nullopt;
    Lifecycle l;
    l.present = true;
    l.registered = str_member(*d, "registered");
    l.read = str_member(*d, "read");
    l.journaled = str_member(*d, "journaled");
    if (l.journaled.empty()) l.journaled = str_member(*d, "journalingAcknowledged");  // §6 item 6
    return l;
}

struct Entry {
    std::string full_url;
    std::string resource;  // normalised JSON text
};

// Pages a search from `first_url` along the `next` links. Stops after the last page, when
// `enough` says so, or fails after `max_pages` or on a repeated link.
std::optional<std::vector<Entry>> search_pages(
    TestContext& ctx, Outcome& out, std::string first_url, const std::string& note,
    size_t max_pages, const std::function<bool(const std::vector<Entry>&)>& enough = {}) {
    std::vector<Entry> all;
    std::set<std::string> seen_links;
    std::string url = std::move(first_url);
    for (size_t page = 1; !url.empty(); ++page) {
        if (!out.expect(page <= max_pages, note + ": more than " + std::to_string(max_pages) +
                                               " pages; the cursor does not end [" + kRefSearch +
                                               "]"))
            return std::nullopt;
        if (!out.expect(seen_links.insert(url).second,
                        note + ": the next link repeats an earlier page (" + url + ") [" +
                            kRefSearch + "]"))
            return std::nullopt;
        auto r = get(ctx, out, url, note + " (page " + std::to_string(page) + ")", kRefSearch);
        if (!r) return std::nullopt;
        if (!expect_status(out, *r, 200, note, kRefSearch)) return std::nullopt;
        auto d = parse_json(r->body);
        if (!out.expect(
                d && str_member(*d, "resourceType") == "Bundle" &&
                    str_member(*d, "type") == "searchset",
                note + ": expected a searchset Bundle, got " + got(*r) + " [" + kRefSearch + "]"))
            return std::nullopt;
        if (const auto* entries = member(*d, "entry"); entries && entries->IsArray())
            for (const auto& e : entries->GetArray()) {
                const auto* res = member(e, "resource");
                all.push_back({str_member(e, "fullUrl"), res ? to_text(*res) : std::string()});
            }
        url.clear();
        if (const auto* links = member(*d, "link"); links && links->IsArray())
            for (const auto& l : links->GetArray())
                if (str_member(l, "relation") == "next") url = absolute(ctx, str_member(l, "url"));
        if (enough && enough(all)) break;
    }
    return all;
}

size_t count_with(const std::vector<Entry>& entries, const std::string& needle) {
    size_t n = 0;
    for (const auto& e : entries)
        if (e.resource.find(needle) != std::string::npos) ++n;
    return n;
}

// _lastUpdated lower bound well before this test (the SUT's clock may differ a little).
std::string since(TestContext& ctx) {
    return "ge" + format_fhir_time(run_time(ctx) - 10min);
}

// Newest first until the resource with `needle` shows up.
std::optional<std::vector<Entry>> find_newest(TestContext& ctx, Outcome& out, std::string_view type,
                                              const std::string& needle, const std::string& note) {
    return search_pages(ctx, out, v1(ctx, type) + "?_sort=-_lastUpdated&_count=50", note, 40,
                        [&](const std::vector<Entry>& e) { return count_with(e, needle) > 0; });
}

// ---- submit -----------------------------------------------------------------------------------

// A message of `type` is accepted (202) and its status URL says it was registered.
TestFn submit_check(std::string type, std::function<Result<Message>(TestContext&)> make,
                    std::string what) {
    return [=](TestContext& ctx, Outcome& out) {
        auto m = make(ctx);
        if (!built(out, m)) return;
        auto url = submit_accepted(ctx, out, type, *m, what);
        if (!url) return;
        auto st = status_of(ctx, out, *url, "status of the " + what);
        if (!st) return;
        if (!out.expect(!st->registered.empty(),
                        "status of the " + what +
                            ": expected 'registered' with the time it was stored, got "
                            "null [" +
                            kRefStatus + "]"))
            return;
        out.pass();
    };
}

// ---- auth -------------------------------------------------------------------------------------

bool auth_applicable(TestContext& ctx, Outcome& out, bool needs_test_tokens) {
    if (!sut_has_helseid(ctx)) {
        out.skip("the SUT file declares no HelseID auth (auth.type is '" + ctx.sut().auth.type +
                 "'), so the refusal of bad credentials cannot be checked");
        return false;
    }
    if (needs_test_tokens && ctx.sut().auth.test_token_url.empty()) {
        out.skip("the SUT file gives no auth.test_token_url to mint deliberately bad tokens");
        return false;
    }
    return true;
}

// A submission with a deliberately bad credential is refused with `status`.
TestFn auth_token_check(TokenKind kind, bool dpop, int status, std::string what) {
    return [=](TestContext& ctx, Outcome& out) {
        const bool test_token = kind != TokenKind::none && kind != TokenKind::valid;
        if (!auth_applicable(ctx, out, test_token)) return;
        auto m = dho_document(ctx);
        if (!built(out, m)) return;
        auto r = ctx.send(make_request("POST", v1(ctx, "Bundle"), m->json, kJson),
                          "submit with " + what, kind, kScopes, dpop);
        if (!r) return no_answer(out, r.error(), "submit with " + what, kRefAuth);
        // JFT has one scope, so a token without it was issued for another API
        // (another aud): 401 invalid_token is as right as 403 insufficient_scope.
        const int want = status == 403 && r->status == 401 ? 401 : status;
        if (!expect_refusal(out, *r, want, "submit with " + what, kRefAuth)) return;
        out.pass();
    };
}

// A valid DPoP-bound token with a proof broken as `fault` says is refused (401).
TestFn dpop_fault_check(DpopFault fault, std::string what) {
    return [=](TestContext& ctx, Outcome& out) {
        if (!auth_applicable(ctx, out, false)) return;
        auto m = dho_document(ctx);
        if (!built(out, m)) return;
        const auto req = make_request("POST", v1(ctx, "Bundle"), m->json, kJson);
        if (fault == DpopFault::replayed) {
            // The original must be accepted, or the replay proves nothing.
            auto first =
                ctx.send(req, "submit with a fresh DPoP proof", TokenKind::valid, kScopes, true);
            if (!first)
                return no_answer(out, first.error(), "submit with a fresh DPoP proof", kRefAuth);
            if (!expect_status(out, *first, 202,
                               "submit with a valid DPoP-bound token and a fresh proof",
                               kRefSubmit))
                return;
        }
        auto r = ctx.send_dpop_fault(req, "submit with " + what, kScopes, fault);
        if (!r && r.error().code == errc::conf_dpop_fault_unsupported)
            return out.skip("the runner cannot send a broken DPoP proof here: " +
                            r.error().message);
        if (!r) return no_answer(out, r.error(), "submit with " + what, kRefAuth);
        if (!expect_refusal(out, *r, 401, "submit with " + what, kRefAuth)) return;
        out.pass();
    };
}

// ---- validation -------------------------------------------------------------------------------

using Edit = std::function<bool(rapidjson::Document&)>;

rapidjson::Value* composition_of(rapidjson::Document& d) {
    auto* entries = d.IsObject() && d.HasMember("entry") ? &d["entry"] : nullptr;
    if (!entries || !entries->IsArray() || entries->Empty()) return nullptr;
    auto& first = (*entries)[0];
    if (!first.IsObject() || !first.HasMember("resource")) return nullptr;
    auto& c = first["resource"];
    return str_member(c, "resourceType") == "Composition" ? &c : nullptr;
}

bool set_string(rapidjson::Value& at, const char* name, const char* value,
                rapidjson::Document::AllocatorType& a) {
    if (!at.IsObject()) return false;
    if (at.HasMember(name))
        at[name].SetString(value, a);
    else
        at.AddMember(rapidjson::Value(name, a), rapidjson::Value(value, a), a);
    return true;
}

// A DHO document changed by `edit` is refused (400 + OperationOutcome).
TestFn invalid_check(std::string what, Edit edit) {
    return [=](TestContext& ctx, Outcome& out) {
        auto m = dho_document(ctx);
        if (!built(out, m)) return;
        const std::string body = edit ? mutate(m->json, edit) : m->json;
        if (body.empty())
            return out.error("the harness could not derive the invalid message (" + what +
                             ") from the builder's output");
        auto r = post(ctx, out, "Bundle", body, "submit " + what, kRefValidation);
        if (!r) return;
        if (!expect_refusal(out, *r, 400, "submit " + what, kRefValidation)) return;
        out.pass();
    };
}

// ---- the suite --------------------------------------------------------------------------------

}  // namespace

void register_jft_receiver_tests(RoleTests& suite) {
    // Auth: DPoP-bound HelseID tokens with scope nhn:jft/api.
    suite.add({.id = "jft.auth.no_token_refused",
               .title = "A submission without any token is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-TOKEN-001"},
               .needs = {Need::helseid}},
              auth_token_check(TokenKind::none, false, 401, "no Authorization header"));
    suite.add(
        {.id = "jft.auth.bearer_without_dpop_refused",
         .title =
             "A valid token sent as a plain Bearer token without a DPoP proof is refused (401)",
         .module = "auth",
         .spec_ref = kRefAuth,
         .rules = {"AUTH-DPOP-001"},
         .needs = {Need::helseid}},
        dpop_fault_check(DpopFault::missing, "a Bearer token and no DPoP proof"));
    suite.add({.id = "jft.auth.expired_token_refused",
               .title = "An expired token is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-TOKEN-002"},
               .needs = {Need::test_tokens}},
              auth_token_check(TokenKind::expired, true, 401, "an expired token"));
    suite.add({.id = "jft.auth.bad_signature_refused",
               .title = "A token with a broken signature is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-TOKEN-003"},
               .needs = {Need::test_tokens}},
              auth_token_check(TokenKind::bad_signature, true, 401,
                               "a token whose signature does not verify"));
    suite.add(
        {.id = "jft.auth.missing_scope_refused",
         .title = "A token without the scope nhn:jft/api is refused (403, or 401 for a token of "
                  "another API)",
         .module = "auth",
         .spec_ref = kRefAuth,
         .rules = {"AUTH-SCOPE-001"},
         .needs = {Need::test_tokens}},
        auth_token_check(TokenKind::wrong_scope, true, 403, "a token without scope nhn:jft/api"));
    suite.add({.id = "jft.auth.dpop_replay_refused",
               .title = "A DPoP proof used a second time (replay) is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-DPOP-002"},
               .needs = {Need::helseid}},
              dpop_fault_check(DpopFault::replayed, "a replayed DPoP proof"));
    suite.add({.id = "jft.auth.dpop_wrong_htu_refused",
               .title = "A DPoP proof made for another URL is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-DPOP-003"},
               .needs = {Need::helseid}},
              dpop_fault_check(DpopFault::wrong_htu, "a DPoP proof whose htu is another URL"));
    suite.add(
        {.id = "jft.auth.dpop_wrong_ath_refused",
         .title = "A DPoP proof bound to another access token is refused (401)",
         .module = "auth",
         .spec_ref = kRefAuth,
         .rules = {"AUTH-DPOP-003"},
         .needs = {Need::helseid}},
        dpop_fault_check(DpopFault::wrong_ath, "a DPoP proof whose ath is another token's hash"));

    // Submit: each resource type JFT takes, from the SDK builders.
    suite.add({.id = "jft.submit.bundle_accepted_202",
               .title = "A DHO note as a JFT document Bundle is accepted (202) with a status URL",
               .module = "dho",
               .spec_ref = kRefSubmit,
               .rules = {"JFT-API-001"}},
              submit_check(
                  "Bundle", [](TestContext& c) { return dho_document(c); }, "DHO document Bundle"));
    suite.add({.id = "jft.submit.alarm_bundle_accepted_202",
               .title = "An alarm report (DetectedIssue + Encounter + note) is accepted (202)",
               .module = "alarm",
               .spec_ref = kRefSubmit,
               .rules = {"JFT-API-001"}},
              submit_check("Bundle", alarm_document, "alarm document Bundle"));
    suite.add({.id = "jft.submit.supervision_bundle_accepted_202",
               .title = "A digital supervision report with a note is accepted (202)",
               .module = "supervision",
               .spec_ref = kRefSubmit,
               .rules = {"JFT-API-001"}},
              submit_check("Bundle", supervision_document, "supervision document Bundle"));
    suite.add({.id = "jft.submit.medication_transaction_accepted_202",
               .title = "A medication dispense as a transaction Bundle is accepted (202)",
               .module = "medication",
               .spec_ref = kRefSubmit,
               .rules = {"JFT-API-001"}},
              submit_check("Bundle", medication_transaction, "medication transaction Bundle"));
    suite.add({.id = "jft.submit.composition_accepted_202",
               .title = "A single Composition (DHO note) is accepted (202) with a status URL",
               .module = "dho",
               .spec_ref = kRefSubmit,
               .rules = {"JFT-API-001"}},
              submit_check("Composition", dho_composition, "Composition"));
    suite.add({.id = "jft.submit.medicationdispense_accepted_202",
               .title = "A single MedicationDispense is accepted (202) with a status URL",
               .module = "medication",
               .spec_ref = kRefSubmit,
               .rules = {"JFT-API-001"}},
              submit_check("MedicationDispense", medication_dispense, "MedicationDispense"));

    // Norwegian characters survive: read back through the SUT's own search.
    suite.add({.id = "jft.submit.norwegian_characters_preserved",
               .title = "Norwegian letters (æ, ø, å, Æ, Ø, Å) in a note read back unchanged",
               .module = "dho",
               .spec_ref = kRefSearch,
               .rules = {"JFT-API-001", "JFT-API-004"}},
              [](TestContext& ctx, Outcome& out) {
                  const std::string text =
                      "Brukeren Åsmund Ærlig på Øvre Bøgata: blodtrykk høyere enn "
                      "vanlig, kvittert av sykepleier Åse (æøå ÆØÅ)";
                  auto m = dho_document(ctx, text);
                  if (!built(out, m)) return;
                  if (!submit_accepted(ctx, out, "Bundle", *m, "DHO note with æøå")) return;
                  auto found = find_newest(ctx, out, "Bundle", bare_uuid(m->identifier),
                                           "search for the note just submitted");
                  if (!found) return;
                  const auto at = std::find_if(found->begin(), found->end(), [&](const Entry& e) {
                      return e.resource.find(bare_uuid(m->identifier)) != std::string::npos;
                  });
                  if (!out.expect(at != found->end(),
                                  "expected the submitted Bundle " + m->identifier +
                                      " in the search result, not found [" + kRefSearch + "]"))
                      return;
                  if (!out.expect(at->resource.find(text) != std::string::npos,
                                  "expected the note text '" + text +
                                      "' byte for byte (UTF-8) in the search result, got " +
                                      clip(at->resource, 600) + " [" + kRefSearch + "]"))
                      return;
                  out.pass();
              });

    // $status lifecycle: registered → read (after a search returned it) → journaled.
    suite.add(
        {.id = "jft.status.lifecycle_registered_read_journaled",
         .title = "The status of a submitted note goes registered → read → journaled as the EPJ "
                  "reads and "
                  "acknowledges it",
         .module = "dho",
         .spec_ref = kRefStatus,
         .rules = {"JFT-API-002", "JFT-API-003"}},
        [](TestContext& ctx, Outcome& out) {
            auto m = dho_document(ctx);
            if (!built(out, m)) return;
            auto url = submit_accepted(ctx, out, "Bundle", *m, "DHO document Bundle");
            if (!url) return;
            auto s1 = status_of(ctx, out, *url, "status right after submit");
            if (!s1) return;
            // read may already be set: another reader (a parallel test, the EPJ) may have
            // searched in between; only journaled must still be open.
            if (!out.expect(!s1->registered.empty() && s1->journaled.empty(),
                            "status right after submit: expected registered=<time> and "
                            "journaled=null, got registered=" +
                                s1->registered + " journaled=" + s1->journaled + " [" + kRefStatus +
                                "]"))
                return;
            auto found = find_newest(ctx, out, "Bundle", bare_uuid(m->identifier),
                                     "search (the EPJ reads its new events)");
            if (!found) return;
            if (!out.expect(count_with(*found, bare_uuid(m->identifier)) > 0,
                            "expected the submitted Bundle " + m->identifier +
                                " in the search result, not found [" + kRefSearch + "]"))
                return;
            auto s2 = status_of(ctx, out, *url, "status after the search returned it");
            if (!s2) return;
            if (!out.expect(!s2->read.empty(),
                            "status after a search returned the event: "
                            "expected read=<time>, got read=null [" +
                                std::string(kRefStatus) + "]"))
                return;
            std::string ack = *url;
            ack.replace(ack.size() - 7, 7, "$journaling-acknowledged");
            auto a = call(ctx, out, make_request("POST", ack, {}, kJson),
                          "POST $journaling-acknowledged", kScopes, true, kRefStatus);
            if (!a || !expect_status(out, *a, 202, "POST $journaling-acknowledged", kRefStatus))
                return;
            auto s3 = status_of(ctx, out, *url, "status after $journaling-acknowledged");
            if (!s3) return;
            if (!out.expect(!s3->journaled.empty(),
                            "status after $journaling-acknowledged (answered 202): expected "
                            "journaled=<time>, got journaled=null [" +
                                std::string(kRefStatus) + "]"))
                return;
            out.pass();
        });

    // Search: cursor paging returns each submitted resource exactly once.
    suite.add(
        {.id = "jft.search.paging_returns_each_once",
         .title = "Paging through search results (_count and cursor) returns every submitted note "
                  "exactly "
                  "once",
         .module = "dho",
         .spec_ref = kRefSearch,
         .rules = {"JFT-API-004"}},
        [](TestContext& ctx, Outcome& out) {
            std::vector<std::string> ids;
            for (int i = 0; i < 5; ++i) {
                auto m = dho_composition(ctx);
                if (!built(out, m)) return;
                if (!submit_accepted(ctx, out, "Composition", *m,
                                     "Composition " + std::to_string(i + 1) + " of 5"))
                    return;
                ids.push_back(bare_uuid(m->identifier));
            }
            auto all = search_pages(ctx, out,
                                    v1(ctx, "Composition") + "?_count=2&_lastUpdated=" + since(ctx),
                                    "search with _count=2", 1000);
            if (!all) return;
            for (const auto& id : ids) {
                const size_t n = count_with(*all, id);
                if (!out.expect(n == 1, "paging with _count=2 over " + std::to_string(all->size()) +
                                            " results: expected Composition urn:uuid:" + id +
                                            " exactly once, got " + std::to_string(n) + " [" +
                                            kRefSearch + "]"))
                    return;
            }
            out.pass();
        });
    suite.add(
        {.id = "jft.search.last_updated_filter",
         .title = "Searching by _lastUpdated returns recent events and leaves out older ones",
         .module = "dho",
         .spec_ref = kRefSearch,
         .rules = {"JFT-API-005"}},
        [](TestContext& ctx, Outcome& out) {
            auto m = dho_composition(ctx);
            if (!built(out, m)) return;
            if (!submit_accepted(ctx, out, "Composition", *m, "Composition")) return;
            const std::string id = bare_uuid(m->identifier);
            auto recent = search_pages(
                ctx, out, v1(ctx, "Composition") + "?_count=100&_lastUpdated=" + since(ctx),
                "search _lastUpdated=" + since(ctx), 1000);
            if (!recent) return;
            if (!out.expect(count_with(*recent, id) == 1, "search _lastUpdated=" + since(ctx) +
                                                              ": expected the Composition "
                                                              "just submitted, not found [" +
                                                              kRefSearch + "]"))
                return;
            const std::string before = "lt" + format_fhir_time(run_time(ctx) - 24h);
            auto old = search_pages(ctx, out,
                                    v1(ctx, "Composition") + "?_count=100&_lastUpdated=" + before,
                                    "search _lastUpdated=" + before, 1000);
            if (!old) return;
            if (!out.expect(count_with(*old, id) == 0,
                            "search _lastUpdated=" + before +
                                ": expected no event submitted now, got the Composition just "
                                "submitted (the filter is ignored) [" +
                                kRefSearch + "]"))
                return;
            out.pass();
        });

    // Validation at the strict level: JFT's fixed values and each rule family.
    auto in_composition = [](std::function<bool(rapidjson::Value&, rapidjson::Document&)> f) {
        return [f](rapidjson::Document& d) {
            auto* c = composition_of(d);
            return c && f(*c, d);
        };
    };
    suite.add(
        {.id = "jft.validation.composition_status_not_final_400",
         .title =
             "A note whose Composition status is not 'final' is refused (400 + OperationOutcome)",
         .module = "dho",
         .spec_ref = kRefValidation,
         .rules = {"VKP-CMP-006"}},
        invalid_check("a document whose Composition.status is 'preliminary'",
                      in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                          return set_string(c, "status", "preliminary", d.GetAllocator());
                      })));
    suite.add(
        {.id = "jft.validation.composition_type_not_loinc_34133_9_400",
         .title = "A note whose type is not LOINC 34133-9 is refused (400 + OperationOutcome)",
         .module = "dho",
         .spec_ref = kRefValidation,
         .rules = {"VKP-CMP-007"}},
        invalid_check("a document whose Composition.type is LOINC 11488-4",
                      in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                          auto* type = member(c, "type");
                          auto* coding = type ? member(*type, "coding") : nullptr;
                          if (!coding || !coding->IsArray() || coding->Empty()) return false;
                          return set_string((*coding)[0], "code", "11488-4", d.GetAllocator()) &&
                                 set_string((*coding)[0], "display", "Consult note",
                                            d.GetAllocator());
                      })));
    suite.add({.id = "jft.validation.section_text_status_not_additional_400",
               .title = "A note whose section text status is not 'additional' is refused (400 + "
                        "OperationOutcome)",
               .module = "dho",
               .spec_ref = kRefValidation,
               .rules = {"VKP-CMP-008"}},
              invalid_check("a document whose section.text.status is 'generated'",
                            in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                                auto* sections = member(c, "section");
                                if (!sections || !sections->IsArray() || sections->Empty())
                                    return false;
                                auto* text = member((*sections)[0], "text");
                                return text &&
                                       set_string(*text, "status", "generated", d.GetAllocator());
                            })));
    suite.add({.id = "jft.validation.invalid_fnr_400",
               .title = "A note about a patient with an invalid fødselsnummer is refused (400 + "
                        "OperationOutcome)",
               .module = "dho",
               .spec_ref = kRefValidation,
               .rules = {"ID-FNR-001"}},
              invalid_check("a document whose patient fødselsnummer has a wrong check digit",
                            in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                                auto* subject = member(c, "subject");
                                auto* id = subject ? member(*subject, "identifier") : nullptr;
                                if (id && id->IsArray() && !id->Empty()) id = &(*id)[0];
                                if (!id) return false;
                                std::string v = str_member(*id, "value");
                                if (v.size() != 11) return false;
                                v.back() = v.back() == '9' ? '0' : static_cast<char>(v.back() + 1);
                                return set_string(*id, "value", v.c_str(), d.GetAllocator());
                            })));
    suite.add(
        {.id = "jft.validation.unknown_code_400",
         .title = "A note with a category code outside the national code system is refused (400)",
         .module = "dho",
         .spec_ref = kRefValidation,
         .rules = {"CODE-001"}},
        invalid_check("a document whose Composition.category code is '9'",
                      in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                          auto* cat = member(c, "category");
                          if (!cat || !cat->IsArray() || cat->Empty()) return false;
                          auto* coding = member((*cat)[0], "coding");
                          if (!coding || !coding->IsArray() || coding->Empty()) return false;
                          return set_string((*coding)[0], "code", "9", d.GetAllocator());
                      })));
    suite.add(
        {.id = "jft.validation.bundle_type_collection_400",
         .title = "A Bundle of type 'collection' (not document or transaction) is refused (400)",
         .module = "dho",
         .spec_ref = kRefValidation,
         .rules = {"BDL-010"}},
        invalid_check("a Bundle of type collection", [](rapidjson::Document& d) {
            return str_member(d, "type") == "document" &&
                   set_string(d, "type", "collection", d.GetAllocator());
        }));

    // Duplicates: Bundle.identifier is the idempotency key.
    suite.add(
        {.id = "jft.duplicates.resubmission_same_answer_stored_once",
         .title =
             "A resubmitted Bundle (same identifier) gets the same answer and is stored only once",
         .module = "dho",
         .spec_ref = kRefDuplicates,
         .rules = {"JFT-API-007"}},
        [](TestContext& ctx, Outcome& out) {
            auto m = dho_document(ctx);
            if (!built(out, m)) return;
            auto first = submit_accepted(ctx, out, "Bundle", *m, "DHO document Bundle");
            if (!first) return;
            auto again =
                submit_accepted(ctx, out, "Bundle", *m, "the same Bundle again (same identifier)");
            if (!again) return;
            if (!out.expect(*again == *first,
                            "resubmission: expected the same status URL as the first answer (" +
                                *first + "), got " + *again + " [" + kRefDuplicates + "]"))
                return;
            auto all =
                search_pages(ctx, out, v1(ctx, "Bundle") + "?_count=100&_lastUpdated=" + since(ctx),
                             "search for the resubmitted Bundle", 1000);
            if (!all) return;
            const size_t n = count_with(*all, bare_uuid(m->identifier));
            if (!out.expect(n == 1, "search after two submissions of " + m->identifier +
                                        ": expected it exactly once, got " + std::to_string(n) +
                                        once_problem(n) + " [" + kRefDuplicates + "]"))
                return;
            out.pass();
        });

    suite.add({.id = "jft.duplicates.concurrent_submissions_same_answer_stored_once",
               .title = "A Bundle submitted by eight clients at the same moment (one identifier) "
                        "gets one answer "
                        "(the same status URL) and is stored once",
               .module = "dho",
               .spec_ref = kRefDuplicatesConcurrent,
               .rules = {"JFT-API-007"}},
              [](TestContext& ctx, Outcome& out) {
                  auto m = dho_document(ctx);
                  if (!built(out, m)) return;
                  const std::string what = "submit one DHO document Bundle";
                  auto answers =
                      send_at_once(ctx, make_request("POST", v1(ctx, "Bundle"), m->json, kJson),
                                   kClientsAtOnce, what, kScopes, true);
                  if (!expect_same_answers(out, std::move(answers), 202, "Location", what,
                                           kRefDuplicatesConcurrent))
                      return;
                  auto all = search_pages(
                      ctx, out, v1(ctx, "Bundle") + "?_count=100&_lastUpdated=" + since(ctx),
                      "search for the Bundle submitted at once", 1000);
                  if (!all) return;
                  const size_t n = count_with(*all, bare_uuid(m->identifier));
                  if (!out.expect(n == 1, "search after " + std::to_string(kClientsAtOnce) +
                                              " simultaneous submissions of " + m->identifier +
                                              ": expected it stored exactly once, got " +
                                              std::to_string(n) + once_problem(n) + " [" +
                                              kRefDuplicatesConcurrent + "]"))
                      return;
                  out.pass();
              });

    // Robustness.
    suite.add({.id = "jft.robustness.malformed_json_400",
               .title = "A body that is not well-formed JSON is refused (400 + OperationOutcome)",
               .module = "dho",
               .spec_ref = kRefValidation,
               .rules = {"JFT-API-008", "FHIR-JSON-001"}},
              [](TestContext& ctx, Outcome& out) {
                  auto r = post(ctx, out, "Bundle", R"({"resourceType": "Bundle", "type":)",
                                "submit truncated JSON", kRefValidation);
                  if (!r) return;
                  if (!expect_refusal(out, *r, 400, "submit truncated JSON", kRefValidation))
                      return;
                  out.pass();
              });
    suite.add(
        {.id = "jft.robustness.wrong_content_type_415",
         .title = "A FHIR message sent as text/plain is refused as an unsupported media type (415)",
         .module = "dho",
         .spec_ref = "RFC 9110 §15.5.16; JFT submit takes application/json, domain §3.2",
         .rules = {"JFT-API-008"}},
        [](TestContext& ctx, Outcome& out) {
            auto m = dho_document(ctx);
            if (!built(out, m)) return;
            auto r =
                post(ctx, out, "Bundle", m->json, "submit as text/plain", kRefSubmit, "text/plain");
            if (!r) return;
            if (!expect_refusal(out, *r, 415, "submit a valid Bundle as text/plain",
                                "RFC 9110 §15.5.16"))
                return;
            out.pass();
        });
    suite.add({.id = "jft.robustness.oversize_413",
               .title = "A body larger than 10 MiB is refused (413) instead of being read",
               .module = "dho",
               .spec_ref = "DESIGN.md endpoints",
               .rules = {"JFT-API-008"}},
              [](TestContext& ctx, Outcome& out) {
                  auto m = dho_document(ctx);
                  if (!built(out, m)) return;
                  // Whitespace before the JSON keeps it a valid message, only too large.
                  std::string body((10u << 20) + 1024, ' ');
                  body += m->json;
                  auto r = post(ctx, out, "Bundle", std::move(body), "submit 10 MiB + 1 KiB",
                                "DESIGN.md endpoints");
                  if (!r) return;
                  if (!expect_status(out, *r, 413, "submit a body of 10 MiB + 1 KiB",
                                     "DESIGN.md endpoints: bodies over 10 MiB → 413"))
                      return;
                  out.pass();
              });
}

}  // namespace vft::conformance::suites
