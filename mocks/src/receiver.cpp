// The reference receiver: the HTTP engine (docs/http-engine.md), the hooks every request
// passes (Host, injected faults, token checks, the error answers), and the routers of each API
// (routes_*.cpp) on one receiver core (receiver_core.hpp) that validates, journals once and
// answers. Named defects are typed (vft/mocks/defects.hpp) and branch beside the rule each one
// breaks; docs/mocks-defects.md (generated from mocks/src/defects.cpp) says where.
#include "vft/mocks/receiver.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "auth_check.hpp"
#include "faults.hpp"
#include "http/server.hpp"
#include "journal.hpp"
#include "receiver_core.hpp"
#include "receiver_router.hpp"
#include "vft/mocks/defects.hpp"

namespace vft::mocks {
namespace http = ::vft::detail::http;
using detail::json_string;
using detail::reply;
using detail::t_fault;
using detail::vkp_outcome;

struct Receiver::Impl {
    detail::ReceiverCore core;
    std::unique_ptr<detail::Faults> faults;
    std::unique_ptr<detail::AuthChecker> auth;  // null = --auth none
    http::Server server;

    Impl(ReceiverOptions o, std::unique_ptr<detail::Journal> j, Validator v)
        : core(std::move(o), std::move(j), std::move(v)) {}

    // Closes the connection before the response is complete.
    static void drop(http::Response& res) {
        res.status = 200;
        res.body.clear();
        res.drop();
    }

    // Sends the response body in pieces with a pause before each ("slow-body" fault).
    static void slow_body(http::Response& res, const detail::FaultRule& rule) {
        res.pace(rule.latency_ms, static_cast<size_t>(rule.chunk_bytes));
    }

