// The pmd receiver suite: its shape, a passing run against the reference receiver in process,
// per-entry partial failure (an all-or-nothing receiver fails), duplicates, and a re-judge that
// changes nothing.
#include "suite_receiver_support.hpp"

using vft::reports::Status;
using vft::test::run_in_process;
using vft::test::status_of;

namespace {
const std::string kModules = R"(["pmd"])";
}

TEST_CASE("pmd suite: IDs, modules, titles and the mandatory list", "[suite_pmd]") {
    vft::test::check_suite_shape(
        "pmd", {"auth", "pmd"},
        // 1.1.0: optional = resting on no published SHALL (docs/conformance.md, section 12)
        {"pmd.auth.dpop_replay_refused", "pmd.duplicates.batch_resubmitted_same_answer_stored_once",
         "pmd.robustness.wrong_content_type_415",
         "pmd.duplicates.concurrent_batches_same_answer_stored_once"});
}

TEST_CASE("pmd suite: passes against the reference receiver and re-judges the same",
          "[suite_pmd]") {
    const auto r = run_in_process("pmd", {}, kModules);
    CHECK(r.report.verdict == vft::reports::Verdict::pass);
    for (const auto& t : r.report.tests) {
        INFO(t.id << ": " << (t.messages.empty() ? "" : t.messages.front()));
        CHECK(t.status == (t.module == "auth" ? Status::omit : Status::pass));
    }
    CHECK(r.rejudged.empty());
}

TEST_CASE("pmd suite: all-or-nothing batches and duplicates are caught", "[suite_pmd]") {
    const auto all = run_in_process("pmd", {"pmd-all-or-nothing"}, kModules);
    CHECK(all.report.verdict == vft::reports::Verdict::fail);
    CHECK(status_of(all.report, "pmd.batch.partial_failure_per_entry") == Status::fail);
    CHECK(status_of(all.report, "pmd.batch.all_entries_created_in_order") == Status::pass);
    const auto dup = run_in_process("pmd", {"journals-duplicates"}, kModules);
    CHECK(status_of(dup.report, "pmd.duplicates.batch_resubmitted_same_answer_stored_once") ==
          Status::fail);
    CHECK(dup.rejudged.empty());
}
