// The HTTP layer of the transport against a real HTTP server on loopback (cpp-httplib, port 0):
// round trips, redirects not followed, NET error mapping, safe retries with fake sleeps,
// deadlines, response limits, log redaction, Retry-After parsing, backoff and error mapping.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vft/core/error_codes.hpp"
#include "vft/transport/http_client.hpp"
#include "vft/transport/http_error.hpp"
#include "vft/transport/log.hpp"
#include "vft/transport/retry.hpp"

using namespace vft;
using namespace vft::transport;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// An HTTP server on 127.0.0.1:<ephemeral>. Register handlers on `svr`, then start(). Handlers
// that must hang call block(); the destructor releases them before stopping the server.
struct TestServer {
    httplib::Server svr;
    int port = -1;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable cv;
    bool released = false;

    TestServer() {
        std::signal(SIGPIPE, SIG_IGN);  // a late write to a closed client socket
        svr.set_tcp_nodelay(true);      // no Nagle/delayed-ACK stalls between header and body
    }

    void start() {
        port = svr.bind_to_any_port("127.0.0.1");
        REQUIRE(port > 0);
        thread = std::thread([this] { svr.listen_after_bind(); });
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        while (!svr.is_running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        REQUIRE(svr.is_running());
    }

    // Blocks a handler until the test ends (bounded, so a broken test cannot hang forever).
    void block() {
        std::unique_lock lock(mutex);
        cv.wait_for(lock, 10s, [this] { return released; });
    }

    void release() {
        {
            std::lock_guard lock(mutex);
            released = true;
        }
        cv.notify_all();
    }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }

    ~TestServer() {
        release();
        svr.stop();
        if (thread.joinable()) thread.join();
    }
};

HttpClient make_client(HttpOptions options = {}) {
    auto client = HttpClient::create(std::move(options));
    REQUIRE(client.ok());
    return std::move(client).value();
}

// Records the waits instead of sleeping.
struct FakeSleep {
    std::shared_ptr<std::vector<milliseconds>> waits =
        std::make_shared<std::vector<milliseconds>>();
    std::function<void(milliseconds)> fn() {
        auto w = waits;
        return [w](milliseconds d) { w->push_back(d); };
    }
};

// A TCP port on loopback that is bound but not listening: connecting is refused, and no other
// process can take the port while the socket lives.
struct RefusingPort {
    int fd = -1;
    int port = 0;
    RefusingPort() {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port = ntohs(addr.sin_port);
    }
    ~RefusingPort() { ::close(fd); }
};

// A server that accepts one connection, reads the request and closes without answering.
struct SilentCloser {
    int fd = -1;
    int port = 0;
    std::thread thread;
    SilentCloser() {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd, 4) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port = ntohs(addr.sin_port);
        thread = std::thread([this] {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 5000) != 1) return;
            const int conn = ::accept(fd, nullptr, nullptr);
            if (conn < 0) return;
            pollfd c{conn, POLLIN, 0};
            char buf[4096];
            if (::poll(&c, 1, 5000) == 1) (void)::recv(conn, buf, sizeof buf, 0);
            ::close(conn);
        });
    }
    ~SilentCloser() {
        if (thread.joinable()) thread.join();
        ::close(fd);
    }
};

const std::string kNorwegian = "Kåre Nordmann Testesen – æøå ÆØÅ, «sitat»";

}  // namespace

