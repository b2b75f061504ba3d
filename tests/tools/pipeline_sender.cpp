// The sender process of the pipeline kill test ([pipeline_kill]): opens a vft::client::Pipeline
// on an outbox file, enqueues messages 0..count-1 (tests/tools/pipeline_messages.hpp; a restart
// enqueues them again, which stores nothing new), delivers until nothing is pending and every
// JFT status has been read once, and prints one line per fate. The test SIGKILLs it at will.
//   pipeline_sender OUTBOX TOKEN_URL RECEIVER_URL CLIENT_KEY_PEM COUNT
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "pipeline_messages.hpp"
#include "vft/auth/key.hpp"
#include "vft/client/pipeline.hpp"

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s OUTBOX TOKEN_URL RECEIVER_URL KEY_PEM COUNT\n", argv[0]);
        return 2;
    }
    using namespace vft::client;
    auto key = vft::auth::Key::load_file(argv[4]);
    if (!key) {
        std::fprintf(stderr, "%s\n", key.error().to_string().c_str());
        return 2;
    }
    PipelineOptions o;
    o.outbox_path = argv[1];
    o.helseid = {argv[2], "dispenser-platform", *key, "", std::nullopt};
    o.endpoints.vkp_base_url = argv[3];
    o.endpoints.vkp_orgnr = "312229544";
    o.endpoints.jft_base_url = argv[3];
    o.retry.initial_backoff = std::chrono::milliseconds(50);
    o.retry.max_backoff = std::chrono::milliseconds(300);
    o.http.connect_timeout = std::chrono::milliseconds(2000);
    o.http.total_timeout = std::chrono::milliseconds(5000);
    o.observer = [](const MessageFate& f) {
        static const char* names[] = {"delivered", "rejected", "dead_lettered", "retrying",
                                      "status"};
        std::printf("%s %s %d %d\n", names[static_cast<int>(f.fate)], f.identifier.c_str(),
                    f.status, f.requests);
        std::fflush(stdout);
    };
    auto pipeline = Pipeline::create(o);
    if (!pipeline) {
        std::fprintf(stderr, "%s\n", pipeline.error().to_string().c_str());
        return 2;
    }
    const unsigned count = static_cast<unsigned>(std::strtoul(argv[5], nullptr, 10));
    for (unsigned i = 0; i < count; ++i) {
        const auto m = vft::test::kill_message(i);
        if (auto s = pipeline->enqueue(m.api, m.message, m.ordering_key); !s) {
            std::fprintf(stderr, "%s\n", s.error().to_string().c_str());
            return 1;
        }
    }
    std::printf("enqueued %u\n", count);
    std::fflush(stdout);
    for (;;) {
        auto r =
            pipeline->run_until_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5));
        if (!r) {
            std::fprintf(stderr, "%s\n", r.error().to_string().c_str());
            return 1;
        }
        auto unread = pipeline->outbox().follow_ups(1, 0);
        if (r->delivery.pending == 0 && r->delivery.dead == 0 && unread && unread->empty()) break;
        if (r->delivery.dead > 0) return 3;
    }
    std::printf("idle\n");
    std::fflush(stdout);
    return 0;
}
