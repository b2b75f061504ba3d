// Suite vkp-r4, role receiver (receiver.cpp): the duplicates group: a resubmitted bundle gets the
// same answer and is journaled once, also when eight clients send it at the same moment.
#include <latch>
#include <optional>
#include <thread>

#include "receiver_groups.hpp"
#include "vkp_r4_support.hpp"

namespace vft::conformance::vkp_r4 {

void add_duplicates(RoleTests& s) {
    s.add(
        {.id = "vkp_r4.duplicates.resubmission_same_outcome",
         .title =
             "A resubmitted message (same Bundle.identifier) gets the same answer as the first",
         .spec_ref =
             "specs/DECISIONS.md duplicates; DESIGN.md (Bundle.identifier is the idempotency key)"},
        [](TestContext& ctx, Outcome& o) {
            auto p = journal_patient(ctx);
            auto msg = build_message(ctx, UseCase::alarm, p);
            if (!msg) return o.error(msg.error().to_string());
            auto first = post_fhir(ctx, msg->path, msg->body, "first submission");
            if (!o.expect(success(first), "expected HTTP 2xx for the first submission, got " +
                                              describe(first) + " [" + kApiRef + "]"))
                return;
            auto again = post_fhir(ctx, msg->path, msg->body, "resubmission of the same bundle");
            if (!o.expect(again && again->status == first->status,
                          "expected the resubmission to be answered like the first (HTTP " +
                              std::to_string(first->status) + "), got " + describe(again) +
                              " [DESIGN.md duplicates]"))
                return;
            o.pass();
        });
    s.add({.id = "vkp_r4.duplicates.journaled_once",
           .title =
               "A message submitted twice is journaled once (checked by reading the journal back)",
           .spec_ref = "specs/DECISIONS.md duplicates; domain §3.1 composition/_search"},
          [](TestContext& ctx, Outcome& o) {
              auto p = journal_patient(ctx);
              auto msg = build_message(ctx, UseCase::alarm, p);
              if (!msg) return o.error(msg.error().to_string());
              auto first = post_fhir(ctx, msg->path, msg->body, "first submission");
              if (!o.expect(success(first), "expected HTTP 2xx for the first submission, got " +
                                                describe(first) + " [" + kApiRef + "]"))
                  return;
              auto again = post_fhir(ctx, msg->path, msg->body, "resubmission of the same bundle");
              if (!o.expect(success(again), "expected HTTP 2xx for the resubmission, got " +
                                                describe(again) + " [DESIGN.md duplicates]"))
                  return;
              auto back = read_back(ctx, p, msg->marker);
              if (back.absent)
                  return o.skip("the SUT offers no composition/_search (" + back.problem +
                                "): the journal could not be checked [domain §3.1]");
              if (!o.expect(back.problem.empty(), back.problem)) return;
              if (!o.expect(back.entries.size() == 1,
                            "expected the message journaled exactly once, composition/_search "
                            "returns " +
                                std::to_string(back.entries.size()) + " Compositions with '" +
                                msg->marker + "'" +
                                (back.entries.size() > 1 ? " (journaled more than once)" : "") +
                                " [DESIGN.md duplicates]"))
                  return;
              o.pass();
          });
}

// The same bundle from eight clients at the same moment (a latch releases them together): every
// one answered alike, and journaled once. Optional: idempotency on Bundle.identifier is a vft
// decision where the national sources are silent (DESIGN.md duplicates).
void add_concurrent_duplicates(RoleTests& s) {
    s.add(
        {.id = "vkp_r4.duplicates.concurrent_submissions_journaled_once",
         .title = "A bundle submitted by eight clients at the same moment (one Bundle.identifier) "
                  "gets the same answer each time and is journaled once",
         .spec_ref = "specs/DECISIONS.md duplicates; DESIGN.md duplicates (also when resends "
                     "arrive at once)"},
        [](TestContext& ctx, Outcome& o) {
            constexpr int kClients = 8;
            auto p = journal_patient(ctx);
            auto msg = build_message(ctx, UseCase::alarm, p);
            if (!msg) return o.error(msg.error().to_string());
            std::vector<std::optional<Result<transport::HttpResponse>>> answers(kClients);
            std::latch ready(kClients);
            std::vector<std::thread> clients;
            for (int c = 0; c < kClients; ++c)
                clients.emplace_back([&, c] {
                    ready.arrive_and_wait();
                    answers[static_cast<size_t>(c)] =
                        post_fhir(ctx, msg->path, msg->body,
                                  "the same bundle, client " + std::to_string(c + 1) + " of " +
                                      std::to_string(kClients) + " (all at once)");
                });
            for (auto& t : clients)
                t.join();
            const auto& first = *answers.front();
            if (!o.expect(success(first), "expected HTTP 2xx for the bundle sent by client 1 of " +
                                              std::to_string(kClients) + " at once, got " +
                                              describe(first) + " [" + kApiRef + "]"))
                return;
            for (size_t c = 1; c < answers.size(); ++c) {
                const auto& a = *answers[c];
                if (!o.expect(a && a->status == first->status &&
                                  a->header("Location") == first->header("Location"),
                              "expected every simultaneous submission answered like the first "
                              "(HTTP " +
                                  std::to_string(first->status) + ", Location '" +
                                  first->header("Location") + "'), client " +
                                  std::to_string(c + 1) + " got different answers: " + describe(a) +
                                  (a ? ", Location '" + a->header("Location") + "'" : "") +
                                  " [DESIGN.md duplicates]"))
                    return;
            }
            auto back = read_back(ctx, p, msg->marker);
            if (back.absent)
                return o.skip("the SUT offers no composition/_search (" + back.problem +
                              "): the journal could not be checked [domain §3.1]");
            if (!o.expect(back.problem.empty(), back.problem)) return;
            if (!o.expect(back.entries.size() == 1,
                          "expected the message journaled exactly once after " +
                              std::to_string(kClients) +
                              " simultaneous submissions, composition/_search returns " +
                              std::to_string(back.entries.size()) + " Compositions with '" +
                              msg->marker + "'" +
                              (back.entries.size() > 1 ? " (journaled more than once)" : "") +
                              " [DESIGN.md duplicates]"))
                return;
            o.pass();
        });
}

}  // namespace vft::conformance::vkp_r4
