// The vkp-r4 receiver suite catches every defect conformance/defects.json assigns to it: for each
// one the suite runs (as `vft run`, HelseID tokens and the authorization register on) against the
// mock receiver started with that defect, and every listed test must fail (others may fail too).
#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include "run_support.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/reports/report.hpp"

using namespace vft;
using vft::test::Product;
using vft::test::read_text;
using vft::test::run_cli;
using vft::test::Scratch;

TEST_CASE("vkp-r4 receiver suite: each defect of conformance/defects.json is caught by its tests",
          "[run][defects]") {
    const std::string table = read_text(std::string(VFT_SOURCE_DIR) + "/conformance/defects.json");
    rapidjson::Document d;
    d.Parse(table.data(), table.size());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(d.HasMember("vkp-r4/receiver"));
    const auto& mine = d["vkp-r4/receiver"];
    REQUIRE(mine.IsObject());
    REQUIRE(mine.MemberCount() > 0);
    for (auto it = mine.MemberBegin(); it != mine.MemberEnd(); ++it) {
        const std::string defect = it->name.GetString();
        INFO("defect " << defect);
        // A registered defect, and a table entry that names at least one test.
        REQUIRE(mocks::Defects::parse({defect}).ok());
        REQUIRE(it->value.IsArray());
        REQUIRE_FALSE(it->value.Empty());

        Scratch scratch("run-defect");
        Product product(scratch, true, {defect});
        auto ran = run_cli({VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver", "--sut",
                            product.sut_file.string(), "--out", (scratch.dir / "out").string(),
                            "--jobs", "4"});
        INFO(ran.output);
        auto report = reports::from_json(read_text(scratch.dir / "out" / "report.json"));
        REQUIRE(report.ok());
        // Verdict fail only when a test that catches the defect is mandatory (suite 1.1.0 made
        // the DECISION-based ones optional: they still fail, are reported, never decide).
        bool mandatory_catch = false;
        for (const auto& r : report->tests)
            for (const auto& id : it->value.GetArray())
                if (r.mandatory && r.id == id.GetString()) mandatory_catch = true;
        if (mandatory_catch) {
            CHECK(ran.exit == 1);
            CHECK(report->verdict == reports::Verdict::fail);
        }
        for (const auto& id : it->value.GetArray()) {
            const std::string want = id.GetString();
            INFO("test " << want);
            const reports::TestResult* t = nullptr;
            for (const auto& r : report->tests)
                if (r.id == want) t = &r;
            REQUIRE(t != nullptr);
            CHECK(t->status == reports::Status::fail);
            CHECK_FALSE(t->messages.empty());
        }
    }
}
