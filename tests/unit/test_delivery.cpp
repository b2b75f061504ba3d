// The outbox delivery loop (vft::Deliverer) against a real HTTP server on loopback (cpp-httplib,
// port 0) and a real outbox file: verdicts per status, Retry-After and backoff persisted in the
// outbox, the same body on every attempt, dead letters with the OperationOutcome, order per
// ordering key, auth headers per attempt, PMD batch-responses, run_until_idle and background
// workers. Time is moved forward with run_once(now_ms), never waited for.
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../support/closed_port.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/outbox/delivery.hpp"
#include "vft/outbox/outbox.hpp"

using namespace vft;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct Seen {
    std::string path, body, content_type, service_codes, source_system, authorization, dpop;
};

// An HTTP server on 127.0.0.1:<ephemeral> that records every request and answers with
// `respond` (default 201 with an empty OperationOutcome).
struct Receiver {
    httplib::Server svr;
    std::thread thread;
    int port = -1;
    std::mutex mu;
    std::vector<Seen> seen;
    std::function<void(const httplib::Request&, httplib::Response&, size_t n)> respond;

    Receiver() {
        std::signal(SIGPIPE, SIG_IGN);
        svr.set_tcp_nodelay(true);
        auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            size_t n = 0;
            {
                std::lock_guard lock(mu);
                seen.push_back({req.path, req.body, req.get_header_value("Content-Type"),
                                req.get_header_value("ServiceCodes"),
                                req.get_header_value("nhn-source-system"),
                                req.get_header_value("Authorization"),
                                req.get_header_value("DPoP")});
                n = seen.size();
            }
            if (respond) return respond(req, res, n);
            res.status = 201;
            res.set_content(R"({"resourceType":"OperationOutcome","issue":[]})",
                            "application/fhir+json");
        };
        svr.Post(R"(/.*)", handler);
        port = svr.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        thread = std::thread([this] { svr.listen_after_bind(); });
        const auto until = std::chrono::steady_clock::now() + 5s;
        while (!svr.is_running() && std::chrono::steady_clock::now() < until)
            std::this_thread::yield();
        REQUIRE(svr.is_running());
    }
    ~Receiver() {
        svr.stop();
        if (thread.joinable()) thread.join();
    }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }
    std::vector<Seen> requests() {
        std::lock_guard lock(mu);
        return seen;
    }
};

// A fresh outbox file per test, removed afterwards.
struct TempOutbox {
    fs::path dir;
    Outbox box;
    explicit TempOutbox(const std::string& name)
        : dir(fs::temp_directory_path() /
              ("vft-delivery-" + std::to_string(getpid()) + "-" + name)),
          box(open(dir)) {}
    static Outbox open(const fs::path& dir) {
        fs::remove_all(dir);
        fs::create_directories(dir);
        auto b = Outbox::open(OutboxOptions{(dir / "outbox.db").string()});
        REQUIRE(b.ok());
        return std::move(b).value();
    }
    ~TempOutbox() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void add(const std::string& id, const std::string& key,
             const std::string& endpoint = "vkp:bundle") {
        auto s = box.enqueue({id, key, endpoint, "application/fhir+json",
                              R"({"resourceType":"Bundle","id":")" + id + "\"}"});
        REQUIRE(s.ok());
    }
    OutboxMessage only(OutboxState state) {
        auto l = box.list(state, 10);
        REQUIRE(l.ok());
        REQUIRE(l->size() == 1);
        return l->front();
    }
};

// Collects the observer's events.
struct Events {
    std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
    std::shared_ptr<std::vector<DeliveryEvent>> list =
        std::make_shared<std::vector<DeliveryEvent>>();
    std::function<void(const DeliveryEvent&)> observer() {
        return [mu = mu, list = list](const DeliveryEvent& e) {
            std::lock_guard lock(*mu);
            list->push_back(e);
        };
    }
    std::vector<DeliveryEvent> all() {
        std::lock_guard lock(*mu);
        return *list;
    }
};

