// vft::Outbox: the lifecycle, idempotent enqueue, in-order delivery per key, dead letters, the
// group commit under concurrency, reopening, and kill -9 of a process in the middle of writing.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "vft/core/error_codes.hpp"
#include "vft/outbox/outbox.hpp"

namespace fs = std::filesystem;
using vft::Outbox;
using vft::OutboxEntry;
using vft::OutboxMessage;
using vft::OutboxOptions;
using vft::OutboxState;

namespace {

// A fresh folder per test, removed with everything in it at the end.
struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> n{0};
        std::random_device rd;
        path = fs::temp_directory_path() / ("vft-outbox-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(n++) + "-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    [[nodiscard]] std::string file(const std::string& name) const { return (path / name).string(); }
};

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Far enough ahead that every message enqueued in a test is due.
int64_t later() {
    return now_ms() + 1000;
}

OutboxEntry entry(const std::string& id, const std::string& key, std::string body = "{}") {
    return OutboxEntry{id, key, "vkp:bundle", "application/fhir+json", std::move(body)};
}

Outbox open_box(const std::string& path) {
    auto box = Outbox::open(OutboxOptions{path});
    INFO((box ? "" : box.error().to_string()));
    REQUIRE(box.ok());
    return std::move(box).value();
}

int64_t enqueue(Outbox& box, const OutboxEntry& e) {
    auto seq = box.enqueue(e);
    INFO((seq ? "" : seq.error().to_string()));
    REQUIRE(seq.ok());
    return *seq;
}

std::vector<int64_t> seqs(const std::vector<OutboxMessage>& ms) {
    std::vector<int64_t> out;
    for (const auto& m : ms)
        out.push_back(m.seq);
    return out;
}

std::vector<int64_t> due_seqs(Outbox& box, int64_t at, size_t max = 100) {
    auto due = box.due(max, at);
    REQUIRE(due.ok());
    return seqs(*due);
}

}  // namespace

TEST_CASE("outbox: enqueue, due, mark delivered", "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    const std::string body("{\"a\":1}\0\xff binary", 17);
    const int64_t before = now_ms();
    const int64_t a = enqueue(box, entry("id-a", "patient-1", body));
    CHECK(a > 0);

    auto due = box.due(10, later());
    REQUIRE(due.ok());
    REQUIRE(due->size() == 1);
    const OutboxMessage& m = due->front();
    CHECK(m.seq == a);
    CHECK(m.state == OutboxState::pending);
    CHECK(m.entry.identifier == "id-a");
    CHECK(m.entry.ordering_key == "patient-1");
    CHECK(m.entry.endpoint == "vkp:bundle");
    CHECK(m.entry.content_type == "application/fhir+json");
    CHECK(m.entry.body == body);  // bytes exactly, NUL and 0xff included
    CHECK(m.attempts == 0);
    CHECK(m.created_ms >= before);
    CHECK(m.next_attempt_ms == m.created_ms);

    // Leased to the caller: not handed out again until marked.
    CHECK(due_seqs(box, later()).empty());
    // Not due before its time.
    CHECK(due_seqs(box, before - 1).empty());

    REQUIRE(box.mark_delivered(a, 201).ok());
    CHECK(due_seqs(box, later() + 10'000'000).empty());
    auto delivered = box.list(OutboxState::delivered, 10);
    REQUIRE(delivered.ok());
    REQUIRE(delivered->size() == 1);
    CHECK(delivered->front().attempts == 1);
    CHECK(delivered->front().last_status == 201);
    CHECK(delivered->front().delivered_ms >= before);

    // Marking delivered twice is harmless; other marks of a delivered message are refused.
    CHECK(box.mark_delivered(a, 201).ok());
    auto retry = box.mark_retry(a, later(), "timeout");
    REQUIRE_FALSE(retry.ok());
    CHECK(retry.error().code == vft::errc::outbox_not_pending);
    auto dead = box.mark_dead(a, 400, "{}");
    REQUIRE_FALSE(dead.ok());
    CHECK(dead.error().code == vft::errc::outbox_not_pending);

    auto unknown = box.mark_delivered(999, 200);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == vft::errc::outbox_unknown_message);

    auto c = box.counts();
    REQUIRE(c.ok());
    CHECK(c->pending == 0);
    CHECK(c->delivered == 1);
    CHECK(c->dead == 0);
    CHECK(c->oldest_pending_ms == 0);
}

