// The pmd receiver suite (domain §2.8: PmdBundleObservation / PmdBundleResponse, partial failure
// per entry; DESIGN.md duplicates). Batches come from the SDK's pmd builders with identifiers from
// the context; every judgement reads only the responses.

#include <chrono>

#include "../common/receiver_support.hpp"
#include "suites.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/pmd/measurements.hpp"

namespace vft::conformance::suites {
namespace {

using namespace std::chrono_literals;
using pmd::Batch;
using pmd::Measurement;
using pmd::VitalSign;

// PMD's scope is not published (domain §2.8 says HelseID with DPoP only); vft asks for the JFT
// scope, as the reference receiver's token checks do, and says so in docs/conformance.md.
const std::vector<std::string> kScopes{"nhn:jft/api"};
constexpr const char* kFhirJson = "application/fhir+json";  // PMD submit (domain §2.8)

constexpr const char* kRefBatch = "PMD PmdBundleObservation/PmdBundleResponse, domain §2.8";
constexpr const char* kRefPartial = "PMD partial failure per entry, domain §2.8";
constexpr const char* kRefRead =
    "PMD read: POST Observation/_search patient.identifier, domain §2.8";
constexpr const char* kRefDuplicates = "DESIGN.md duplicates (entry fullUrl as idempotency key)";
constexpr const char* kRefDuplicatesConcurrent =
    "DESIGN.md duplicates; specs/DECISIONS.md duplicates (also when resends arrive at once)";
constexpr const char* kRefAuth = "PMD auth: HelseID with DPoP, domain §2.8/§3.3";

const Practitioner kNurse{"", "01686014416", "Nina Fjeld"};

Measurement measurement(TestContext& ctx, VitalSign kind, double value, std::chrono::minutes ago) {
    Measurement m;
    m.id = new_urn(ctx);
    m.kind = kind;
    m.effective = run_time(ctx) - ago;
    m.value = value;
    // The id in the note makes the stored Observation recognisable in a search (PMD keeps no
    // fullUrl), so "stored once" is judged per measurement.
    m.comment = "Målt hjemme, ref " + bare_uuid(m.id);
    if (kind == VitalSign::blood_pressure) {
        m.value = 0;
        m.systolic = 142;
        m.diastolic = 91;
    }
    return m;
}

Batch batch(TestContext& ctx, std::vector<Measurement> ms) {
    Batch b;
    b.identifier = new_urn(ctx);
    b.patient = test_patient(ctx);
    b.performer_person = kNurse;
    b.performer_orgnr = "921000006";
    b.performer_org_name = "Testkommune Nord helse og omsorg";
    b.kommunenummer = "0301";
    b.measurements = std::move(ms);
    return b;
}

// Four measurements of different kinds: heart rate, blood pressure, SpO2, temperature.
Batch four(TestContext& ctx) {
    return batch(ctx, {measurement(ctx, VitalSign::heart_rate, 72, 40min),
                       measurement(ctx, VitalSign::blood_pressure, 0, 39min),
                       measurement(ctx, VitalSign::oxygen_saturation, 96, 38min),
                       measurement(ctx, VitalSign::body_temperature, 37.2, 37min)});
}

std::optional<HttpResponse> submit(TestContext& ctx, Outcome& out, std::string body,
                                   std::string note, const char* ref = kRefBatch,
                                   std::string content_type = kFhirJson) {
    return call(ctx, out,
                make_request("POST", ctx.sut().base_url + "/pmd", std::move(body), content_type),
                std::move(note), kScopes, true, ref);
}

struct EntryAnswer {
    std::string echoed;  // fullUrl or the PmdBundleResponseEntryId extension
    int status = 0;
    std::string outcome;  // response.outcome as JSON text
};

// Reads a batch-response: 200 with Bundle type batch-response, one entry per request entry.
std::optional<std::vector<EntryAnswer>> batch_response(Outcome& out, const HttpResponse& r,
                                                       size_t entries, const std::string& what,
                                                       const char* ref) {
    if (!expect_status(out, r, 200, what, ref)) return std::nullopt;
    auto d = parse_json(r.body);
    if (!out.expect(
            d && str_member(*d, "resourceType") == "Bundle" &&
                str_member(*d, "type") == "batch-response",
            what + ": expected a Bundle of type batch-response, got " + got(r) + " [" + ref + "]"))
        return std::nullopt;
    std::vector<EntryAnswer> answers;
    if (const auto* es = member(*d, "entry"); es && es->IsArray())
        for (const auto& e : es->GetArray()) {
            EntryAnswer a;
            a.echoed = str_member(e, "fullUrl");
            if (const auto* resp = member(e, "response")) {
                const std::string s = str_member(*resp, "status");
                a.status = std::atoi(s.c_str());
                if (const auto* ext = member(*resp, "extension"); ext && ext->IsArray())
                    for (const auto& x : ext->GetArray())
                        if (str_member(x, "url").find("PmdBundleResponseEntryId") !=
                            std::string::npos)
                            a.echoed = str_member(x, "valueUri");
                if (const auto* oo = member(*resp, "outcome")) a.outcome = to_text(*oo);
            }
            answers.push_back(std::move(a));
        }
    if (!out.expect(answers.size() == entries,
                    what + ": expected " + std::to_string(entries) +
                        " response entries (one per request entry), got " +
                        std::to_string(answers.size()) + " [" + ref + "]"))
        return std::nullopt;
    return answers;
}

// Entry i answers request entry i (same order, fullUrl echoed).
bool in_order(Outcome& out, const std::vector<EntryAnswer>& a, const Batch& b,
              const std::string& what) {
    for (size_t i = 0; i < a.size(); ++i)
        if (!out.expect(a[i].echoed == b.measurements[i].id,
                        what + ": response entry " + std::to_string(i) + " should echo fullUrl " +
                            b.measurements[i].id + ", got '" + a[i].echoed + "' [" + kRefBatch +
                            "]"))
            return false;
    return true;
}

bool all_created(Outcome& out, const std::vector<EntryAnswer>& a, const std::string& what) {
    for (size_t i = 0; i < a.size(); ++i)
        if (!out.expect(a[i].status == 201, what + ": expected entry " + std::to_string(i) +
                                                " response.status 201, got " +
                                                std::to_string(a[i].status) + " [" + kRefBatch +
                                                "]"))
            return false;
    return true;
}

// POST /pmd/Observation/_search with patient.identifier; the searchset's entries as text (fullUrl
// + resource, normalised).
std::optional<std::vector<std::string>> observations(TestContext& ctx, Outcome& out,
                                                     const std::string& fnr) {
    auto r = call(ctx, out,
                  make_request("POST", ctx.sut().base_url + "/pmd/Observation/_search",
                               "patient.identifier=" + fnr, "application/x-www-form-urlencoded"),
                  "search the patient's observations", kScopes, true, kRefRead);
    if (!r) return std::nullopt;
    if (!expect_status(out, *r, 200, "Observation/_search", kRefRead)) return std::nullopt;
    auto d = parse_json(r->body);
    if (!out.expect(d && str_member(*d, "resourceType") == "Bundle" &&
                        str_member(*d, "type") == "searchset",
                    "Observation/_search: expected a searchset Bundle, got " + got(*r) + " [" +
                        kRefRead + "]"))
        return std::nullopt;
    std::vector<std::string> entries;
    if (const auto* es = member(*d, "entry"); es && es->IsArray())
        for (const auto& e : es->GetArray())
            entries.push_back(to_text(e));
    return entries;
}

size_t count_with(const std::vector<std::string>& entries, const std::string& needle) {
    size_t n = 0;
    for (const auto& e : entries)
        if (e.find(needle) != std::string::npos) ++n;
    return n;
}

// Each measurement of `b` exactly once among the patient's observations.
// With `exact_text`, the note must read back byte for byte (Norwegian letters included).
bool stored_once(TestContext& ctx, Outcome& out, const std::vector<Measurement>& ms,
                 const char* ref, bool exact_text = false) {
    auto found = observations(ctx, out, test_patient(ctx).id);
    if (!found) return false;
    for (const auto& m : ms) {
        if (exact_text &&
            !out.expect(count_with(*found, m.comment) == 1,
                        "Observation/_search: expected the note '" + m.comment +
                            "' unchanged (UTF-8) in exactly one result [" + ref + "]"))
            return false;
        const size_t n = count_with(*found, bare_uuid(m.id));
        if (!out.expect(n == 1, "Observation/_search: expected the observation " + m.id +
                                    " exactly once among " + std::to_string(found->size()) +
                                    " results, got " + std::to_string(n) + once_problem(n) + " [" +
                                    ref + "]"))
            return false;
    }
    return true;
}

bool auth_applicable(TestContext& ctx, Outcome& out) {
    if (sut_has_helseid(ctx)) return true;
    out.skip("the SUT file declares no HelseID auth (auth.type is '" + ctx.sut().auth.type +
             "'), so the refusal of bad credentials cannot be checked");
    return false;
}

// A batch sent with a deliberately bad credential is refused (401).
TestFn token_check(TokenKind kind, bool dpop, std::string what) {
    return [=](TestContext& ctx, Outcome& out) {
        if (!auth_applicable(ctx, out)) return;
        auto m = pmd::build_batch(four(ctx));
        if (!built(out, m)) return;
        auto r = ctx.send(make_request("POST", ctx.sut().base_url + "/pmd", m->body, kFhirJson),
                          "submit with " + what, kind, kScopes, dpop);
        if (!r) return no_answer(out, r.error(), "submit with " + what, kRefAuth);
        if (!expect_refusal(out, *r, 401, "submit with " + what, kRefAuth)) return;
        out.pass();
    };
}

// A valid DPoP-bound token with a proof broken as `fault` says is refused (401).
TestFn dpop_check(DpopFault fault, std::string what) {
    return [=](TestContext& ctx, Outcome& out) {
        if (!auth_applicable(ctx, out)) return;
        auto m = pmd::build_batch(four(ctx));
        if (!built(out, m)) return;
        const auto request = make_request("POST", ctx.sut().base_url + "/pmd", m->body, kFhirJson);
        if (fault == DpopFault::replayed) {
            // The original must be accepted, or the replay proves nothing.
            auto first = ctx.send(request, "submit with a fresh DPoP proof", TokenKind::valid,
                                  kScopes, true);
            if (!first) return no_answer(out, first.error(), "submit with a fresh proof", kRefAuth);
            if (!expect_status(out, *first, 200,
                               "submit with a valid DPoP-bound token and a fresh proof", kRefBatch))
                return;
        }
        auto r = ctx.send_dpop_fault(request, "submit with " + what, kScopes, fault);
        if (!r && r.error().code == errc::conf_dpop_fault_unsupported)
            return out.skip("the runner cannot send a broken DPoP proof here: " +
                            r.error().message);
        if (!r) return no_answer(out, r.error(), "submit with " + what, kRefAuth);
        if (!expect_refusal(out, *r, 401, "submit with " + what, kRefAuth)) return;
        out.pass();
    };
}

}  // namespace

void register_pmd_receiver_tests(RoleTests& suite) {
    // Auth: HelseID with DPoP.
    suite.add({.id = "pmd.auth.no_token_refused",
               .title = "A batch without any token is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-TOKEN-001"},
               .needs = {Need::helseid}},
              token_check(TokenKind::none, false, "no Authorization header"));
    suite.add(
        {.id = "pmd.auth.bearer_without_dpop_refused",
         .title =
             "A valid token sent as a plain Bearer token without a DPoP proof is refused (401)",
         .module = "auth",
         .spec_ref = kRefAuth,
         .rules = {"AUTH-DPOP-001"},
         .needs = {Need::helseid}},
        dpop_check(DpopFault::missing, "a Bearer token and no DPoP proof"));
    suite.add({.id = "pmd.auth.dpop_replay_refused",
               .title = "A DPoP proof used a second time (replay) is refused (401)",
               .module = "auth",
               .spec_ref = kRefAuth,
               .rules = {"AUTH-DPOP-002"},
               .needs = {Need::helseid}},
              dpop_check(DpopFault::replayed, "a replayed DPoP proof"));

