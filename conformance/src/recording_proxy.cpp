// The recording reverse proxy (recording_proxy.hpp).
#include "recording_proxy.hpp"

#include "proxy_faults.hpp"

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <thread>

#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::conformance::detail {
namespace {

using Clock = std::chrono::system_clock;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// What a JWT says, without its signature: {"header":{...},"claims":{...},"check":"..."}.
std::string jwt_facts(std::string_view jwt, const std::string& check) {
    auto header = auth::jwt_header(jwt);
    auto payload = auth::jwt_payload(jwt);
    return std::string(R"({"header":)") + (header ? *header : "null") + R"(,"claims":)" +
           (payload ? *payload : "null") + R"(,"check":)" + json_string(check) + "}";
}

// Authorization: "<scheme> <token>" → "[redacted] {"scheme":..,"header":..,"claims":..}".
std::string redact_authorization(std::string_view value) {
    const auto sp = value.find(' ');
    const std::string scheme(value.substr(0, sp == std::string_view::npos ? 0 : sp));
    const std::string_view token =
        sp == std::string_view::npos ? std::string_view{} : value.substr(sp + 1);
    std::string facts = jwt_facts(token, "not checked by the recorder");
    facts.insert(1, R"("scheme":)" + json_string(scheme) + ",");
    return "[redacted] " + facts;
}

std::string token_of(std::string_view authorization) {
    const auto sp = authorization.find(' ');
    return sp == std::string_view::npos ? std::string() : std::string(authorization.substr(sp + 1));
}

// A DPoP proof, checked where it arrived (htm, htu as the SUT addressed it, ath, signature, iat)
// and recorded as its facts; reuse is judged by the tests from the recorded jti values.
std::string redact_dpop(std::string_view proof, const std::string& method, const std::string& url,
                        const std::string& access_token) {
    auth::DpopExpect expect;
    expect.htm = method;
    expect.htu = url;
    expect.access_token = access_token;
    auto verified = auth::verify_dpop_proof(proof, expect);
    return "[redacted] " +
           jwt_facts(proof,
                     verified ? "ok" : verified.error().code + " " + verified.error().message);
}

std::string form_value(std::string_view body, std::string_view name) {
    size_t at = 0;
    while (at <= body.size()) {
        const size_t amp = std::min(body.find('&', at), body.size());
        const std::string_view pair = body.substr(at, amp - at);
        const size_t eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name)
            return httplib::detail::decode_url(std::string(pair.substr(eq + 1)), true);
        at = amp + 1;
    }
    return {};
}

std::string replace_form_value(const std::string& body, std::string_view name,
                               std::string_view with) {
    const std::string key = std::string(name) + "=";
    size_t at = 0;
    while ((at = body.find(key, at)) != std::string::npos) {
        if (at == 0 || body[at - 1] == '&') {
            const size_t end = std::min(body.find('&', at), body.size());
            return body.substr(0, at + key.size()) + std::string(with) + body.substr(end);
        }
        at += key.size();
    }
    return body;
}

// "access_token":"..." in a token response → "[redacted]".
std::string redact_token_response(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    if (d.HasParseError() || !d.IsObject()) return body;
    for (auto& m : d.GetObject()) {
        const std::string name = m.name.GetString();
        if (name == "access_token" || name == "refresh_token" || name == "id_token")
            m.value.SetString("[redacted]", d.GetAllocator());
    }
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    d.Accept(w);
    return b.GetString();
}

// ---- the recording reverse proxy ------------------------------------------------------------

// Forwards every request to `upstream` and records it as the SUT sent it. A connection the
// upstream dropped is dropped towards the SUT too, so faults reach the SUT unchanged.
class Proxy {
  public:
    // `secrets`: where every credential passing through is remembered (tokens the runner's
    // token service issues, the SUT's assertions and proofs), so finish() scrubs any echo.
    Proxy(std::string kind, std::mutex& mu, std::vector<reports::Exchange>& out, Secrets& secrets)
        : kind_(std::move(kind)), mu_(mu), out_(out), secrets_(secrets) {}
    ~Proxy() { stop(); }

