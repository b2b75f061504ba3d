// The pipeline's crash proof (issue 19): a sender process using vft::client::Pipeline
// (tests/tools/pipeline_sender.cpp) enqueues VKP alarms and JFT medication transactions and is
// SIGKILLed again and again — at random points, during a token-service key rotation and during
// a receiver outage — and restarted each time. Afterwards every identifier is journaled by the
// real mock receiver exactly once (none missing, none extra), the outbox holds every message as
// delivered (nothing pending or dead), and every JFT message's status URL and `$status` read are
// in the outbox. Bounded for CI: 40 messages, 30 kills, every wait capped (20 s each, 120 s for
// the last run); it took 10.4-10.7 s on the shared 2-core machine (docs/client.md).
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../tools/pipeline_messages.hpp"
#include "child_process.hpp"
#include "pipeline_support.hpp"
#include "vft/outbox/outbox.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using vft::test::Child;

namespace {

constexpr unsigned kMessages = 40;
constexpr int kKills = 30;

}  // namespace

TEST_CASE("pipeline: SIGKILLs with a key rotation and an outage lose and double nothing",
          "[integration][pipeline_kill]") {
    // Some latency, so kills and the rotation land while requests are in flight, and "sent but
    // no answer" (journaled, then the connection is cut) so resends meet the duplicate rule.
    vft::test::PipelineMocks mocks("kill", R"({"seed": 6, "rules": [
        {"method": "POST", "path": "/epj/r4/*/bundle", "probability": 0.08, "action": "drop-after"},
        {"method": "POST", "path": "/v1/*", "probability": 0.08, "action": "drop-after"},
        {"method": "POST", "path": "/epj/r4/*/bundle", "latency_ms": 20},
        {"method": "POST", "path": "/v1/*", "latency_ms": 20}]})");
    const std::string outbox = (mocks.dir / "outbox.db").string();
    const std::string key = (mocks.dir / "client.pem").string();
    std::ofstream(key) << mocks.client_key.private_pem();
    // Round r enqueues the first count(r) messages (a restart enqueues the earlier ones again,
    // which stores nothing), so every round has work left, the rotation round most of all.
    auto argv = [&](int round) {
        const unsigned count = std::min(kMessages, 12u + 2u * static_cast<unsigned>(round));
        return std::vector<std::string>{
            VFT_PIPELINE_SENDER_PATH, outbox, mocks.token_base + "/connect/token",
            mocks.receiver_base,      key,    std::to_string(count)};
    };
    std::mt19937_64 rng(vft::test::kill_seed("pipeline_kill", 20261206u));
    std::uniform_int_distribution<int> delay_ms(0, 120);

    int kills = 0;
    bool rotated = false, outage = false;
    int rotated_resends = 0;
    for (int round = 0; round < kKills; ++round) {
        Child child(argv(round));
        if (round == 0) {
            // Rotation while this sender holds cached tokens: a request checked after it gets
            // 401 once and goes again with a fresh token in the same attempt ("... 2" = two
            // requests). A request already in flight may still pass with the old key, so look
            // at the next few deliveries.
            if (child.wait_line("delivered", 20s)) {
                mocks.rotate_token_key();
                rotated = true;
                auto resent = [](const std::string& l) {
                    return l.rfind("delivered", 0) == 0 && l.size() > 2 &&
                           l.substr(l.size() - 2) == " 2";
                };
                for (int n = 0; n < 6 && rotated_resends == 0; ++n) {
                    if (!child.wait_line("delivered", 20s)) break;
                    rotated_resends = static_cast<int>(
                        std::count_if(child.lines().begin(), child.lines().end(), resent));
                }
            }
        } else if (round == 1) {
            // An outage: refused connections; killed while it backs off, restarted, and the
            // receiver comes back while the next one waits.
            mocks.stop_receiver();
            outage = true;
            CHECK(child.wait_line("retrying", 20s));
        } else if (round == 2) {
            CHECK(child.wait_line("retrying", 20s));
            mocks.start_receiver();
        } else {
            child.wait_line("\x01", std::chrono::milliseconds(delay_ms(rng)));
        }
        child.kill9();
        ++kills;
    }
    CHECK(rotated);
    CHECK(outage);
    CHECK(rotated_resends >= 1);  // a refused token was answered with a fresh one in-attempt

    // The last run goes to the end.
    Child last(argv(kKills));
    REQUIRE(last.wait_line("idle", 120s));
    CHECK(last.wait_exit(10s) == 0);

    // The receiver: each identifier once, none missing, none extra.
    std::map<std::string, int> rows;
    for (const auto& r : mocks.journal())
        ++rows[r.identifier];
    std::set<std::string> want;
    for (unsigned i = 0; i < kMessages; ++i)
        want.insert(vft::test::kill_message(i).message.identifier);
    CHECK(rows.size() == want.size());
    for (const auto& id : want) {
        INFO(id);
        CHECK(rows[id] == 1);
    }

    // The outbox: everything delivered; every JFT message's status URL kept and read.
    auto box = vft::Outbox::open(vft::OutboxOptions{outbox});
    REQUIRE(box.ok());
    auto counts = box->counts();
    REQUIRE(counts.ok());
    CHECK(counts->delivered == kMessages);
    CHECK(counts->pending == 0);
    CHECK(counts->dead == 0);
    auto delivered = box->list(vft::OutboxState::delivered, kMessages);
    REQUIRE(delivered.ok());
    size_t jft = 0;
    for (const auto& m : *delivered) {
        if (m.entry.endpoint.rfind("jft:", 0) != 0) continue;
        ++jft;
        INFO(m.entry.identifier);
        CHECK(m.location.find("/$status") != std::string::npos);
        CHECK(m.status.find("\"registered\":\"2") != std::string::npos);
    }
    CHECK(jft == kMessages / 2);
    std::printf("pipeline_kill: %d kills, %zu journal rows\n", kills, rows.size());
}
