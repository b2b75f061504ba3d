// The quick start of docs/sdk.md, compiled from the page itself (tests/docs/extract_blocks.py),
// run as a vendor would against the mock processes (`vft mock token-service`, `vft mock
// receiver --auth`): killed with SIGKILL once it says `enqueued`, run again, and then every
// message it sent is journaled once, the rejection it reads names its rule IDs and paths, and
// the JFT status was read. CTest: docs.quickstart.
#include <httplib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "../support/scratch.hpp"
#include "child_process.hpp"
#include "process.hpp"
#include "vft/auth/key.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_CASE("docs: the quick start survives a kill -9 and journals each message once",
          "[integration][quickstart]") {
    const vft::test::Scratch scratch("quickstart");
    const fs::path& dir = scratch.dir;
    auto key = vft::auth::Key::generate(vft::auth::Algorithm::es256);
    REQUIRE(key.ok());
    std::ofstream(dir / "key.pem") << key->private_pem();
    std::ofstream(dir / "clients.json")
        << R"({"clients":[{"client_id":"dispenser-platform","jwk":)" << key->public_jwk_json()
        << R"(,"scopes":["nhn:vkp/api/user/medicationdispense.write",)"
           R"("nhn:vkp/api/user/bundle.write","nhn:jft/api"],)"
           R"("vkp_id":"dispenser-test","orgnr_parent":"312229544"}]})";

    // Started in this order, stopped in the reverse one (docs/mocks.md).
    vft::test::Process tokens({VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0",
                               "--clients", (dir / "clients.json").string()});
    REQUIRE_FALSE(tokens.url().empty());
    vft::test::Process receiver({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0",
                                 "--auth", tokens.url(), "--orgnr", "312229544", "--db",
                                 (dir / "journal.db").string()});
    REQUIRE_FALSE(receiver.url().empty());

    const std::vector<std::string> argv = {
        VFT_DOC_QUICKSTART_PATH,
        tokens.url() + "/connect/token",
        receiver.url(),
        (dir / "key.pem").string(),
        (dir / "outbox.db").string(),
        std::string(VFT_SOURCE_DIR) + "/fixtures/messages/invalid/codes/alert-code-4-99.json"};
    std::vector<std::string> lines;
    {
        vft::test::Child first(argv);
        REQUIRE(first.wait_line("enqueued", 30s));
        first.kill9();
        first.drain();
        lines = first.lines();
    }
    vft::test::Child second(argv);
    CHECK(second.wait_exit(60s) == 0);
    lines.insert(lines.end(), second.lines().begin(), second.lines().end());

    std::string all;
    for (const auto& l : lines)
        all += l + "\n";
    INFO(all);
    CHECK(all.find("delivered vkp:medicationdispense") != std::string::npos);
    CHECK(all.find("delivered jft:Bundle") != std::string::npos);
    CHECK(all.find("jft registered 2") != std::string::npos);
    CHECK(all.find("rejected FHIR-PRF-003 ") != std::string::npos);
    CHECK(all.find("rejected CODE-001 ") != std::string::npos);

    httplib::Client c(receiver.url());
    auto r = c.Get("/_admin/journal");
    REQUIRE(r);
    size_t entries = 0;
    for (size_t at = r->body.find("\"identifier\""); at != std::string::npos;
         at = r->body.find("\"identifier\"", at + 1))
        ++entries;
    CHECK(entries == 2);  // the dispense to VKP and to JFT; the rejected alarm is not journaled
}