TEST_CASE("outbox: re-enqueueing an identifier returns the first seq and stores nothing",
          "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    const int64_t a = enqueue(box, entry("id-a", "p1", "first"));
    const int64_t b = enqueue(box, entry("id-b", "p1"));
    CHECK(enqueue(box, entry("id-a", "p1", "first")) == a);
    CHECK(enqueue(box, entry("id-a", "p2", "second body")) == a);  // the first one wins
    CHECK(b != a);
    auto c = box.counts();
    REQUIRE(c.ok());
    CHECK(c->pending == 2);
    auto pending = box.list(OutboxState::pending, 10);
    REQUIRE(pending.ok());
    REQUIRE(pending->size() == 2);
    CHECK(pending->front().entry.body == "first");
    CHECK(pending->front().entry.ordering_key == "p1");

    // Also once it is delivered or dead: a producer's resend never makes a second message.
    REQUIRE(box.due(10, later()).ok());
    REQUIRE(box.mark_delivered(a, 200).ok());
    REQUIRE(box.due(10, later()).ok());
    REQUIRE(box.mark_dead(b, 400, "{}").ok());
    CHECK(enqueue(box, entry("id-a", "p1")) == a);
    CHECK(enqueue(box, entry("id-b", "p1")) == b);
    c = box.counts();
    REQUIRE(c.ok());
    CHECK(c->pending == 0);

    auto no_id = box.enqueue(entry("", "p1"));
    REQUIRE_FALSE(no_id.ok());
    CHECK(no_id.error().code == vft::errc::outbox_invalid_entry);
    OutboxEntry no_endpoint = entry("id-c", "p1");
    no_endpoint.endpoint.clear();
    auto ne = box.enqueue(no_endpoint);
    REQUIRE_FALSE(ne.ok());
    CHECK(ne.error().code == vft::errc::outbox_invalid_entry);
}

TEST_CASE(
    "outbox: delivery is in order per key; a later message waits while an earlier one "
    "backs off",
    "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    const int64_t a = enqueue(box, entry("a", "patient-1"));
    const int64_t b = enqueue(box, entry("b", "patient-1"));
    const int64_t c = enqueue(box, entry("c", "patient-2"));
    const int64_t t0 = later();

    CHECK(due_seqs(box, t0) == std::vector<int64_t>{a, c});  // b waits for a
    REQUIRE(box.mark_delivered(c, 200).ok());
    REQUIRE(box.mark_retry(a, t0 + 5000, "HTTP 503", 503).ok());

    // a backs off; b must still wait behind it.
    CHECK(due_seqs(box, t0).empty());
    CHECK(due_seqs(box, t0 + 4999).empty());
    auto again = box.due(10, t0 + 5000);
    REQUIRE(again.ok());
    REQUIRE(seqs(*again) == std::vector<int64_t>{a});
    CHECK(again->front().attempts == 1);
    CHECK(again->front().last_error == "HTTP 503");
    CHECK(again->front().last_status == 503);
    CHECK(again->front().next_attempt_ms == t0 + 5000);

    REQUIRE(box.mark_delivered(a, 201).ok());
    CHECK(due_seqs(box, t0 + 5000) == std::vector<int64_t>{b});
    REQUIRE(box.mark_delivered(b, 201).ok());
    CHECK(due_seqs(box, t0 + 5000).empty());

    // max limits the batch; the rest stays due.
    const int64_t d = enqueue(box, entry("d", "k1"));
    const int64_t e = enqueue(box, entry("e", "k2"));
    CHECK(due_seqs(box, later(), 1) == std::vector<int64_t>{d});
    CHECK(due_seqs(box, later(), 1) == std::vector<int64_t>{e});
    CHECK(due_seqs(box, later(), 0).empty());
}

TEST_CASE("outbox: a lease passes when the worker never marks the message", "[outbox]") {
    TempDir dir;
    OutboxOptions opts{dir.file("outbox.db")};
    opts.lease = std::chrono::milliseconds(1000);
    auto box = Outbox::open(opts);
    REQUIRE(box.ok());
    const int64_t a = enqueue(*box, entry("a", "p"));
    const int64_t t0 = later();
    CHECK(due_seqs(*box, t0) == std::vector<int64_t>{a});
    CHECK(due_seqs(*box, t0 + 999).empty());
    CHECK(due_seqs(*box, t0 + 1000) == std::vector<int64_t>{a});
}

