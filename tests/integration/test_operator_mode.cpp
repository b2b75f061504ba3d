// Operator mode ("trigger": "manual" in the SUT file; docs/conformance.md, "Operator mode"): the
// real `vft run` on a pseudo-terminal (forkpty) with a scripted operator. The operator reads the
// task the runner prints, does what a person would — makes the product act, here by running the
// SDK's example sender with the instruction shown — and presses Enter. Nothing waits on a clock:
// the operator acts on the prompt line, and the run ends when vft exits (the read deadline only
// guards against a hung run). What arrives is judged as for a scripted sender, and the report is
// marked operator-driven.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../support/scratch.hpp"
#include "operator_mode.hpp"
#include "vft/auth/key.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/reports/report.hpp"

namespace fs = std::filesystem;
using namespace vft;

namespace {

using vft::test::Scratch;

// A free loopback port (bound, read, released) for the fixed-address case.
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

// A SUT file for the example sender in operator mode: no command, a person triggers it.
// `extra`: more members (e.g. fixed addresses), each with a leading comma.
fs::path manual_sut(const fs::path& dir, const std::string& extra = "") {
    auto key = auth::Key::generate(auth::Algorithm::es256);
    REQUIRE(key.ok());
    std::ofstream(dir / "sender.key.pem") << key->private_pem();
    std::ofstream(dir / "sut.json")
        << R"J({"name": "vft example_sender (operated)", "vendor": "vft", "version": "0.1.0",)J"
        << R"( "orgnr": "312229544", "service_codes": ["TA"],)"
        << R"( "auth": {"type": "helseid", "client_id": "vft-example-sender",)"
        << R"( "private_key": "sender.key.pem"},)"
        << R"( "modules": ["kith", "auth"], "trigger": "manual", "manual_timeout_s": 120)" << extra
        << "}";
    return dir / "sut.json";
}

struct Session {
    int exit_code = -1;
    std::string screen;  // everything vft wrote to the terminal
    int tasks = 0;       // operator tasks shown
};

// Runs `vft run` on a pseudo-terminal. For every task it shows, the operator waits for the
// instruction line, then (when `act`) runs the example sender with that instruction, as a person
// would make the device send, and presses Enter.
Session operate(const std::vector<std::string>& args, bool act, const fs::path& key) {
    Session s;
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(VFT_CLI_PATH));
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(VFT_CLI_PATH, argv.data());
        _exit(127);
    }
    const auto guard = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    std::string line;
    for (;;) {
        pollfd p{master, POLLIN, 0};
        const int ready = poll(&p, 1, 1000);
        if (ready == 0) {
            if (std::chrono::steady_clock::now() > guard) {
                kill(pid, SIGKILL);
                FAIL("vft run did not finish; the terminal showed:\n" << s.screen);
            }
            continue;
        }
        char buf[4096];
        const ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) break;  // EIO: vft has exited and the terminal is closed
        s.screen.append(buf, static_cast<size_t>(n));
        for (ssize_t i = 0; i < n; ++i) {
            if (buf[i] != '\n') {
                line += buf[i];
                continue;
            }
            const std::string prefix = "  instruction: ";
            const auto at = line.find(prefix);
            if (at != std::string::npos) {
                std::string path = line.substr(at + prefix.size());
                while (!path.empty() && (path.back() == '\r' || path.back() == ' '))
                    path.pop_back();
                ++s.tasks;
                if (act) {
                    const std::string cmd = std::string(VFT_EXAMPLE_SENDER_PATH) +
                                            " --instruction '" + path + "' --key '" + key.string() +
                                            "' >/dev/null 2>&1";
                    CHECK(std::system(cmd.c_str()) == 0);
                }
                REQUIRE(write(master, "\r", 1) == 1);  // Enter
            }
            line.clear();
        }
    }
    close(master);
    int status = 0;
    waitpid(pid, &status, 0);
    s.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return s;
}

reports::Report read_report(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    auto r = reports::from_json(text.str());
    REQUIRE(r.ok());
    return *r;
}

const reports::TestResult& test_of(const reports::Report& r, const std::string& id) {
    for (const auto& t : r.tests)
        if (t.id == id) return t;
    FAIL("no test " << id << " in the report");
    return r.tests.front();
}

}  // namespace