DeliveryOptions options_for(const Receiver& r, Events& ev) {
    DeliveryOptions o;
    o.base_url = r.base() + "/";
    o.orgnr = "314159265";
    o.service_codes = {"TA", "MD"};
    o.source_system = "vft-test";
    o.retry.initial_backoff = 1000ms;
    o.retry.jitter = 0;
    o.observer = ev.observer();
    return o;
}

Deliverer make(Outbox& box, DeliveryOptions o) {
    auto d = Deliverer::create(box, std::move(o));
    REQUIRE(d.ok());
    return std::move(d).value();
}

const char* kOutcome400 =
    R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid",)"
    R"("details":{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090",)"
    R"("code":"2.1"}],"text":"Bundle.identifier is missing"},"expression":["Bundle.identifier"]}]})";

}  // namespace

TEST_CASE("delivery_url maps every outbox endpoint and refuses unknown ones", "[delivery]") {
    const std::string b = "http://h:1";
    CHECK(*delivery_url(b + "/", "314159265", "vkp:bundle") == b + "/epj/r4/314159265/bundle");
    for (const char* r : {"composition", "medicationdispense", "encounter", "detectedissue"})
        CHECK(*delivery_url(b, "314159265", std::string("vkp:") + r) ==
              b + "/epj/r4/314159265/" + r);
    for (const char* t : {"Bundle", "Composition", "MedicationDispense"})
        CHECK(*delivery_url(b, "", std::string("jft:") + t) == b + "/v1/" + t);
    CHECK(*delivery_url(b, "", "pmd:batch") == b + "/pmd");
    CHECK(*delivery_url(b, "", "kith:messages") == b + "/kith/messages");
    for (const char* bad : {"vkp:patient", "jft:Observation", "pmd", "smtp:x", "", "VKP:bundle"}) {
        auto u = delivery_url(b, "314159265", bad);
        REQUIRE_FALSE(u.ok());
        CHECK(u.error().code == errc::outbox_unknown_endpoint);
        CHECK_FALSE(u.error().hint.empty());
    }
    auto no_org = delivery_url(b, "", "vkp:bundle");
    REQUIRE_FALSE(no_org.ok());
    CHECK(no_org.error().code == errc::outbox_unknown_endpoint);
    CHECK_THAT(no_org.error().message, Catch::Contains("orgnr"));
}

TEST_CASE("201 and 202 are delivered, with the endpoint's URL and headers", "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request& req, httplib::Response& res, size_t) {
        res.status = req.path == "/v1/Bundle" ? 202 : 201;
        if (res.status == 202) res.set_header("Location", "/v1/Bundle/1234/$status");
    };
    TempOutbox ob("delivered");
    ob.add("urn:uuid:a", "p1", "vkp:bundle");
    ob.add("urn:uuid:b", "p2", "jft:Bundle");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    auto n = d.run_once(wall_ms());
    REQUIRE(n.ok());
    CHECK(*n == 2);
    auto c = ob.box.counts();
    REQUIRE(c.ok());
    CHECK(c->delivered == 2);
    CHECK(c->pending == 0);
    auto seen = r.requests();
    REQUIRE(seen.size() == 2);
    std::map<std::string, Seen> by_path;
    for (auto& s : seen)
        by_path[s.path] = s;
    REQUIRE(by_path.count("/epj/r4/314159265/bundle") == 1);
    REQUIRE(by_path.count("/v1/Bundle") == 1);
    CHECK(by_path["/epj/r4/314159265/bundle"].service_codes == "TA,MD");
    CHECK(by_path["/epj/r4/314159265/bundle"].source_system.empty());
    CHECK(by_path["/v1/Bundle"].source_system == "vft-test");
    CHECK(by_path["/v1/Bundle"].service_codes.empty());
    CHECK(by_path["/v1/Bundle"].content_type == "application/fhir+json");
    CHECK(by_path["/v1/Bundle"].body == R"({"resourceType":"Bundle","id":"urn:uuid:b"})");
    auto events = ev.all();
    REQUIRE(events.size() == 2);
    for (auto& e : events) {
        CHECK(e.verdict == DeliveryVerdict::delivered);
        CHECK(e.attempt == 1);
        CHECK(e.recorded);
        CHECK((e.status == 201 || e.status == 202));
        CHECK(e.location == (e.status == 202 ? "/v1/Bundle/1234/$status" : ""));
    }
    const DeliveryStats s = d.stats();
    CHECK(s.attempts == 2);
    CHECK(s.sent == 2);
    CHECK(s.delivered == 2);
    CHECK(s.retried == 0);
    CHECK(s.dead == 0);
}