TEST_CASE("GET and POST round trip with headers and Norwegian bodies", "[transport]") {
    TestServer srv;
    std::atomic<int> first_port{-1};
    std::atomic<bool> reused{false};
    srv.svr.Get("/hello", [&](const httplib::Request& req, httplib::Response& res) {
        res.set_header("X-Echo", req.get_header_value("X-Test"));
        res.set_header("X-User-Agent", req.get_header_value("User-Agent"));
        int expected = -1;
        if (!first_port.compare_exchange_strong(expected, req.remote_port))
            reused = (expected == req.remote_port);
        res.set_content("Hei på deg – æøå ÆØÅ", "text/plain; charset=utf-8");
    });
    srv.svr.Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
        res.set_header("X-Seen-Content-Type", req.has_header("Content-Type")
                                                  ? req.get_header_value("Content-Type")
                                                  : std::string("<none>"));
        res.set_header("X-Seen-Expect", req.has_header("Expect") ? "yes" : "no");
        res.status = 201;
        res.set_content(req.body, "application/fhir+json");
    });
    // Answers only once 5 ms have passed on the server's clock (measured, not slept): the
    // exchange's `elapsed` must cover at least that and at most the caller's own wall time.
    srv.svr.Get("/five-ms", [&](const httplib::Request&, httplib::Response& res) {
        const auto until = std::chrono::steady_clock::now() + 5ms;
        while (std::chrono::steady_clock::now() < until) {
        }
        res.set_content("ok", "text/plain");
    });
    srv.svr.Put("/put", [&](const httplib::Request& req, httplib::Response& res) {
        res.set_content(req.method + ":" + std::to_string(req.body.size()), "text/plain");
    });
    srv.start();
    const HttpClient client = make_client();

    auto get = client.send({"GET", srv.url("/hello"), {{"X-Test", "verdi-1"}}, ""});
    REQUIRE(get.ok());
    CHECK(get->status == 200);
    CHECK(get->body == "Hei på deg – æøå ÆØÅ");
    CHECK(get->header("x-echo") == "verdi-1");  // case-insensitive lookup
    CHECK(get->header("CONTENT-TYPE") == "text/plain; charset=utf-8");
    CHECK(get->header("X-User-Agent") == "vft/0.1");
    CHECK(get->header("X-Absent").empty());

    // The second request reuses the first one's connection (same client port on the server).
    auto again = client.send({"GET", srv.url("/hello"), {}, ""});
    REQUIRE(again.ok());
    CHECK(reused.load());

    const auto before = std::chrono::steady_clock::now();
    auto timed = client.send({"GET", srv.url("/five-ms"), {}, ""});
    const auto wall = std::chrono::steady_clock::now() - before;
    REQUIRE(timed.ok());
    CHECK(timed->elapsed >= 5ms);
    CHECK(timed->elapsed <= std::chrono::ceil<std::chrono::milliseconds>(wall));

    const std::string bundle = R"({"resourceType":"Bundle","note":")" + kNorwegian + R"("})";
    auto post = client.send(
        {"POST", srv.url("/echo"), {{"Content-Type", "application/fhir+json"}}, bundle});
    REQUIRE(post.ok());
    CHECK(post->status == 201);
    CHECK(post->body == bundle);
    CHECK(post->header("X-Seen-Content-Type") == "application/fhir+json");
    CHECK(post->header("X-Seen-Expect") == "no");

    // No Content-Type given: none is invented (curl would add a form type).
    auto bare = client.send({"POST", srv.url("/echo"), {}, std::string(5000, 'a')});
    REQUIRE(bare.ok());
    CHECK(bare->header("X-Seen-Content-Type") == "<none>");
    CHECK(bare->header("X-Seen-Expect") == "no");
    CHECK(bare->body.size() == 5000);

    auto put = client.send({"PUT", srv.url("/put"), {}, ""});
    REQUIRE(put.ok());
    CHECK(put->body == "PUT:0");
}

TEST_CASE("send is thread-safe", "[transport]") {
    TestServer srv;
    srv.svr.Get("/n", [](const httplib::Request& req, httplib::Response& res) {
        res.set_content(req.get_param_value("i"), "text/plain");
    });
    srv.start();
    const HttpClient client = make_client();
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const std::string id = std::to_string(t * 100 + i);
                auto r = client.send({"GET", srv.url("/n?i=" + id), {}, ""});
                if (r.ok() && r->status == 200 && r->body == id) ++good;
            }
        });
    for (auto& th : threads)
        th.join();
    CHECK(good == 40);
}

