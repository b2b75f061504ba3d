// Suite jft, role receiver (receiver.cpp): the duplicates group: Bundle.identifier is the
// idempotency key, also when eight clients send at once.
#include "receiver_groups.hpp"

namespace vft::conformance::suites::jft_suite {

void add_duplicates(RoleTests& suite) {
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
                        "gets one answer (the same status URL) and is stored once",
               .module = "dho",
               .spec_ref = kRefDuplicatesConcurrent,
               .rules = {"JFT-API-007"}},
              [](TestContext& ctx, Outcome& out) {
                  auto m = dho_document(ctx);
                  if (!built(out, m)) return;
                  const std::string what = "submit one DHO document Bundle";
                  auto answers =
                      send_at_once(ctx, make_request("POST", v1(ctx, "Bundle"), m->body, kJson),
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
}

}  // namespace vft::conformance::suites::jft_suite