TEST_CASE("503 with Retry-After: retried when it says, with the same body", "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request&, httplib::Response& res, size_t n) {
        if (n == 1) {
            res.status = 503;
            res.set_header("Retry-After", "7");
            return;
        }
        res.status = 201;
    };
    TempOutbox ob("retry-after");
    ob.add("urn:uuid:x", "p1");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 1);
    auto events = ev.all();
    REQUIRE(events.size() == 1);
    CHECK(events[0].verdict == DeliveryVerdict::retry);
    CHECK(events[0].status == 503);
    REQUIRE(events[0].error);
    CHECK(events[0].error->code == "VFT-HTTP-0503");
    // Retry-After 7 s, not the 1 s backoff; the base is the round's clock plus the exchange.
    CHECK(events[0].next_attempt_ms >= t0 + 7000);
    CHECK(events[0].next_attempt_ms < t0 + 7000 + 5000);
    // The outbox holds the backoff: a new Deliverer (a restarted sender) respects it too.
    const OutboxMessage m = ob.only(OutboxState::pending);
    CHECK(m.attempts == 1);
    CHECK(m.last_status == 503);
    CHECK(m.next_attempt_ms == events[0].next_attempt_ms);
    CHECK_THAT(m.last_error, Catch::Contains("VFT-HTTP-0503"));
    Deliverer restarted = make(ob.box, options_for(r, ev));
    CHECK(*restarted.run_once(t0 + 6000) == 0);
    REQUIRE(*restarted.run_once(events[0].next_attempt_ms) == 1);
    auto seen = r.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].body == seen[1].body);
    CHECK(ob.only(OutboxState::delivered).attempts == 2);
    REQUIRE(ev.all().size() == 2);
    CHECK(ev.all()[1].verdict == DeliveryVerdict::delivered);
    CHECK(ev.all()[1].attempt == 2);
}

TEST_CASE("400 with an OperationOutcome is dead with it; the key's next message proceeds",
          "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request& req, httplib::Response& res, size_t) {
        if (req.body.find("bad") != std::string::npos) {
            res.status = 400;
            res.set_content(kOutcome400, "application/fhir+json");
            return;
        }
        res.status = 201;
    };
    TempOutbox ob("dead");
    ob.add("urn:uuid:bad", "p1");
    ob.add("urn:uuid:good", "p1");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 1);  // only the key's oldest is due
    REQUIRE(*d.run_once(t0) == 1);  // the dead letter no longer blocks the key
    CHECK(*d.run_once(t0) == 0);
    const OutboxMessage dead = ob.only(OutboxState::dead);
    CHECK(dead.entry.identifier == "urn:uuid:bad");
    CHECK(dead.outcome == kOutcome400);
    CHECK(dead.last_status == 400);
    CHECK(ob.only(OutboxState::delivered).entry.identifier == "urn:uuid:good");
    auto events = ev.all();
    REQUIRE(events.size() == 2);
    CHECK(events[0].verdict == DeliveryVerdict::dead);
    REQUIRE(events[0].error);
    CHECK(events[0].error->code == "VFT-VKP-0201");
    CHECK(events[0].error->location == "Bundle.identifier");
    CHECK(events[0].outcome == kOutcome400);
    CHECK(d.stats().dead == 1);
    CHECK(d.stats().delivered == 1);
    CHECK(r.requests().size() == 2);  // the rejected message was sent once, never again
}