TEST_CASE("3xx is reported, never followed", "[transport]") {
    TestServer srv;
    std::atomic<int> followed{0};
    srv.svr.Get("/old", [](const httplib::Request&, httplib::Response& res) {
        res.set_redirect("/new", 302);
    });
    srv.svr.Get("/new", [&](const httplib::Request&, httplib::Response& res) {
        ++followed;
        res.set_content("moved here", "text/plain");
    });
    srv.start();
    const HttpClient client = make_client();
    auto r = client.send({"GET", srv.url("/old"), {}, ""});
    REQUIRE(r.ok());
    CHECK(r->status == 302);
    CHECK(r->header("Location") == "/new");
    CHECK(followed == 0);
    const Error e = error_from_response(*r);
    CHECK(e.code == "VFT-HTTP-0302");
    CHECK(!e.retryable);
    CHECK_THAT(e.message, Catch::Contains("not followed"));
}

TEST_CASE("503 with Retry-After twice, then 201: three attempts, waits as asked", "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    std::atomic<int> once_calls{0};
    srv.svr.Post("/bundle", [&](const httplib::Request&, httplib::Response& res) {
        const int n = ++calls;
        if (n <= 2) {
            res.status = 503;
            res.set_header("Retry-After", std::to_string(n));  // 1 s, then 2 s
            return;
        }
        res.status = 201;
    });
    srv.svr.Post("/once", [&](const httplib::Request&, httplib::Response& res) {
        ++once_calls;
        res.status = 503;
        res.set_header("Retry-After", "1");
    });
    srv.start();
    FakeSleep sleep;
    RetryPolicy policy;
    policy.sleep = sleep.fn();
    const RetryingClient client(make_client(), policy);

    auto r = client.send({"POST", srv.url("/bundle"), {}, "{}"}, true);
    REQUIRE(r.ok());
    CHECK(r->response.status == 201);
    CHECK(r->attempts == 3);
    CHECK(calls == 3);
    CHECK(*sleep.waits == std::vector<milliseconds>{1000ms, 2000ms});

    // Not idempotent: the 503 goes back to the caller after one attempt.
    sleep.waits->clear();
    auto once = client.send({"POST", srv.url("/once"), {}, "{}"}, false);
    REQUIRE(once.ok());
    CHECK(once->response.status == 503);
    CHECK(once->attempts == 1);
    CHECK(once_calls == 1);
    CHECK(sleep.waits->empty());
}

TEST_CASE("429 then 200 retries with jittered backoff", "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    srv.svr.Post("/_search", [&](const httplib::Request&, httplib::Response& res) {
        if (++calls == 1) {
            res.status = 429;
            return;
        }
        res.set_content(R"({"resourceType":"Bundle"})", "application/fhir+json");
    });
    srv.start();
    FakeSleep sleep;
    RetryPolicy policy;
    policy.sleep = sleep.fn();
    const RetryingClient client(make_client(), policy);
    auto r = client.send({"POST",
                          srv.url("/_search"),
                          {{"Content-Type", "application/x-www-form-urlencoded"}},
                          "identifier=13116900216"},
                         true);
    REQUIRE(r.ok());
    CHECK(r->response.status == 200);
    CHECK(r->attempts == 2);
    REQUIRE(sleep.waits->size() == 1);
    CHECK(sleep.waits->at(0) >= 160ms);
    CHECK(sleep.waits->at(0) <= 240ms);
}

