// Answers completed later (Response::later, mocks/src/http/server.cpp): the engine with handlers
// on its event loops keeps serving other connections while answers are pending, sends each one
// once it is finished on another thread (or at once if finished in its handler), and stop()
// waits for the pending ones (libmicrohttpd must not stop with a connection suspended). The
// router's side is in test_http_router.cpp.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../../mocks/src/http/server.hpp"
#include "http_later_support.hpp"

namespace http = vft::detail::http;

namespace {

// The Laters the "/later" handler left, for the test to finish.
struct Pending {
    std::mutex mu;
    std::vector<std::shared_ptr<http::Later>> laters;

    void add(std::shared_ptr<http::Later> l) {
        std::lock_guard lock(mu);
        laters.push_back(std::move(l));
    }
    size_t size() {
        std::lock_guard lock(mu);
        return laters.size();
    }
    std::vector<std::shared_ptr<http::Later>> take() {
        std::lock_guard lock(mu);
        return std::move(laters);
    }
};

// Polls `done` until it holds or 10 s passed.
template <class F>
bool eventually(F done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

// "/later" leaves every answer for the test to finish.
void serve_later(http::Server& server, Pending& pending) {
    server.Post("/later", [&pending](const http::Request&, http::Response& res) {
        auto later = std::make_shared<http::Later>();
        res.later = later;
        pending.add(later);
    });
}

}  // namespace

TEST_CASE("http engine: handlers on the event loops; pending answers hold no loop", "[http]") {
    http::Server server;
    http::ServerOptions o;
    o.inline_handlers = true;
    o.io_threads = 2;
    server.set_options(o);
    Pending pending;
    serve_later(server, pending);
    server.Get("/now", [&](const http::Request&, http::Response& res) {
        res.set_content("now", "text/plain");
    });
    // Left for later and finished before the handler returns: resumed as soon as suspended.
    server.Get("/soon", [&](const http::Request&, http::Response& res) {
        auto later = std::make_shared<http::Later>();
        res.later = later;
        finish_with(*later, 202, "soon");
    });
    std::string error;
    const int port = server.start("127.0.0.1", 0, error);
    REQUIRE(port > 0);

    // Six answers left pending, each on its own connection.
    constexpr int kPending = 6;
    std::vector<int> statuses(kPending, 0);
    std::vector<std::string> bodies(kPending);
    std::vector<std::thread> clients;
    for (int i = 0; i < kPending; ++i)
        clients.emplace_back([&, i] {
            httplib::Client c("127.0.0.1", port);
            c.set_read_timeout(20, 0);
            if (auto r = c.Post("/later", "x", "text/plain")) {
                statuses[static_cast<size_t>(i)] = r->status;
                bodies[static_cast<size_t>(i)] = r->body;
            }
        });
    REQUIRE(eventually([&] { return pending.size() == kPending; }));

    // Meanwhile both event loops still answer: ten fresh connections, answered at once.
    for (int i = 0; i < 10; ++i) {
        httplib::Client c("127.0.0.1", port);
        auto r = c.Get("/now");
        REQUIRE(r);
        CHECK(r->status == 200);
        CHECK(r->body == "now");
        auto soon = c.Get("/soon");
        REQUIRE(soon);
        CHECK(soon->status == 202);
        CHECK(soon->body == "soon");
    }

    // Finished from another thread, each answer goes out on its own connection.
    std::thread finisher([&] {
        int n = 0;
        for (auto& l : pending.take())
            finish_with(*l, 201, "answer " + std::to_string(n++));
    });
    finisher.join();
    for (auto& t : clients)
        t.join();
    for (int i = 0; i < kPending; ++i) {
        CHECK(statuses[static_cast<size_t>(i)] == 201);
        CHECK(bodies[static_cast<size_t>(i)].rfind("answer ", 0) == 0);
    }
    server.stop();
}

TEST_CASE("http engine: stop() waits for answers still pending, then stops", "[http]") {
    http::Server server;
    http::ServerOptions o;
    o.inline_handlers = true;
    server.set_options(o);
    Pending pending;
    serve_later(server, pending);
    std::string error;
    const int port = server.start("127.0.0.1", 0, error);
    REQUIRE(port > 0);
    int status = 0;
    std::thread client([&] {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(20, 0);
        if (auto r = c.Post("/later", "x", "text/plain")) status = r->status;
    });
    REQUIRE(eventually([&] { return pending.size() == 1; }));
    // stop() runs while the answer is pending; the answer is finished once stop() is waiting.
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        server.stop();
        stopped = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // stop() reaches its wait
    CHECK_FALSE(stopped.load());
    for (auto& l : pending.take())
        finish_with(*l, 201, "late");
    stopper.join();
    client.join();
    CHECK(stopped.load());
    // Answered, or cut when the daemon closed: never a crash, never a hang.
    CHECK((status == 201 || status == 0));
}