TEST_CASE("a 404 without a FHIR body is dead with an OperationOutcome built from the error",
          "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request&, httplib::Response& res, size_t) {
        res.status = 404;
        res.set_content("not here", "text/plain");
    };
    TempOutbox ob("dead-404");
    ob.add("urn:uuid:y", "p1");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    REQUIRE(*d.run_once(wall_ms()) == 1);
    const OutboxMessage dead = ob.only(OutboxState::dead);
    CHECK_THAT(dead.outcome, Catch::StartsWith(R"({"resourceType":"OperationOutcome")"));
    CHECK_THAT(dead.outcome, Catch::Contains("VFT-HTTP-0404"));
}

TEST_CASE("429 without Retry-After backs off exponentially, attempt by attempt", "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request&, httplib::Response& res, size_t n) {
        res.status = n <= 2 ? 429 : 201;
    };
    TempOutbox ob("429");
    ob.add("urn:uuid:z", "p1");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 1);
    const int64_t n1 = ob.only(OutboxState::pending).next_attempt_ms;
    CHECK(n1 >= t0 + 1000);
    CHECK(n1 < t0 + 1000 + 5000);
    CHECK(*d.run_once(n1 - 1) == 0);
    REQUIRE(*d.run_once(n1) == 1);
    const int64_t n2 = ob.only(OutboxState::pending).next_attempt_ms;
    CHECK(n2 >= n1 + 2000);  // initial × 2 after the second failure
    CHECK(n2 < n1 + 2000 + 5000);
    REQUIRE(*d.run_once(n2) == 1);
    CHECK(ob.only(OutboxState::delivered).attempts == 3);
    auto events = ev.all();
    REQUIRE(events.size() == 3);
    CHECK(events[0].error->code == "VFT-HTTP-0429");
    CHECK(events[1].attempt == 2);
    CHECK(d.stats().retried == 2);
}

TEST_CASE("a dropped connection and a refused one are retried, never dead", "[delivery]") {
    Events ev;
    TempOutbox ob("dropped");
    ob.add("urn:uuid:d", "p1");
    {
        Receiver r;
        // Headers promise a body that never comes: the connection closes mid-response.
        r.respond = [](const httplib::Request&, httplib::Response& res, size_t) {
            res.status = 201;
            res.set_content_provider(
                1024, "application/fhir+json",
                [](size_t, size_t, httplib::DataSink&) { return false; }, nullptr);
        };
        DeliveryOptions o = options_for(r, ev);
        Deliverer d = make(ob.box, o);
        REQUIRE(*d.run_once(wall_ms()) == 1);
        REQUIRE(ev.all().size() == 1);
        CHECK(ev.all()[0].verdict == DeliveryVerdict::retry);
        CHECK(ev.all()[0].status == 0);
        REQUIRE(ev.all()[0].error);
        CHECK(ev.all()[0].error->code == errc::net_reset);
        CHECK(r.requests().size() == 1);  // it did arrive: the resend must carry the same body
    }
    // Nobody listens on a port bound and never listened on (held, so no parallel test takes it).
    const vft::test::ClosedPort closed;
    REQUIRE(closed.port() != 0);
    DeliveryOptions o;
    o.base_url = closed.url();
    o.orgnr = "314159265";
    o.retry.jitter = 0;
    o.observer = ev.observer();
    Deliverer d = make(ob.box, o);
    REQUIRE(*d.run_once(wall_ms() + 3600000) == 1);
    REQUIRE(ev.all().size() == 2);
    CHECK(ev.all()[1].verdict == DeliveryVerdict::retry);
    CHECK(ev.all()[1].error->code == errc::net_connect);
    const OutboxMessage m = ob.only(OutboxState::pending);
    CHECK(m.attempts == 2);
    CHECK_THAT(m.last_error, Catch::Contains("VFT-NET-1001"));
}

