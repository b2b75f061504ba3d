// A sender process for the exactly-once kill test (tests/integration/test_outbox_kill.cpp): it
// opens an outbox file, enqueues a deterministic set of alarm bundles (built with the SDK
// builder, one Bundle.identifier each, spread over ordering keys; enqueue is idempotent, so a
// sender restarted before the set was complete enqueues all of it again safely) and delivers
// them with vft::Deliverer.
// The test kills it with SIGKILL at random points and starts it again.
//
//   vft_test_outbox_sender --db FILE --url BASE --count N --keys K [--workers W]
//
// Prints "enqueued N" when the set is in the outbox, "delivering" before the first send, and
// "done pending=P delivered=D dead=X" at the end. Exit 0: nothing pending or dead; 1: some
// left; 2: could not run.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "vft/messages/alarm.hpp"
#include "vft/outbox/delivery.hpp"
#include "vft/outbox/outbox.hpp"

using namespace std::chrono_literals;

namespace {

// A fixed UUID per message number: the same identifiers on every start.
std::string uuid(unsigned group, unsigned n) {
    char b[64];
    std::snprintf(b, sizeof b, "urn:uuid:5e4d0c1a-%04x-4000-8000-%012x", group, n);
    return b;
}

vft::Result<vft::Message> alarm(unsigned i, unsigned keys) {
    using std::chrono::minutes;
    static const vft::Patient persons[] = {{"12854812341", "Kåre Nordmann Testesen"},
                                           {"03913945688", "Olga Ødegård"},
                                           {"24675198744", "Åsmund Bjørk Ærlig"}};
    const unsigned key = i % keys;
    const vft::Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} +
                         std::chrono::hours(7) + minutes(i);
    char serial[32];
    std::snprintf(serial, sizeof serial, "TA-%04u", key);
    const vft::Device device{"https://fhir.trygghet.example/serial", serial, "Trygghetsalarm T3"};
    vft::AlarmReport r;
    r.identifier = uuid(1, i);
    r.encounter_id = uuid(2, i);
    r.patient = persons[key % 3];
    r.alert_code = "3";
    r.severity = "30";
    r.triage = "Y";
    r.identified = t0;
    r.device = device;
    r.response = {t0 + minutes(1), t0 + minutes(15)};
    r.participants = {{"2", device, {t0 + minutes(1), t0 + minutes(3)}, std::nullopt}};
    r.location = "rom24 @ sykehjem";
    r.note.date = t0 + minutes(20);
    r.note.author = {"9144900", "", "Operatør Ødegård"};
    r.note.events = {{"0", t0}, {"1", t0 + minutes(1)}, {"3", t0 + minutes(15)}};
    r.note.sections = {{"1.2", "Hendelse", "Alarm nr. " + std::to_string(i) + " fra " + serial}};
    return vft::build_alarm(r);
}

}  // namespace

int main(int argc, char** argv) {
    std::string db, url;
    unsigned count = 400, keys = 20, workers = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--db")
            db = argv[i + 1];
        else if (a == "--url")
            url = argv[i + 1];
        else if (a == "--count")
            count = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (a == "--keys")
            keys = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (a == "--workers")
            workers = static_cast<unsigned>(std::atoi(argv[i + 1]));
    }
    if (db.empty() || url.empty() || count == 0 || keys == 0 || workers == 0) {
        std::fprintf(stderr,
                     "usage: vft_test_outbox_sender --db FILE --url BASE --count N --keys K "
                     "[--workers W]\n");
        return 2;
    }
    auto box = vft::Outbox::open(vft::OutboxOptions{db});
    if (!box) {
        std::fprintf(stderr, "%s\n", box.error().to_string().c_str());
        return 2;
    }
    // The whole set is there once the outbox holds N messages (the identifiers are fixed); until
    // then it is enqueued again, all of it: what a killed start stored already is kept as it is.
    auto held = box->counts();
    if (!held) {
        std::fprintf(stderr, "%s\n", held.error().to_string().c_str());
        return 2;
    }
    const bool complete = held->pending + held->delivered + held->dead >= count;
    // Several producers at once, so the enqueues share commits (group commit).
    std::atomic<unsigned> next{complete ? count : 0};
    std::atomic<bool> failed{false};
    std::vector<std::thread> producers;
    for (int t = 0; t < 8; ++t)
        producers.emplace_back([&] {
            for (unsigned i = next++; i < count; i = next++) {
                auto m = alarm(i, keys);
                if (!m) {
                    std::fprintf(stderr, "build %u: %s\n", i, m.error().to_string().c_str());
                    failed = true;
                    return;
                }
                char key[32];
                std::snprintf(key, sizeof key, "device:TA-%04u", i % keys);
                auto seq = box->enqueue(
                    {m->identifier, key, "vkp:bundle", "application/fhir+json", m->body});
                if (!seq) {
                    std::fprintf(stderr, "enqueue %u: %s\n", i, seq.error().to_string().c_str());
                    failed = true;
                    return;
                }
            }
        });
    for (auto& t : producers)
        t.join();
    if (failed) return 2;
    std::printf("enqueued %u\n", count);
    std::fflush(stdout);

    vft::DeliveryOptions o;
    o.base_url = url;
    o.orgnr = "312229544";
    o.service_codes = {"TA"};
    o.workers = workers;
    o.batch_size = 4;
    o.poll_interval = 10ms;
    o.retry.initial_backoff = 10ms;
    o.retry.max_backoff = 100ms;
    o.retry.max_retry_after = 100ms;
    o.http.total_timeout = 10s;
    auto deliverer = vft::Deliverer::create(*box, o);
    if (!deliverer) {
        std::fprintf(stderr, "%s\n", deliverer.error().to_string().c_str());
        return 2;
    }
    std::printf("delivering\n");
    std::fflush(stdout);
    auto idle = deliverer->run_until_idle(std::chrono::steady_clock::now() + 120s);
    if (!idle) {
        std::fprintf(stderr, "%s\n", idle.error().to_string().c_str());
        return 2;
    }
    auto c = box->counts();
    if (!c) return 2;
    std::printf("done pending=%zu delivered=%zu dead=%zu\n", c->pending, c->delivered, c->dead);
    return c->pending == 0 && c->dead == 0 ? 0 : 1;
}
