// The jft receiver suite: its shape (permanent IDs, modules, mandatory list) and its judgements
// against the reference receiver in process — all mandatory tests pass against the correct one,
// the defects it must catch fail the right tests, and a re-judge of the report changes nothing.
#include "suite_receiver_support.hpp"

using vft::reports::Status;
using vft::test::run_in_process;
using vft::test::status_of;

namespace {
const std::string kModules = R"(["alarm","medication","supervision","dho"])";
}

TEST_CASE("jft suite: IDs, modules, titles and the mandatory list", "[suite_jft]") {
    vft::test::check_suite_shape(
        "jft", {"auth", "alarm", "medication", "supervision", "dho"},
        // 1.1.0: optional = resting on no published SHALL (docs/conformance.md, section 12)
        {"jft.auth.dpop_replay_refused", "jft.search.last_updated_filter",
         "jft.validation.bundle_type_collection_400",
         "jft.duplicates.resubmission_same_answer_stored_once",
         "jft.robustness.wrong_content_type_415", "jft.robustness.oversize_413",
         "jft.duplicates.concurrent_submissions_same_answer_stored_once"});
}

TEST_CASE("jft suite: passes against the reference receiver and re-judges the same",
          "[suite_jft]") {
    const auto r = run_in_process("jft", {}, kModules);
    CHECK(r.report.verdict == vft::reports::Verdict::pass);
    for (const auto& t : r.report.tests) {
        INFO(t.id << ": " << (t.messages.empty() ? "" : t.messages.front()));
        if (t.module == "auth")
            CHECK(t.status == Status::omit);
        else if (t.mandatory)
            CHECK(t.status == Status::pass);
    }
    CHECK(r.rejudged.empty());
}

TEST_CASE("jft suite: a stuck $status and a 200 without Location are caught", "[suite_jft]") {
    const auto stuck = run_in_process("jft", {"jft-status-stuck"}, kModules);
    CHECK(stuck.report.verdict == vft::reports::Verdict::fail);
    CHECK(status_of(stuck.report, "jft.status.lifecycle_registered_read_journaled") ==
          Status::fail);
    CHECK(status_of(stuck.report, "jft.submit.bundle_accepted_202") == Status::pass);
    CHECK(stuck.rejudged.empty());
    const auto ok200 = run_in_process("jft", {"jft-200-instead-of-202"}, kModules);
    CHECK(status_of(ok200.report, "jft.submit.bundle_accepted_202") == Status::fail);
    CHECK(status_of(ok200.report, "jft.submit.medicationdispense_accepted_202") == Status::fail);
    CHECK(ok200.rejudged.empty());
}

TEST_CASE("jft suite: with DPoP-bound HelseID tokens every auth test passes, live and re-judged",
          "[suite_jft]") {
    const auto r = run_in_process("jft", {}, kModules, true);
    CHECK(r.report.verdict == vft::reports::Verdict::pass);
    for (const auto& t : r.report.tests) {
        INFO(t.id << ": " << (t.messages.empty() ? "" : t.messages.front()));
        if (t.mandatory) CHECK(t.status == Status::pass);
    }
    CHECK(status_of(r.report, "jft.auth.dpop_replay_refused") == Status::pass);
    CHECK(r.rejudged.empty());
    const auto replay = run_in_process("jft", {"dpop-replay-accepted"}, kModules, true);
    CHECK(status_of(replay.report, "jft.auth.dpop_replay_refused") == Status::fail);
    CHECK(status_of(replay.report, "jft.auth.dpop_wrong_htu_refused") == Status::pass);
    CHECK(replay.rejudged.empty());
}