TEST_CASE("order per key holds while another key proceeds", "[delivery]") {
    Receiver r;
    std::atomic<int> a1_calls{0};
    r.respond = [&](const httplib::Request& req, httplib::Response& res, size_t) {
        if (req.body.find("urn:uuid:a1") != std::string::npos && a1_calls++ == 0) {
            res.status = 503;
            return;
        }
        res.status = 201;
    };
    TempOutbox ob("order");
    ob.add("urn:uuid:a1", "A");
    ob.add("urn:uuid:b1", "B");
    ob.add("urn:uuid:a2", "A");
    ob.add("urn:uuid:b2", "B");
    ob.add("urn:uuid:a3", "A");
    Events ev;
    DeliveryOptions o = options_for(r, ev);
    o.workers = 2;
    Deliverer d = make(ob.box, o);
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 2);  // a1 (503) and b1
    REQUIRE(*d.run_once(t0) == 1);  // b2; a2 waits behind a1
    CHECK(*d.run_once(t0) == 0);
    const int64_t later = t0 + 3600000;
    REQUIRE(*d.run_once(later) == 1);  // a1 again
    REQUIRE(*d.run_once(later) == 1);  // a2
    REQUIRE(*d.run_once(later) == 1);  // a3
    CHECK(*d.run_once(later) == 0);
    std::vector<std::string> a_order, b_order;
    for (const auto& s : r.requests()) {
        const auto at = s.body.find("urn:uuid:");
        const std::string id = s.body.substr(at + 9, 2);
        (id[0] == 'a' ? a_order : b_order).push_back(id);
    }
    CHECK(a_order == std::vector<std::string>{"a1", "a1", "a2", "a3"});
    CHECK(b_order == std::vector<std::string>{"b1", "b2"});
    auto c = ob.box.counts();
    CHECK(c->delivered == 5);
}

TEST_CASE("an unknown endpoint is dead with a clear error, nothing sent", "[delivery]") {
    Receiver r;
    TempOutbox ob("unknown");
    ob.add("urn:uuid:u", "p1", "vkp:patient");
    ob.add("urn:uuid:v", "p1", "vkp:bundle");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 1);
    REQUIRE(*d.run_once(t0) == 1);
    const OutboxMessage dead = ob.only(OutboxState::dead);
    CHECK(dead.entry.identifier == "urn:uuid:u");
    CHECK_THAT(dead.outcome, Catch::Contains("VFT-OUTBOX-1106"));
    CHECK_THAT(dead.outcome, Catch::Contains("vkp:patient"));
    REQUIRE(ev.all()[0].error);
    CHECK(ev.all()[0].error->code == errc::outbox_unknown_endpoint);
    auto seen = r.requests();
    REQUIRE(seen.size() == 1);
    CHECK_THAT(seen[0].body, Catch::Contains("urn:uuid:v"));
    CHECK(d.stats().sent == 1);
    CHECK(d.stats().attempts == 2);
}

