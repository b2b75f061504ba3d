// Delivery figures: how many messages per second vft::Deliverer moves from an outbox file to the
// mock receiver on loopback (each one strictly validated and journaled by the receiver, each
// verdict a durable outbox write), with 1 and 4 workers, next to the durable enqueue rate of the
// same messages (1 and 8 producers). Alarm bundles (~5 KiB) from the SDK builder, 100 ordering
// keys, no auth, in-process receiver with an in-memory journal.
//
//   vft_bench_delivery [MESSAGES per figure, default 2000] [FOLDER for the outboxes, default tmp]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "vft/messages/alarm.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/outbox/delivery.hpp"
#include "vft/outbox/outbox.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

[[noreturn]] void die(const char* what, const vft::Error& e) {
    std::fprintf(stderr, "%s: %s\n", what, e.to_string().c_str());
    std::exit(2);
}

std::vector<vft::OutboxEntry> messages(unsigned run, unsigned n) {
    using std::chrono::minutes;
    std::vector<vft::OutboxEntry> out;
    const vft::Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h;
    for (unsigned i = 0; i < n; ++i) {
        char id[64], enc[64], serial[32];
        std::snprintf(id, sizeof id, "urn:uuid:be0c%04x-0001-4000-8000-%012x", run, i);
        std::snprintf(enc, sizeof enc, "urn:uuid:be0c%04x-0002-4000-8000-%012x", run, i);
        std::snprintf(serial, sizeof serial, "TA-%04u", i % 100);
        vft::AlarmReport r;
        r.identifier = id;
        r.encounter_id = enc;
        r.patient = {"12854812341", "Kåre Nordmann Testesen"};
        r.alert_code = "3";
        r.identified = t0 + minutes(i);
        r.device = {"https://fhir.trygghet.example/serial", serial, "Trygghetsalarm T3"};
        r.response = {t0 + minutes(i + 1), t0 + minutes(i + 15)};
        r.participants = {
            {"2", r.device, {t0 + minutes(i + 1), t0 + minutes(i + 3)}, std::nullopt}};
        r.note.date = t0 + minutes(i + 20);
        r.note.author = {"9144900", "", "Operatør Ødegård"};
        r.note.events = {{"0", t0 + minutes(i)}, {"3", t0 + minutes(i + 15)}};
        r.note.sections = {{"1.2", "Hendelse", "Alarm fra " + std::string(serial)}};
        auto m = vft::build_alarm(r);
        if (!m) die("build", m.error());
        out.push_back({m->identifier, std::string("device:") + serial, "vkp:bundle",
                       "application/fhir+json", m->body});
    }
    return out;
}

double enqueue_all(vft::Outbox& box, const std::vector<vft::OutboxEntry>& ms, int producers) {
    std::atomic<size_t> next{0};
    const auto start = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < producers; ++t)
        ts.emplace_back([&] {
            for (size_t i = next++; i < ms.size(); i = next++)
                if (auto s = box.enqueue(ms[i]); !s) die("enqueue", s.error());
        });
    for (auto& t : ts)
        t.join();
    return static_cast<double>(ms.size()) /
           std::chrono::duration<double>(Clock::now() - start).count();
}

double deliver_all(vft::Outbox& box, const std::string& url, size_t workers, size_t expect) {
    vft::DeliveryOptions o;
    o.base_url = url;
    o.orgnr = "312229544";
    o.service_codes = {"TA"};
    o.workers = workers;
    o.batch_size = 8;
    auto d = vft::Deliverer::create(box, o);
    if (!d) die("deliverer", d.error());
    const auto start = Clock::now();
    auto idle = d->run_until_idle(Clock::now() + 600s);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    if (!idle) die("deliver", idle.error());
    if (idle->stats.delivered != expect || idle->pending != 0)
        std::fprintf(stderr, "delivered %llu of %zu (pending %zu, dead %zu)\n",
                     static_cast<unsigned long long>(idle->stats.delivered), expect, idle->pending,
                     idle->dead);
    return static_cast<double>(idle->stats.delivered) / secs;
}

}  // namespace

int main(int argc, char** argv) {
    const unsigned n = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 2000;
    const fs::path dir =
        argc > 2 ? fs::path(argv[2])
                 : fs::temp_directory_path() / ("vft-delivery-bench-" + std::to_string(wall_ms()));
    fs::create_directories(dir);

    vft::mocks::ReceiverOptions ro;  // in-memory journal, strict validation, no auth
    auto receiver = vft::mocks::Receiver::create(ro);
    if (!receiver) die("receiver", receiver.error());
    auto url = (*receiver)->start();
    if (!url) die("receiver", url.error());

    const auto set1 = messages(1, n), set4 = messages(4, n);
    std::printf(
        "delivery bench: %u alarm bundles per figure (%zu bytes each), 100 keys, receiver "
        "%s (strict validation, in-memory journal), outboxes in %s\n",
        n, set1.front().body.size(), url->c_str(), dir.string().c_str());

    auto open = [&](const char* name) {
        auto b = vft::Outbox::open(vft::OutboxOptions{(dir / name).string()});
        if (!b) die("open", b.error());
        return std::move(b).value();
    };
    vft::Outbox one = open("one.db"), four = open("four.db");
    std::printf("%-44s %9.0f msg/s\n", "durable enqueue, 1 producer", enqueue_all(one, set1, 1));
    std::printf("%-44s %9.0f msg/s\n", "durable enqueue, 8 producers", enqueue_all(four, set4, 8));
    std::printf("%-44s %9.0f msg/s\n", "delivery to the mock receiver, 1 worker",
                deliver_all(one, *url, 1, n));
    std::printf("%-44s %9.0f msg/s\n", "delivery to the mock receiver, 4 workers",
                deliver_all(four, *url, 4, n));

    (*receiver)->stop();
    std::error_code ec;
    if (argc <= 2) fs::remove_all(dir, ec);
    return 0;
}
