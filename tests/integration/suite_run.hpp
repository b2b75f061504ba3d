// Helpers for the [run] integration tests of the receiver-role suites: a SUT file for a mock
// receiver, `vft run` as a real child process (exit code), its report.json read back, and the
// checked-in defect table (conformance/defects.json).
#pragma once

#include <fcntl.h>
#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>

#include "../support/files.hpp"
#include "auth_support.hpp"
#include "defect_table.hpp"
#include "process.hpp"
#include "vft/reports/report.hpp"

namespace vft::test {

// A per-process scratch folder for suite runs, removed when the test binary exits.
inline std::filesystem::path run_scratch() {
    static const Scratch scratch("it-run");
    return scratch.dir;
}

// Runs argv to completion (stdout and stderr to `log`); returns the exit status, -1 if killed.
inline int run_to_exit(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            close(fd);
        }
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A SUT file for `base_url` without auth, claiming `modules`; the test patient is one the mock
// receiver's EPJ knows (fixtures/epj/municipality.json).
inline std::string sut_json(const std::string& base_url, const std::string& modules_json,
                            const std::string& auth_json = R"({"type":"none"})",
                            const std::string& orgnr = "921000006") {
    return R"({"name":"vft mock receiver","vendor":"vft","version":"0.1","base_url":")" + base_url +
           R"(","orgnr":")" + orgnr + R"(","service_codes":["TA","MD","DHO"],"auth":)" + auth_json +
           R"(,"modules":)" + modules_json +
           R"(,"test_patients":[{"fnr":"12854812341","name":"Kåre Nordmann Testesen",)"
           R"("service_codes":["TA","MD","DHO"]}]})";
}

struct SuiteRun {
    int exit_code = -1;
    std::string log;
    std::optional<reports::Report> report;
    // Status of each test, by ID.
    std::map<std::string, reports::Status> status;
};

// `vft run --suite SUITE --role receiver --sut FILE --out DIR --jobs JOBS` with `sut` written to
// a file of its own.
inline SuiteRun run_suite(const std::string& suite, const std::string& sut, const std::string& name,
                          int jobs = 4) {
    const auto dir = run_scratch() / name;
    std::filesystem::create_directories(dir);
    {
        std::ofstream out(dir / "sut.json", std::ios::binary);
        out << sut;
    }
    SuiteRun r;
    r.exit_code = run_to_exit({VFT_CLI_PATH, "run", "--suite", suite, "--role", "receiver", "--sut",
                               (dir / "sut.json").string(), "--out", (dir / "out").string(),
                               "--jobs", std::to_string(jobs)},
                              dir / "log.txt");
    r.log = read_text(dir / "log.txt");
    auto report = reports::from_json(read_text(dir / "out" / "report.json"));
    if (report) {
        for (const auto& t : report->tests)
            r.status[t.id] = t.status;
        r.report = std::move(report).value();
    }
    return r;
}

// A reference receiver (with `defects`), and with `with_auth` a token service it trusts, plus the
// SUT file that describes it: HelseID with DPoP via client trygghet-alarm of
// fixtures/auth/clients.json (keys generated now) and the token service's test-token endpoint.
struct ReceiverUnderTest {
    std::unique_ptr<TestClients> clients;
    std::unique_ptr<Process> token_service;
    std::unique_ptr<Process> receiver;
    std::string sut;

    // `modules_json` without "auth": it is added when `with_auth` (a SUT without credentials
    // cannot claim it).
    // `dpop`: the SUT's tokens are DPoP-bound (JFT, PMD); KITH takes Bearer tokens.
    ReceiverUnderTest(const std::vector<std::string>& defects, bool with_auth,
                      std::string modules_json, bool dpop = true) {
        if (with_auth) modules_json.insert(1, R"("auth",)");
        std::vector<std::string> argv{VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"};
        std::string auth = R"({"type":"none"})";
        if (with_auth) {
            clients = std::make_unique<TestClients>();
            token_service = std::make_unique<Process>(std::vector<std::string>{
                VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0", "--clients",
                clients->file.string(), "--allow-test-tokens"});
            if (token_service->url().empty()) return;
            const auto key = clients->file.parent_path() / "trygghet-alarm.key.pem";
            write_file(key, clients->pem_key.private_pem());
            argv.insert(argv.end(), {"--auth", token_service->url()});
            auth = R"({"type":"helseid","token_url":")" + token_service->url() +
                   R"(/connect/token","client_id":"trygghet-alarm","private_key":")" +
                   key.string() + R"(","dpop":)" + (dpop ? "true" : "false") +
                   R"(,"test_token_url":")" + token_service->url() + R"(/_admin/issue"})";
        }
        for (const auto& d : defects)
            argv.insert(argv.end(), {"--defect", d});
        receiver = std::make_unique<Process>(argv);
        if (!receiver->url().empty())
            sut = sut_json(receiver->url(), modules_json, auth,
                           with_auth ? "312229544" : "921000006");
    }
};