    void routes() {
        http::ServerOptions http_options;
        // no-body-limit ignores --max-body; the mock itself still stops at 256 MiB.
        http_options.max_body_bytes = core.defects.has(Defect::no_body_limit)
                                          ? size_t{256} << 20
                                          : core.options.max_body_bytes;
        http_options.max_headers = core.options.http.max_headers;
        http_options.max_header_bytes = core.options.http.max_header_bytes;
        http_options.max_connections = core.options.http.max_connections;
        http_options.request_timeout_s = core.options.http.request_timeout_s;
        http_options.idle_timeout_s = core.options.http.idle_timeout_s;
        http_options.threads = core.options.threads;
        // On the event loop unless a handler may wait (docs/http-engine.md, "Where handlers
        // run"): injected faults sleep, two defects hold a write for its pair, token checks may
        // fetch the JWKS; an explicit --threads asks for workers.
        http_options.inline_handlers = core.options.threads == 0 && !faults && !auth &&
                                       !core.defects.has(Defect::lost_write_under_load) &&
                                       !core.defects.has(Defect::journals_concurrent_duplicates);
        // Then one event loop per core (at most 4): a loop reads, validates and answers, the
        // journal's commit thread commits what the loops queued (measured: 1 loop 15,700-16,700
        // writes/s at 16 connections, 2 loops 18,600; docs/http-engine.md "Fifth pass").
        if (http_options.inline_handlers)
            http_options.io_threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
        server.set_options(http_options);
        std::function<http::Server::HandlerResponse(const http::Request&, http::Response&)>
            fault_hook;
        if (faults) {
            fault_hook = ([this](const http::Request& req, http::Response& res) {
                t_fault = faults->fire(req.method, req.path);
                const auto& rule = t_fault;
                if (!rule) return http::Server::HandlerResponse::Unhandled;
                if (rule->action == "latency") {
                    std::this_thread::sleep_for(std::chrono::milliseconds(rule->latency_ms));
                    return http::Server::HandlerResponse::Unhandled;
                }
                if (rule->action == "status") {
                    // Answered before the body is read: the unread body would be parsed as the
                    // next request on a kept-alive connection (a 400 for the client's next
                    // message). Closing makes the client reconnect.
                    res.set_header("Connection", "close");
                    if (!rule->retry_after.empty())
                        res.set_header("Retry-After", rule->retry_after);
                    reply(res, rule->status,
                          vkp_outcome("3", "annen feil", "injected fault", "transient"));
                    return http::Server::HandlerResponse::Handled;
                }
                if (rule->action == "drop-after") {
                    res.set_header("X-Vft-Drop",
                                   "after");  // processed normally; the post-routing hook drops it
                    return http::Server::HandlerResponse::Unhandled;
                }
                if (rule->action == "drop-before") {
                    drop(res);  // nothing processed
                    return http::Server::HandlerResponse::Handled;
                }
                // slow-body, duplicate: processed normally, acted on by the handler (duplicate)
                // or after routing (slow-body).
                return http::Server::HandlerResponse::Unhandled;
            });
        }
        // Token checks (auth_check.hpp) come after the injected faults: a failing network or
        // proxy answers before the API sees the token.
        server.set_pre_routing_handler(
            [this, fault_hook](const http::Request& req, http::Response& res) {
                if (host_refused(req, res)) return http::Server::HandlerResponse::Handled;
                if (fault_hook && fault_hook(req, res) == http::Server::HandlerResponse::Handled)
                    return http::Server::HandlerResponse::Handled;
                return auth ? check_token(req, res) : http::Server::HandlerResponse::Unhandled;
            });
        server.set_post_routing_handler([this](const http::Request&, http::Response& res) {
            if (faults && res.get_header_value("X-Vft-Drop") == "after") return drop(res);
            if (res.status >= 400 && core.defects.has(Defect::no_operation_outcome)) {
                res.body.clear();
                res.headers.erase("Content-Type");
                res.headers.erase("Content-Length");  // httplib has set it for the old body
                res.set_header("Content-Length", "0");
            }
            // Last: it sends whatever body the answer ends up with.
            if (faults && t_fault && t_fault->action == "slow-body") slow_body(res, *t_fault);
        });
        // Also answers what the HTTP engine refuses before routing (docs/http-engine.md).
        server.set_error_handler([this](const http::Request&, http::Response& res) {
            if (!res.body.empty() || core.defects.has(Defect::no_operation_outcome)) return;
            struct Why {
                const char* vkp;
                const char* display;
                const char* text;
                const char* issue;
            };
            const Why why =
                res.status == 413
                    ? Why{"2.4", "ugyldig format", "the body is larger than this receiver accepts",
                          "too-costly"}
                : res.status == 404 ? Why{"3", "annen feil", "no such endpoint", "not-found"}
                : res.status == 431
                    ? Why{"3", "annen feil", "too many or too large request header fields",
                          "too-costly"}
                : res.status == 400 ? Why{"3", "annen feil",
                                          "malformed request (RFC 9112: two Content-Length, or "
                                          "Content-Length with Transfer-Encoding)",
                                          "structure"}
                : res.status == 503
                    ? Why{"3", "annen feil", "the receiver is stopping", "transient"}
                    : Why{"3", "annen feil", "request refused", "not-found"};
            reply(res, res.status, vkp_outcome(why.vkp, why.display, why.text, why.issue));
        });

        detail::add_vkp_routes(server, core);
        detail::add_jft_write_routes(server, core);
        detail::add_jft_read_routes(server, core);
        detail::add_kith_routes(server, core);
        detail::add_pmd_routes(server, core);

        // Test hook: what was journaled, with counts.
        server.Get("/_admin/journal", [this](const http::Request&, http::Response& res) {
            auto entries = core.journal->entries();
            if (!entries)
                return reply(res, 500,
                             vkp_outcome("3", "annen feil", entries.error().message, "exception"));
            std::string out = R"({"entries":[)";
            for (size_t i = 0; i < entries->size(); ++i) {
                const auto& e = (*entries)[i];
                out += (i ? "," : "") + std::string(R"({"api":)") + json_string(e.api) +
                       R"(,"identifier":)" + json_string(e.identifier) + R"(,"resource_type":)" +
                       json_string(e.resource_type) + R"(,"orgnr":)" + json_string(e.orgnr) +
                       R"(,"count":)" + std::to_string(e.count) + R"(,"received":)" +
                       json_string(e.received) + "}";
            }
            reply(res, 200, out + "]}", "application/json");
        });
    }

    // RFC 9112 §3.2: exactly one Host, and a valid one (valid_host: host[:port] only), else 400
    // and true. Answered before the body is read; the connection is closed. (A template only so
    // that it names no HTTP engine type.)
    template <typename Request, typename Response>
    bool host_refused(const Request& req, Response& res) {
        size_t count = 0;
        bool ok = true;
        for (const auto& [name, value] : req.headers)
            if (name.size() == 4 && (name[0] | 0x20) == 'h' && (name[1] | 0x20) == 'o' &&
                (name[2] | 0x20) == 's' && (name[3] | 0x20) == 't') {
                ++count;
                ok = ok && detail::valid_host(value);
            }
        if (count == 1 && ok) return false;
        res.set_header("Connection", "close");
        reply(res, 400,
              vkp_outcome("2.4", "ugyldig format",
                          count == 0  ? "the request has no Host header"
                          : count > 1 ? "the request has more than one Host header"
                                      : "the Host header is not host[:port]",
                          "invalid"));
        return true;
    }