TEST_CASE("the auth hook is asked on every attempt and its headers are sent", "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request&, httplib::Response& res, size_t n) {
        res.status = n == 1 ? 401 : 201;  // 401: the token, not the message, was refused
    };
    TempOutbox ob("auth");
    ob.add("urn:uuid:t", "p1");
    Events ev;
    DeliveryOptions o = options_for(r, ev);
    struct Call {
        std::string method, url, endpoint;
    };
    auto calls = std::make_shared<std::vector<Call>>();
    auto fail_next = std::make_shared<bool>(false);
    o.auth =
        [calls, fail_next](
            std::string_view method, std::string_view url,
            std::string_view endpoint) -> Result<std::vector<std::pair<std::string, std::string>>> {
        calls->push_back({std::string(method), std::string(url), std::string(endpoint)});
        if (*fail_next) {
            *fail_next = false;
            Error e;
            e.code = "VFT-AUTH-0903";
            e.message = "token service unreachable";
            e.retryable = true;
            return e;
        }
        const std::string n = std::to_string(calls->size());
        return std::vector<std::pair<std::string, std::string>>{{"Authorization", "DPoP tok-" + n},
                                                                {"DPoP", "proof-" + n}};
    };
    Deliverer d = make(ob.box, o);
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 1);  // 401 → retry
    *fail_next = true;
    REQUIRE(*d.run_once(t0 + 3600000) == 1);  // the hook fails: retry, nothing sent
    REQUIRE(*d.run_once(t0 + 7200000) == 1);  // 201
    REQUIRE(calls->size() == 3);
    CHECK((*calls)[0].method == "POST");
    CHECK((*calls)[0].url == r.base() + "/epj/r4/314159265/bundle");
    CHECK((*calls)[0].endpoint == "vkp:bundle");
    auto seen = r.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].authorization == "DPoP tok-1");
    CHECK(seen[0].dpop == "proof-1");
    CHECK(seen[1].authorization == "DPoP tok-3");
    CHECK(seen[1].dpop == "proof-3");
    auto events = ev.all();
    REQUIRE(events.size() == 3);
    CHECK(events[0].verdict == DeliveryVerdict::retry);
    CHECK(events[0].error->code == "VFT-HTTP-0401");
    CHECK(events[1].verdict == DeliveryVerdict::retry);
    CHECK(events[1].error->code == "VFT-AUTH-0903");
    CHECK(events[2].verdict == DeliveryVerdict::delivered);
    CHECK(d.stats().sent == 2);
}

TEST_CASE("a PMD batch-response with refused entries is delivered, the refusal reported",
          "[delivery]") {
    Receiver r;
    const std::string batch_response =
        R"({"resourceType":"Bundle","type":"batch-response","entry":[)"
        R"({"response":{"status":"201 Created"}},)"
        R"({"response":{"status":"400 Bad Request","outcome":{"resourceType":"OperationOutcome"}}}]})";
    r.respond = [&](const httplib::Request&, httplib::Response& res, size_t) {
        res.status = 200;
        res.set_content(batch_response, "application/fhir+json");
    };
    TempOutbox ob("pmd");
    ob.add("urn:uuid:p", "device-1", "pmd:batch");
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    REQUIRE(*d.run_once(wall_ms()) == 1);
    CHECK(ob.only(OutboxState::delivered).last_status == 200);
    REQUIRE(ev.all().size() == 1);
    CHECK(ev.all()[0].verdict == DeliveryVerdict::delivered);
    CHECK(ev.all()[0].failed_entries == 1);
    CHECK(ev.all()[0].outcome == batch_response);
    CHECK(d.stats().partially_accepted == 1);
    CHECK(r.requests().at(0).path == "/pmd");
}

