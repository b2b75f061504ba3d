// The mocks' router and request/response types without sockets (mocks/src/http/): the order of
// the hooks the handlers rely on (also when an answer is completed later, on another thread),
// target decoding, and header hygiene.
#include <catch2/catch.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "../../mocks/src/http/router.hpp"
#include "http_later_support.hpp"

namespace http = vft::detail::http;

namespace {
http::Request request(const std::string& method, const std::string& target) {
    http::Request r;
    r.method = method;
    r.target = target;
    http::parse_target(target, r.path, r.params);
    return r;
}
}  // namespace

TEST_CASE("http router: pre-routing, route, error hook, post-routing, in that order", "[http]") {
    http::Router router;
    std::string trace;
    router.set_pre_routing_handler([&](const http::Request& req, http::Response& res) {
        trace += "pre,";
        if (req.path == "/stop") {
            res.status = 429;
            return http::Router::HandlerResponse::Handled;
        }
        return http::Router::HandlerResponse::Unhandled;
    });
    router.Post(R"(/items/([0-9]+))", [&](const http::Request& req, http::Response& res) {
        trace += "route " + std::string(req.matches[1]) + ",";
        res.set_content("ok", "text/plain");
    });
    router.set_error_handler([&](const http::Request&, http::Response& res) {
        trace += "error " + std::to_string(res.status) + ",";
    });
    router.set_post_routing_handler(
        [&](const http::Request&, http::Response&) { trace += "post"; });

    auto ok = router.handle(request("POST", "/items/42"));
    CHECK(ok.status == 200);  // not set by the handler: 200 once routed
    CHECK(ok.body == "ok");
    CHECK(ok.get_header_value("content-type") == "text/plain");
    CHECK(trace == "pre,route 42,post");

    trace.clear();
    CHECK(router.handle(request("POST", "/stop")).status == 429);
    CHECK(trace == "pre,error 429,post");

    trace.clear();
    CHECK(router.handle(request("GET", "/items/42")).status == 404);  // no GET route
    CHECK(trace == "pre,error 404,post");

    trace.clear();
    CHECK(router.handle(request("POST", "/" + std::string(5000, 'a'))).status == 414);
    CHECK(trace == "pre,error 414,post");
}

TEST_CASE("http router: HEAD uses the GET route; a throwing handler is 500", "[http]") {
    http::Router router;
    router.Get("/a", [](const http::Request&, http::Response& res) { res.status = 204; });
    router.Get("/boom", [](const http::Request&, http::Response&) {
        throw std::runtime_error("handler bug");
    });
    CHECK(router.handle(request("HEAD", "/a")).status == 204);
    const auto boom = router.handle(request("GET", "/boom"));
    CHECK(boom.status == 500);
    CHECK(boom.body.empty());  // the exception's text is not sent
}

TEST_CASE("http router: a refusal before routing gets the error hook's body and closes", "[http]") {
    http::Router router;
    router.set_error_handler([](const http::Request&, http::Response& res) {
        res.set_content("refused " + std::to_string(res.status), "text/plain");
    });
    const auto r = router.refusal(request("POST", "/x"), 413);
    CHECK(r.status == 413);
    CHECK(r.body == "refused 413");
    CHECK(r.get_header_value("Connection") == "close");
}

TEST_CASE("http message: target decoding, case-insensitive headers, no header injection",
          "[http]") {
    auto r = request("GET", "/v1/Bundle%20x?_count=5&q=a+b%2Bc&q=2&flag&bad=%zz");
    CHECK(r.path == "/v1/Bundle x");
    CHECK(r.get_param_value("_count") == "5");
    CHECK(r.get_param_value("q") == "a b+c");
    CHECK(r.get_param_value("q", 1) == "2");
    CHECK(r.has_param("flag"));
    CHECK(r.get_param_value("bad") == "%zz");  // not a %XX escape: kept as sent
    CHECK(request("GET", "/a%2").path == "/a%2");

    r.headers.emplace("Content-Length", "1");
    r.headers.emplace("content-length", "2");
    CHECK(r.get_header_value_count("CONTENT-LENGTH") == 2);
    CHECK(r.get_header_value("Content-Length", 1) == "2");
    CHECK(r.get_header_value("X-None").empty());

    http::Response res;
    res.set_header("X-A", "1");
    res.set_header("x-a", "2");  // replaces
    CHECK(res.get_header_value("X-A") == "2");
    res.set_header("X-B", "v\r\nSet-Cookie: evil");
    res.set_header("X-C\r\nEvil", "v");
    CHECK_FALSE(res.has_header("X-B"));
    CHECK(res.headers.size() == 1);
}

TEST_CASE("http router: an answer completed later gets the error and post-routing hooks then",
          "[http]") {
    http::Router router;
    std::string trace;
    std::shared_ptr<http::Later> left;
    bool finish_in_handler = false;
    router.Post("/write", [&](const http::Request&, http::Response& res) {
        trace += "route,";
        res.set_header("X-From-Handler", "kept");
        left = std::make_shared<http::Later>();
        res.later = left;
        if (finish_in_handler) finish_with(*left, 201, "early");
    });
    router.set_error_handler([&](const http::Request& req, http::Response& res) {
        trace += "error " + std::to_string(res.status) + " " + req.path + ",";
        res.set_content("problem", "text/plain");
    });
    router.set_post_routing_handler([&](const http::Request&, http::Response& res) {
        trace += "post " + std::to_string(res.status);
    });

    SECTION("finished on another thread after handle() returned") {
        http::Response out = router.handle(request("POST", "/write"));
        REQUIRE(out.later);
        CHECK(trace == "route,");  // the hooks wait for the answer
        http::Response got;
        out.later->then([&](http::Later::Fill fill) { fill(got); });
        std::thread([&] { finish_with(*left, 503, "busy"); }).join();
        CHECK(got.status == 503);
        CHECK(got.body == "problem");  // the error hook's body
        CHECK(got.get_header_value("X-From-Handler") == "kept");
        CHECK(trace == "route,error 503 /write,post 503");
    }
    SECTION("finished inside the handler, before anyone waits") {
        finish_in_handler = true;
        http::Response out = router.handle(request("POST", "/write"));
        REQUIRE(out.later);
        CHECK(trace == "route,post 201");  // ran at once: finish() came first
        http::Response got;
        out.later->then([&](http::Later::Fill fill) { fill(got); });
        CHECK(got.status == 201);
        CHECK(got.body == "early");
    }
}
