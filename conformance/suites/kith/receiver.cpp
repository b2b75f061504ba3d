// The kith receiver suite (domain §4; kodeverk 8258 status, 8221 errors). Messages come from the
// SDK's KITH builder with MsgIds from the context; every AppRec is judged by the validator (AppRec
// XSD + rules) and read with the SDK's AppRec reader, from the response alone.

#include <algorithm>

#include "../common/receiver_support.hpp"
#include "suites.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"

namespace vft::conformance::suites {
namespace {

constexpr const char* kRefAppRec = "AppRec v1.0/1.1, kodeverk 8258 and 8221, domain §4";
constexpr const char* kRefOk = "kodeverk 8258 status 1 OK, domain §4";
constexpr const char* kRefT01 = "kodeverk 8221 T01 'Ikke XML / ikke well-formed', domain §4";
constexpr const char* kRefT02 = "kodeverk 8221 T02 'XML validerer ikke', domain §4";
constexpr const char* kRefE35 = "kodeverk 8221 E35 'Pasienten finnes ikke', domain §4";
constexpr const char* kRefOriginal = "AppRec OriginalMsgId/Id = the acknowledged MsgId, domain §4";
constexpr const char* kRefDuplicates = "DESIGN.md duplicates (MsgId answered once, the same)";
constexpr const char* kRefDuplicatesConcurrent =
    "DESIGN.md duplicates; specs/DECISIONS.md duplicates (also when resends arrive at once)";

// A GUID shaped as a version-4 UUID from the context's deterministic generator.
std::string msg_id(TestContext& ctx) {
    std::string u = bare_uuid(new_urn(ctx));
    if (u.size() == 36) {
        u[14] = '4';
        if (std::string_view("89ab").find(u[19]) == std::string_view::npos) u[19] = '8';
    }
    return u;
}

// Synthetic persons (fixtures/persons/persons.json) the SUT is not expected to know: the first
// that is not among its test patients.
Patient unknown_patient(TestContext& ctx) {
    static const Patient candidates[] = {{"29813531133", "Jürgen Müller Hansen"},
                                         {"15864020000", "Berit Solbakken"},
                                         {"07890255587", "Test Testesen"}};
    const auto& known = ctx.sut().test_patients;
    for (const auto& c : candidates)
        if (std::none_of(known.begin(), known.end(),
                         [&](const TestPatient& p) { return p.fnr == c.id; }))
            return c;
    return candidates[0];
}

kith::DialogMessage note(TestContext& ctx, Patient patient) {
    kith::DialogMessage m;
    m.msg_id = msg_id(ctx);
    m.generated = run_time(ctx);
    m.sender = {"Trygghet AS (VFT vendor)", "976543211", "8143062", std::nullopt};
    m.sender_professional = kith::HealthcareProfessional{"Operatør Ødegård", "9144900", "", ""};
    m.receiver = {ctx.sut().name.empty() ? "Mottaker" : ctx.sut().name, ctx.sut().orgnr, "8143061",
                  std::nullopt};
    m.patient = std::move(patient);
    m.tema_code = "6";
    m.tema_text = "Trygghetsalarm – fall på badet";
    m.note_text = "Trygghetsalarm utløst kl. 02:14; toveis tale, hjemmetjenesten varslet. ÆØÅ æøå.";
    return m;
}

std::optional<HttpResponse> send_xml(TestContext& ctx, Outcome& out, std::string body,
                                     std::string what, const char* ref,
                                     std::string content_type = "application/xml; charset=utf-8") {
    return call(ctx, out,
                make_request("POST", ctx.sut().base_url + "/kith/messages", std::move(body),
                             std::move(content_type)),
                std::move(what), {"nhn:kith/api"}, false, ref);
}

// The AppRec in the response: HTTP 200, valid against the AppRec XSD and kodeverk rules, readable.
std::optional<kith::AppRec> apprec(TestContext& ctx, Outcome& out, const HttpResponse& r,
                                   const std::string& what) {
    if (!expect_status(out, r, 200, what + " (the AppRec comes back in the response)", kRefAppRec))
        return std::nullopt;
    const auto report = ctx.validator().validate(r.body, {Level::strict, "kith"});
    if (!report.valid()) {
        std::string issues;
        for (const auto& i : report.issues)
            if (i.severity == Severity::error || i.severity == Severity::fatal)
                issues += (issues.empty() ? "" : "; ") + i.rule + " " + i.path + ": " + i.message;
        out.fail(what +
                 ": expected an AppRec valid against the AppRec XSD and kodeverk "
                 "8258/8221, the validator found: " +
                 clip(issues, 500) + "; got " + got(r) + " [" + kRefAppRec + "]");
        return std::nullopt;
    }
    auto a = kith::read_apprec(r.body);
    if (!a) {
        out.fail(what + ": expected an AppRec, " + a.error().to_string() + "; got " + got(r) +
                 " [" + kRefAppRec + "]");
        return std::nullopt;
    }
    return std::move(a).value();
}

std::string codes(const kith::AppRec& a) {
    std::string s;
    for (const auto& e : a.errors)
        s += (s.empty() ? "" : ",") + e.code;
    return s.empty() ? "none" : s;
}

bool has_code(const kith::AppRec& a, std::string_view code) {
    return std::any_of(a.errors.begin(), a.errors.end(),
                       [&](const kith::AppRecError& e) { return e.code == code; });
}

bool expect_rejected_with(Outcome& out, const kith::AppRec& a, std::string_view code,
                          const std::string& what, const char* ref) {
    return out.expect(a.status == kith::AppRecStatus::rejected && has_code(a, code),
                      what + ": expected AppRec status 2 (Avvist) with error " + std::string(code) +
                          ", got status " + std::to_string(static_cast<int>(a.status)) +
                          " with errors " + codes(a) + " [" + ref + "]");
}

bool expect_original(Outcome& out, const kith::AppRec& a, const std::string& id,
                     const std::string& what) {
    return out.expect(a.original_msg_id == id, what + ": expected OriginalMsgId/Id " + id +
                                                   " (the MsgId sent), got '" + a.original_msg_id +
                                                   "' [" + kRefOriginal + "]");
}

bool known_patient(TestContext& ctx, Outcome& out) {
    if (!ctx.sut().test_patients.empty()) return true;
    out.skip("the SUT file lists no test_patients; a note must be about a patient the SUT knows");
    return false;
}

bool built_xml(Outcome& out, const Result<Message>& m) {
    return built(out, m);
}

// ---- auth -------------------------------------------------------------------------------------

constexpr const char* kRefNoToken = "RFC 6750 §3.1 (invalid_request / no token: 401)";
constexpr const char* kRefExpired = "RFC 7519 §4.1.4; RFC 6750 §3.1 invalid_token";
constexpr const char* kRefBadSignature = "RFC 7515 §5.2; RFC 6750 §3.1 invalid_token";
constexpr const char* kRefScope =
    "RFC 6750 §3.1 insufficient_scope; scope nhn:kith/api is a vft decision (docs/mocks.md)";

// A valid note sent with a deliberately bad credential must be refused before it is read: HTTP
// `status` (401, or for a token without the scope 403/401). The KITH endpoint takes HelseID
// Bearer tokens (no DPoP) with scope nhn:kith/api (docs/mocks.md). The body of the refusal is
// not judged: the KITH API answers in XML, and for a refused request there is no AppRec.
TestFn auth_check(TokenKind kind, int status, std::string what, const char* ref) {
    return [=](TestContext& ctx, Outcome& out) {
        const auto msg = note(ctx, test_patient(ctx));
        auto m = kith::build_dialog_message(msg);
        if (!built_xml(out, m)) return;
        auto r = ctx.send(make_request("POST", ctx.sut().base_url + "/kith/messages", m->body,
                                       "application/xml; charset=utf-8"),
                          "send a note with " + what, kind, {"nhn:kith/api"}, false);
        if (!r) return no_answer(out, r.error(), "send a note with " + what, ref);
        // A token without the scope may have been issued for another API (another
        // aud): 401 invalid_token is as right as 403 insufficient_scope.
        const int want = status == 403 && r->status == 401 ? 401 : status;
        if (!expect_status(out, *r, want, "send a note with " + what, ref)) return;
        out.pass();
    };
}

}  // namespace

void register_kith_receiver_tests(RoleTests& suite) {
    // Auth: HelseID Bearer tokens (RFC 6750), scope nhn:kith/api.
    suite.add({.id = "kith.auth.no_token_rejected",
               .title = "A note sent without an access token is refused (401)",
               .module = "auth",
               .spec_ref = kRefNoToken,
               .rules = {"AUTH-TOKEN-001"},
               .needs = {Need::helseid}},
              auth_check(TokenKind::none, 401, "no Authorization header", kRefNoToken));
    suite.add({.id = "kith.auth.expired_token_rejected",
               .title = "A note sent with an expired access token is refused (401)",
               .module = "auth",
               .spec_ref = kRefExpired,
               .rules = {"AUTH-TOKEN-002"},
               .needs = {Need::test_tokens}},
              auth_check(TokenKind::expired, 401, "an expired token", kRefExpired));
    suite.add({.id = "kith.auth.bad_signature_rejected",
               .title = "A note sent with a token whose signature does not verify is refused (401)",
               .module = "auth",
               .spec_ref = kRefBadSignature,
               .rules = {"AUTH-TOKEN-003"},
               .needs = {Need::test_tokens}},
              auth_check(TokenKind::bad_signature, 401, "a token whose signature does not verify",
                         kRefBadSignature));
    suite.add(
        {.id = "kith.auth.wrong_scope_rejected",
         .title = "A note sent with a token without the scope nhn:kith/api is refused (403, or 401 "
                  "for a token of another API)",
         .module = "auth",
         .spec_ref = kRefScope,
         .rules = {"AUTH-SCOPE-001"},
         .needs = {Need::test_tokens}},
        auth_check(TokenKind::wrong_scope, 403, "a token without scope nhn:kith/api", kRefScope));

    suite.add({.id = "kith.apprec.valid_note_status_ok",
               .title = "A valid Dialogmelding note is acknowledged with AppRec status 1 (OK) for "
                        "that message",
               .module = "kith",
               .spec_ref = kRefOk,
               .rules = {"KITH-RCV-001", "KITH-RCV-005", "KITH-APR-001"},
               .needs = {Need::test_patient}},
              [](TestContext& ctx, Outcome& out) {
                  if (!known_patient(ctx, out)) return;
                  const auto msg = note(ctx, test_patient(ctx));
                  auto m = kith::build_dialog_message(msg);
                  if (!built_xml(out, m)) return;
                  auto r = send_xml(ctx, out, m->body, "send a valid note", kRefOk);
                  if (!r) return;
                  auto a = apprec(ctx, out, *r, "valid note");
                  if (!a) return;
                  if (!out.expect(
                          a->status == kith::AppRecStatus::ok && a->errors.empty(),
                          "valid note: expected AppRec status 1 (OK) without errors, got status " +
                              std::to_string(static_cast<int>(a->status)) + " with errors " +
                              codes(*a) + " [" + kRefOk + "]"))
                      return;
                  if (!expect_original(out, *a, msg.msg_id, "valid note")) return;
                  out.pass();
              });
    suite.add(
        {.id = "kith.apprec.broken_xml_rejected_t01",
         .title = "XML that is not well-formed is rejected with AppRec status 2 and error T01",
         .module = "kith",
         .spec_ref = kRefT01,
         .rules = {"KITH-RCV-002", "KITH-APR-004"}},
        [](TestContext& ctx, Outcome& out) {
            const auto msg = note(ctx, test_patient(ctx));
            auto m = kith::build_dialog_message(msg);
            if (!built_xml(out, m)) return;
            // Cut in the middle of the document: the MsgId stays readable, the XML is
            // not.
            const std::string body = m->body.substr(0, m->body.size() / 2);
            auto r = send_xml(ctx, out, body, "send a truncated MsgHead", kRefT01);
            if (!r) return;
            auto a = apprec(ctx, out, *r, "truncated MsgHead");
            if (!a || !expect_rejected_with(out, *a, "T01", "truncated MsgHead", kRefT01)) return;
            out.pass();
        });
    suite.add(
        {.id = "kith.apprec.schema_invalid_rejected_t02",
         .title =
             "A message the KITH schema refuses is rejected with AppRec status 2 and error T02",
         .module = "kith",
         .spec_ref = kRefT02,
         .rules = {"KITH-RCV-003", "KITH-RCV-005", "KITH-XSD-001"}},
        [](TestContext& ctx, Outcome& out) {
            const auto msg = note(ctx, test_patient(ctx));
            auto m = kith::build_dialog_message(msg);
            if (!built_xml(out, m)) return;
            // An element MsgHead 1.2 does not have, at the end of MsgInfo.
            std::string body = m->body;
            const size_t close = body.rfind("MsgInfo>");
            const size_t lt = close == std::string::npos ? close : body.rfind("</", close);
            if (lt == std::string::npos)
                return out.error("the harness could not find </MsgInfo> in the built MsgHead");
            const std::string prefix = body.substr(lt + 2, close - lt - 2);
            body.insert(lt, "<" + prefix + "Ukjent>ikke i skjemaet</" + prefix + "Ukjent>");
            auto r = send_xml(ctx, out, body, "send a MsgHead with an unknown element", kRefT02);
            if (!r) return;
            auto a = apprec(ctx, out, *r, "MsgHead with an unknown element");
            if (!a ||
                !expect_rejected_with(out, *a, "T02", "MsgHead with an unknown element", kRefT02))
                return;
            if (!expect_original(out, *a, msg.msg_id, "MsgHead with an unknown element")) return;
            out.pass();
        });
    suite.add(
        {.id = "kith.apprec.unknown_patient_rejected_e35",
         .title =
             "A note about a patient the EPJ does not know is rejected with status 2 and error E35",
         .module = "kith",
         .spec_ref = kRefE35,
         .rules = {"KITH-RCV-004", "KITH-RCV-005"}},
        [](TestContext& ctx, Outcome& out) {
            const auto msg = note(ctx, unknown_patient(ctx));
            auto m = kith::build_dialog_message(msg);
            if (!built_xml(out, m)) return;
            auto r = send_xml(ctx, out, m->body, "send a note about an unknown patient", kRefE35);
            if (!r) return;
            auto a = apprec(ctx, out, *r, "note about an unknown patient");
            if (!a ||
                !expect_rejected_with(out, *a, "E35", "note about an unknown patient", kRefE35))
                return;
            if (!expect_original(out, *a, msg.msg_id, "note about an unknown patient")) return;
            out.pass();
        });
    suite.add({.id = "kith.apprec.original_msgid_matches_each_message",
               .title = "Each AppRec names the message it acknowledges (OriginalMsgId), also when "
                        "two arrive one after the other",
               .module = "kith",
               .spec_ref = kRefOriginal,
               .rules = {"KITH-RCV-005"},
               .needs = {Need::test_patient}},
              [](TestContext& ctx, Outcome& out) {
                  if (!known_patient(ctx, out)) return;
                  for (int i = 1; i <= 2; ++i) {
                      const auto msg = note(ctx, test_patient(ctx));
                      auto m = kith::build_dialog_message(msg);
                      if (!built_xml(out, m)) return;
                      const std::string what = "note " + std::to_string(i) + " of 2";
                      auto r = send_xml(ctx, out, m->body, "send " + what, kRefOriginal);
                      if (!r) return;
                      auto a = apprec(ctx, out, *r, what);
                      if (!a || !expect_original(out, *a, msg.msg_id, what)) return;
                  }
                  out.pass();
              });
    suite.add(
        {.id = "kith.duplicates.same_msgid_same_apprec",
         .title = "A note resent with the same MsgId gets the same AppRec (status, errors, "
                  "OriginalMsgId)",
         .module = "kith",
         .spec_ref = kRefDuplicates,
         .rules = {"KITH-RCV-006"},
         .needs = {Need::test_patient}},
        [](TestContext& ctx, Outcome& out) {
            if (!known_patient(ctx, out)) return;
            const auto msg = note(ctx, test_patient(ctx));
            auto m = kith::build_dialog_message(msg);
            if (!built_xml(out, m)) return;
            std::optional<kith::AppRec> first;
            for (const char* what : {"send a note", "send the same note again (same MsgId)"}) {
                auto r = send_xml(ctx, out, m->body, what, kRefDuplicates);
                if (!r) return;
                auto a = apprec(ctx, out, *r, what);
                if (!a || !expect_original(out, *a, msg.msg_id, what)) return;
                if (!first) {
                    first = a;
                    continue;
                }
                if (!out.expect(a->status == first->status && codes(*a) == codes(*first),
                                std::string(what) + ": expected the first answer again (status " +
                                    std::to_string(static_cast<int>(first->status)) + ", errors " +
                                    codes(*first) + "), got status " +
                                    std::to_string(static_cast<int>(a->status)) + ", errors " +
                                    codes(*a) + " [" + kRefDuplicates + "]"))
                    return;
            }
            out.pass();
        });
    suite.add({.id = "kith.duplicates.concurrent_same_msgid_one_apprec",
               .title = "A note sent by eight clients at the same moment (one MsgId) gets one "
                        "AppRec: the same AppRec (Id, status, errors) to every client",
               .module = "kith",
               .spec_ref = kRefDuplicatesConcurrent,
               .rules = {"KITH-RCV-006"},
               .needs = {Need::test_patient}},
              [](TestContext& ctx, Outcome& out) {
                  if (!known_patient(ctx, out)) return;
                  const auto msg = note(ctx, test_patient(ctx));
                  auto m = kith::build_dialog_message(msg);
                  if (!built_xml(out, m)) return;
                  const std::string what = "send one note";
                  auto answers =
                      send_at_once(ctx,
                                   make_request("POST", ctx.sut().base_url + "/kith/messages",
                                                m->body, "application/xml; charset=utf-8"),
                                   kClientsAtOnce, what, {"nhn:kith/api"}, false);
                  auto got_all = expect_same_answers(out, std::move(answers), 200, "", what,
                                                     kRefDuplicatesConcurrent);
                  if (!got_all) return;
                  std::optional<kith::AppRec> first;
                  for (size_t i = 0; i < got_all->size(); ++i) {
                      const std::string who = what + ", client " + std::to_string(i + 1);
                      auto a = apprec(ctx, out, (*got_all)[i], who);
                      if (!a || !expect_original(out, *a, msg.msg_id, who)) return;
                      if (!first) {
                          first = a;
                          continue;
                      }
                      if (!out.expect(a->id == first->id && a->status == first->status &&
                                          codes(*a) == codes(*first),
                                      who + ": " + std::to_string(kClientsAtOnce) +
                                          " simultaneous sends of one MsgId got different answers: "
                                          "client 1 AppRec Id " +
                                          first->id + " status " +
                                          std::to_string(static_cast<int>(first->status)) +
                                          ", this client AppRec Id " + a->id + " status " +
                                          std::to_string(static_cast<int>(a->status)) +
                                          " (one message, one acknowledgement) [" +
                                          kRefDuplicatesConcurrent + "]"))
                          return;
                  }
                  out.pass();
              });
    suite.add(
        {.id = "kith.robustness.wrong_content_type_415",
         .title = "A KITH message sent as text/plain is refused as an unsupported media type (415)",
         .module = "kith",
         .spec_ref = "RFC 9110 §15.5.16",
         .rules = {"KITH-RCV-007"}},
        [](TestContext& ctx, Outcome& out) {
            const auto msg = note(ctx, test_patient(ctx));
            auto m = kith::build_dialog_message(msg);
            if (!built_xml(out, m)) return;
            auto r = send_xml(ctx, out, m->body, "send as text/plain", "RFC 9110 §15.5.16",
                              "text/plain");
            if (!r) return;
            if (!expect_status(out, *r, 415, "send a valid MsgHead as text/plain",
                               "RFC 9110 §15.5.16"))
                return;
            out.pass();
        });
}

}  // namespace vft::conformance::suites
