// The kith receiver suite: its shape, a passing run against the reference receiver in process,
// wrong AppRec status and OriginalMsgId caught, and a re-judge that changes nothing.
#include "suite_receiver_support.hpp"

using vft::reports::Status;
using vft::test::run_in_process;
using vft::test::status_of;

namespace {
const std::string kModules = R"(["kith"])";
}

TEST_CASE("kith suite: IDs, modules, titles and the mandatory list", "[suite_kith]") {
    vft::test::check_suite_shape(
        "kith", {"auth", "kith"},
        // 1.1.0: optional = resting on no published SHALL (docs/conformance.md, section 12; the
        // KITH auth tests rest on the DECISION REQ-KITH-0008)
        {"kith.duplicates.same_msgid_same_apprec", "kith.robustness.wrong_content_type_415",
         "kith.duplicates.concurrent_same_msgid_one_apprec", "kith.auth.no_token_rejected",
         "kith.auth.expired_token_rejected", "kith.auth.bad_signature_rejected",
         "kith.auth.wrong_scope_rejected"});
}

TEST_CASE("kith suite: passes against the reference receiver and re-judges the same",
          "[suite_kith]") {
    const auto r = run_in_process("kith", {}, kModules);
    CHECK(r.report.verdict == vft::reports::Verdict::pass);
    for (const auto& t : r.report.tests) {
        INFO(t.id << ": " << (t.messages.empty() ? "" : t.messages.front()));
        CHECK(t.status == (t.module == "auth" ? Status::omit : Status::pass));
    }
    CHECK(r.rejudged.empty());
}

TEST_CASE("kith suite: a wrong AppRec status or OriginalMsgId is caught", "[suite_kith]") {
    const auto status = run_in_process("kith", {"apprec-wrong-status"}, kModules);
    CHECK(status.report.verdict == vft::reports::Verdict::fail);
    CHECK(status_of(status.report, "kith.apprec.broken_xml_rejected_t01") == Status::fail);
    CHECK(status_of(status.report, "kith.apprec.valid_note_status_ok") == Status::pass);
    const auto id = run_in_process("kith", {"apprec-wrong-original-msgid"}, kModules);
    CHECK(status_of(id.report, "kith.apprec.valid_note_status_ok") == Status::fail);
    CHECK(status_of(id.report, "kith.apprec.original_msgid_matches_each_message") == Status::fail);
    CHECK(id.rejudged.empty());
}
