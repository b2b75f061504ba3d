// The trigger protocol from the runner's side (docs/conformance.md, "Role sender"): the
// instruction file the SUT gets carries the run's members, the command's exit code and stderr
// tail are recorded and replayed, a command that hangs is killed at the timeout, and the evidence
// holds no person number in clear. The SUT here is a shell command, so each case is exact.
#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../support/closed_port.hpp"
#include "../support/scratch.hpp"
#include "sender_context.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/transport/http_client.hpp"

namespace fs = std::filesystem;
using namespace vft;
using namespace vft::conformance;

namespace {

using vft::test::Scratch;

Sut shell_sut(const fs::path& dir, const std::string& command) {
    Sut sut;
    sut.name = "shell";
    sut.orgnr = "312229544";
    sut.service_codes = {"TA"};
    sut.trigger = command;
    sut.dir = dir;
    return sut;
}

TestCase test_case(const std::string& id) {
    TestCase t;
    t.id = id;
    t.role = "sender";
    return t;
}

const Instruction kAlarm{
    .action = "report-alarm",
    .json = R"({"api":"vkp","patient":{"fnr":"12854812341","name":"Kåre"},)"
            R"("event":{},"identifier":"urn:uuid:00000000-0000-4000-8000-000000000001"})"};

}  // namespace

TEST_CASE("trigger: the instruction file has the run's members; exit code and stderr recorded",
          "[sender][trigger]") {
    Scratch s("members");
    const Sut sut = shell_sut(s.dir,
                              "cp {instruction} got.json; echo 'cannot reach 12854812341' "
                              ">&2; exit 3");
    detail::SenderRunOptions o;
    o.scratch = s.dir / "run";
    o.fnr_salt = "00ff";
    auto run = detail::SenderRun::start(sut, o);
    REQUIRE(run.ok());
    const TestCase t = test_case("vkp_r4.sender.trigger.members");
    auto ctx = (*run)->context(t);
    auto r = ctx->trigger(kAlarm);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == std::string(errc::conf_trigger));
    CHECK(r.error().message.find("exited with 3") != std::string::npos);
    CHECK(r.error().hint.find("cannot reach") != std::string::npos);
    CHECK(r.error().hint.find("12854812341") == std::string::npos);  // masked in the tail

    std::ifstream in(s.dir / "got.json");
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document d;
    d.Parse(text.str().c_str());
    REQUIRE_FALSE(d.HasParseError());
    CHECK(d["version"].GetInt() == 1);
    CHECK(std::string(d["action"].GetString()) == "report-alarm");
    CHECK(std::string(d["test_id"].GetString()) == t.id);
    CHECK(std::string(d["orgnr"].GetString()) == "312229544");
    CHECK(std::string(d["endpoint"].GetString()).rfind("http://127.0.0.1:", 0) == 0);
    CHECK(std::string(d["token_url"].GetString()).empty());  // auth none: no token service
    CHECK(d["service_codes"].Size() == 1);
    CHECK(std::string(d["identifier"].GetString()) ==
          "urn:uuid:00000000-0000-4000-8000-000000000001");
    CHECK(std::string(d["outbox"].GetString()).find("vkp_r4.sender.trigger.members") !=
          std::string::npos);

    const auto evidence = ctx->finish();
    REQUIRE(evidence.size() == 2);  // the trigger run and the journal read-back
    const auto& x = evidence[0];
    CHECK(x.method == detail::kTriggerMethod);
    CHECK(x.status == 3);
    CHECK(x.request_body.find("12854812341") == std::string::npos);
    CHECK(x.request_body.find("FNR#") != std::string::npos);
    // A replaying context answers trigger() from this record alone.
    auto replayed = detail::trigger_result(x);
    REQUIRE_FALSE(replayed.ok());
    CHECK(replayed.error().message == r.error().message);
    CHECK(evidence[1].note.rfind("journal read-back", 0) == 0);
    CHECK(evidence[1].status == 200);
}

TEST_CASE("trigger: a command that does not end is killed at the timeout", "[sender][trigger]") {
    Scratch s("timeout");
    // The child of the shell must go too: the whole process group is killed.
    const Sut sut = shell_sut(s.dir, "sleep 60 & sleep 60");
    detail::SenderRunOptions o;
    o.scratch = s.dir / "run";
    o.trigger_timeout = std::chrono::seconds(1);
    auto run = detail::SenderRun::start(sut, o);
    REQUIRE(run.ok());
    const TestCase t = test_case("vkp_r4.sender.trigger.timeout");
    auto ctx = (*run)->context(t);
    auto r = ctx->trigger(kAlarm);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("timed out after 1 s") != std::string::npos);
    const auto evidence = ctx->finish();
    REQUIRE_FALSE(evidence.empty());
    CHECK(evidence[0].error.find("timed out") != std::string::npos);
    CHECK_FALSE(detail::trigger_result(evidence[0]).ok());
}