TEST_CASE("400 with a VKP OperationOutcome is not retried and maps to VFT-VKP-0201",
          "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    srv.svr.Post("/bundle", [&](const httplib::Request&, httplib::Response& res) {
        ++calls;
        res.status = 400;
        res.set_content(R"({"resourceType":"OperationOutcome","issue":[{
            "severity":"error","code":"invalid",
            "details":{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090",
                                  "code":"2.1","display":"ugyldig personidentifikator"}],
                       "text":"Ugyldig fødselsnummer 12854812341"},
            "expression":["Bundle.entry[1].resource.subject"]}]})",
                        "application/fhir+json");
    });
    srv.start();
    FakeSleep sleep;
    RetryPolicy policy;
    policy.sleep = sleep.fn();
    const RetryingClient client(make_client(), policy);
    auto r = client.send({"POST", srv.url("/bundle"), {}, "{}"}, true);
    REQUIRE(r.ok());
    CHECK(r->attempts == 1);
    CHECK(calls == 1);
    CHECK(sleep.waits->empty());
    const Error e = error_from_response(r->response);
    CHECK(e.code == "VFT-VKP-0201");
    CHECK(e.http_status == 400);
    CHECK(!e.retryable);
    CHECK_THAT(e.message, Catch::Contains("Ugyldig fødselsnummer *********41"));
    CHECK_THAT(e.message, !Catch::Contains("12854812341"));
    CHECK(e.location == "Bundle.entry[1].resource.subject");
    CHECK_THAT(e.hint, Catch::Contains("InvalidSsn"));
}

TEST_CASE("404 maps to VFT-HTTP-0404 and is not retried", "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    srv.svr.Post("/missing", [&](const httplib::Request&, httplib::Response& res) {
        ++calls;
        res.status = 404;
    });
    srv.start();
    FakeSleep sleep;
    RetryPolicy policy;
    policy.sleep = sleep.fn();
    const RetryingClient client(make_client(), policy);
    auto r = client.send({"POST", srv.url("/missing"), {}, "{}"}, true);
    REQUIRE(r.ok());
    CHECK(r->attempts == 1);
    CHECK(calls == 1);
    const Error e = error_from_response(r->response);
    CHECK(e.code == "VFT-HTTP-0404");
    CHECK(!e.retryable);
    CHECK_THAT(e.hint, Catch::Contains("base URL"));
}

TEST_CASE("connection refused is VFT-NET-1001, retried until max_attempts", "[transport]") {
    RefusingPort closed;
    const std::string url = "http://127.0.0.1:" + std::to_string(closed.port) + "/bundle";
    const HttpClient http = make_client();

    auto direct = http.send({"GET", url, {}, ""});
    REQUIRE(!direct.ok());
    CHECK(direct.error().code == errc::net_connect);
    CHECK(direct.error().retryable);

    for (bool idempotent : {true, false}) {  // nothing left the client: safe either way
        FakeSleep sleep;
        RetryPolicy policy;
        policy.max_attempts = 4;
        policy.sleep = sleep.fn();
        const RetryingClient client(http, policy);
        auto r = client.send({"POST", url, {}, "{}"}, idempotent);
        REQUIRE(!r.ok());
        CHECK(r.error().code == errc::net_connect);
        CHECK_THAT(r.error().message, Catch::Contains("after 4 attempts"));
        REQUIRE(sleep.waits->size() == 3);
        CHECK(sleep.waits->at(0) < sleep.waits->at(2));  // 200 ±20 % < 800 ±20 %
    }
}

TEST_CASE("empty reply is VFT-NET-1005, retryable", "[transport]") {
    SilentCloser server;
    auto r = make_client().send(
        {"GET", "http://127.0.0.1:" + std::to_string(server.port) + "/x", {}, ""});
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::net_reset);
    CHECK(r.error().retryable);
}

TEST_CASE("a stalled exchange times out with VFT-NET-1002 and is not resent without a key",
          "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    srv.svr.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
        ++calls;
        srv.block();
        res.status = 201;
    });
    srv.start();
    HttpOptions options;
    options.total_timeout = 200ms;
    const HttpClient http = make_client(options);

    const auto started = std::chrono::steady_clock::now();
    auto r = http.send({"POST", srv.url("/slow"), {}, "{}"});
    REQUIRE(!r.ok());
    CHECK(r.error().code == errc::net_timeout);
    CHECK(r.error().retryable);
    CHECK(std::chrono::steady_clock::now() - started < 3s);

    // The request reached the server: without an idempotency key it must not go again.
    FakeSleep sleep;
    RetryPolicy policy;
    policy.sleep = sleep.fn();
    auto once = RetryingClient(http, policy).send({"POST", srv.url("/slow"), {}, "{}"}, false);
    REQUIRE(!once.ok());
    CHECK(once.error().code == errc::net_timeout);
    CHECK(sleep.waits->empty());
    CHECK(calls == 2);
}

