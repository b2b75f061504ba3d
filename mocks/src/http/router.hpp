// Routes a complete request to its handler without any socket: method + regex pattern →
// handler (captures in Request::matches), a pre-routing hook that may answer first, an error
// hook for every answer of 400 or more, and a post-routing hook that sees the final answer. The
// order is cpp-httplib's, which the mocks were written against. Server feeds it requests it has
// read whole; the fuzz target (tests/fuzz/fuzz_receiver_router.cpp) feeds it bytes.
//
// Thread safety: configure before serving; handle() may then run on many threads at once.
#pragma once

#include <functional>
#include <regex>
#include <string>
#include <type_traits>
#include <vector>

#include "message.hpp"

namespace vft::detail::http {

class Router {
  public:
    enum class HandlerResponse { Handled, Unhandled };
    static constexpr size_t kMaxPathBytes = 4096;  // longer paths get 414 before routing
    using Handler = std::function<void(const Request&, Response&)>;
    using HandlerWithResponse = std::function<HandlerResponse(const Request&, Response&)>;

    Router& Get(const std::string& pattern, Handler h) { return route("GET", pattern, h); }
    Router& Post(const std::string& pattern, Handler h) { return route("POST", pattern, h); }
    Router& Put(const std::string& pattern, Handler h) { return route("PUT", pattern, h); }
    Router& Delete(const std::string& pattern, Handler h) { return route("DELETE", pattern, h); }
    Router& Patch(const std::string& pattern, Handler h) { return route("PATCH", pattern, h); }
    Router& route(const std::string& method, const std::string& pattern, Handler h);

    void set_pre_routing_handler(HandlerWithResponse h) { pre_ = std::move(h); }
    void set_post_routing_handler(Handler h) { post_ = std::move(h); }
    // The error hook may return HandlerResponse or nothing.
    template <class F>
    void set_error_handler(F h) {
        if constexpr (std::is_void_v<std::invoke_result_t<F&, const Request&, Response&>>)
            error_ = [h = std::move(h)](const Request& req, Response& res) {
                h(req, res);
                return HandlerResponse::Handled;
            };
        else
            error_ = std::move(h);
    }
    // A handler or hook that throws is answered 500 (the message is not sent).

    // Pre-routing hook, route, default status, error hook (status >= 400), post-routing hook.
    // When the handler leaves its answer for later (Response::later), the answer returned has
    // only `later` set; the error and post-routing hooks run when the handler's Later finishes.
    [[nodiscard]] Response handle(Request req) const;
    // The answer the engine gives a request it refuses before routing (413, 431, 400 ...): the
    // error hook's body, or none. The request carries method, target and headers, no body.
    [[nodiscard]] Response refusal(const Request& req, int status) const;

  private:
    struct Route {
        std::string method;
        std::regex pattern;
        Handler handler;
        std::string prefix;  // every path the pattern matches starts with this (a cheap pre-test)
    };
    void dispatch(Request& req, Response& res) const;
    void tail(const Request& req, Response& res) const;  // the error and post-routing hooks
    [[nodiscard]] Response finish_later(Request req, Response res) const;

    std::vector<Route> routes_;
    HandlerWithResponse pre_;
    Handler post_;
    HandlerWithResponse error_;
};

}  // namespace vft::detail::http
