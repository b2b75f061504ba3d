// Suite jft, role receiver (receiver.cpp): the auth group: DPoP-bound HelseID tokens with scope
// nhn:jft/api; a missing, expired, badly signed or wrong-scope token and a missing, replayed or
// mis-bound DPoP proof are refused.
#include "receiver_groups.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::conformance::suites::jft_suite {

namespace {

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
        auto r = ctx.send(make_request("POST", v1(ctx, "Bundle"), m->body, kJson),
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
        const auto req = make_request("POST", v1(ctx, "Bundle"), m->body, kJson);
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

}  // namespace

void add_auth(RoleTests& suite) {
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
}

}  // namespace vft::conformance::suites::jft_suite