TEST_CASE("operator mode: the person is shown the task, acts, presses Enter; judged as scripted",
          "[operator]") {
    Scratch scratch("acts");
    const fs::path sut = manual_sut(scratch.dir);
    const fs::path out = scratch.dir / "out";
    const Session s = operate({"run", "--suite", "kith", "--role", "sender", "--sut", sut.string(),
                               "--only", "kith.sender.note.*", "--out", out.string()},
                              true, scratch.dir / "sender.key.pem");
    INFO("terminal:\n" << s.screen);
    // Two tests, three tasks: delivered (one note), fresh_msgid_per_message (two notes).
    CHECK(s.tasks == 3);
    CHECK(s.screen.find("=== operator task: kith.sender.note.delivered ===") != std::string::npos);
    CHECK(s.screen.find("Send the dialogue note \"Trygghetsalarm utløst") != std::string::npos);
    CHECK(s.screen.find("Kåre Nordmann Testesen (128548*****)") != std::string::npos);
    CHECK(s.screen.find("12854812341") == std::string::npos);  // the number never in full
    CHECK(s.screen.find("  waiting for: POST http://127.0.0.1:") != std::string::npos);
    CHECK(s.screen.find("/kith/messages (with a token from http://127.0.0.1:") !=
          std::string::npos);
    CHECK(s.screen.find("s left; requests arrived so far: ") != std::string::npos);
    CHECK(s.screen.find("operator-driven run (trigger manual)") != std::string::npos);
    CHECK(s.exit_code == 0);  // verdict pass: the mandatory kith test passed

    const reports::Report r = read_report(out / "report.json");
    CHECK(r.operator_driven);
    CHECK(r.verdict == reports::Verdict::pass);
    CHECK(test_of(r, "kith.sender.note.delivered").status == reports::Status::pass);
    CHECK(test_of(r, "kith.sender.note.fresh_msgid_per_message").status == reports::Status::pass);
    bool marked = false;
    for (const auto& x : test_of(r, "kith.sender.note.delivered").exchanges)
        if (x.method == "TRIGGER")
            for (const auto& h : x.request_headers)
                marked = marked || (h.name == "X-Vft-Operator" && h.value == "manual");
    CHECK(marked);
    std::ifstream html(out / "report.html");
    std::stringstream page;
    page << html.rdbuf();
    CHECK(page.str().find("id=\"operator-driven\"") != std::string::npos);
}

TEST_CASE("operator mode: Enter without the product acting is judged: nothing arrived, fail",
          "[operator]") {
    Scratch scratch("idle");
    const fs::path sut = manual_sut(scratch.dir);
    const fs::path out = scratch.dir / "out";
    const Session s = operate({"run", "--suite", "kith", "--role", "sender", "--sut", sut.string(),
                               "--only", "kith.sender.note.delivered", "--out", out.string()},
                              false, scratch.dir / "sender.key.pem");
    INFO("terminal:\n" << s.screen);
    CHECK(s.tasks == 1);
    CHECK(s.exit_code == 1);
    const reports::Report r = read_report(out / "report.json");
    CHECK(r.operator_driven);
    const auto& t = test_of(r, "kith.sender.note.delivered");
    CHECK(t.status == reports::Status::fail);
    bool nothing = false;
    for (const auto& m : t.messages)
        nothing = nothing || m.find("nothing arrived at the KITH endpoint") != std::string::npos;
    CHECK(nothing);
}

TEST_CASE("operator mode without a terminal is refused before anything runs", "[operator]") {
    Scratch scratch("notty");
    const fs::path sut = manual_sut(scratch.dir);
    const std::string cmd = std::string(VFT_CLI_PATH) + " run --suite kith --role sender --sut '" +
                            sut.string() + "' --out '" + (scratch.dir / "out").string() +
                            "' </dev/null >/dev/null 2>&1";
    const int status = std::system(cmd.c_str());
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    CHECK_FALSE(fs::exists(scratch.dir / "out" / "report.json"));
}

TEST_CASE("operator mode: each action becomes a task for a person, the patient masked",
          "[operator]") {
    const std::string common =
        R"("endpoint":"http://127.0.0.1:4000","orgnr":"312229544",)"
        R"("token_url":"http://127.0.0.1:4001/connect/token","test_id":"t.x",)"
        R"("patient":{"fnr":"12854812341","name":"Kåre Nordmann Testesen"})";
    struct Case {
        std::string action, api, event, says, path;
    };
    const std::vector<Case> cases = {
        {"report-alarm", "vkp", R"({"alert_code":"3","text":"Falt."})",
         "Trigger a safety alarm (alert code 3)", "/epj/r4/312229544/bundle"},
        {"report-alarm", "jft", R"({"alert_code":"3","text":"Falt."})", "safety alarm",
         "/v1/Bundle"},
        {"report-medication-dispense", "jft", R"({"event":"1.1","medication":"Multidose"})",
         "Hand over the dose (Multidose, dispense event 1.1)", "/v1/MedicationDispense"},
        {"report-supervision", "vkp", "{}", "Carry out a digital supervision visit",
         "/epj/r4/312229544/bundle"},
        {"report-measurements", "pmd",
         R"({"measurements":[{"kind":"heart_rate"},{"kind":"blood_pressure"}]})",
         "Take the measurements (heart_rate, blood_pressure)", "/pmd"},
        {"report-dho-note", "jft", R"({"text":"Ringte brukeren."})",
         "Write the follow-up note \"Ringte brukeren.\"", "/v1/Bundle"},
        {"search-patient", "vkp", "{}", "Look up the test patient",
         "/epj/r4/312229544/patient/_search"},
        {"report-dialog-note", "kith",
         R"({"text":"Notat.","receiver":{"name":"Testkommune Nord","her_id":"8143061"}})",
         "Send the dialogue note \"Notat.\"", "/kith/messages"},
    };
    for (const auto& c : cases) {
        const std::string json = R"({"version":1,"action":")" + c.action + R"(","api":")" + c.api +
                                 "\"," + common + R"(,"event":)" + c.event + "}";
        const auto t =
            conformance::detail::operator_task(json, "/tmp/i.json", std::chrono::seconds(60));
        INFO(c.action << " " << c.api << ": " << t.task);
        CHECK(t.task.find(c.says) != std::string::npos);
        CHECK(t.task.find("Kåre Nordmann Testesen (128548*****)") != std::string::npos);
        CHECK(t.task.find("12854812341") == std::string::npos);
        CHECK(t.task.find("then press Enter") != std::string::npos);
        CHECK(t.waiting_for == "POST http://127.0.0.1:4000" + c.path +
                                   " (with a token from http://127.0.0.1:4001/connect/token)");
        CHECK(t.instruction_path == "/tmp/i.json");
        CHECK(t.timeout == std::chrono::seconds(60));
    }
    // Not an instruction at all: still a task that points at the file, never a crash.
    CHECK(conformance::detail::operator_task("{", "/tmp/x.json", std::chrono::seconds(1))
              .task.find("/tmp/x.json") != std::string::npos);
}

