// Suite jft, role reader: the SUT is an EPJ that synchronises journal notes from JFT's ReadAPI
// (domain §3.2; docs/conformance.md section 13). The runner plays JFT (the mock receiver's JFT
// side behind the recording proxy, with the token service), queues documents, triggers `sync`
// and `report-journal`, and judges only what was recorded: the queued documents (their ids from
// the 202's Location), the pages the SUT fetched, its acknowledgements, its credentials and the
// journal it reported.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "suites.hpp"
#include "vft/auth/key.hpp"
#include "vft/client/jft_client.hpp"

namespace vft::conformance::suites {
namespace {

using reports::Exchange;

constexpr const char* kRef = "domain §3.2 (JFT ReadAPI: search, paging, $journaling-acknowledged)";
constexpr const char* kCompositionFixture = "fixtures/messages/valid/jft/composition-single.json";
constexpr const char* kFixtureText =
    "Olga ringte responssenteret for å høre når hjemmetjenesten kommer i kveld. Informert om "
    "besøk kl. 21.00.";
constexpr int kCompositions = 46;  // more than four pages at JFT's default _count of 10
constexpr int64_t kToleranceMs = 100;

const rapidjson::Value& at(const rapidjson::Value& o, const char* name) {
    static const rapidjson::Value null;
    return o.IsObject() && o.HasMember(name) ? o[name] : null;
}
std::string str(const rapidjson::Value& o, const char* name) {
    const auto& v = at(o, name);
    return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string();
}
std::string path_of(const std::string& url) {
    const auto scheme = url.find("://");
    const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    std::string p = slash == std::string::npos ? "/" : url.substr(slash);
    return p.substr(0, p.find('?'));
}
std::string header(const Exchange& x, std::string_view name) {
    for (const auto& h : x.request_headers)
        if (h.name.size() == name.size() &&
            std::equal(h.name.begin(), h.name.end(), name.begin(),
                       [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
            return h.value;
    return {};
}
int64_t started_ms(const Exchange& x) {  // "2026-11-28T10:11:19.123Z" → ms within the epoch day
    if (x.started.size() < 23) return 0;
    const auto n = [&](size_t pos, size_t len) { return std::stoll(x.started.substr(pos, len)); };
    return ((n(8, 2) * 24 + n(11, 2)) * 60 + n(14, 2)) * 60000 + n(17, 2) * 1000 + n(20, 3);
}
int64_t ended_ms(const Exchange& x) {
    return started_ms(x) + x.elapsed_ms;
}

// The note text of a document as docs/conformance.md "Instruction report-journal" defines it.
void section_divs(const rapidjson::Value& sections, std::string& out) {
    if (!sections.IsArray()) return;
    for (const auto& s : sections.GetArray()) {
        const std::string div = str(at(s, "text"), "div");
        if (!div.empty()) out += (out.empty() ? "" : "\n") + div;
        section_divs(at(s, "section"), out);
    }
}
std::string note_text(const std::string& json) {
    rapidjson::Document r;
    r.Parse(json.data(), json.size());
    if (r.HasParseError() || !r.IsObject()) return {};
    std::string out;
    const std::string type = str(r, "resourceType");
    if (type == "Composition") section_divs(at(r, "section"), out);
    if (type == "Bundle" && at(r, "entry").IsArray())
        for (const auto& e : at(r, "entry").GetArray())
            if (str(at(e, "resource"), "resourceType") == "Composition")
                section_divs(at(at(e, "resource"), "section"), out);
    if (type == "MedicationDispense") out = str(at(r, "text"), "div");
    return out;
}

// The documents the runner's JFT holds: Compositions with æøå, one large (1 MiB),
// the DHO document bundle, a medication transaction bundle and a MedicationDispense.
std::vector<Instruction::Document> documents(TestContext& ctx) {
    std::vector<Instruction::Document> out;
    auto composition = ctx.fixture(kCompositionFixture);
    if (!composition) return out;
    for (int i = 0; i < kCompositions; ++i) {
        std::string text = "Notat " + std::to_string(i + 1) +
                           ": Ærlig talt gikk det bra; Åse og Øystein på rom ø" +
                           std::to_string(i) + " fikk besøk (æøå ÆØÅ).";
        if (i == 4) text += " " + std::string(1u << 20, 'x') + " slutt.";  // a large note
        std::string json = *composition;
        const auto p = json.find(kFixtureText);
        if (p == std::string::npos) return {};
        json.replace(p, std::string_view(kFixtureText).size(), text);
        out.push_back({"Composition", std::move(json)});
    }
    for (const char* f :
         {"fixtures/messages/valid/jft/document-dho-note.json",
          "fixtures/messages/valid/jft/transaction-patient-medicationdispense.json"})
        if (auto b = ctx.fixture(f)) out.push_back({"Bundle", *b});
    if (auto m = ctx.fixture("fixtures/messages/valid/jft/medicationdispense-single.json"))
        out.push_back({"MedicationDispense", *m});
    return out;
}

struct Queued {
    std::string type, id, text;
};
struct Ack {
    size_t exchange;  // index in Observed::endpoint
    bool answered;    // 2xx
};
struct Observed {
    std::vector<Queued> queued;
    std::vector<Exchange> endpoint, token, triggers;
    // Per report-journal: id -> the texts it reports (one per import); "" = not answered.
    std::vector<std::map<std::string, std::vector<std::string>>> journals;
    std::vector<std::string> journal_errors;
    std::map<std::string, size_t> fetched;  // id -> index of the first page exchange with it
    std::map<std::string, std::vector<Ack>> acks;
    size_t second_sync_from = SIZE_MAX;            // endpoint index where the last plain sync began
    std::vector<std::pair<Queued, int64_t>> late;  // queued during the first sync; when stored
    int failed_syncs = 0;
    std::string sync_failure;
};

struct Plan {
    std::string faults = {};
    std::string crash = {};  // the crash member of the first sync ("" = none)
    bool second_sync = false;
    bool late = false;  // three Compositions arrive once the SUT has been answered its first page
};

Observed act(TestContext& ctx, const Plan& plan) {
    Observed o;
    Instruction sync{.action = "sync",
                     .json = plan.crash.empty() ? R"({"api":"jft"})"
                                                : R"({"api":"jft","crash":)" + plan.crash + "}",
                     .faults_json = plan.faults,
                     .queue = documents(ctx)};
    if (plan.late && !sync.queue.empty())
        for (int i = 0; i < 3; ++i) {
            std::string json = sync.queue.front().json;
            const std::string first = "Notat 1: ";
            const auto p = json.find(first);
            if (p != std::string::npos)
                json.replace(p, first.size(), "Sent notat " + std::to_string(i + 1) + ": ");
            sync.queue_during.push_back({"Composition", std::move(json)});
        }
    const Instruction again{.action = "sync", .json = R"({"api":"jft"})"};
    const Instruction report{
        .action = "report-journal", .json = R"({"api":"jft"})", .answer_on_stdout = true};
    auto first = ctx.trigger(sync);
    if (!plan.crash.empty()) first = ctx.trigger(again);  // the restart after the crash
    if (!first) ++o.failed_syncs, o.sync_failure = first.error().message;
    (void)ctx.trigger(report);
    if (plan.second_sync) {
        if (auto s = ctx.trigger(again); !s) ++o.failed_syncs, o.sync_failure = s.error().message;
        (void)ctx.trigger(report);
    }
    int plain_syncs = 0;
    for (const auto& x : ctx.inbound()) {
        if (x.note == "queued document") {
            const std::string id = client::jft_id_from_status_url(
                x.response_headers.empty() ? "" : x.response_headers[0].value);
            o.queued.push_back({path_of(x.url).substr(4), id, note_text(x.request_body)});
            if (!o.triggers.empty()) o.late.emplace_back(o.queued.back(), ended_ms(x));
        } else if (x.method == "TRIGGER") {
            o.triggers.push_back(x);
            if (x.url == "trigger:sync" && x.request_body.find("\"crash\"") == std::string::npos &&
                ++plain_syncs == (plan.crash.empty() ? 2 : 3))
                o.second_sync_from = o.endpoint.size();
            if (x.url != "trigger:report-journal") continue;
            std::map<std::string, std::vector<std::string>> j;
            rapidjson::Document d;
            d.Parse(x.response_body.data(), x.response_body.size());
            if (d.HasParseError() || !d.IsObject() || !at(d, "documents").IsArray()) {
                o.journal_errors.push_back(
                    "the report-journal answer is not the JSON object of "
                    "docs/conformance.md section 13");
            } else {
                for (const auto& e : at(d, "documents").GetArray())
                    j[str(e, "id")].push_back(str(e, "text"));
            }
            o.journals.push_back(std::move(j));
        } else if (x.note == "endpoint") {
            o.endpoint.push_back(x);
        } else if (x.note == "token service") {
            o.token.push_back(x);
        }
    }
    for (size_t i = 0; i < o.endpoint.size(); ++i) {
        const Exchange& x = o.endpoint[i];
        const std::string p = path_of(x.url);
        if (x.method == "GET" && x.status == 200) {
            rapidjson::Document d;
            d.Parse(x.response_body.data(), x.response_body.size());
            if (!d.HasParseError() && at(d, "entry").IsArray())
                for (const auto& e : at(d, "entry").GetArray()) {
                    std::string id = str(at(e, "resource"), "id");
                    const std::string full = str(e, "fullUrl");
                    if (id.empty()) id = full.substr(full.rfind('/') + 1);
                    o.fetched.emplace(id, i);
                }
        }
        constexpr std::string_view kAck = "/$journaling-acknowledged";
        if (x.method == "POST" && p.size() > kAck.size() &&
            p.compare(p.size() - kAck.size(), kAck.size(), kAck) == 0) {
            const std::string rest = p.substr(0, p.size() - kAck.size());
            o.acks[rest.substr(rest.rfind('/') + 1)].push_back(
                {i, x.error.empty() && x.status >= 200 && x.status < 300});
        }
    }
    return o;
}

// The final journal (the last report-journal), or a failure when there is none.
const std::map<std::string, std::vector<std::string>>* final_journal(const Observed& o,
                                                                     Outcome& out) {
    for (const auto& e : o.journal_errors)
        out.fail(e);
    if (o.journals.empty()) {
        out.fail("the SUT did not answer report-journal");
        return nullptr;
    }
    return &o.journals.back();
}

void expect_synced(const Observed& o, Outcome& out) {
    out.expect(o.failed_syncs == 0, "the SUT did not report a finished sync: " + o.sync_failure);
}

// Every queued document was fetched and is in the journal exactly once.
void judge_imported_once(const Observed& o, Outcome& out) {
    const auto* j = final_journal(o, out);
    if (!j) return;
    int missing = 0, doubled = 0, unfetched = 0;
    for (const auto& q : o.queued) {
        if (!o.fetched.count(q.id) && unfetched++ < 3)
            out.fail(q.type + "/" + q.id + " was never on a page the SUT fetched");
        const auto it = j->find(q.id);
        const size_t n = it == j->end() ? 0 : it->second.size();
        if (n == 0 && missing++ < 3)
            out.fail(q.type + "/" + q.id + " is not in the journal (never imported)");
        if (n > 1 && doubled++ < 3)
            out.fail(q.type + "/" + q.id + " was imported " + std::to_string(n) + " times");
    }
    out.expect(missing == 0 && doubled == 0 && unfetched == 0,
               std::to_string(missing) + " document(s) not imported, " + std::to_string(doubled) +
                   " imported more than once, " + std::to_string(unfetched) +
                   " never fetched, of " + std::to_string(o.queued.size()));
}

// Each queued document acknowledged exactly once (a repeat after an answer that never came does
// not count), after the page that returned it; nothing acknowledged that is not in the journal.
void judge_acknowledged_once(const Observed& o, Outcome& out) {
    const auto* j = final_journal(o, out);
    if (!j) return;
    int bad = 0;
    for (const auto& q : o.queued) {
        const auto it = o.acks.find(q.id);
        int answered = 0;
        if (it != o.acks.end())
            for (const auto& a : it->second)
                answered += a.answered ? 1 : 0;
        if (answered != 1 && bad++ < 3)
            out.fail(q.type + "/" + q.id + " was acknowledged " + std::to_string(answered) +
                     " times (answered 2xx); exactly once is expected");
        const auto page = o.fetched.find(q.id);
        if (it != o.acks.end() && !it->second.empty() && page != o.fetched.end() &&
            started_ms(o.endpoint[it->second.front().exchange]) <
                ended_ms(o.endpoint[page->second]) &&
            bad++ < 3)
            out.fail(q.type + "/" + q.id + " was acknowledged before the page with it was read");
    }
    for (const auto& [id, acks] : o.acks)
        if (!j->count(id) && bad++ < 6)
            out.fail("document " + id + " was acknowledged but is not in the journal (lost)");
    out.expect(bad == 0, "acknowledgements are not exactly once after import");
}

void judge_crash(const Observed& o, Outcome& out) {
    out.expect(!o.triggers.empty() && o.triggers.front().status != 0,
               "the sync with a crash instruction exited 0: the crash did not happen");
    judge_imported_once(o, out);
    judge_acknowledged_once(o, out);
}

TestFn check(Plan plan, std::function<void(TestContext&, const Observed&, Outcome&)> judge) {
    return [plan, judge](TestContext& ctx, Outcome& out) {
        const Observed o = act(ctx, plan);
        if (o.queued.empty()) {
            out.error("the runner could not queue the documents");
            return;
        }
        judge(ctx, o, out);
        if (!out.decided()) out.pass();
    };
}

}  // namespace

void register_jft_reader_tests(RoleTests& suite) {
    suite.add({.id = "jft.reader.sync.every_document_imported",
               .title = "The EPJ pages the ReadAPI to the end and imports every queued document "
                        "exactly once",
               .module = "",
               .spec_ref = kRef},
              check({}, [](TestContext&, const Observed& o, Outcome& out) {
                  expect_synced(o, out);
                  judge_imported_once(o, out);
              }));
    suite.add({.id = "jft.reader.sync.acknowledged_once_after_import",
               .title = "Each document is acknowledged exactly once, after it was read, and "
                        "nothing is acknowledged that the EPJ did not import",
               .spec_ref = kRef},
              check({}, [](TestContext&, const Observed& o, Outcome& out) {
                  expect_synced(o, out);
                  judge_acknowledged_once(o, out);
              }));
    suite.add(
        {.id = "jft.reader.sync.second_sync_nothing_new",
         .title = "A second sync imports nothing and acknowledges nothing again",
         .spec_ref = kRef},
        check({.second_sync = true}, [](TestContext&, const Observed& o, Outcome& out) {
            expect_synced(o, out);
            if (!out.expect(o.journals.size() == 2,
                            "the SUT did not answer report-journal "
                            "after each sync"))
                return;
            size_t before = 0, after = 0;
            for (const auto& [id, texts] : o.journals[0])
                before += texts.size();
            for (const auto& [id, texts] : o.journals[1])
                after += texts.size();
            out.expect(after == before, "the journal grew from " + std::to_string(before) + " to " +
                                            std::to_string(after) + " imports in the second sync");
            int acks = 0;
            for (const auto& [id, list] : o.acks)
                for (const auto& a : list)
                    acks += a.exchange >= o.second_sync_from ? 1 : 0;
            out.expect(acks == 0, "the second sync sent " + std::to_string(acks) +
                                      " acknowledgement(s) for documents acknowledged before");
        }));
    suite.add(
        {.id = "jft.reader.sync.documents_arriving_during_paging",
         .title = "Documents that arrive while the EPJ pages are not skipped: fetched in the same "
                  "sync when they were stored before its last page, else by the next sync",
         .spec_ref = kRef},
        check({.second_sync = true, .late = true}, [](TestContext&, const Observed& o,
                                                      Outcome& out) {
            expect_synced(o, out);
            if (!out.expect(o.late.size() == 3 && o.journals.size() == 2,
                            "the documents queued during paging, or a report-journal, are "
                            "missing"))
                return;
            int64_t last_page = 0;  // start of the first sync's last Composition page
            for (size_t i = 0; i < o.endpoint.size() && i < o.second_sync_from; ++i)
                if (o.endpoint[i].method == "GET" &&
                    path_of(o.endpoint[i].url) == "/v1/Composition")
                    last_page = std::max(last_page, started_ms(o.endpoint[i]));
            for (const auto& [q, stored] : o.late)
                if (stored < last_page)
                    out.expect(o.journals[0].count(q.id) == 1,
                               "Composition/" + q.id +
                                   " arrived before the sync's last page was asked for, but the "
                                   "sync did not import it (a page was skipped)");
            judge_imported_once(o, out);
            judge_acknowledged_once(o, out);
        }));
    suite.add({.id = "jft.reader.sync.text_byte_for_byte",
               .title = "The note text the EPJ journaled equals the document's, byte for byte "
                        "(æøå and a large note included)",
               .spec_ref = kRef},
              check({}, [](TestContext&, const Observed& o, Outcome& out) {
                  const auto* j = final_journal(o, out);
                  if (!j) return;
                  int differ = 0;
                  for (const auto& q : o.queued) {
                      const auto it = j->find(q.id);
                      if (it == j->end()) continue;  // judged by every_document_imported
                      for (const auto& t : it->second)
                          if (t != q.text && differ++ < 3)
                              out.fail(q.type + "/" + q.id + ": the journal's text (" +
                                       std::to_string(t.size()) +
                                       " bytes) differs from the "
                                       "document's (" +
                                       std::to_string(q.text.size()) + " bytes)");
                  }
                  out.expect(differ == 0, "note texts changed on import");
              }));
    suite.add(
        {.id = "jft.reader.auth.dpop_fresh_per_request",
         .title = "Every ReadAPI request carries a DPoP-bound token for nhn:jft/api with the "
                  "municipality's orgnr_parent and a fresh, valid DPoP proof",
         .module = "auth",
         .spec_ref = "domain §3.2 (Auth), §3.3",
         .needs = {Need::helseid}},
        check({}, [](TestContext& ctx, const Observed& o, Outcome& out) {
            std::set<std::string> jtis;
            if (!out.expect(!o.endpoint.empty(), "no request reached the ReadAPI")) return;
            for (size_t i = 0; i < o.endpoint.size(); ++i) {
                const Exchange& x = o.endpoint[i];
                const std::string where = "request " + std::to_string(i + 1) + " (" + x.method +
                                          " " + path_of(x.url) + ")";
                rapidjson::Document token, proof;
                const std::string authz = header(x, "Authorization");
                const auto brace = authz.find('{');
                if (!out.expect(brace != std::string::npos &&
                                    !token.Parse(authz.c_str() + brace).HasParseError(),
                                where + ": no Authorization header"))
                    continue;
                out.expect(str(token, "scheme") == "DPoP",
                           where + ": Authorization scheme '" + str(token, "scheme") +
                               "', JFT requires DPoP (domain §3.2)");
                const auto& claims = at(token, "claims");
                const std::string scope = " " + str(claims, "scope") + " ";
                out.expect(scope.find(" nhn:jft/api ") != std::string::npos,
                           where + ": the token's scope lacks nhn:jft/api");
                out.expect(
                    str(claims, "helseid://claims/client/claims/orgnr_parent") == ctx.sut().orgnr,
                    where + ": the token's orgnr_parent is not the SUT's orgnr");
                const std::string p = header(x, "DPoP");
                const auto pb = p.find('{');
                if (!out.expect(
                        pb != std::string::npos && !proof.Parse(p.c_str() + pb).HasParseError(),
                        where + ": no DPoP proof"))
                    continue;
                out.expect(str(proof, "check") == "ok",
                           where + ": the DPoP proof is not valid here: " + str(proof, "check"));
                const std::string jti = str(at(proof, "claims"), "jti");
                out.expect(!jti.empty() && jtis.insert(jti).second,
                           where + ": DPoP proof jti '" + jti + "' was used before");
                std::string thumbprint;
                if (at(at(proof, "header"), "jwk").IsObject()) {
                    rapidjson::StringBuffer b;
                    rapidjson::Writer<rapidjson::StringBuffer> w(b);
                    at(at(proof, "header"), "jwk").Accept(w);
                    if (auto key = auth::Key::from_jwk_json(b.GetString()))
                        thumbprint = key->thumbprint();
                }
                out.expect(!thumbprint.empty() && thumbprint == str(at(claims, "cnf"), "jkt"),
                           where + ": the proof's key is not the one the token is bound to");
            }
        }));
    suite.add({.id = "jft.reader.faults.retry_after_honoured",
               .title = "A page answered 503 with Retry-After is asked again no sooner; nothing "
                        "lost or doubled",
               .spec_ref = "RFC 9110 §10.2.3; domain §3.2"},
              check({.faults = R"({"rules":[{"method":"GET","path":"/v1/Composition","first":1,)"
                               R"("status":503,"retry_after":"1"}]})"},
                    [](TestContext&, const Observed& o, Outcome& out) {
                        expect_synced(o, out);
                        for (size_t i = 0; i + 1 < o.endpoint.size(); ++i) {
                            if (o.endpoint[i].status != 503) continue;
                            const int64_t wait =
                                started_ms(o.endpoint[i + 1]) - ended_ms(o.endpoint[i]);
                            out.expect(wait >= 1000 - kToleranceMs,
                                       "the request after the 503 came " + std::to_string(wait) +
                                           " ms later; Retry-After said 1 s");
                        }
                        judge_imported_once(o, out);
                        judge_acknowledged_once(o, out);
                    }));
    suite.add(
        {.id = "jft.reader.faults.dropped_connection_resumed",
         .title = "A page and an acknowledgement whose connections drop are sent again; "
                  "nothing lost or doubled",
         .spec_ref = kRef},
        check({.faults = R"({"rules":[{"method":"GET","path":"/v1/Composition","first":1,)"
                         R"("action":"drop-before"},{"method":"POST","path":"/v1/*","first":1,)"
                         R"("action":"drop-after"}]})"},
              [](TestContext&, const Observed& o, Outcome& out) {
                  expect_synced(o, out);
                  judge_imported_once(o, out);
                  judge_acknowledged_once(o, out);
              }));
    suite.add({.id = "jft.reader.faults.token_expired_mid_sync",
               .title = "When the ReadAPI refuses the token in the middle of the sync (401, as "
                        "for an expired token), the EPJ gets a new one and goes on; nothing lost "
                        "or doubled",
               .spec_ref = "domain §3.2, §3.3; RFC 6750 §3.1",
               .needs = {Need::helseid}},
              check({.faults = R"({"rules":[{"method":"GET","path":"/v1/Bundle","first":1,)"
                               R"("status":401}]})"},
                    [](TestContext&, const Observed& o, Outcome& out) {
                        expect_synced(o, out);
                        size_t refused = SIZE_MAX;
                        for (size_t i = 0; i < o.endpoint.size() && refused == SIZE_MAX; ++i)
                            if (o.endpoint[i].status == 401) refused = i;
                        if (!out.expect(refused != SIZE_MAX, "no request was refused with 401"))
                            return;
                        const int64_t at = ended_ms(o.endpoint[refused]);
                        bool renewed = false;
                        for (const auto& t : o.token)
                            renewed = renewed || (started_ms(t) >= at && t.status == 200);
                        out.expect(renewed, "after the 401 the SUT did not get a new token");
                        out.expect(refused + 1 < o.endpoint.size() &&
                                       o.endpoint[refused + 1].status == 200,
                                   "the refused request was not sent again with success");
                        judge_imported_once(o, out);
                        judge_acknowledged_once(o, out);
                    }));
    suite.add({.id = "jft.reader.crash.after_store_not_reimported",
               .title = "Stopped right after storing a note, the EPJ acknowledges it after the "
                        "restart and does not import it again",
               .spec_ref = kRef},
              check({.crash = R"({"after_imports":5,"point":"after-store"})"},
                    [](TestContext&, const Observed& o, Outcome& out) { judge_crash(o, out); }));
    suite.add({.id = "jft.reader.crash.before_store_resumed",
               .title = "Stopped before storing a note, the EPJ had not acknowledged it and "
                        "imports it once after the restart",
               .spec_ref = kRef},
              check({.crash = R"({"after_imports":5,"point":"before-store"})"},
                    [](TestContext&, const Observed& o, Outcome& out) { judge_crash(o, out); }));
}

}  // namespace vft::conformance::suites