TEST_CASE(
    "run_until_idle delivers everything, and returns when the rest backs off past the "
    "deadline",
    "[delivery]") {
    Receiver r;
    r.respond = [](const httplib::Request& req, httplib::Response& res, size_t) {
        if (req.body.find("slow") != std::string::npos) {
            res.status = 503;
            res.set_header("Retry-After", "3600");
            return;
        }
        res.status = 201;
    };
    TempOutbox ob("idle");
    for (int i = 0; i < 12; ++i)
        ob.add("urn:uuid:m" + std::to_string(i), "k" + std::to_string(i % 3));
    Events ev;
    DeliveryOptions o = options_for(r, ev);
    o.workers = 3;
    o.batch_size = 2;
    Deliverer d = make(ob.box, o);
    auto idle = d.run_until_idle(std::chrono::steady_clock::now() + 60s);
    REQUIRE(idle.ok());
    CHECK(idle->pending == 0);
    CHECK(idle->stats.delivered == 12);
    CHECK_FALSE(idle->deadline_reached);

    ob.add("urn:uuid:slow", "k0");
    ob.add("urn:uuid:after-slow", "k0");
    const auto before = std::chrono::steady_clock::now();
    auto backing_off = d.run_until_idle(before + 60s);
    REQUIRE(backing_off.ok());
    CHECK(backing_off->pending == 2);
    CHECK(backing_off->stats.retried == 1);
    CHECK_FALSE(backing_off->deadline_reached);  // returned at once, did not wait out 60 s
    // Retry-After 3600 s is clamped to RetryPolicy::max_retry_after (120 s by default).
    CHECK(backing_off->next_attempt_ms > wall_ms() + 100 * 1000);
    CHECK(backing_off->next_attempt_ms <= wall_ms() + 120 * 1000);
}

TEST_CASE("background workers deliver and keep each key's order", "[delivery]") {
    Receiver r;
    TempOutbox ob("background");
    Events ev;
    DeliveryOptions o = options_for(r, ev);
    o.workers = 2;
    o.poll_interval = 5ms;
    Deliverer d = make(ob.box, o);
    REQUIRE(d.start().ok());
    auto again = d.start();
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == errc::outbox_delivery_config);
    for (int i = 0; i < 30; ++i)
        ob.add("urn:uuid:" + std::to_string(i % 3) + "-" + std::to_string(100 + i),
               "key" + std::to_string(i % 3));
    // Poll the outbox with a deadline until the workers are done.
    const auto until = std::chrono::steady_clock::now() + 30s;
    size_t delivered = 0;
    while (std::chrono::steady_clock::now() < until) {
        auto c = ob.box.counts();
        REQUIRE(c.ok());
        delivered = c->delivered;
        if (delivered == 30) break;
        std::this_thread::sleep_for(2ms);  // between polls of the outbox, not a wait for a result
    }
    d.stop();
    d.stop();  // idempotent
    CHECK(delivered == 30);
    std::map<char, std::vector<std::string>> per_key;
    for (const auto& s : r.requests()) {
        const auto at = s.body.find("urn:uuid:") + 9;
        per_key[s.body[at]].push_back(s.body.substr(at + 2, 3));
    }
    REQUIRE(per_key.size() == 3);
    for (auto& [key, seqs] : per_key) {
        CHECK(seqs.size() == 10);
        CHECK(std::is_sorted(seqs.begin(), seqs.end()));
    }
    CHECK(d.stats().delivered == 30);
}

TEST_CASE("Deliverer options are checked", "[delivery]") {
    TempOutbox ob("options");
    auto none = Deliverer::create(ob.box, DeliveryOptions{});
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code == errc::outbox_delivery_config);
    DeliveryOptions zero;
    zero.base_url = "http://127.0.0.1:1";
    zero.workers = 0;
    auto z = Deliverer::create(ob.box, zero);
    REQUIRE_FALSE(z.ok());
    CHECK(z.error().code == errc::outbox_delivery_config);
}

namespace {

// A KITH dialog note (MsgHead + Dialogmelding) built by the SDK, and the AppRec a receiver
// answers it with.
kith::DialogMessage kith_note() {
    kith::DialogMessage m;
    m.msg_id = "3f0c1c56-8a51-4c39-9d5e-0e3b2f7a9c10";
    m.sender = {"Responssenter Vest", "812345672", "8143063", std::nullopt};
    m.receiver = {"Testkommune Nord helse og omsorg", "921000006", "8143061", std::nullopt};
    m.patient = Patient{"12854812341", "Kåre Nordmann Testesen"};
    m.tema_code = "6";
    m.note_text = "Brukeren falt på badet; hjemmetjenesten er varslet.";
    m.generated = *parse_fhir_time("2026-03-12T07:15:00Z");
    return m;
}

std::string kith_apprec(const kith::DialogMessage& m, kith::AppRecStatus status,
                        std::vector<kith::AppRecError> errors = {}) {
    auto a = kith::build_apprec(kith::apprec_for(m, status, std::move(errors)));
    REQUIRE(a.ok());
    return a->body;
}

}  // namespace