inline bool is_auth_defect(const std::string& defect) {
    for (const char* d : {"accepts-expired-token", "dpop-replay-accepted", "ignores-auth",
                          "ignores-scope", "no-dpop-check", "ignores-orgnr-authorization"})
        if (defect == d) return true;
    return false;
}

inline std::string status_list(const SuiteRun& r) {
    std::string s;
    for (const auto& [id, st] : r.status)
        s += id + "=" + std::string(reports::to_string(st)) + " ";
    return s;
}

// The suite against the correct receiver: exit 0, verdict pass, every mandatory test of a
// claimed module passed (auth tests too when `with_auth`).
inline void expect_suite_passes(const std::string& suite, const std::string& modules_json,
                                bool with_auth) {
    ReceiverUnderTest rut({}, with_auth, modules_json, suite != "kith");
    REQUIRE_FALSE(rut.sut.empty());
    const auto r = run_suite(suite, rut.sut, suite + (with_auth ? "-pass-auth" : "-pass"));
    INFO(r.log);
    INFO(status_list(r));
    REQUIRE(r.report);
    CHECK(r.exit_code == 0);
    CHECK(r.report->verdict == reports::Verdict::pass);
    for (const auto& t : r.report->tests)
        if (t.mandatory) {
            INFO(t.id << ": " << (t.messages.empty() ? "" : t.messages.front()));
            CHECK(t.status == (t.module == "auth" && !with_auth ? reports::Status::omit
                                                                : reports::Status::pass));
        }
}

// Whether any of the claimed tests is a mandatory test in `report`.
inline bool any_mandatory(const reports::Report& report, const std::vector<DefectClaim>& claims) {
    for (const auto& t : report.tests)
        for (const auto& c : claims)
            if (t.mandatory && t.id == c.test) return true;
    return false;
}

// Against each defect of the table: every listed test failed with a message naming the claimed
// symptom, and exit 1 with verdict fail when one of them is mandatory.
inline void expect_defects_caught(const std::string& suite, const std::string& key,
                                  const std::string& modules_json, bool auth_defects) {
    const auto table = defect_claims(key);
    REQUIRE_FALSE(table.empty());
    for (const auto& [defect, claims] : table) {
        if (is_auth_defect(defect) != auth_defects) continue;
        INFO("defect " << defect);
        CHECK_FALSE(claims.empty());
        ReceiverUnderTest rut({defect}, auth_defects, modules_json, suite != "kith");
        REQUIRE_FALSE(rut.sut.empty());
        const auto r = run_suite(suite, rut.sut, suite + "-" + defect);
        INFO(r.log);
        INFO(status_list(r));
        REQUIRE(r.report);
        // A defect caught only by optional tests (a vft decision, e.g. concurrent duplicates) is
        // reported but leaves the verdict alone.
        if (any_mandatory(*r.report, claims)) {
            CHECK(r.exit_code == 1);
            CHECK(r.report->verdict == reports::Verdict::fail);
        }
        for (const auto& claim : claims) {
            INFO("test " << claim.test << " must catch " << defect << " by its symptom '"
                         << claim.symptom << "'");
            const reports::TestResult* t = nullptr;
            for (const auto& x : r.report->tests)
                if (x.id == claim.test) t = &x;
            REQUIRE(t != nullptr);
            CHECK(t->status == reports::Status::fail);
            // It fails because of the defect: its message names the symptom.
            const std::string why = joined(t->messages);
            INFO("its messages: " << why);
            CHECK_FALSE(claim.symptom.empty());
            CHECK(why.find(claim.symptom) != std::string::npos);
        }
    }
}

}  // namespace vft::test
