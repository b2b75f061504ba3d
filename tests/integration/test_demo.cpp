// `vft demo` end to end (DESIGN.md "vft demo"): the real vft binary starts its mocks, runs every
// suite of the registry for both roles (the sender role through the SDK's example sender) into a
// temporary folder, and exits 0; each report it wrote exists, parses and says pass.
#include <algorithm>
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "../support/files.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/reports/report.hpp"

namespace fs = std::filesystem;

TEST_CASE("vft demo: every suite and role passes and leaves its reports", "[demo]") {
    const fs::path out =
        fs::temp_directory_path() / ("vft-demo-test-" + std::to_string(::getpid()));
    fs::remove_all(out);
    const std::string cmd = std::string(VFT_CLI_PATH) + " demo --out '" + out.string() +
                            "' --example-sender '" + VFT_EXAMPLE_SENDER_PATH + "' 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string output;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0)
        output.append(buf.data(), n);
    const int status = ::pclose(p);
    INFO(output);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(output.find("all verdicts pass") != std::string::npos);

    // Health data stays private: no fødselsnummer/D-nummer of fixtures/persons/persons.json
    // appears unmasked in what the demo printed (the runner's and the mocks' logs) nor in any
    // report it wrote (JSON, JUnit, HTML), though the suites send them in every message.
    std::set<std::string> numbers;
    {
        const std::string persons = vft::test::source_file("fixtures/persons/persons.json");
        const std::regex fnr(R"re("(?:fnr|dnr)"\s*:\s*"([0-9]{11})")re");
        for (auto it = std::sregex_iterator(persons.begin(), persons.end(), fnr);
             it != std::sregex_iterator(); ++it)
            numbers.insert((*it)[1]);
    }
    REQUIRE(numbers.count("12854812341") == 1);  // the suites' usual test patient
    auto unmasked_in = [&](const std::string& where, const std::string& text) {
        for (const auto& n : numbers) {
            INFO(where << " shows " << n << " unmasked");
            CHECK(text.find(n) == std::string::npos);
        }
    };
    unmasked_in("the demo's output", output);
    // (mock/journal.db is the mock EPJ's own journal and sut/ holds the SUT files the demo wrote:
    // data and input, not reports.)
    size_t report_files = 0;
    for (const auto& e : fs::recursive_directory_iterator(out)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() ||
            (name != "report.json" && name != "junit.xml" && name != "report.html"))
            continue;
        unmasked_in(e.path().string(), vft::test::slurp(e.path()));
        ++report_files;
    }
    CHECK(report_files >= 12);

    auto suites = vft::conformance::all_suites();
    REQUIRE(suites.ok());
    std::set<std::string> roles_seen;
    size_t reports_checked = 0;
    for (const auto& suite : **suites) {
        for (const auto& role : suite.roles) {
            const fs::path dir = out / (suite.id + "-" + role);
            INFO(dir.string());
            for (const char* file : {"report.json", "junit.xml", "report.html"})
                CHECK(fs::exists(dir / file));
            std::ifstream in(dir / "report.json");
            std::stringstream text;
            text << in.rdbuf();
            auto report = vft::reports::from_json(text.str());
            REQUIRE(report.ok());
            CHECK(report->suite == suite.id);
            CHECK(report->role == role);
            CHECK(report->verdict == vft::reports::Verdict::pass);
            // Every mandatory test passed; and the reference implementations (mock receiver,
            // example sender) fail no optional test either.
            CHECK(report->summary.mandatory == report->summary.mandatory_passed);
            CHECK(report->summary.error == 0);
            for (const auto& t : report->tests) {
                INFO(t.id);
                CHECK(t.status != vft::reports::Status::fail);
            }
            CHECK_FALSE(report->tests.empty());
            // A claimed auth module that passed is listed, in role sender too (every sender
            // request came with a HelseID token from the runner's token service). A module with
            // no mandatory test (kith's auth tests rest on a DECISION) is never certified.
            const bool auth_tests =
                role == "sender" ||
                std::any_of(report->tests.begin(), report->tests.end(),
                            [](const auto& t) { return t.module == "auth" && t.mandatory; });
            if (auth_tests)
                CHECK(std::find(report->modules_passed.begin(), report->modules_passed.end(),
                                "auth") != report->modules_passed.end());
            // Traceability: written, and nothing the reference implementations do fails.
            REQUIRE(report->traceability.has_value());
            CHECK(report->traceability->shall > 0);
            CHECK(report->traceability->shall_met == report->traceability->shall_checked);
            for (const auto& q : report->traceability->requirements) {
                INFO(q.id);
                CHECK(q.result != "failed");
            }
            // The table names the report.
            CHECK(output.find((dir / "report.json").string()) != std::string::npos);
            roles_seen.insert(role);
            ++reports_checked;
        }
    }
    CHECK(roles_seen == std::set<std::string>{"receiver", "sender", "reader"});
    // The demo publishes the registry site for the reports it signed, and says where.
    CHECK(output.find("public registry site (" + std::to_string(reports_checked) +
                      " certification(s)") != std::string::npos);
    CHECK(output.find((out / "site" / "index.html").string()) != std::string::npos);
    for (const char* f : {"index.html", "registry.json", "registry.json.sig", "keys/program.pub",
                          "c/1/report.json", "c/1/report.json.sig", "c/1/report.html"})
        CHECK(fs::is_regular_file(out / "site" / f));
    CHECK(reports_checked >= 4);
    std::error_code ec;
    fs::remove_all(out, ec);
}