    // Batch: one response entry per request entry, in order, 201 each.
    suite.add(
        {.id = "pmd.batch.all_entries_created_in_order",
         .title =
             "A batch of four measurements is answered entry by entry, in order, each 201 Created",
         .module = "pmd",
         .spec_ref = kRefBatch,
         .rules = {"PMD-API-001"}},
        [](TestContext& ctx, Outcome& out) {
            const Batch b = four(ctx);
            auto m = pmd::build_batch(b);
            if (!built(out, m)) return;
            auto r = submit(ctx, out, m->body, "submit a batch of 4 measurements");
            if (!r) return;
            auto a = batch_response(out, *r, b.measurements.size(), "batch of 4", kRefBatch);
            if (!a || !in_order(out, *a, b, "batch of 4") || !all_created(out, *a, "batch of 4"))
                return;
            out.pass();
        });
    suite.add(
        {.id = "pmd.batch.partial_failure_per_entry",
         .title = "In a batch with one invalid measurement only that one is refused (400 with an "
                  "OperationOutcome); the others are stored (201)",
         .module = "pmd",
         .spec_ref = kRefPartial,
         .rules = {"PMD-API-002", "FHIR-STR-002"}},
        [](TestContext& ctx, Outcome& out) {
            const Batch b = batch(ctx, {measurement(ctx, VitalSign::heart_rate, 71, 30min),
                                        measurement(ctx, VitalSign::heart_rate, 75, 20min),
                                        measurement(ctx, VitalSign::body_weight, 81.5, 10min)});
            auto m = pmd::build_batch(b);
            if (!built(out, m)) return;
            // Entry 1 loses its required status: invalid on its own, the batch stays valid.
            const std::string body = mutate(m->body, [](rapidjson::Document& d) {
                auto* es = member(d, "entry");
                if (!es || !es->IsArray() || es->Size() != 3) return false;
                auto& res = (*es)[1]["resource"];
                return res.IsObject() && res.RemoveMember("status");
            });
            if (body.empty()) return out.error("the harness could not remove entry 1's status");
            auto r =
                submit(ctx, out, body, "submit a batch whose entry 1 has no status", kRefPartial);
            if (!r) return;
            auto a = batch_response(out, *r, 3, "batch with one invalid entry", kRefPartial);
            if (!a || !in_order(out, *a, b, "batch with one invalid entry")) return;
            for (size_t i : {size_t{0}, size_t{2}})
                if (!out.expect((*a)[i].status == 201,
                                "batch with one invalid entry (1): expected valid entry " +
                                    std::to_string(i) + " 201, got " +
                                    std::to_string((*a)[i].status) +
                                    " (all-or-nothing is not allowed) [" + kRefPartial + "]"))
                    return;
            if (!out.expect((*a)[1].status == 400,
                            "batch with one invalid entry: expected entry 1 (no status) 400, got " +
                                std::to_string((*a)[1].status) + " [" + kRefPartial + "]"))
                return;
            const std::string why = operation_outcome_problem((*a)[1].outcome);
            if (!out.expect(why.empty(),
                            "entry 1 (400): expected response.outcome with an OperationOutcome, "
                            "but " +
                                why + " [" + kRefPartial + "]"))
                return;
            if (!stored_once(ctx, out, {b.measurements[0], b.measurements[2]}, kRefPartial)) return;
            out.pass();
        });
    suite.add(
        {.id = "pmd.batch.invalid_batch_refused_400",
         .title =
             "A batch that is not of type 'batch' is refused as a whole (400 + OperationOutcome)",
         .module = "pmd",
         .spec_ref = kRefBatch,
         .rules = {"PMD-001"}},
        [](TestContext& ctx, Outcome& out) {
            auto m = pmd::build_batch(four(ctx));
            if (!built(out, m)) return;
            const std::string body = mutate(m->body, [](rapidjson::Document& d) {
                if (str_member(d, "type") != "batch") return false;
                d["type"].SetString("transaction", d.GetAllocator());
                return true;
            });
            auto r = submit(ctx, out, body, "submit a Bundle of type transaction");
            if (!r) return;
            if (!expect_refusal(out, *r, 400, "submit a Bundle of type transaction", kRefBatch))
                return;
            out.pass();
        });

