// Suite jft, role receiver (receiver.cpp): the submit and status groups: every resource type JFT
// takes is accepted (202) with a status URL, Norwegian letters survive, the lifecycle is reported.
#include "receiver_groups.hpp"

namespace vft::conformance::suites::jft_suite {

namespace {

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

}  // namespace

void add_submit(RoleTests& suite) {
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
                  "reads and acknowledges it",
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
}

}  // namespace vft::conformance::suites::jft_suite