TEST_CASE("operator mode: manual_timeout_s is read and checked", "[operator]") {
    const std::string base = R"({"name":"x","orgnr":"312229544","trigger":"manual")";
    auto ok = conformance::Sut::parse(base + R"(,"manual_timeout_s":45})", "/tmp");
    REQUIRE(ok.ok());
    CHECK(ok->manual());
    CHECK(ok->manual_timeout_s == 45);
    auto dflt = conformance::Sut::parse(base + "}", "/tmp");
    REQUIRE(dflt.ok());
    CHECK(dflt->manual_timeout_s == 300);
    for (const char* bad : {"0", "86401", "2.5", "\"60\""}) {
        auto r = conformance::Sut::parse(base + R"(,"manual_timeout_s":)" + bad + "}", "/tmp");
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().location == "manual_timeout_s");
    }
    auto fixed = conformance::Sut::parse(
        base + R"(,"manual_endpoint":"http://192.0.2.10:8443/","manual_token_service":)"
               R"("http://192.0.2.10:8444"})",
        "/tmp");
    REQUIRE(fixed.ok());
    CHECK(fixed->manual_endpoint == "http://192.0.2.10:8443");
    CHECK(fixed->manual_token_service == "http://192.0.2.10:8444");
    for (const char* bad : {"https://h:1", "http://h", "http://h:0", "http://h:70000",
                            "http://h:1/api", "http://:8443"}) {
        auto r = conformance::Sut::parse(base + R"(,"manual_endpoint":")" + bad + "\"}", "/tmp");
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().location == "manual_endpoint");
    }
    auto not_manual = conformance::Sut::parse(
        R"({"name":"x","orgnr":"312229544","trigger":"adapter {instruction}",)"
        R"("manual_endpoint":"http://127.0.0.1:8443"})",
        "/tmp");
    REQUIRE_FALSE(not_manual.ok());
    CHECK(not_manual.error().message == "only for operator mode");
}

TEST_CASE("operator mode: fixed addresses, so a device is set up once for every test",
          "[operator]") {
    Scratch scratch("fixed");
    const int endpoint_port = free_port(), token_port = free_port();
    const std::string endpoint = "http://127.0.0.1:" + std::to_string(endpoint_port);
    const std::string token = "http://127.0.0.1:" + std::to_string(token_port);
    const fs::path sut =
        manual_sut(scratch.dir, R"(, "manual_endpoint": ")" + endpoint +
                                    R"(", "manual_token_service": ")" + token + "\"");
    const fs::path out = scratch.dir / "out";
    const Session s = operate({"run", "--suite", "kith", "--role", "sender", "--sut", sut.string(),
                               "--only", "kith.sender.note.*", "--out", out.string()},
                              true, scratch.dir / "sender.key.pem");
    INFO("terminal:\n" << s.screen);
    CHECK(s.tasks == 3);
    // Every task of both tests names the same addresses.
    size_t shown = 0;
    for (size_t at = 0;
         (at = s.screen.find("  send to: " + endpoint + "\r\n", at)) != std::string::npos; ++at)
        ++shown;
    CHECK(shown == 3);
    CHECK(s.screen.find("  token service: " + token + "/connect/token") != std::string::npos);
    CHECK(s.exit_code == 0);
    const reports::Report r = read_report(out / "report.json");
    CHECK(r.verdict == reports::Verdict::pass);
    CHECK(test_of(r, "kith.sender.note.fresh_msgid_per_message").status == reports::Status::pass);
}