    // Read-back: what was stored is readable through the SUT's own search.
    suite.add({.id = "pmd.read.stored_observations_searchable",
               .title = "Stored measurements (notes with Norwegian letters) read back unchanged "
                        "through Observation/_search",
               .module = "pmd",
               .spec_ref = kRefRead,
               .rules = {"PMD-API-003"}},
              [](TestContext& ctx, Outcome& out) {
                  const Batch b = four(ctx);
                  auto m = pmd::build_batch(b);
                  if (!built(out, m)) return;
                  auto r = submit(ctx, out, m->body, "submit a batch of 4 measurements");
                  if (!r) return;
                  auto a = batch_response(out, *r, 4, "batch of 4", kRefBatch);
                  if (!a || !all_created(out, *a, "batch of 4")) return;
                  if (!stored_once(ctx, out, b.measurements, kRefRead, true)) return;
                  out.pass();
              });

    // Duplicates.
    suite.add({.id = "pmd.duplicates.batch_resubmitted_same_answer_stored_once",
               .title = "A resubmitted batch gets the same answer for every entry and each "
                        "measurement is stored once",
               .module = "pmd",
               .spec_ref = kRefDuplicates,
               .rules = {"PMD-API-004"}},
              [](TestContext& ctx, Outcome& out) {
                  const Batch b = four(ctx);
                  auto m = pmd::build_batch(b);
                  if (!built(out, m)) return;
                  for (const char* what : {"submit a batch of 4", "the same batch again"}) {
                      auto r = submit(ctx, out, m->body, what, kRefDuplicates);
                      if (!r) return;
                      auto a = batch_response(out, *r, 4, what, kRefDuplicates);
                      if (!a || !in_order(out, *a, b, what) || !all_created(out, *a, what)) return;
                  }
                  if (!stored_once(ctx, out, b.measurements, kRefDuplicates)) return;
                  out.pass();
              });