TEST_CASE("the overall deadline ends the call with VFT-NET-1006", "[transport]") {
    TestServer srv;
    srv.svr.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
        srv.block();
        res.status = 201;
    });
    std::atomic<int> busy_calls{0};
    srv.svr.Post("/busy", [&](const httplib::Request& req, httplib::Response& res) {
        ++busy_calls;
        res.status = 503;
        res.set_header("Retry-After", req.get_header_value("X-Wait"));
    });
    srv.start();
    const HttpClient http = make_client();  // total_timeout 30 s: the deadline must cut it

    SECTION("an attempt's timeout is cut to the time left") {
        RetryPolicy policy;
        policy.deadline = 300ms;
        const auto started = std::chrono::steady_clock::now();
        auto r = RetryingClient(http, policy).send({"POST", srv.url("/slow"), {}, "{}"}, true);
        REQUIRE(!r.ok());
        CHECK(r.error().code == errc::net_deadline);
        CHECK(!r.error().retryable);
        CHECK_THAT(r.error().message, Catch::Contains("VFT-NET-1002"));
        CHECK(std::chrono::steady_clock::now() - started < 3s);
    }
    SECTION("a wait that would cross the deadline is not started") {
        FakeSleep sleep;
        RetryPolicy policy;
        policy.deadline = 5000ms;
        policy.sleep = sleep.fn();
        auto r = RetryingClient(http, policy)
                     .send({"POST", srv.url("/busy"), {{"X-Wait", "10"}}, "{}"}, true);
        REQUIRE(!r.ok());
        CHECK(r.error().code == errc::net_deadline);
        CHECK(r.error().http_status == 503);
        CHECK_THAT(r.error().message, Catch::Contains("VFT-HTTP-0503"));
        CHECK_THAT(r.error().message, Catch::Contains("after 1 attempt"));
        CHECK(sleep.waits->empty());
        CHECK(busy_calls == 1);
    }
    SECTION("(fake) waits count toward the deadline") {
        FakeSleep sleep;
        RetryPolicy policy;
        policy.deadline = 2500ms;
        policy.max_attempts = 10;
        policy.sleep = sleep.fn();
        auto r = RetryingClient(http, policy)
                     .send({"POST", srv.url("/busy"), {{"X-Wait", "1"}}, "{}"}, true);
        REQUIRE(!r.ok());
        CHECK(r.error().code == errc::net_deadline);
        CHECK(*sleep.waits == std::vector<milliseconds>{1000ms, 1000ms});
        CHECK(busy_calls == 3);
    }
}

TEST_CASE("max_response_bytes is enforced", "[transport]") {
    TestServer srv;
    srv.svr.Get("/sized", [](const httplib::Request& req, httplib::Response& res) {
        res.set_content(std::string(std::stoul(req.get_param_value("n")), 'x'), "text/plain");
    });
    srv.svr.Get("/chunked", [](const httplib::Request&, httplib::Response& res) {
        res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
            if (offset >= 1000) {
                sink.done();
                return true;
            }
            const std::string chunk(100, 'y');
            sink.write(chunk.data(), chunk.size());
            return true;
        });
    });
    srv.start();
    HttpOptions options;
    options.max_response_bytes = 100;
    const HttpClient client = make_client(options);

    auto at_limit = client.send({"GET", srv.url("/sized?n=100"), {}, ""});
    REQUIRE(at_limit.ok());
    CHECK(at_limit->body.size() == 100);

    for (const char* path : {"/sized?n=1000", "/chunked"}) {
        auto r = client.send({"GET", srv.url(path), {}, ""});
        REQUIRE(!r.ok());
        CHECK(r.error().code == errc::net_too_large);
        CHECK(!r.error().retryable);
        CHECK_THAT(r.error().message, Catch::Contains("max_response_bytes"));
    }
    // The client still works after refusing a response.
    CHECK(client.send({"GET", srv.url("/sized?n=10"), {}, ""}).ok());
}