    Result<std::string> start(const std::string& host, int fixed_port) {
        configure(*server_);
        const int port = fixed_port > 0
                             ? (server_->bind_to_port(host, fixed_port) ? fixed_port : -1)
                             : server_->bind_to_any_port(host);
        if (port <= 0)
            return Error{
                std::string(errc::mock_listen),
                "the recording proxy cannot bind",
                host + (fixed_port > 0 ? ":" + std::to_string(fixed_port) : ""),
                fixed_port > 0 ? "is the port free and the address one of this machine's?" : "",
                0,
                true};
        base_ = "http://" + host + ":" + std::to_string(port);
        listen_host_ = host;
        listen_port_ = port;
        thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
        wait_running();
        return base_;
    }
    // The runner's own faults for this proxy (proxy_faults.hpp); not owned.
    void set_faults(ProxyFaults* faults) { faults_ = faults; }
    void set_recorded_signal(std::condition_variable* signal) { recorded_signal_ = signal; }
    // A "restart" fault holds an answer: true once one is held; release() lets it go (dropped).
    bool held() {
        std::lock_guard lock(hold_mu_);
        return held_;
    }
    void release() {
        std::lock_guard lock(hold_mu_);
        released_ = true;
        hold_cv_.notify_all();
    }
    void set_upstream(const std::string& host, int port) {
        host_ = host;
        port_ = port;
    }
    void stop() {
        release();
        {
            std::lock_guard lock(hold_mu_);
            stopping_ = true;
        }
        hold_cv_.notify_all();
        // A request handled right now may be starting an outage: take the thread under the lock
        // begin_outage() holds (it starts none once stopping_ is set) and join it without the
        // lock, as the outage thread waits for the request handlers to finish.
        std::thread outage;
        {
            std::lock_guard lock(outage_mu_);
            outage = std::move(outage_);
        }
        if (outage.joinable()) outage.join();
        if (thread_.joinable()) {
            server_->stop();
            thread_.join();
        }
    }
    const std::string& base() const { return base_; }

  private:
    void configure(httplib::Server& server) {
        server.set_tcp_nodelay(true);
        server.new_task_queue = [] { return new httplib::ThreadPool(4); };
        server.set_payload_max_length(64u << 20);
        auto handler = [this](const httplib::Request& req, httplib::Response& res) {
            forward(req, res);
        };
        server.Get(".*", handler);
        server.Post(".*", handler);
        server.Put(".*", handler);
        server.Delete(".*", handler);
        server.Patch(".*", handler);
    }