TEST_CASE("outbox: dead letters keep the outcome and do not block their key", "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    const int64_t a = enqueue(box, entry("a", "patient-1"));
    const int64_t b = enqueue(box, entry("b", "patient-1"));
    const std::string outcome =
        R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid"}]})";
    CHECK(due_seqs(box, later()) == std::vector<int64_t>{a});
    REQUIRE(box.mark_dead(a, 400, outcome).ok());
    CHECK(due_seqs(box, later()) == std::vector<int64_t>{b});

    auto dead = box.list(OutboxState::dead, 10);
    REQUIRE(dead.ok());
    REQUIRE(dead->size() == 1);
    CHECK(dead->front().seq == a);
    CHECK(dead->front().state == OutboxState::dead);
    CHECK(dead->front().outcome == outcome);
    CHECK(dead->front().last_status == 400);
    CHECK(dead->front().attempts == 1);
    auto pending = box.list(OutboxState::pending, 10);
    REQUIRE(pending.ok());
    CHECK(seqs(*pending) == std::vector<int64_t>{b});
    CHECK(pending->front().outcome.empty());

    auto c = box.counts();
    REQUIRE(c.ok());
    CHECK(c->pending == 1);
    CHECK(c->dead == 1);
    CHECK(c->delivered == 0);
}

TEST_CASE("outbox: retry_dead and drop", "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    const int64_t a = enqueue(box, entry("a", "p1"));
    const int64_t b = enqueue(box, entry("b", "p1"));
    const int64_t c = enqueue(box, entry("c", "p2"));
    REQUIRE(due_seqs(box, later()) == std::vector<int64_t>{a, c});
    REQUIRE(box.mark_dead(a, 422, "{\"n\":1}").ok());
    REQUIRE(box.mark_dead(c, 400, "{\"n\":2}").ok());

    SECTION("one message back to pending takes its place before later ones of its key") {
        auto n = box.retry_dead(a);
        REQUIRE(n.ok());
        CHECK(*n == 1);
        auto again = box.retry_dead(a);
        REQUIRE(again.ok());
        CHECK(*again == 0);  // no longer dead
        auto missing = box.retry_dead(12345);
        REQUIRE(missing.ok());
        CHECK(*missing == 0);
        auto due = box.due(10, later());
        REQUIRE(due.ok());
        CHECK(seqs(*due) == std::vector<int64_t>{a});  // b still waits: a is older
        CHECK(due->front().attempts == 0);
        CHECK(due->front().outcome.empty());
        auto counts = box.counts();
        REQUIRE(counts.ok());
        CHECK(counts->pending == 2);
        CHECK(counts->dead == 1);
    }
    SECTION("all") {
        auto n = box.retry_dead(std::nullopt);
        REQUIRE(n.ok());
        CHECK(*n == 2);
        CHECK(due_seqs(box, later()) == std::vector<int64_t>{a, c});
        auto dead = box.list(OutboxState::dead, 10);
        REQUIRE(dead.ok());
        CHECK(dead->empty());
    }
    SECTION("drop a dead message, a pending head and a delivered one") {
        auto d = box.drop(c);  // dead
        REQUIRE(d.ok());
        CHECK(*d == 1);
        REQUIRE(box.retry_dead(a).ok());
        REQUIRE(due_seqs(box, later()) == std::vector<int64_t>{a});
        d = box.drop(a);  // the pending head: b is next
        REQUIRE(d.ok());
        CHECK(*d == 1);
        auto gone = box.mark_delivered(a, 200);  // a worker still holding it learns it is gone
        REQUIRE_FALSE(gone.ok());
        CHECK(gone.error().code == vft::errc::outbox_unknown_message);
        CHECK(due_seqs(box, later()) == std::vector<int64_t>{b});
        REQUIRE(box.mark_delivered(b, 200).ok());
        d = box.drop(b);  // delivered rows are the record
        REQUIRE(d.ok());
        CHECK(*d == 0);
        d = box.drop(999);
        REQUIRE(d.ok());
        CHECK(*d == 0);
        auto counts = box.counts();
        REQUIRE(counts.ok());
        CHECK(counts->pending == 0);
        CHECK(counts->delivered == 1);
        CHECK(counts->dead == 0);
        // A seq is never reused, even after the highest one was dropped.
        const int64_t e = enqueue(box, entry("e", "p3"));
        CHECK(e > c);
    }
}

