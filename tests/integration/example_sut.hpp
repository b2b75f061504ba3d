// The SUT file an SDK example program is certified with (fixtures/sut/<name>.json, e.g.
// example-reader), with a fresh key of its own and the built program (optionally with a defect)
// as its trigger, the role run through the runner with its evidence and re-judge checked, the
// defect table and the program's --list-defects: what the role suites' tests against the example
// sender and reader share.
#pragma once

#include <rapidjson/document.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "run_support.hpp"
#include "vft/auth/key.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/reports/report.hpp"

namespace vft::test {

// `name`: "example-reader" (the SUT file, its key file name; the program is example_reader),
// `program`: the built program's path, `defect`: "" or one of its --list-defects.
inline conformance::Sut example_sut(const std::filesystem::path& dir, const std::string& name,
                                    const std::string& program, const std::string& defect) {
    auto key = auth::Key::generate(auth::Algorithm::es256);
    REQUIRE(key.ok());
    const std::string key_file = name + ".key.pem";
    std::ofstream(dir / key_file) << key->private_pem();
    std::string json =
        read_text(std::filesystem::path(VFT_SOURCE_DIR) / "fixtures/sut" / (name + ".json"));
    std::string command = name;
    std::replace(command.begin(), command.end(), '-', '_');
    const std::string from = "\"" + command + " --instruction";
    const auto at = json.find(from);
    REQUIRE(at != std::string::npos);
    json.replace(at, from.size(), "\"" + program + " --instruction");
    if (!defect.empty()) {
        const auto end = json.find(key_file + "\"", at);
        REQUIRE(end != std::string::npos);
        json.insert(end + key_file.size(), " --defect " + defect);
    }
    auto sut = conformance::Sut::parse(json, dir);
    REQUIRE(sut.ok());
    return *sut;
}

struct Judged {
    reports::Status status;
    std::string messages;  // the test's messages, one per line
};

// Runs `role` of `suite` against `sut` through the runner (as `vft run` does); `check_exchange`
// sees every recorded exchange (the callers look for person numbers in clear). Checks that a
// re-judge of the report reaches the same statuses (judged from the recorded exchanges only).
inline std::map<std::string, Judged> run_role(
    const conformance::Sut& sut, const std::string& suite, const std::string& role, int jobs,
    const std::function<void(const reports::Exchange&)>& check_exchange) {
    conformance::RunOptions options;
    options.suite = suite;
    options.role = role;
    options.jobs = jobs;
    auto report = conformance::run(sut, options);
    REQUIRE(report.ok());
    CHECK(report->role == role);
    std::map<std::string, Judged> out;
    for (const auto& t : report->tests) {
        for (const auto& x : t.exchanges)
            check_exchange(x);
        std::string messages;
        for (const auto& m : t.messages)
            messages += "\n  " + m;
        out[t.id] = {t.status, messages};
    }
    auto parsed = reports::from_json(reports::to_json(*report));
    REQUIRE(parsed.ok());
    auto changes = conformance::rejudge(*parsed);
    REQUIRE(changes.ok());
    for (const auto& c : *changes) {
        std::string why;
        for (const auto& m : c.messages)
            why += "\n  " + m;
        INFO(c.test_id << " was " << reports::to_string(c.before) << ", re-judged "
                       << reports::to_string(c.after) << why);
        CHECK(false);
    }
    return out;
}

// conformance/defects.json under `key` ("jft/reader", "pmd/sender"): defect -> plain test IDs.
inline std::map<std::string, std::set<std::string>> example_defect_table(const std::string& key) {
    rapidjson::Document d;
    d.Parse(read_text(std::filesystem::path(VFT_SOURCE_DIR) / "conformance/defects.json").c_str());
    REQUIRE_FALSE(d.HasParseError());
    REQUIRE(d.HasMember(key.c_str()));
    std::map<std::string, std::set<std::string>> out;
    for (const auto& m : d[key.c_str()].GetObject()) {
        auto& ids = out[m.name.GetString()];
        for (const auto& id : m.value.GetArray())
            ids.insert(id.GetString());
    }
    return out;
}

// What `program --list-defects` prints, one defect a line.
inline std::vector<std::string> example_defects(const std::string& program) {
    std::vector<std::string> out;
    FILE* p = ::popen((program + " --list-defects").c_str(), "r");
    REQUIRE(p != nullptr);
    std::array<char, 256> line{};
    while (std::fgets(line.data(), line.size(), p)) {
        std::string s = line.data();
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
            s.pop_back();
        if (!s.empty()) out.push_back(s);
    }
    ::pclose(p);
    return out;
}

}  // namespace vft::test
