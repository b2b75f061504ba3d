// The reader role of suite jft against the SDK's example EPJ reader (issue 17), through the
// runner as `vft run --suite jft --role reader` uses it: every test passes against the correct
// example reader, and with each of its defects exactly the tests conformance/defects.json lists
// under "jft/reader" fail, each as fail. A defect no test catches, or one missing from the table,
// fails here. A re-judge of each report reaches the same statuses (judged from the recorded
// exchanges only), and no person number is in the evidence in clear.
// Real parts: the example reader is a real process, JFT the mock receiver behind the recording
// proxy with the token service on loopback, the reader's state and journal real SQLite files.

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "example_sut.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/reports/report.hpp"

namespace fs = std::filesystem;
using namespace vft;
using namespace vft::conformance;

namespace {

using test::Scratch;

// fixtures/sut/example-reader.json with a fresh key and the built example_reader (optionally
// with a defect) as its trigger.
Sut example_reader_sut(const fs::path& dir, const std::string& defect) {
    return test::example_sut(dir, "example-reader", VFT_EXAMPLE_READER_PATH, defect);
}

using test::Judged;

// The evidence keeps no person number in clear.
std::map<std::string, Judged> run_reader(const std::string& defect) {
    Scratch scratch("reader-" + (defect.empty() ? std::string("correct") : defect));
    return test::run_role(example_reader_sut(scratch.dir, defect), "jft", "reader", 3,
                          [](const reports::Exchange& x) {
                              for (const char* fnr : {"03913945688", "12854812341"}) {
                                  CHECK(x.request_body.find(fnr) == std::string::npos);
                                  CHECK(x.response_body.find(fnr) == std::string::npos);
                              }
                          });
}

std::map<std::string, std::set<std::string>> expected_failures() {
    return test::example_defect_table("jft/reader");
}

void require_defect_caught(const std::string& defect) {
    const auto table = expected_failures();
    REQUIRE(table.count(defect) == 1);
    const auto& expected = table.at(defect);
    REQUIRE_FALSE(expected.empty());
    const auto results = run_reader(defect);
    std::set<std::string> failed;
    std::string why;
    for (const auto& [id, r] : results) {
        if (r.status != reports::Status::pass) failed.insert(id);
        if ((r.status != reports::Status::pass) != (expected.count(id) > 0))
            why += "\n" + id + " " + std::string(reports::to_string(r.status)) + r.messages;
    }
    INFO("jft reader with --defect " << defect << why);
    CHECK(failed == expected);
    for (const auto& id : failed)
        CHECK(results.at(id).status == reports::Status::fail);
}

}  // namespace

TEST_CASE("reader jft: every test passes against the example reader", "[reader]") {
    const auto results = run_reader("");
    REQUIRE(results.size() == 11);
    for (const auto& [id, r] : results) {
        INFO(id << " " << reports::to_string(r.status) << r.messages);
        CHECK(r.status == reports::Status::pass);
    }
}

TEST_CASE("reader defects: every defect of the example reader is in the table",
          "[reader][defects]") {
    const auto listed = test::example_defects(VFT_EXAMPLE_READER_PATH);
    REQUIRE(listed.size() == 7);
    const auto table = expected_failures();
    for (const auto& d : listed) {
        INFO("defect " << d << " has no test in conformance/defects.json that must catch it");
        CHECK((table.count(d) == 1 && !table.at(d).empty()));
    }
}

TEST_CASE("reader defect ack-before-import is caught", "[reader][defects]") {
    require_defect_caught("ack-before-import");
}
TEST_CASE("reader defect acks-twice is caught", "[reader][defects]") {
    require_defect_caught("acks-twice");
}
TEST_CASE("reader defect ignores-retry-after is caught", "[reader][defects]") {
    require_defect_caught("ignores-retry-after");
}
TEST_CASE("reader defect imports-twice-after-crash is caught", "[reader][defects]") {
    require_defect_caught("imports-twice-after-crash");
}
TEST_CASE("reader defect skips-page is caught", "[reader][defects]") {
    require_defect_caught("skips-page");
}
TEST_CASE("reader defect truncates-long-notes is caught", "[reader][defects]") {
    require_defect_caught("truncates-long-notes");
}
TEST_CASE("reader defect resyncs-from-scratch is caught", "[reader][defects]") {
    require_defect_caught("resyncs-from-scratch");
}