    // Until the accept loop runs: httplib's stop() does nothing to a server whose loop has not
    // started yet, so a stop() right after start (or after an outage) would wait for ever.
    void wait_running() {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!server_->is_running() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    // The connection closes without an answer: the content provider fails.
    static void drop(httplib::Response& res) {
        res.headers.clear();
        res.body.clear();
        res.status = 200;
        res.set_content_provider(
            1024, "application/fhir+json", [](size_t, size_t, httplib::DataSink&) { return false; },
            nullptr);
    }

    // An outage: the listening socket is closed (connections are refused), and after `ms` a new
    // server listens on the same port. One at a time.
    void begin_outage(int ms) {
        std::lock_guard lock(outage_mu_);
        if (outage_.joinable()) return;
        {
            std::lock_guard hold(hold_mu_);
            if (stopping_) return;
        }
        outage_ = std::thread([this, ms] {
            server_->stop();
            if (thread_.joinable()) thread_.join();
            {
                std::unique_lock lock(hold_mu_);
                hold_cv_.wait_for(lock, std::chrono::milliseconds(ms),
                                  [this] { return stopping_; });
                if (stopping_) return;  // the proxy is being stopped: the port stays closed
            }
            auto next = std::make_unique<httplib::Server>();
            configure(*next);
            // The port was ours a moment ago; another process taking it in between is the only
            // way this fails, and then the test sees nothing more arrive (and says so).
            bool bound = false;
            for (int i = 0; i < 40 && !(bound = next->bind_to_port(listen_host_, listen_port_));
                 ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (!bound) {
                // Evidence for the reader of the report: the harness, not the product, is why
                // nothing more arrived (the tests judge only endpoint and token exchanges).
                reports::Exchange x;
                x.direction = "outbound";
                x.method = "LISTEN";
                x.url = base_;
                x.note = "runner: endpoint outage";
                x.started = rfc3339_ms(Clock::now());
                x.error =
                    "the runner could not listen on its port again after the outage: "
                    "another process took it (a harness problem, not the product's)";
                return record(std::move(x));
            }
            server_ = std::move(next);
            thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
            wait_running();
        });
    }

    void record(reports::Exchange x) {
        {
            std::lock_guard lock(mu_);
            out_.push_back(std::move(x));
        }
        if (recorded_signal_) recorded_signal_->notify_all();
    }
    void forward(const httplib::Request& req, httplib::Response& res) {
        reports::Exchange x;
        x.direction = "inbound";
        x.method = req.method;
        x.url = base_ + req.target;
        x.note = kind_;
        const auto t0 = Clock::now();
        x.started = rfc3339_ms(t0);
        const std::string authorization = req.get_header_value("Authorization");
        for (const auto& [name, value] : req.headers)
            if (iequals(name, "Authorization") || iequals(name, "DPoP") ||
                iequals(name, "Cookie") || iequals(name, "Proxy-Authorization"))
                secrets_.add(value);
        for (const auto& [name, value] : req.headers) {
            if (iequals(name, "Authorization"))
                x.request_headers.push_back({name, redact_authorization(value)});
            else if (iequals(name, "DPoP"))
                x.request_headers.push_back(
                    {name, redact_dpop(value, req.method, x.url, token_of(authorization))});
            else if (iequals(name, "Cookie") || iequals(name, "Proxy-Authorization"))
                x.request_headers.push_back({name, "[redacted]"});
            else if (!iequals(name, "REMOTE_ADDR") && !iequals(name, "REMOTE_PORT") &&
                     !iequals(name, "LOCAL_ADDR") && !iequals(name, "LOCAL_PORT"))
                x.request_headers.push_back({name, value});
        }
        x.request_body = req.body;
        const std::string assertion = form_value(req.body, "client_assertion");
        if (!assertion.empty()) {
            secrets_.add(assertion);
            x.request_body = replace_form_value(req.body, "client_assertion", "[redacted]");
            x.request_headers.push_back(
                {"X-Vft-Recorded-Client-Assertion",
                 "[redacted] " +
                     jwt_facts(assertion, "checked by the token service: see its answer")});
        }

        const auto fault =
            faults_ ? faults_->fire(req.method, req.path) : std::optional<ProxyFault>{};
        if (fault && fault->action == "invalid-token") {
            // RFC 6750 §3.1 / RFC 9449 §7.1: the token was refused; the scheme is the request's.
            const std::string scheme = authorization.rfind("DPoP ", 0) == 0 ? "DPoP" : "Bearer";
            const std::string challenge =
                scheme + R"( error="invalid_token", error_description="the access token is not )"
                         R"(valid")";
            const std::string body =
                R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
                R"("code":"login","diagnostics":"the access token is not valid"}]})";
            res.status = 401;
            res.set_header("WWW-Authenticate", challenge);
            res.set_content(body, "application/fhir+json");
            x.status = 401;
            x.response_headers = {{"WWW-Authenticate", challenge},
                                  {"Content-Type", "application/fhir+json"},
                                  {"X-Vft-Runner-Fault", "invalid-token"}};
            x.response_body = body;
            return record(std::move(x));
        }
        if (fault && fault->action == "outage") {
            x.error =
                "outage: the connection was closed without an answer and the endpoint "
                "stopped listening for " +
                std::to_string(fault->ms) + " ms";
            x.response_headers = {{"X-Vft-Runner-Fault", "outage"},
                                  {"X-Vft-Outage-Ms", std::to_string(fault->ms)}};
            drop(res);
            record(std::move(x));
            return begin_outage(fault->ms);
        }

        httplib::Client client(host_, port_);
        client.set_connection_timeout(5);
        client.set_read_timeout(60);
        httplib::Request up;
        up.method = req.method;
        up.path = req.target;
        // Host is kept, as reverse proxies do: the receiver and the token service check DPoP
        // htu and audiences against the URL the SUT addressed, which is the proxy's.
        for (const auto& [name, value] : req.headers)
            if (!iequals(name, "Content-Length") && !iequals(name, "REMOTE_ADDR") &&
                !iequals(name, "REMOTE_PORT") && !iequals(name, "LOCAL_ADDR") &&
                !iequals(name, "LOCAL_PORT"))
                up.headers.emplace(name, value);
        up.body = req.body;
        auto result = client.send(up);
        x.elapsed_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        // The mock marks a drop-after fault with X-Vft-Drop; a response without a body can
        // reach the proxy complete even so, and the SUT must see the connection drop.
        if (!result || result->has_header("X-Vft-Drop")) {
            x.error =
                "the connection was dropped before a response (" +
                (result ? std::string("fault drop-after") : httplib::to_string(result.error())) +
                ")";
            res.status = 200;  // never sent: the content provider fails, the connection closes
            res.set_content_provider(
                1024, "application/fhir+json",
                [](size_t, size_t, httplib::DataSink&) { return false; }, nullptr);
        } else {
            x.status = result->status;
            // A Location on the upstream's origin (the JFT status URL of a 202) is rewritten to
            // the proxy's, as a reverse proxy does: a SUT that polls it goes through the proxy
            // and is recorded and judged.
            const std::string upstream_origin = "http://" + host_ + ":" + std::to_string(port_);
            for (const auto& [name, header_value] : result->headers) {
                if (iequals(name, "Content-Length") || iequals(name, "Keep-Alive") ||
                    iequals(name, "Connection"))
                    continue;
                std::string value = header_value;
                if (iequals(name, "Location") && value.rfind(upstream_origin, 0) == 0 &&
                    (value.size() == upstream_origin.size() ||
                     value[upstream_origin.size()] == '/'))
                    value = base_ + value.substr(upstream_origin.size());
                x.response_headers.push_back({name, value});
                if (!iequals(name, "Content-Type")) res.set_header(name, value);
            }
            if (kind_ == "token service")
                for (const char* member : {"access_token", "refresh_token", "id_token"})
                    if (auto t = auth::json_string_member(result->body, member)) secrets_.add(*t);
            x.response_body =
                kind_ == "token service" ? redact_token_response(result->body) : result->body;
            res.status = result->status;
            res.set_content(result->body, result->get_header_value("Content-Type").empty()
                                              ? "application/octet-stream"
                                              : result->get_header_value("Content-Type"));
            if (fault && fault->action == "restart") {
                // The receiver has the message; its answer never reaches the product, which the
                // runner stops and starts again while this worker holds the connection.
                x.error = "held: the answer (HTTP " + std::to_string(result->status) +
                          ") was never delivered; the runner restarted the product";
                x.response_headers.push_back({"X-Vft-Runner-Fault", "restart"});
                record(std::move(x));
                std::unique_lock lock(hold_mu_);
                held_ = true;
                hold_cv_.notify_all();
                hold_cv_.wait_for(lock, std::chrono::seconds(150),
                                  [this] { return released_ || stopping_; });
                return drop(res);
            }
        }
        record(std::move(x));
    }