TEST_CASE("outbox: purge_delivered removes old delivered rows only", "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    const int64_t a = enqueue(box, entry("a", "p1"));
    const int64_t b = enqueue(box, entry("b", "p2"));
    const int64_t c = enqueue(box, entry("c", "p3"));
    const int64_t d = enqueue(box, entry("d", "p4"));
    REQUIRE(due_seqs(box, later()).size() == 4);
    REQUIRE(box.mark_delivered(a, 201).ok());
    REQUIRE(box.mark_delivered(b, 201).ok());
    REQUIRE(box.mark_dead(c, 400, "{}").ok());  // d stays pending (leased)
    const int64_t after_delivery = now_ms() + 1;

    auto none = box.purge_delivered(now_ms() - 86400000);  // nothing delivered a day ago
    REQUIRE(none.ok());
    CHECK(*none == 0);
    auto n = box.purge_delivered(after_delivery);
    REQUIRE(n.ok());
    CHECK(*n == 2);
    auto counts = box.counts();
    REQUIRE(counts.ok());
    CHECK(counts->delivered == 0);
    CHECK(counts->dead == 1);     // never purged
    CHECK(counts->pending == 1);  // never purged
    auto dead = box.list(OutboxState::dead, 10);
    REQUIRE(dead.ok());
    CHECK(seqs(*dead) == std::vector<int64_t>{c});
    // The identifier is free again: a re-enqueue after the purge is a new message, new seq.
    const int64_t again = enqueue(box, entry("a", "p1"));
    CHECK(again > d);
}

TEST_CASE("outbox: counts and the oldest pending message", "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    auto empty = box.counts();
    REQUIRE(empty.ok());
    CHECK(empty->pending == 0);
    CHECK(empty->oldest_pending_ms == 0);
    const int64_t before = now_ms();
    std::vector<int64_t> s;
    for (int i = 0; i < 6; ++i)
        s.push_back(enqueue(box, entry("m" + std::to_string(i), "k" + std::to_string(i))));
    REQUIRE(due_seqs(box, later()).size() == 6);
    REQUIRE(box.mark_delivered(s[0], 200).ok());
    REQUIRE(box.mark_delivered(s[1], 200).ok());
    REQUIRE(box.mark_dead(s[2], 400, "{}").ok());
    REQUIRE(box.mark_retry(s[3], later(), "503").ok());
    auto c = box.counts();
    REQUIRE(c.ok());
    CHECK(c->pending == 3);
    CHECK(c->delivered == 2);
    CHECK(c->dead == 1);
    CHECK(c->oldest_pending_ms >= before);
    CHECK(c->oldest_pending_ms <= now_ms());
    auto delivered = box.list(OutboxState::delivered, 1);
    REQUIRE(delivered.ok());
    CHECK(seqs(*delivered) == std::vector<int64_t>{s[1]});  // newest first
    auto pending = box.list(OutboxState::pending, 2);
    REQUIRE(pending.ok());
    CHECK(seqs(*pending) == std::vector<int64_t>{s[3], s[4]});  // oldest first
}

