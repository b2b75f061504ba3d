// The role-sender live context: mock receiver + recording proxies per test, the trigger command.
#include "sender_context.hpp"

#include "conformance_detail.hpp"
#include "proxy_faults.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <ctime>
#include <fstream>
#include <thread>

#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/mocks/token_service.hpp"

namespace vft::conformance::detail {
namespace {

using Clock = std::chrono::system_clock;

using detail::rfc3339_ms;
using detail::sha256_hex;

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string json_string(std::string_view s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return std::string(b.GetString(), b.GetSize());
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

    Result<std::string> start() {
        configure(*server_);
        const int port = server_->bind_to_any_port("127.0.0.1");
        if (port <= 0)
            return Error{std::string(errc::mock_listen),
                         "the recording proxy cannot bind",
                         "127.0.0.1",
                         "",
                         0,
                         true};
        base_ = "http://127.0.0.1:" + std::to_string(port);
        listen_port_ = port;
        thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
        return base_;
    }
    // The runner's own faults for this proxy (proxy_faults.hpp); not owned.
    void set_faults(ProxyFaults* faults) { faults_ = faults; }
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
        if (outage_.joinable()) outage_.join();
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
        outage_ = std::thread([this, ms] {
            server_->stop();
            if (thread_.joinable()) thread_.join();
            {
                std::unique_lock lock(hold_mu_);
                hold_cv_.wait_for(lock, std::chrono::milliseconds(ms),
                                  [this] { return stopping_; });
            }
            auto next = std::make_unique<httplib::Server>();
            configure(*next);
            // The port was ours a moment ago; another process taking it in between is the only
            // way this fails, and then the test sees nothing more arrive (and says so).
            for (int i = 0; i < 40 && !next->bind_to_port("127.0.0.1", listen_port_); ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (!next->is_valid()) return;
            server_ = std::move(next);
            thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
        });
    }

    void record(reports::Exchange x) {
        std::lock_guard lock(mu_);
        out_.push_back(std::move(x));
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
    int listen_port_ = 0;
    ProxyFaults* faults_ = nullptr;
    std::mutex outage_mu_;
    std::thread outage_;
    std::mutex hold_mu_;
    std::condition_variable hold_cv_;
    bool held_ = false, released_ = false, stopping_ = false;
};

int port_of(const std::string& url) {
    const auto colon = url.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
}

// Runs `command` through /bin/sh in `dir` with a deadline; the tail of stderr is kept.
struct CommandResult {
    int exit_code = -1;
    std::string error;  // set when it did not exit by itself
    std::string stderr_tail;
    int64_t elapsed_ms = 0;
    bool stopped = false;  // the runner stopped it (stop_when)
};

// `stop_when`, polled while the command runs: true = kill its process group now (the runner's
// restart of the product; docs/conformance.md, "Restart").
CommandResult run_command(const std::string& command, const std::filesystem::path& dir,
                          std::chrono::seconds timeout,
                          const std::function<bool()>& stop_when = {}) {
    CommandResult r;
    int err[2];
    if (pipe(err) != 0) {
        r.error = "could not start: no pipe";
        return r;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        close(err[0]);
        close(err[1]);
        r.error = "could not start: fork failed";
        return r;
    }
    if (pid == 0) {
        setpgid(0, 0);  // its own process group, so a timeout ends everything it started
        dup2(err[1], STDERR_FILENO);
        const int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        close(err[0]);
        close(err[1]);
        if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    close(err[1]);
    const auto until = t0 + timeout;
    bool open_pipe = true;
    int status = 0;
    bool exited = false;
    while (true) {
        if (open_pipe) {
            pollfd p{err[0], POLLIN, 0};
            if (poll(&p, 1, 50) > 0) {
                char buf[4096];
                const ssize_t n = read(err[0], buf, sizeof buf);
                if (n <= 0) {
                    open_pipe = false;
                } else {
                    r.stderr_tail.append(buf, static_cast<size_t>(n));
                    if (r.stderr_tail.size() > 8192)
                        r.stderr_tail.erase(0, r.stderr_tail.size() - 4096);
                }
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        if (!open_pipe) {
            pollfd none{-1, 0, 0};
            poll(&none, 0, 20);  // waiting for the child to be reaped; bounded by the deadline
        }
        if (stop_when && stop_when()) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.error =
                "stopped by the runner between sending and the answer (SIGKILL to its "
                "process group): a restart";
            r.stopped = true;
            break;
        }
        if (std::chrono::steady_clock::now() >= until) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.error = "timed out after " + std::to_string(timeout.count()) + " s (killed)";
            break;
        }
    }
    // What is left in the pipe (the command has ended).
    char buf[4096];
    ssize_t n;
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    while ((n = read(err[0], buf, sizeof buf)) > 0)
        r.stderr_tail.append(buf, static_cast<size_t>(n));
    close(err[0]);
    if (r.stderr_tail.size() > 4096) r.stderr_tail.erase(0, r.stderr_tail.size() - 4096);
    if (exited) {
        if (WIFEXITED(status))
            r.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            r.error = "killed by signal " + std::to_string(WTERMSIG(status));
    }
    r.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    return r;
}

std::string safe_name(std::string_view id) {
    std::string out;
    for (char c : id)
        out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '_';
    return out;
}

}  // namespace

// ---- free functions --------------------------------------------------------------------------

Result<void> trigger_result(const reports::Exchange& recorded) {
    std::string exit_code;
    for (const auto& h : recorded.response_headers)
        if (h.name == "X-Exit-Code") exit_code = h.value;
    if (recorded.error.empty() && exit_code == "0") return {};
    std::string why = !recorded.error.empty() ? recorded.error : "exited with " + exit_code;
    std::string tail = recorded.response_body;
    if (tail.size() > 600) tail = "…" + tail.substr(tail.size() - 600);
    return Error{std::string(errc::conf_trigger),
                 "the trigger command " + why,
                 recorded.url,
                 tail.empty() ? "" : "stderr: " + tail,
                 0,
                 false};
}

// ---- the run ---------------------------------------------------------------------------------

struct SenderRun::Impl {
    Sut sut;
    SenderRunOptions options;
    std::optional<Validator> validator;
    std::string token_service_url;
    std::string public_jwk;  // of the SUT's client, derived from auth.private_key
};

SenderRun::SenderRun(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SenderRun::~SenderRun() = default;
const Sut& SenderRun::sut() const {
    return impl_->sut;
}
const Validator& SenderRun::validator() const {
    return *impl_->validator;
}
const std::string& SenderRun::token_service_url() const {
    return impl_->token_service_url;
}

Result<std::unique_ptr<SenderRun>> SenderRun::start(const Sut& sut, SenderRunOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->sut = sut;
    impl->options = std::move(options);
    std::error_code ec;
    std::filesystem::create_directories(impl->options.scratch, ec);
    if (ec)
        return Error{std::string(errc::io_read),
                     "cannot create the run's scratch folder",
                     impl->options.scratch.string(),
                     ec.message(),
                     0,
                     false};
    auto validator = Validator::create();
    if (!validator) return validator.error();
    impl->validator.emplace(std::move(*validator));
    if (sut.auth.type == "helseid") {
        std::filesystem::path key_path = sut.auth.private_key;
        // Sut::parse resolves it against the SUT file's folder already; a Sut built in code may
        // give it relative to `dir`.
        if (key_path.is_relative() && !std::filesystem::exists(key_path))
            key_path = sut.dir / key_path;
        auto key = auth::Key::load_file(key_path);
        if (!key)
            return Error{std::string(errc::conf_sender_key),
                         "the SUT's private key cannot be read: " + key.error().message,
                         "auth.private_key",
                         "the runner registers the SUT's client with the public half of this key",
                         0,
                         false};
        impl->public_jwk = key->public_jwk_json();
    }
    return std::unique_ptr<SenderRun>(new SenderRun(std::move(impl)));
}

// ---- one test ----------------------------------------------------------------------------------

struct SenderContext::Impl {
    SenderRun::Impl& run;
    const TestCase& test;
    std::filesystem::path dir;
    std::mutex mu;
    std::vector<reports::Exchange> recorded;  // in clear; hashed in finish()
    Secrets secrets;  // credentials seen by the proxies; scrubbed in finish()
    std::unique_ptr<mocks::Receiver> receiver;
    std::string receiver_url;
    std::unique_ptr<Proxy> receiver_proxy;
    std::unique_ptr<Proxy> token_proxy;
    std::unique_ptr<mocks::TokenService> token_service;
    RunnerFaults faults;  // the runner's own (proxy_faults.hpp), from the instruction's faults
    std::unique_ptr<ProxyFaults> proxy_faults;
    uint64_t uuid_counter = 0;
    int triggers = 0;

    Impl(SenderRun::Impl& r, const TestCase& t) : run(r), test(t) {
        dir = run.options.scratch / safe_name(test.id);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
    }

    // The SUT's client in a token service of this test's own, behind its recording proxy: the
    // issuer is the proxy's URL (the SUT's assertions name it as aud), and every token request
    // of the test is recorded with it even when tests run in parallel.
    Result<std::string> start_token_service() {
        token_proxy = std::make_unique<Proxy>("token service", mu, recorded, secrets);
        auto proxy_url = token_proxy->start();
        if (!proxy_url) return proxy_url.error();
        const Sut& sut = run.sut;
        std::string scopes;
        for (const char* scope : {"nhn:vkp/api/user/bundle.write", "nhn:vkp/api/user/patient.read",
                                  "nhn:vkp/api/user/episodeofcare.read",
                                  "nhn:vkp/api/user/careplan.read", "nhn:jft/api"})
            scopes += std::string(scopes.empty() ? "" : ",") + json_string(scope);
        mocks::TokenServiceOptions to;
        to.clients_json = R"({"clients":[{"client_id":)" + json_string(sut.auth.client_id) +
                          R"(,"name":)" + json_string(sut.name.empty() ? "SUT" : sut.name) +
                          R"(,"jwk":)" + run.public_jwk + R"(,"scopes":[)" + scopes +
                          R"(],"vkp_id":)" + json_string(sut.auth.client_id) +
                          R"(,"orgnr_parent":)" + json_string(sut.orgnr) + "}]}";
        to.issuer = *proxy_url;
        to.threads = 2;
        if (faults.token_service.lifetime_s > 0)
            to.token_lifetime_s = faults.token_service.lifetime_s;
        to.dpop_nonce_required = faults.token_service.dpop_nonce;
        to.clock_offset_s = faults.token_service.clock_offset_s;
        auto service = mocks::TokenService::create(to);
        if (!service) return service.error();
        token_service = std::move(*service);
        auto url = token_service->start();
        if (!url) return url.error();
        token_proxy->set_upstream("127.0.0.1", port_of(*url));
        return *url;
    }

    Result<void> start_endpoints(const std::string& faults_json) {
        auto parsed = parse_runner_faults(faults_json);
        if (!parsed) return parsed.error();
        faults = std::move(parsed).value();
        mocks::ReceiverOptions ro;
        if (run.sut.auth.type == "helseid") {
            auto token_url = start_token_service();
            if (!token_url) return token_url.error();
            ro.auth_url = *token_url;  // discovery and JWKS directly, not through the proxy
        }
        ro.db_path = (dir / "journal.db").string();
        ro.faults_json = faults_json;
        ro.threads = 4;
        // The SUT is given the proxy's URL, so that is the receiver's public URL (DPoP htu).
        receiver_proxy = std::make_unique<Proxy>("endpoint", mu, recorded, secrets);
        if (!faults.proxy.empty()) {
            proxy_faults = std::make_unique<ProxyFaults>(faults.proxy);
            receiver_proxy->set_faults(proxy_faults.get());
        }
        auto proxy_url = receiver_proxy->start();
        if (!proxy_url) return proxy_url.error();
        ro.public_url = *proxy_url;
        auto receiver_or = mocks::Receiver::create(ro);
        if (!receiver_or) return receiver_or.error();
        receiver = std::move(*receiver_or);
        auto url = receiver->start();
        if (!url) return url.error();
        receiver_url = *url;
        receiver_proxy->set_upstream("127.0.0.1", port_of(receiver_url));
        return {};
    }

    // The instruction as the SUT gets it: the test's members plus the run's.
    Result<std::string> complete(const Instruction& in) {
        rapidjson::Document d;
        d.Parse(in.json.c_str());
        if (d.HasParseError() || !d.IsObject())
            return Error{std::string(errc::conf_instruction),
                         "the test's instruction is not a JSON object",
                         test.id,
                         "a bug in the suite",
                         0,
                         false};
        auto& a = d.GetAllocator();
        auto set = [&](const char* name, rapidjson::Value v) {
            if (d.HasMember(name)) d.RemoveMember(name);
            d.AddMember(rapidjson::Value(name, a), v, a);
        };
        auto s = [&](const std::string& text) { return rapidjson::Value(text.c_str(), a); };
        set("version", rapidjson::Value(1));
        set("action", s(in.action));
        set("test_id", s(test.id));
        set("endpoint", s(receiver_proxy->base()));
        set("orgnr", s(run.sut.orgnr));
        set("token_url", s(token_proxy ? token_proxy->base() + "/connect/token" : ""));
        set("client_id", s(run.sut.auth.client_id));
        if (!d.HasMember("service_codes")) {
            rapidjson::Value codes(rapidjson::kArrayType);
            for (const auto& c : run.sut.service_codes)
                codes.PushBack(s(c), a);
            set("service_codes", std::move(codes));
        }
        set("outbox", s((dir / "outbox").string()));
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        d.Accept(w);
        return std::string(b.GetString(), b.GetSize());
    }

    void read_back_journal() {
        reports::Exchange x;
        x.direction = "outbound";
        x.method = "GET";
        x.url = receiver_url + "/_admin/journal";
        x.note = "journal read-back (the runner's mock receiver)";
        const auto t0 = Clock::now();
        x.started = rfc3339_ms(t0);
        httplib::Client client("127.0.0.1", port_of(receiver_url));
        client.set_read_timeout(10);
        auto res = client.Get("/_admin/journal");
        x.elapsed_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        if (!res) {
            x.error = "the mock receiver did not answer: " + httplib::to_string(res.error());
        } else {
            x.status = res->status;
            x.response_headers.push_back({"Content-Type", res->get_header_value("Content-Type")});
            x.response_body = res->body;
        }
        std::lock_guard lock(mu);
        recorded.push_back(std::move(x));
    }

    // Writes the instruction file, runs the trigger command and records the run (the exchange
    // is returned too). `stop_when`: see run_command.
    reports::Exchange run_trigger(const std::string& action, const std::string& json,
                                  const std::function<bool()>& stop_when) {
        const auto file = dir / ("instruction-" + std::to_string(++triggers) + ".json");
        reports::Exchange x;
        x.direction = "outbound";
        x.method = kTriggerMethod;
        x.url = "trigger:" + action;
        x.note = "trigger command";
        x.request_headers.push_back({"Content-Type", "application/json"});
        x.request_body = json;
        x.started = rfc3339_ms(Clock::now());
        {
            std::ofstream out(file, std::ios::binary);
            out << json;
            if (!out) {
                x.error = "could not start: cannot write the instruction file " + file.string();
                std::lock_guard lock(mu);
                recorded.push_back(x);
                return x;
            }
        }
        std::string command = run.sut.trigger;
        for (size_t at; (at = command.find("{instruction}")) != std::string::npos;)
            command.replace(at, 13, "'" + file.string() + "'");
        const CommandResult r =
            run_command(command, run.sut.dir, run.options.trigger_timeout, stop_when);
        x.elapsed_ms = r.elapsed_ms;
        x.error = r.error;
        if (r.error.empty()) {
            x.status = r.exit_code;
            x.response_headers.push_back({"X-Exit-Code", std::to_string(r.exit_code)});
        }
        if (r.stopped) x.response_headers.push_back({kLifecycleHeader, "stopped"});
        x.response_headers.push_back({"Content-Type", "text/plain"});
        x.response_body = mask_person_ids(r.stderr_tail);
        std::lock_guard lock(mu);
        recorded.push_back(x);
        return x;
    }

    void stop() {
        if (receiver_proxy) receiver_proxy->stop();
        if (token_proxy) token_proxy->stop();
        if (receiver) receiver->stop();
        // The receiver's token checks keep a connection to the token service alive; destroying
        // the receiver closes it, so stopping the token service does not wait out keep-alive.
        receiver.reset();
        if (token_service) token_service->stop();
    }
};

SenderContext::SenderContext(SenderRun::Impl& run, const TestCase& test)
    : impl_(std::make_unique<Impl>(run, test)) {}
SenderContext::~SenderContext() {
    impl_->stop();
}

std::unique_ptr<SenderContext> SenderRun::context(const TestCase& test) {
    return std::make_unique<SenderContext>(*impl_, test);
}

const Sut& SenderContext::sut() const {
    return impl_->run.sut;
}
const Validator& SenderContext::validator() const {
    return *impl_->run.validator;
}

std::string SenderContext::new_uuid() {
    return detail::derived_uuid(impl_->run.options.seed, impl_->test.id, impl_->uuid_counter++);
}

Result<std::string> SenderContext::fixture(std::string_view path) {
    auto f = detail::fixture(path);
    if (!f)
        return Error{std::string(errc::conf_registry),
                     "no fixture '" + std::string(path) + "' is compiled in",
                     std::string(path),
                     "a bug in the suite",
                     0,
                     false};
    return std::string(*f);
}

int64_t SenderContext::now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
}

Result<transport::HttpResponse> SenderContext::send(transport::HttpRequest, std::string, TokenKind,
                                                    const std::vector<std::string>&, bool) {
    return Error{std::string(errc::conf_sender_send),
                 "a sender-role test cannot send requests to the SUT",
                 impl_->test.id,
                 "a bug in the suite: role receiver tests use send()",
                 0,
                 false};
}

Result<void> SenderContext::trigger(const Instruction& instruction) {
    auto& i = *impl_;
    if (!i.receiver) {
        if (auto started = i.start_endpoints(instruction.faults_json); !started)
            return Error{std::string(errc::conf_sender_endpoint),
                         "the runner's endpoint could not start: " + started.error().message,
                         i.test.id,
                         started.error().hint,
                         0,
                         false};
    }
    auto json = i.complete(instruction);
    if (!json) return json.error();
    if (!i.faults.restart()) {
        auto x = i.run_trigger(instruction.action, *json, {});
        i.read_back_journal();
        return trigger_result(x);
    }
    // Restart (docs/conformance.md, "Restart"): the product is stopped once the proxy holds the
    // answer to its first matching request, then started again with action "resume".
    Proxy& proxy = *i.receiver_proxy;
    auto first = i.run_trigger(instruction.action, *json, [&proxy] { return proxy.held(); });
    proxy.release();
    bool stopped = false;
    for (const auto& h : first.response_headers)
        stopped = stopped || (h.name == kLifecycleHeader && h.value == "stopped");
    if (!stopped) {  // it ended before sending: judged as it is
        i.read_back_journal();
        return trigger_result(first);
    }
    rapidjson::Document original;
    original.Parse(json->c_str());
    std::string resume = R"({"action":"resume")";
    for (const char* member : {"api", "service_codes"})
        if (original.HasMember(member)) {
            rapidjson::StringBuffer b;
            rapidjson::Writer<rapidjson::StringBuffer> w(b);
            original[member].Accept(w);
            resume += std::string(",\"") + member + "\":" + b.GetString();
        }
    resume += "}";
    auto resumed = i.complete(Instruction{"resume", resume, {}});
    if (!resumed) return resumed.error();
    auto second = i.run_trigger("resume", *resumed, {});
    i.read_back_journal();
    return trigger_result(second);
}

std::vector<reports::Exchange> SenderContext::inbound() {
    std::lock_guard lock(impl_->mu);
    auto all = impl_->recorded;
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.started < b.started; });
    return all;
}

std::vector<reports::Exchange> SenderContext::finish() {
    impl_->stop();
    auto all = inbound();
    const Privacy privacy(impl_->run.options.fnr_salt, &impl_->secrets);
    for (auto& x : all) {
        x.url = privacy.text(x.url);
        x.error = privacy.text(x.error);
        x.request_body = privacy.body(x.request_body);
        x.response_body = privacy.body(x.response_body);
        for (auto& h : x.request_headers)
            h.value = privacy.text(h.value);
        for (auto& h : x.response_headers)
            h.value = privacy.text(h.value);
        x.request_sha256 = sha256_hex(x.request_body);
        x.response_sha256 = sha256_hex(x.response_body);
    }
    return all;
}

}  // namespace vft::conformance::detail