TEST_CASE("the log sink sees allow-listed headers only, and person numbers masked", "[transport]") {
    TestServer srv;
    srv.svr.Post(R"(/epj/r4/314159265/patient/(\d+)/_search)",
                 [](const httplib::Request&, httplib::Response& res) {
                     res.set_header("Set-Cookie", "srv=srv-cookie-secret");
                     res.set_header("X-Request-Id", "req-42");
                     res.set_header("Location", "/patient/12854812341");
                     res.set_content("{}", "application/fhir+json");
                 });
    srv.start();
    std::vector<LogRecord> records;
    HttpOptions options;
    options.log = [&](const LogRecord& r) { records.push_back(r); };
    const HttpClient client = make_client(options);
    auto r = client.send({"POST",
                          srv.url("/epj/r4/314159265/patient/12854812341/_search?"
                                  "identifier=urn:oid:2.16.578.1.12.4.1.4.1%7C12854812341&"
                                  "access_token=tok-in-url"),
                          {{"Authorization", "Bearer secret-token-123"},
                           {"DPoP", "proof.jwt.value"},
                           {"Cookie", "session=cookie-secret"},
                           {"X-Api-Key", "key-secret"},
                           {"Content-Type", "application/x-www-form-urlencoded"},
                           {"ServiceCodes", "TA,GPS"}},
                          "identifier=12854812341"});
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    REQUIRE(records.size() == 1);  // one line per exchange

    std::string all = records[0].message;
    for (const auto& [k, v] : records[0].fields)
        all += "\n" + k + "=" + v;
    for (const char* secret : {"secret-token-123", "proof.jwt.value", "cookie-secret", "key-secret",
                               "tok-in-url", "12854812341", "Authorization", "DPoP", "Set-Cookie"})
        CHECK_THAT(all, !Catch::Contains(secret));
    CHECK_THAT(all, Catch::Contains("/patient/*********41/_search"));
    CHECK_THAT(all, Catch::Contains("%7C*********41"));
    CHECK_THAT(all, Catch::Contains("access_token=***"));
    CHECK_THAT(all, Catch::Contains("request.ServiceCodes=TA,GPS"));
    CHECK_THAT(all, Catch::Contains("response.X-Request-Id=req-42"));
    CHECK_THAT(all, Catch::Contains("response.Location=/patient/*********41"));
    CHECK_THAT(all, Catch::Contains("status=200"));
    CHECK_THAT(all, Catch::Contains("attempt=1"));
    CHECK_THAT(all, Catch::Contains("method=POST"));

    CHECK(is_loggable_header("content-type"));
    CHECK(!is_loggable_header("Authorization"));
    CHECK(redact_for_log("https://user:pw@host/x?api_key=1&a=2") ==
          "https://host/x?api_key=***&a=2");
}