TEST_CASE("outbox: concurrent enqueues share transactions and each lands exactly once",
          "[outbox]") {
    TempDir dir;
    Outbox box = open_box(dir.file("outbox.db"));
    constexpr int kThreads = 8;
    constexpr int kPerThread = 500;
    constexpr int kShared = 50;  // identifiers every thread also enqueues
    std::vector<std::vector<int64_t>> got(kThreads);
    std::vector<std::vector<int64_t>> shared(kThreads);
    std::atomic<int> failures{0};
    {
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    auto s = box.enqueue(entry("t" + std::to_string(t) + "-" + std::to_string(i),
                                               "device-" + std::to_string(i % 37)));
                    if (!s) {
                        ++failures;
                        continue;
                    }
                    got[static_cast<size_t>(t)].push_back(*s);
                    if (i % (kPerThread / kShared) == 0) {
                        auto sh = box.enqueue(
                            entry("shared-" + std::to_string(i / (kPerThread / kShared)), "s"));
                        if (!sh) ++failures;
                        shared[static_cast<size_t>(t)].push_back(sh ? *sh : -1);
                    }
                }
            });
        for (auto& th : threads)
            th.join();
    }
    REQUIRE(failures == 0);
    std::set<int64_t> all;
    for (const auto& v : got)
        for (int64_t s : v)
            CHECK(all.insert(s).second);  // one seq each, none shared
    CHECK(all.size() == kThreads * kPerThread);
    for (int t = 1; t < kThreads; ++t)
        CHECK(shared[static_cast<size_t>(t)] == shared[0]);  // same identifier, same seq

    auto pending = box.list(OutboxState::pending, 100000);
    REQUIRE(pending.ok());
    CHECK(pending->size() == kThreads * kPerThread + kShared);
    std::map<std::string, int> ids;
    for (const auto& m : *pending)
        ++ids[m.entry.identifier];
    CHECK(ids.size() == pending->size());
    for (int t = 0; t < kThreads; ++t)
        for (size_t i = 0; i < got[static_cast<size_t>(t)].size(); ++i)
            CHECK(ids.count("t" + std::to_string(t) + "-" + std::to_string(i)) == 1);

    const vft::OutboxStats st = box.stats();
    CHECK(st.writes == kThreads * (kPerThread + kShared));
    CHECK(st.commits < st.writes);
    INFO("commits " << st.commits << " for " << st.writes << " writes");
    CHECK(st.commits > 0);

    // The due set is exactly one message per key: the oldest of each.
    auto due = box.due(1000, later());
    REQUIRE(due.ok());
    CHECK(due->size() == 38);  // device-0..36 and "s"
}

TEST_CASE("outbox: reopening keeps every message, state and order", "[outbox]") {
    TempDir dir;
    const std::string path = dir.file("outbox.db");
    int64_t a = 0, b = 0, c = 0, d = 0;
    const int64_t t0 = later();
    {
        Outbox box = open_box(path);
        a = enqueue(box, entry("a", "p1", "body-a"));
        b = enqueue(box, entry("b", "p1", "body-b"));
        c = enqueue(box, entry("c", "p2", "body-c"));
        d = enqueue(box, entry("d", "p3", "body-d"));
        REQUIRE(due_seqs(box, t0) == std::vector<int64_t>{a, c, d});
        REQUIRE(box.mark_delivered(a, 201).ok());
        REQUIRE(box.mark_dead(c, 400, "{\"x\":1}").ok());
        REQUIRE(box.mark_retry(d, t0 + 60000, "timeout").ok());
    }
    Outbox box = open_box(path);
    auto counts = box.counts();
    REQUIRE(counts.ok());
    CHECK(counts->pending == 2);
    CHECK(counts->delivered == 1);
    CHECK(counts->dead == 1);
    // Leases do not survive: b is due at once, d still backs off.
    auto due = box.due(10, t0);
    REQUIRE(due.ok());
    REQUIRE(seqs(*due) == std::vector<int64_t>{b});
    CHECK(due->front().entry.body == "body-b");
    CHECK(due_seqs(box, t0 + 60000) == std::vector<int64_t>{d});
    auto dead = box.list(OutboxState::dead, 10);
    REQUIRE(dead.ok());
    REQUIRE(dead->size() == 1);
    CHECK(dead->front().outcome == "{\"x\":1}");
    CHECK(enqueue(box, entry("a", "p1")) == a);
    CHECK(enqueue(box, entry("e", "p1")) > d);
}

TEST_CASE("outbox: two handles on one file (a CLI next to a running sender)", "[outbox]") {
    TempDir dir;
    const std::string path = dir.file("outbox.db");
    Outbox sender = open_box(path);
    Outbox cli = open_box(path);
    const int64_t a = enqueue(sender, entry("a", "p1"));
    const int64_t b = enqueue(sender, entry("b", "p1"));
    REQUIRE(due_seqs(sender, later()) == std::vector<int64_t>{a});
    REQUIRE(sender.mark_dead(a, 400, "{}").ok());
    REQUIRE(due_seqs(sender, later()) == std::vector<int64_t>{b});
    REQUIRE(sender.mark_retry(b, later(), "503").ok());
    auto n = cli.retry_dead(std::nullopt);
    REQUIRE(n.ok());
    CHECK(*n == 1);
    CHECK(due_seqs(sender, later() + 10) == std::vector<int64_t>{a});  // a is first again
}