    suite.add({.id = "pmd.duplicates.concurrent_batches_same_answer_stored_once",
               .title = "A batch submitted by eight clients at the same moment (one identifier) "
                        "gets the same answer for every entry and each measurement is stored once",
               .module = "pmd",
               .spec_ref = kRefDuplicatesConcurrent,
               .rules = {"PMD-API-004"}},
              [](TestContext& ctx, Outcome& out) {
                  const Batch b = four(ctx);
                  auto m = pmd::build_batch(b);
                  if (!built(out, m)) return;
                  const std::string what = "submit one batch of 4";
                  auto answers = send_at_once(
                      ctx, make_request("POST", ctx.sut().base_url + "/pmd", m->body, kFhirJson),
                      kClientsAtOnce, what, kScopes, true);
                  auto got_all = expect_same_answers(out, std::move(answers), 200, "", what,
                                                     kRefDuplicatesConcurrent);
                  if (!got_all) return;
                  for (size_t i = 0; i < got_all->size(); ++i) {
                      const std::string who = what + ", client " + std::to_string(i + 1);
                      auto a = batch_response(out, (*got_all)[i], 4, who, kRefDuplicatesConcurrent);
                      if (!a || !in_order(out, *a, b, who) || !all_created(out, *a, who)) return;
                  }
                  if (!stored_once(ctx, out, b.measurements, kRefDuplicatesConcurrent)) return;
                  out.pass();
              });