TEST_CASE("retry attempts are numbered in the log", "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    srv.svr.Get("/flaky", [&](const httplib::Request&, httplib::Response& res) {
        res.status = ++calls < 3 ? 502 : 200;
    });
    srv.start();
    std::vector<std::string> attempts;
    HttpOptions options;
    options.log = [&](const LogRecord& r) {
        for (const auto& [k, v] : r.fields)
            if (k == "attempt" && r.level != LogLevel::debug) attempts.push_back(v);
    };
    FakeSleep sleep;
    RetryPolicy policy;
    policy.sleep = sleep.fn();
    auto r =
        RetryingClient(make_client(options), policy).send({"GET", srv.url("/flaky"), {}, ""}, true);
    REQUIRE(r.ok());
    CHECK(r->attempts == 3);
    CHECK(attempts == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("requests that cannot be sent are refused before the wire", "[transport]") {
    TestServer srv;
    std::atomic<int> calls{0};
    srv.svr.Get("/x", [&](const httplib::Request&, httplib::Response&) { ++calls; });
    srv.start();
    const HttpClient client = make_client();
    auto injected = client.send({"GET", srv.url("/x"), {{"X-A", "v\r\nX-Injected: 1"}}, ""});
    REQUIRE(!injected.ok());
    CHECK(injected.error().code == errc::net_unsendable);
    CHECK(!injected.error().retryable);
    CHECK(!client.send({"GE T", srv.url("/x"), {}, ""}).ok());
    CHECK(!client.send({"GET", "ftp://127.0.0.1/x", {}, ""}).ok());
    CHECK(calls == 0);

    HttpOptions bad_ca;
    bad_ca.ca_file = "/does/not/exist.pem";
    auto created = HttpClient::create(bad_ca);
    REQUIRE(!created.ok());
    CHECK(created.error().code == errc::io_read);
}

TEST_CASE("parse_retry_after reads delay-seconds and all three HTTP-date forms", "[transport]") {
    using namespace std::chrono;
    const auto now = sys_days{1994y / November / 6} + 8h + 49min + 30s;
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == 7000ms);   // IMF-fixdate
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now) == 7000ms);  // RFC 850
    CHECK(parse_retry_after("Sun Nov  6 08:49:37 1994", now) == 7000ms);        // asctime
    CHECK(parse_retry_after("Mon, 07 Nov 1994 08:49:30 GMT", now) == 86400000ms);
    CHECK(parse_retry_after("120", now) == 120000ms);
    CHECK(parse_retry_after(" 5 ", now) == 5000ms);
    CHECK(parse_retry_after("0", now) == 0ms);
    CHECK(parse_retry_after("99999999999999999999", now) == milliseconds(1'000'000'000'000LL));

    for (const char* bad :
         {"", "-5", "1.5", "soon", "5s", "Sun, 06 Nov 1994 08:49:37 PST",
          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
          "Sun, 06 Nov 1994 08:49:37 GMT trailing", "Sun, 6 Nov 1994 08:49:37 GMT",
          "Sun, 06 Nov 1994 08:49:29 GMT" /* past */, "Sun, 06 Nov 1994 08:49:30 GMT" /* now */})
        CHECK_FALSE(parse_retry_after(bad, now).has_value());

    // RFC 850 two-digit years: more than 50 years ahead means the previous century.
    const auto y2026 = sys_days{2026y / January / 1};
    CHECK(parse_retry_after("Wednesday, 01-Jan-76 00:00:00 GMT", y2026).has_value());     // 2076
    CHECK_FALSE(parse_retry_after("Friday, 01-Jan-77 00:00:00 GMT", y2026).has_value());  // 1977
}

TEST_CASE("backoff grows exponentially within the jitter and is clamped", "[transport]") {
    RetryPolicy policy;  // 200 ms, x2, ±20 %, cap 30 s
    milliseconds lowest = 1h, highest = 0ms;
    for (uint64_t seed = 0; seed < 500; ++seed) {
        for (int attempt = 1; attempt <= 6; ++attempt) {
            const double base = 200.0 * (1 << (attempt - 1));
            const auto d = backoff_for(policy, attempt, std::nullopt, seed);
            CHECK(d.count() >= static_cast<long long>(base * 0.8) - 1);
            CHECK(d.count() <= static_cast<long long>(base * 1.2) + 1);
        }
        const auto first = backoff_for(policy, 1, std::nullopt, seed);
        lowest = std::min(lowest, first);
        highest = std::max(highest, first);
        const auto late = backoff_for(policy, 40, std::nullopt, seed);
        CHECK(late <= 30000ms);
        CHECK(late >= 24000ms);
        CHECK(backoff_for(policy, 3, std::nullopt, seed) ==
              backoff_for(policy, 3, std::nullopt, seed));  // deterministic per seed
    }
    CHECK(lowest < 170ms);  // the jitter really spreads
    CHECK(highest > 230ms);

    policy.jitter = 0;
    CHECK(backoff_for(policy, 1, std::nullopt, 7) == 200ms);
    CHECK(backoff_for(policy, 3, std::nullopt, 7) == 800ms);
    CHECK(backoff_for(policy, 1000, std::nullopt, 7) == 30000ms);
    // Retry-After wins over the computed backoff, without jitter, clamped to max_retry_after.
    CHECK(backoff_for(policy, 1, 5000ms, 7) == 5000ms);
    CHECK(backoff_for(policy, 1, 10min, 7) == 120000ms);
}