TEST_CASE("outbox: open refuses what is not an outbox", "[outbox]") {
    TempDir dir;
    auto none = Outbox::open(OutboxOptions{});
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code == vft::errc::outbox_open);

    auto missing_dir = Outbox::open(OutboxOptions{dir.file("no/such/dir/outbox.db")});
    REQUIRE_FALSE(missing_dir.ok());
    CHECK(missing_dir.error().code == vft::errc::outbox_open);

    const std::string garbage = dir.file("garbage.db");
    std::ofstream(garbage) << std::string(8192, 'x');
    auto g = Outbox::open(OutboxOptions{garbage});
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().code == vft::errc::outbox_open);

    // A schema from a newer vft: the outbox must refuse to guess at a layout it does not know.
    // user_version is the big-endian word at offset 60 of the SQLite header; closing the last
    // handle checkpointed the WAL into the main file, so patching the file is enough.
    const std::string newer = dir.file("newer.db");
    { Outbox box = open_box(newer); }
    {
        std::fstream f(newer, std::ios::in | std::ios::out | std::ios::binary);
        REQUIRE(f.good());
        f.seekp(60);
        const char version[4] = {0, 0, 0, 99};
        f.write(version, 4);
    }
    auto n = Outbox::open(OutboxOptions{newer});
    REQUIRE_FALSE(n.ok());
    CHECK(n.error().code == vft::errc::outbox_open);
    CHECK_THAT(n.error().message, Catch::Contains("newer"));
}

namespace {

// The child of the crash test: enqueues from 3 threads and delivers from a fourth, reporting on
// `fd` every seq whose enqueue returned (+seq) and every seq whose mark_delivered returned
// (-seq), until it is killed. Never returns.
[[noreturn]] void crash_child(const std::string& path, int round, int fd) {
    auto opened = Outbox::open(OutboxOptions{path});
    if (!opened) ::_exit(3);
    Outbox box = std::move(opened).value();
    auto report = [fd](int64_t v) {
        // 8 bytes < PIPE_BUF: the write is atomic, a kill never leaves half a record.
        if (::write(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) ::_exit(4);
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0;; ++i) {
                auto s = box.enqueue(entry("r" + std::to_string(round) + "-t" + std::to_string(t) +
                                               "-" + std::to_string(i),
                                           "key-" + std::to_string(i % 5)));
                if (!s) ::_exit(5);
                report(*s);
            }
        });
    threads.emplace_back([&] {
        for (;;) {
            auto due = box.due(16, now_ms() + 1000);
            if (!due) ::_exit(6);
            for (const auto& m : *due) {
                if (!box.mark_delivered(m.seq, 200)) ::_exit(7);
                report(-m.seq);
            }
            if (due->empty()) std::this_thread::yield();
        }
    });
    for (auto& th : threads)
        th.join();
    ::_exit(0);
}

}  // namespace

