#include "router.hpp"

#include <exception>

namespace vft::detail::http {

namespace {

// The literal text every match of `pattern` (ECMAScript, matched whole) starts with: the
// characters before the first special one, less the last if a quantifier may drop it; nothing
// when the pattern has an alternative at its top level. Only used to skip a regex that cannot
// match, so erring short is safe.
std::string literal_prefix(const std::string& pattern) {
    int depth = 0;
    bool in_class = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            ++i;
        } else if (in_class) {
            in_class = c != ']';
        } else if (c == '[') {
            in_class = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (c == '|' && depth == 0) {
            return {};
        }
    }
    static const std::string special = "\\^$.|?*+()[]{}";
    size_t n = 0;
    while (n < pattern.size() && special.find(pattern[n]) == std::string::npos)
        ++n;
    if (n > 0 && n < pattern.size() &&
        (pattern[n] == '?' || pattern[n] == '*' || pattern[n] == '{'))
        --n;
    return pattern.substr(0, n);
}

}  // namespace

Router& Router::route(const std::string& method, const std::string& pattern, Handler h) {
    routes_.push_back({method, std::regex(pattern), std::move(h), literal_prefix(pattern)});
    return *this;
}

void Router::dispatch(Request& req, Response& res) const {
    if (pre_ && pre_(req, res) == HandlerResponse::Handled) {
        if (res.status == -1) res.status = 200;
        return;
    }
    // std::regex recurses per character: a very long path must not exhaust the stack.
    if (req.path.size() > kMaxPathBytes) {
        res.status = 414;
        return;
    }
    // HEAD is answered by the GET route (the engine sends no body).
    const std::string method = req.method == "HEAD" ? std::string("GET") : req.method;
    for (const auto& r : routes_) {
        if (r.method != method || req.path.compare(0, r.prefix.size(), r.prefix) != 0) continue;
        if (std::regex_match(req.path, req.matches, r.pattern)) {
            r.handler(req, res);
            if (res.status == -1) res.status = 200;
            return;
        }
    }
    req.matches = std::smatch();
    if (res.status == -1) res.status = 404;
}

void Router::tail(const Request& req, Response& res) const {
    if (res.status >= 400 && error_) (void)error_(req, res);
    if (post_) post_(req, res);
}

Response Router::handle(Request req) const {
    Response res;
    try {
        dispatch(req, res);
        if (res.later) return finish_later(std::move(req), std::move(res));
        tail(req, res);
    } catch (const std::exception&) {
        res = Response();
        res.status = 500;
    }
    return res;
}

// The hooks run when the handler's answer is complete, on the thread that completes it; the
// request is kept for them without its body (they do not read it) and without the route's
// captures (they point into the moved path).
Response Router::finish_later(Request req, Response res) const {
    auto done = std::make_shared<Later>();
    const std::shared_ptr<Later> handler_later = std::move(res.later);  // leaves res.later empty
    req.body.clear();
    req.body.shrink_to_fit();
    req.matches = std::smatch();
    handler_later->then(
        [this, req = std::move(req), res = std::move(res), done](Later::Fill fill) mutable {
            try {
                if (fill) fill(res);  // dispatch() has already set the default status
                tail(req, res);
            } catch (const std::exception&) {
                res = Response();
                res.status = 500;
            }
            done->finish([res = std::move(res)](Response& out) mutable { out = std::move(res); });
        });
    Response out;
    out.later = std::move(done);
    return out;
}

Response Router::refusal(const Request& req, int status) const {
    Response res;
    res.status = status;
    try {
        if (error_) (void)error_(req, res);
    } catch (const std::exception&) {
        res.body.clear();
    }
    res.status = status;
    res.set_header("Connection", "close");
    return res;
}

}  // namespace vft::detail::http
