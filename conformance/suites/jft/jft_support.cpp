// Messages and API helpers of the jft suite (jft_support.hpp).
#include "jft_support.hpp"

#include <set>

#include "vft/messages/alarm.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/supervision.hpp"

namespace vft::conformance::suites::jft_suite {

using namespace std::chrono_literals;

namespace {

const Practitioner kOperator{"9144900", "", "Operatør Ødegård"};
const Device kAlarmButton{"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
const Device kCamera{"https://fhir.trygghet.example/serial", "CAM-7", "Kamera rom 24"};
const Device kDispenser{"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                        "Evondos E300"};

}  // namespace

// ---- the messages -----------------------------------------------------------------------------

JournalNote note(Time t, std::string text) {
    JournalNote n;
    n.date = t;
    n.author = kOperator;
    n.events = {{"0", t - 20min}, {"1", t - 19min}, {"3", t - 5min}};
    n.sections = {{"1.1", "Oppfølging", std::move(text)}};
    return n;
}

Result<Message> dho_document(TestContext& ctx, std::string text) {
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
                                 std::string body, std::string note, const char* spec_ref,
                                 std::string content_type) {
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
    auto r = post(ctx, out, type, m.body, "submit " + what);
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

// Pages a search from `first_url` along the `next` links. Stops after the last page, when
// `enough` says so, or fails after `max_pages` or on a repeated link.
std::optional<std::vector<Entry>> search_pages(
    TestContext& ctx, Outcome& out, std::string first_url, const std::string& note,
    size_t max_pages, const std::function<bool(const std::vector<Entry>&)>& enough) {
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

}  // namespace vft::conformance::suites::jft_suite