TEST_CASE("outbox: kill -9 at random moments loses nothing enqueue returned for", "[outbox]") {
    TempDir dir;
    const std::string path = dir.file("crash.db");
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<int> kill_after_ms(50, 300);
    std::set<int64_t> enqueued, delivered;
    using Clock = std::chrono::steady_clock;
    for (int round = 0; round < 20; ++round) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const int kill_after = kill_after_ms(rng);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(fds[0]);
            crash_child(path, round, fds[1]);
        }
        ::close(fds[1]);
        std::string buf;
        size_t reported = 0;
        auto read_some = [&](int timeout_ms) {
            pollfd p{fds[0], POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return true;
            char chunk[4096];
            const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
            if (n <= 0) return false;  // EOF: the child is gone
            buf.append(chunk, static_cast<size_t>(n));
            return true;
        };
        // Ready once the first enqueue returned (bounded wait); then read what the child reports
        // for 50-300 ms of its working life and kill it mid-flight.
        bool open_pipe = true;
        const auto ready_deadline = Clock::now() + std::chrono::seconds(5);
        while (open_pipe && buf.size() < sizeof(int64_t) && Clock::now() < ready_deadline)
            open_pipe = read_some(50);
        const auto kill_at = Clock::now() + std::chrono::milliseconds(kill_after);
        while (open_pipe && Clock::now() < kill_at) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(kill_at - Clock::now());
            open_pipe = read_some(static_cast<int>(std::max<int64_t>(1, left.count())));
        }
        ::kill(pid, SIGKILL);
        // Everything written before the kill is still in the pipe: drain it to EOF (bounded).
        const auto drain_deadline = Clock::now() + std::chrono::seconds(5);
        while (open_pipe && Clock::now() < drain_deadline)
            open_pipe = read_some(100);
        ::close(fds[0]);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        INFO("round " << round << ": child status " << status);
        REQUIRE(buf.size() >= sizeof(int64_t));  // it got ready in time
        REQUIRE(WIFSIGNALED(status));            // killed by us, not failed on its own
        CHECK(WTERMSIG(status) == SIGKILL);
        for (size_t off = 0; off + sizeof(int64_t) <= buf.size(); off += sizeof(int64_t)) {
            int64_t v = 0;
            std::memcpy(&v, buf.data() + off, sizeof v);
            (v > 0 ? enqueued : delivered).insert(v > 0 ? v : -v);
            ++reported;
        }
        CHECK(buf.size() % sizeof(int64_t) == 0);

        // Reopen (recovery of the WAL) and check what the child was told is there.
        Outbox box = open_box(path);
        auto pending = box.list(OutboxState::pending, 1'000'000);
        auto done = box.list(OutboxState::delivered, 1'000'000);
        REQUIRE(pending.ok());
        REQUIRE(done.ok());
        std::set<int64_t> pending_seqs, done_seqs;
        for (const auto& m : *pending)
            pending_seqs.insert(m.seq);
        for (const auto& m : *done)
            done_seqs.insert(m.seq);
        size_t lost = 0, undelivered = 0;
        for (int64_t s : enqueued)
            if (!pending_seqs.count(s) && !done_seqs.count(s)) ++lost;
        for (int64_t s : delivered)
            if (!done_seqs.count(s)) ++undelivered;
        INFO("round " << round << ": " << reported << " reports, " << enqueued.size()
                      << " enqueued and " << delivered.size() << " delivered so far");
        CHECK(lost == 0);
        CHECK(undelivered == 0);
        // A message whose delivery was recorded is never due again.
        auto due = box.due(1'000'000, now_ms() + 1000);
        REQUIRE(due.ok());
        for (const auto& m : *due)
            CHECK(done_seqs.count(m.seq) == 0);
    }
    CHECK(enqueued.size() > 20);  // the child did real work before each kill
}

// Not part of the [outbox] run: writes the database the CLI contract tests read
// (tests/CMakeLists.txt, VFT_OUTBOX_FIXTURE_DIR). seq 1 pending, 2 delivered, 3 dead.
TEST_CASE("outbox: CLI fixture", "[.outbox-cli-fixture]") {
    const char* dir = std::getenv("VFT_OUTBOX_FIXTURE_DIR");
    REQUIRE(dir != nullptr);
    fs::create_directories(dir);
    for (const char* name : {"outbox.db", "outbox-retry.db", "outbox-drop.db", "outbox-purge.db"}) {
        const fs::path path = fs::path(dir) / name;
        for (const char* suffix : {"", "-wal", "-shm"})
            fs::remove(path.string() + suffix);
        Outbox box = open_box(path.string());
        const int64_t a = enqueue(box, entry("pending-1", "patient-12345678901", "{}"));
        const int64_t b = enqueue(box, entry("delivered-1", "patient-2"));
        const int64_t c = enqueue(box, entry("dead-1", "patient-3"));
        REQUIRE((a == 1 && b == 2 && c == 3));
        REQUIRE(due_seqs(box, later()).size() == 3);
        REQUIRE(box.mark_retry(a, later(), "HTTP 503 for 12345678901", 503).ok());
        REQUIRE(box.mark_delivered(b, 201).ok());
        REQUIRE(box.mark_dead(c, 400,
                              R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
                              R"("code":"invalid","diagnostics":"bad fnr 12345678901"}]})")
                    .ok());
    }
}