    // A refused request is answered here, before its body is read; the connection is closed
    // so an unread body cannot be taken for the next request.
    http::Server::HandlerResponse check_token(const http::Request& req, http::Response& res) {
        const auto api = detail::api_of(req.path);
        if (!api) return http::Server::HandlerResponse::Unhandled;
        detail::AuthChecker::Headers headers(req.headers.begin(), req.headers.end());
        // The endpoint, the scope and the DPoP htu come from the routed path and this receiver's
        // own URL; the Host header (checked for its syntax in host_refused) is not used.
        const std::string public_url =
            core.options.public_url.empty() ? core.base_url : core.options.public_url;
        auto refusal = auth->check(req.method, req.path, public_url, headers, api->api, api->orgnr);
        if (!refusal) return http::Server::HandlerResponse::Unhandled;
        if (!refusal->www_authenticate.empty())
            res.set_header("WWW-Authenticate", refusal->www_authenticate);
        res.set_header("Connection", "close");
        reply(res, refusal->status, refusal->outcome);
        return http::Server::HandlerResponse::Handled;
    }
};

Receiver::Receiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Receiver::~Receiver() {
    stop();
}

Result<std::unique_ptr<Receiver>> Receiver::create(ReceiverOptions options) {
    auto defects = Defects::parse(options.defects);
    if (!defects) return defects.error();
    auto journal = detail::Journal::open(options.db_path);
    if (!journal) return journal.error();
    auto validator = Validator::create();
    if (!validator) return validator.error();
    auto epj = detail::builtin_epj();
    if (!epj) return epj.error();
    auto impl = std::make_unique<Impl>(std::move(options), std::move(journal).value(),
                                       std::move(validator).value());
    detail::ReceiverCore& core = impl->core;
    core.epj = std::move(epj).value();
    core.defects = std::move(defects).value();
    // journals-concurrent-duplicates: the journal's claim becomes a check-then-insert.
    if (core.defects.has(Defect::journals_concurrent_duplicates))
        core.journal->racy_claim(std::chrono::seconds(1));
    if (!core.options.faults_json.empty()) {
        auto faults = detail::Faults::parse(core.options.faults_json);
        if (!faults) return faults.error();
        impl->faults = std::move(faults).value();
    }
    if (!core.options.auth_url.empty()) {
        detail::AuthCheckerOptions a;
        a.token_service_url = core.options.auth_url;
        a.authz_json = core.options.authz_json;
        a.authz_label = core.options.authz_label;
        a.served_orgnrs = core.options.served_orgnrs;
        a.defects = core.options.defects;
        auto checker = detail::AuthChecker::create(std::move(a));
        if (!checker) return checker.error();
        impl->auth = std::move(checker).value();
    }
    impl->routes();
    return std::unique_ptr<Receiver>(new Receiver(std::move(impl)));
}

Result<std::string> Receiver::start() {
    Impl& i = *impl_;
    // Handlers on the event loop must not wait for their group commit: they answer later.
    i.core.answer_later = i.server.options().inline_handlers;
    std::string why;
    const int port = i.server.start(i.core.options.host, i.core.options.port, why);
    if (port <= 0)
        return Error{"VFT-MOCK-1202",
                     "cannot listen on " + i.core.options.host + ":" +
                         std::to_string(i.core.options.port) + " (" + why + ")",
                     {},
                     "is the port in use?",
                     0,
                     false};
    i.core.base_url = "http://" + i.core.options.host + ":" + std::to_string(port);
    return i.core.base_url;
}

void Receiver::stop() {
    if (!impl_) return;
    impl_->server.stop();
}

}  // namespace vft::mocks

// --- The routes without sockets (receiver_router.hpp) ---

namespace vft::mocks {

Result<std::unique_ptr<ReceiverRouter>> ReceiverRouter::create(ReceiverOptions options) {
    auto r = Receiver::create(std::move(options));
    if (!r) return r.error();
    auto out = std::unique_ptr<ReceiverRouter>(new ReceiverRouter());
    out->receiver_ = std::move(r).value();
    auto& core = out->receiver_->impl_->core;
    core.base_url = "http://" + core.options.host + ":0";
    return out;
}

http::Response ReceiverRouter::handle(http::Request req) const {
    return receiver_->impl_->server.handle(std::move(req));
}

}  // namespace vft::mocks