TEST_CASE("trigger: exit 0 is success; a sender test cannot send()", "[sender][trigger]") {
    Scratch s("ok");
    const Sut sut = shell_sut(s.dir, "test -s {instruction}");
    detail::SenderRunOptions o;
    o.scratch = s.dir / "run";
    auto run = detail::SenderRun::start(sut, o);
    REQUIRE(run.ok());
    const TestCase t = test_case("vkp_r4.sender.trigger.ok");
    auto ctx = (*run)->context(t);
    CHECK(ctx->trigger(kAlarm).ok());
    CHECK(ctx->inbound().size() == 2);
    const vft::test::ClosedPort closed;
    REQUIRE(closed.port() != 0);
    auto sent = ctx->send({"GET", closed.url() + "/", {}, ""}, "", TokenKind::none, {}, false);
    REQUIRE_FALSE(sent.ok());
    CHECK(sent.error().code == std::string(errc::conf_sender_send));
    const auto evidence = ctx->finish();
    CHECK(detail::trigger_result(evidence[0]).ok());
}

TEST_CASE("trigger: a SUT key that cannot be read stops the run before any test",
          "[sender][trigger]") {
    Scratch s("nokey");
    Sut sut = shell_sut(s.dir, "true");
    sut.auth.type = "helseid";
    sut.auth.client_id = "x";
    sut.auth.private_key = "missing.pem";
    detail::SenderRunOptions o;
    o.scratch = s.dir / "run";
    auto run = detail::SenderRun::start(sut, o);
    REQUIRE_FALSE(run.ok());
    CHECK(run.error().code == std::string(errc::conf_sender_key));
    CHECK(run.error().location == "auth.private_key");
}

TEST_CASE("trigger: pre-flight checks every file the trigger command names", "[sender][trigger]") {
    Scratch s("preflight-files");
    RunOptions o;
    o.suite = "vkp-r4";
    o.role = "sender";
    // `python3 missing.py`: the interpreter exists, the script does not — exit 2 before any test.
    auto missing = preflight(shell_sut(s.dir, "sh missing.py {instruction}"), o);
    REQUIRE(missing.ok());
    REQUIRE_FALSE(missing->ok());
    bool named = false;
    for (const auto& p : missing->problems)
        named = named || p.find("'missing.py'") != std::string::npos;
    CHECK(named);
    auto key = preflight(shell_sut(s.dir, "sh adapter.sh --key=keys/sender.pem {instruction}"), o);
    REQUIRE(key.ok());
    CHECK(key->problems.size() == 2);  // adapter.sh and keys/sender.pem
    // Once the files exist (relative to the SUT file's folder) pre-flight is content.
    std::ofstream(s.dir / "adapter.sh") << "exit 0\n";
    fs::create_directories(s.dir / "keys");
    std::ofstream(s.dir / "keys" / "sender.pem") << "x\n";
    auto ok =
        preflight(shell_sut(s.dir, "sh adapter.sh --key=keys/sender.pem -v 1.5 {instruction}"), o);
    REQUIRE(ok.ok());
    std::string problems;
    for (const auto& p : ok->problems)
        problems += p + "\n";
    INFO(problems);
    CHECK(ok->ok());
}

TEST_CASE("trigger: a JFT 202's Location points at the runner's endpoint and a poll is recorded",
          "[sender][trigger]") {
    Scratch s("location");
    const Sut sut = shell_sut(s.dir, "cp {instruction} got.json");
    detail::SenderRunOptions o;
    o.scratch = s.dir / "run";
    o.fnr_salt = "00ff";
    auto run = detail::SenderRun::start(sut, o);
    REQUIRE(run.ok());
    auto ctx = (*run)->context(test_case("jft.sender.trigger.location"));
    const Instruction note{
        .action = "report-dho-note",
        .json = R"({"api":"jft","patient":{"fnr":"12854812341","name":"Kåre"},"event":{}})"};
    REQUIRE(ctx->trigger(note).ok());
    std::ifstream in(s.dir / "got.json");
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document d;
    d.Parse(text.str().c_str());
    REQUIRE_FALSE(d.HasParseError());
    const std::string endpoint = d["endpoint"].GetString();

    // The product (this test) submits a document bundle and polls the status URL it was given.
    std::ifstream fx(fs::path(VFT_SOURCE_DIR) /
                     "fixtures/messages/valid/jft/document-dho-note.json");
    std::stringstream body;
    body << fx.rdbuf();
    auto client = transport::HttpClient::create({});
    REQUIRE(client.ok());
    auto posted = client->send(
        {"POST", endpoint + "/v1/Bundle", {{"Content-Type", "application/fhir+json"}}, body.str()});
    REQUIRE(posted.ok());
    INFO(posted->body);
    REQUIRE(posted->status == 202);
    const std::string location = posted->header("Location");
    CHECK(location.rfind(endpoint + "/v1/Bundle/", 0) == 0);  // the proxy's origin, not past it
    auto polled = client->send({"GET", location, {}, ""});
    REQUIRE(polled.ok());
    CHECK(polled->status == 200);

    bool recorded = false;
    for (const auto& x : ctx->inbound())
        if (x.method == "GET" && x.url == location && x.note == "endpoint" && x.status == 200)
            recorded = true;
    CHECK(recorded);
    (void)ctx->finish();
}