    // Robustness.
    suite.add({.id = "pmd.robustness.malformed_json_400",
               .title = "A body that is not well-formed JSON is refused (400 + OperationOutcome)",
               .module = "pmd",
               .spec_ref = kRefBatch,
               .rules = {"PMD-API-005", "FHIR-JSON-001"}},
              [](TestContext& ctx, Outcome& out) {
                  auto r = submit(ctx, out, R"({"resourceType":"Bundle","type":"batch",)",
                                  "submit truncated JSON");
                  if (!r) return;
                  if (!expect_refusal(out, *r, 400, "submit truncated JSON", kRefBatch)) return;
                  out.pass();
              });
    suite.add({.id = "pmd.robustness.wrong_content_type_415",
               .title = "A batch sent as text/plain is refused as an unsupported media type (415)",
               .module = "pmd",
               .spec_ref = "RFC 9110 §15.5.16; PMD submit takes application/fhir+json, domain §2.8",
               .rules = {"PMD-API-005"}},
              [](TestContext& ctx, Outcome& out) {
                  auto m = pmd::build_batch(four(ctx));
                  if (!built(out, m)) return;
                  auto r =
                      submit(ctx, out, m->body, "submit as text/plain", kRefBatch, "text/plain");
                  if (!r) return;
                  if (!expect_refusal(out, *r, 415, "submit a valid batch as text/plain",
                                      "RFC 9110 §15.5.16"))
                      return;
                  out.pass();
              });
}

}  // namespace vft::conformance::suites
