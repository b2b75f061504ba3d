// Suite vkp-r4, role receiver (receiver.cpp): the auth group: a journaling request with no, an
// expired, a badly signed, a wrong-scope or another vkp-id's token is refused; a valid one
// accepted.
#include <string>

#include "receiver_groups.hpp"
#include "vkp_r4_support.hpp"

namespace vft::conformance::vkp_r4 {

void add_auth(RoleTests& s) {
    struct Case {
        const char* id;
        TokenKind kind;
        int status;
        const char* what;
        const char* ref;
        std::vector<Need> needs;
    };
    const Case cases[] = {
        {"vkp_r4.auth.no_token_rejected",
         TokenKind::none,
         401,
         "without an access token",
         "domain §3.1 Auth (Authorization: Bearer <HelseID JWT>); RFC 6750 §3.1",
         {}},
        {"vkp_r4.auth.expired_token_rejected",
         TokenKind::expired,
         401,
         "with an access token whose exp has passed",
         "RFC 7519 §4.1.4; RFC 6750 §3.1",
         {Need::test_tokens}},
        {"vkp_r4.auth.bad_signature_rejected",
         TokenKind::bad_signature,
         401,
         "with an access token whose signature does not verify",
         "RFC 7515 §5.2; RFC 6750 §3.1",
         {}},
        {"vkp_r4.auth.wrong_scope_rejected",
         TokenKind::wrong_scope,
         403,
         "with a token lacking the scope nhn:vkp/api/user/bundle.write",
         "domain §3.1 scopes; RFC 6750 §3.1 insufficient_scope",
         {Need::test_tokens}},
        {"vkp_r4.auth.other_orgnr_rejected",
         TokenKind::other_vkp_id,
         403,
         "with a token of a vkp-id not authorised for this orgnr",
         "domain §3.1 authorization register; DESIGN.md (403, VKP code 1.2)",
         {Need::test_tokens}},
    };
    for (const auto& c : cases) {
        s.add({.id = c.id,
               .title = std::string("A journaling request ") + c.what + " is refused with HTTP " +
                        std::to_string(c.status) + " and an OperationOutcome",
               .module = "auth",
               .spec_ref = c.ref,
               .needs = c.needs},
              [c](TestContext& ctx, Outcome& o) {
                  auto p = journal_patient(ctx);
                  auto msg = build_message(ctx, UseCase::alarm, p);
                  if (!msg) return o.error("cannot build the alarm: " + msg.error().to_string());
                  auto res = post_fhir(ctx, msg->path, msg->body,
                                       std::string("alarm bundle ") + c.what, c.kind);
                  if (!res && res.error().code.rfind("VFT-CONF", 0) == 0)
                      return o.skip("could not present the token: " + res.error().message);
                  if (!o.expect(res && res->status == c.status,
                                "expected HTTP " + std::to_string(c.status) + " for a request " +
                                    c.what + ", got " + describe(res) + " [" + c.ref + "]"))
                      return;
                  if (!o.expect(is_operation_outcome(res->body),
                                "expected an OperationOutcome explaining the refusal, got " +
                                    describe(res) + " [domain §3.1 response handling]"))
                      return;
                  o.pass();
              });
    }
    s.add({.id = "vkp_r4.auth.valid_token_accepted",
           .title = "A journaling request with a valid token for the scope is accepted",
           .module = "auth",
           .spec_ref = "domain §3.1 Auth"},
          [](TestContext& ctx, Outcome& o) {
              auto p = journal_patient(ctx);
              auto msg = build_message(ctx, UseCase::alarm, p);
              if (!msg) return o.error(msg.error().to_string());
              auto res = post_fhir(ctx, msg->path, msg->body, "alarm bundle with a valid token");
              if (!o.expect(success(res),
                            "expected HTTP 2xx with a valid "
                            "token, got " +
                                describe(res) + " [domain §3.1]"))
                  return;
              o.pass();
          });
}

}  // namespace vft::conformance::vkp_r4