TEST_CASE("KITH: an AppRec Avvist is delivered with its status and errors and never resent",
          "[delivery][kith]") {
    const kith::DialogMessage m = kith_note();
    auto msg = kith::build_dialog_message(m);
    REQUIRE(msg.ok());
    Receiver r;
    const std::string answer = kith_apprec(m, kith::AppRecStatus::rejected,
                                           {{"E35", "", "the patient is not known here"}});
    r.respond = [&](const httplib::Request&, httplib::Response& res, size_t) {
        res.status = 200;
        res.set_content(answer, "application/xml; charset=utf-8");
    };
    TempOutbox ob("kith-rejected");
    REQUIRE(ob.box.enqueue({msg->identifier, "patient-1", "kith:messages", "", msg->body}).ok());
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    REQUIRE(*d.run_once(wall_ms()) == 1);
    REQUIRE(ev.all().size() == 1);
    const DeliveryEvent e = ev.all()[0];
    CHECK(e.verdict == DeliveryVerdict::delivered);
    REQUIRE(e.apprec.has_value());
    CHECK(e.apprec->status == kith::AppRecStatus::rejected);
    REQUIRE(e.apprec->errors.size() == 1);
    CHECK(e.apprec->errors[0].code == "E35");
    CHECK(e.apprec->original_msg_id == m.msg_id);
    CHECK(r.requests().at(0).path == "/kith/messages");
    CHECK(r.requests().at(0).content_type == "application/xml; charset=utf-8");
    // Later rounds find nothing due: an Avvist message is the receiver's verdict, not resent.
    CHECK(*d.run_once(wall_ms() + 3'600'000) == 0);
    CHECK(r.requests().size() == 1);
}

TEST_CASE("KITH: a 200 without an AppRec is retried with the same MsgId until one comes",
          "[delivery][kith]") {
    const kith::DialogMessage m = kith_note();
    auto msg = kith::build_dialog_message(m);
    REQUIRE(msg.ok());
    Receiver r;
    const std::string ok = kith_apprec(m, kith::AppRecStatus::ok);
    r.respond = [&](const httplib::Request&, httplib::Response& res, size_t n) {
        res.status = 200;
        if (n == 1)
            res.set_content("<html>gateway says hello</html>", "text/html");
        else
            res.set_content(ok, "application/xml");
    };
    TempOutbox ob("kith-no-apprec");
    REQUIRE(ob.box.enqueue({msg->identifier, "patient-1", "kith:messages", "", msg->body}).ok());
    Events ev;
    Deliverer d = make(ob.box, options_for(r, ev));
    const int64_t t0 = wall_ms();
    REQUIRE(*d.run_once(t0) == 1);
    REQUIRE(ev.all().size() == 1);
    CHECK(ev.all()[0].verdict == DeliveryVerdict::retry);
    CHECK_FALSE(ev.all()[0].apprec.has_value());
    REQUIRE(ev.all()[0].error.has_value());
    CHECK(ev.all()[0].error->message.find("without a readable AppRec") != std::string::npos);
    REQUIRE(*d.run_once(t0 + 60'000) == 1);
    REQUIRE(ev.all().size() == 2);
    CHECK(ev.all()[1].verdict == DeliveryVerdict::delivered);
    REQUIRE(ev.all()[1].apprec.has_value());
    CHECK(ev.all()[1].apprec->status == kith::AppRecStatus::ok);
    REQUIRE(r.requests().size() == 2);
    CHECK(r.requests()[0].body == r.requests()[1].body);  // the same MsgId, byte for byte
}