TEST_CASE("retryable_status: 408, 425, 429 and transient 5xx only", "[transport]") {
    for (int s : {408, 425, 429, 500, 502, 503, 504, 507, 520})
        CHECK(retryable_status(s));
    for (int s : {200, 201, 202, 302, 400, 401, 403, 404, 409, 413, 415, 422, 501, 505, 511})
        CHECK_FALSE(retryable_status(s));
}

TEST_CASE("error_from_response distinguishes statuses and reads OperationOutcomes", "[transport]") {
    auto err = [](int status, std::string body = {}) {
        HttpResponse r;
        r.status = status;
        r.body = std::move(body);
        return error_from_response(r);
    };
    CHECK(err(401).code == "VFT-HTTP-0401");
    CHECK_THAT(err(401).hint, Catch::Contains("token"));
    CHECK_THAT(err(403).hint, Catch::Contains("scope"));
    CHECK_THAT(err(409).message, Catch::Contains("conflict"));
    CHECK_THAT(err(413).message, Catch::Contains("body over the receiver's limit"));
    CHECK_THAT(err(415).hint, Catch::Contains("Content-Type must be application/fhir+json"));
    CHECK_THAT(err(429).hint, Catch::Contains("Retry-After"));
    for (int s : {408, 429, 500, 503}) {
        CHECK(err(s).retryable);
        CHECK(err(s).http_status == s);
    }
    for (int s : {400, 401, 403, 404, 409, 413, 415})
        CHECK_FALSE(err(s).retryable);

    const std::string vkp13 = R"({"resourceType":"OperationOutcome","issue":[
        {"severity":"warning","code":"informational","diagnostics":"first, not VKP"},
        {"severity":"error","code":"forbidden","details":{"coding":[{
          "system":"http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090","code":"1.3"}],
          "text":"Ikke oppfylt tjenstlig behov"}}]})";
    const Error e13 = err(403, vkp13);
    CHECK(e13.code == "VFT-VKP-0103");
    CHECK_THAT(e13.message, Catch::StartsWith("Ikke oppfylt tjenstlig behov"));
    CHECK_THAT(e13.message, Catch::Contains("first, not VKP"));
    CHECK_THAT(e13.hint, Catch::Contains("ServiceCodes"));

    const Error plain = err(400, R"({"resourceType":"OperationOutcome","issue":[
        {"severity":"error","code":"structure","diagnostics":"Bundle.type is required"}]})");
    CHECK(plain.code == "VFT-HTTP-0400");
    CHECK_THAT(plain.message, Catch::Contains("Bundle.type is required"));

    CHECK(err(400, "{not json").code == "VFT-HTTP-0400");
    CHECK(err(400, R"({"resourceType":"Patient"})").code == "VFT-HTTP-0400");
    CHECK(err(500, "<html>oops</html>").code == "VFT-HTTP-0500");
    // A VKP code on a 5xx keeps the status's retryability.
    const Error timed_out = err(504, R"({"resourceType":"OperationOutcome","issue":[{
        "severity":"error","code":"timeout","details":{"coding":[{
        "system":"http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090","code":"3.1"}]}}]})");
    CHECK(timed_out.code == "VFT-VKP-0301");
    CHECK(timed_out.retryable);
}