    std::string kind_;
    std::mutex& mu_;
    std::vector<reports::Exchange>& out_;
    Secrets& secrets_;
    std::unique_ptr<httplib::Server> server_ = std::make_unique<httplib::Server>();
    std::thread thread_;
    std::string base_, host_ = "127.0.0.1";
    int port_ = 0;
    std::string listen_host_ = "127.0.0.1";
    int listen_port_ = 0;
    ProxyFaults* faults_ = nullptr;
    std::condition_variable* recorded_signal_ = nullptr;
    std::mutex outage_mu_;
    std::thread outage_;
    std::mutex hold_mu_;
    std::condition_variable hold_cv_;
    bool held_ = false, released_ = false, stopping_ = false;
};

}  // namespace

struct RecordingProxy::Impl {
    Impl(std::string kind, std::mutex& mu, std::vector<reports::Exchange>& out, Secrets& secrets)
        : proxy(std::move(kind), mu, out, secrets) {}
    Proxy proxy;
};

RecordingProxy::RecordingProxy(std::string kind, std::mutex& mu,
                               std::vector<reports::Exchange>& out, Secrets& secrets)
    : impl_(std::make_unique<Impl>(std::move(kind), mu, out, secrets)) {}
RecordingProxy::~RecordingProxy() = default;
Result<std::string> RecordingProxy::start(const std::string& host, int port) {
    return impl_->proxy.start(host, port);
}
void RecordingProxy::set_upstream(const std::string& host, int port) {
    impl_->proxy.set_upstream(host, port);
}
void RecordingProxy::stop() {
    impl_->proxy.stop();
}
void RecordingProxy::set_faults(ProxyFaults* faults) {
    impl_->proxy.set_faults(faults);
}
void RecordingProxy::set_recorded_signal(std::condition_variable* signal) {
    impl_->proxy.set_recorded_signal(signal);
}
bool RecordingProxy::held() {
    return impl_->proxy.held();
}
void RecordingProxy::release() {
    impl_->proxy.release();
}
const std::string& RecordingProxy::base() const {
    return impl_->proxy.base();
}

int port_of(const std::string& url) {
    const auto colon = url.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

}  // namespace vft::conformance::detail
