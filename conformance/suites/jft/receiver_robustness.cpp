// Suite jft, role receiver (receiver.cpp): the robustness group: malformed JSON, a wrong
// Content-Type, an oversized body.
#include "receiver_groups.hpp"

namespace vft::conformance::suites::jft_suite {

void add_robustness(RoleTests& suite) {
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
                post(ctx, out, "Bundle", m->body, "submit as text/plain", kRefSubmit, "text/plain");
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
                  body += m->body;
                  auto r = post(ctx, out, "Bundle", std::move(body), "submit 10 MiB + 1 KiB",
                                "DESIGN.md endpoints");
                  if (!r) return;
                  if (!expect_status(out, *r, 413, "submit a body of 10 MiB + 1 KiB",
                                     "DESIGN.md endpoints: bodies over 10 MiB → 413"))
                      return;
                  out.pass();
              });
}

}  // namespace vft::conformance::suites::jft_suite
