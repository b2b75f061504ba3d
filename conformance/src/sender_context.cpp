// The role-sender live context: mock receiver + recording proxies per test, the trigger command.
#include "sender_context.hpp"

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

#include "command_runner.hpp"
#include "conformance_detail.hpp"
#include "operator_mode.hpp"
#include "proxy_faults.hpp"
#include "recording_proxy.hpp"
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

// What the trigger command printed on stdout (an adapter's reports, e.g. the KITH AppRec line),
// recorded right after its run: method STDOUT, the trigger's url, response body = stdout.
reports::Exchange stdout_exchange(const reports::Exchange& trigger, const CommandResult& r) {
    reports::Exchange x;
    x.direction = "outbound";
    x.method = kStdoutMethod;
    x.url = trigger.url;
    x.note = "trigger stdout";
    // Sorted after the requests the command made: its end, not its start.
    x.started = rfc3339_ms(Clock::now());
    x.status = trigger.status;
    x.response_headers.push_back({"Content-Type", "text/plain"});
    x.response_body = mask_person_ids(r.stdout_text);
    if (r.stdout_cut) x.error = "stdout cut at " + std::to_string(kMaxStdout) + " bytes";
    return x;
}

// Operator mode with a fixed address (Sut::manual_endpoint, manual_token_service): where a proxy
// listens; {"127.0.0.1", 0} (a free loopback port) otherwise.
std::pair<std::string, int> listen_of(const Sut& sut, const std::string& url) {
    if (!sut.manual() || url.empty()) return {"127.0.0.1", 0};
    const auto colon = url.rfind(':');
    return {url.substr(7, colon - 7), std::atoi(url.c_str() + colon + 1)};
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
    bool manual = false;  // operator mode: a person, not a command, was asked
    for (const auto& h : recorded.request_headers)
        manual = manual || (h.name == "X-Vft-Operator" && h.value == "manual");
    std::string why = !recorded.error.empty() ? recorded.error : "exited with " + exit_code;
    if (manual)
        return Error{
            std::string(errc::conf_trigger), "operator mode: " + why, recorded.url, "", 0, false};
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
    // Notified when the receiver's proxy records an exchange or a trigger command ends (both
    // under `mu`): what waits for the SUT's first ReadAPI page waits on it.
    std::condition_variable recorded_signal;
    Secrets secrets;  // credentials seen by the proxies; scrubbed in finish()
    std::unique_ptr<mocks::Receiver> receiver;
    std::string receiver_url;
    std::unique_ptr<RecordingProxy> receiver_proxy;
    std::unique_ptr<RecordingProxy> token_proxy;
    std::unique_ptr<mocks::TokenService> token_service;
    RunnerFaults faults;  // the runner's own (proxy_faults.hpp), from the instruction's faults
    std::unique_ptr<ProxyFaults> proxy_faults;
    uint64_t uuid_counter = 0;
    int triggers = 0;
    bool test_tokens = false;        // role reader, documents queued during paging: see late()
    std::string token_service_base;  // the token service itself (not its proxy)

    Impl(SenderRun::Impl& r, const TestCase& t) : run(r), test(t) {
        dir = run.options.scratch / safe_name(test.id);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
    }

    // The SUT's client in a token service of this test's own, behind its recording proxy: the
    // issuer is the proxy's URL (the SUT's assertions name it as aud), and every token request
    // of the test is recorded with it even when tests run in parallel.
    Result<std::string> start_token_service() {
        token_proxy = std::make_unique<RecordingProxy>("token service", mu, recorded, secrets);
        const auto [token_host, token_port] = listen_of(run.sut, run.sut.manual_token_service);
        auto proxy_url = token_proxy->start(token_host, token_port);
        if (!proxy_url) return proxy_url.error();
        const Sut& sut = run.sut;
        std::string scopes;
        for (const char* scope : {"nhn:vkp/api/user/bundle.write", "nhn:vkp/api/user/patient.read",
                                  "nhn:vkp/api/user/episodeofcare.read",
                                  "nhn:vkp/api/user/careplan.read", "nhn:jft/api", "nhn:kith/api"})
            scopes += std::string(scopes.empty() ? "" : ",") + json_string(scope);
        mocks::TokenServiceOptions to;
        to.clients_json = R"({"clients":[{"client_id":)" + json_string(sut.auth.client_id) +
                          R"(,"name":)" + json_string(sut.name.empty() ? "SUT" : sut.name) +
                          R"(,"jwk":)" + run.public_jwk + R"(,"scopes":[)" + scopes +
                          R"(],"vkp_id":)" + json_string(sut.auth.client_id) +
                          R"(,"orgnr_parent":)" + json_string(sut.orgnr) + "}]}";
        to.issuer = *proxy_url;
        to.threads = 2;
        to.allow_test_tokens = test_tokens;
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
        token_service_base = *url;
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
        receiver_proxy = std::make_unique<RecordingProxy>("endpoint", mu, recorded, secrets);
        receiver_proxy->set_recorded_signal(&recorded_signal);
        if (!faults.proxy.empty()) {
            proxy_faults = std::make_unique<ProxyFaults>(faults.proxy);
            receiver_proxy->set_faults(proxy_faults.get());
        }
        const auto [host, port] = listen_of(run.sut, run.sut.manual_endpoint);
        auto proxy_url = receiver_proxy->start(host, port);
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

    // Role reader: the documents the SUT is to find are submitted to a mock receiver without
    // token checks on this test's journal file (the test's endpoint serves the same file).
    struct Writer {
        std::unique_ptr<mocks::Receiver> receiver;
        std::string url;
    };
    Result<Writer> writer() {
        mocks::ReceiverOptions ro;
        ro.db_path = (dir / "journal.db").string();
        ro.threads = 2;
        auto rx = mocks::Receiver::create(ro);
        if (!rx) return rx.error();
        auto url = (*rx)->start();
        if (!url) return url.error();
        return Writer{std::move(*rx), *url};
    }
    // Submits `docs` through `writer_url`, each recorded as an outbound "queued document".
    // `authorize` (may be empty) gives the credentials for one document's request; they are not
    // recorded.
    void post_documents(
        const std::string& writer_url, const std::vector<Instruction::Document>& docs,
        const std::function<httplib::Headers(const std::string& type)>& authorize = {}) {
        httplib::Client client("127.0.0.1", port_of(writer_url));
        client.set_read_timeout(30);
        for (const auto& d : docs) {
            reports::Exchange x;
            x.direction = "outbound";
            x.method = "POST";
            x.url = writer_url + "/v1/" + d.resource_type;
            x.note = "queued document";
            x.request_headers.push_back({"Content-Type", "application/fhir+json"});
            x.request_body = d.json;
            const auto t0 = Clock::now();
            x.started = rfc3339_ms(t0);
            auto res = client.Post(("/v1/" + d.resource_type).c_str(),
                                   authorize ? authorize(d.resource_type) : httplib::Headers{},
                                   d.json, "application/fhir+json");
            x.elapsed_ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
            if (!res) {
                x.error = "the mock receiver did not answer: " + httplib::to_string(res.error());
            } else {
                x.status = res->status;
                x.response_headers.push_back({"Location", res->get_header_value("Location")});
                x.response_body = res->body;
            }
            std::lock_guard lock(mu);
            recorded.push_back(std::move(x));
        }
    }
    Result<void> queue_documents(const std::vector<Instruction::Document>& docs) {
        auto w = writer();
        if (!w) return w.error();
        post_documents(w->url, docs);
        w->receiver->stop();
        return {};
    }
    // Documents that arrive during the SUT's sync go to the test's live receiver (it owns the
    // journal file), with a DPoP-bound token the runner mints for the SUT's client on its own
    // token service (test tokens are on for this test only) and a key of the runner's.
    void late(const std::vector<Instruction::Document>& docs) {
        if (run.sut.auth.type != "helseid") return post_documents(receiver_url, docs);
        auto key = auth::Key::generate(auth::Algorithm::es256);
        if (!key) return;
        httplib::Client ts("127.0.0.1", port_of(token_service_base));
        auto minted = ts.Post("/_admin/issue",
                              R"({"client_id":)" + json_string(run.sut.auth.client_id) +
                                  R"(,"scope":"nhn:jft/api","dpop_jkt":)" +
                                  json_string(key->thumbprint()) + "}",
                              "application/json");
        const std::string token =
            minted ? auth::json_string_member(minted->body, "access_token").value_or("") : "";
        post_documents(receiver_url, docs, [&](const std::string& type) {
            httplib::Headers h{{"Authorization", "DPoP " + token}};
            if (auto proof = auth::make_dpop_proof(
                    *key, {"POST", receiver_proxy->base() + "/v1/" + type, token, "", 0}))
                h.emplace("DPoP", *proof);
            return h;
        });
    }

    // How many ReadAPI pages the SUT has been answered (GET under /v1/ answered 200); `mu` held.
    size_t pages_answered_locked() const {
        size_t n = 0;
        for (const auto& x : recorded)
            n += x.note == "endpoint" && x.method == "GET" && x.status == 200 &&
                 x.url.find("/v1/") != std::string::npos &&
                 x.url.find("/$status") == std::string::npos;
        return n;
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
                                  const std::function<bool()>& stop_when,
                                  const Instruction& instruction) {
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
        // Role reader: documents that arrive while the SUT pages, once its first page was
        // answered (woken by the proxy recording an exchange or by the command's end).
        bool command_done = false;  // under mu
        std::thread late_documents;
        if (!instruction.queue_during.empty())
            late_documents = std::thread([&] {
                // No later than the command itself may run (a person, in operator mode).
                const auto deadline =
                    std::chrono::steady_clock::now() +
                    (run.sut.manual() ? std::chrono::seconds(run.sut.manual_timeout_s)
                                      : std::chrono::seconds(run.options.trigger_timeout));
                std::unique_lock lock(mu);
                const bool paging = recorded_signal.wait_until(
                    lock, deadline, [&] { return command_done || pages_answered_locked() > 0; });
                if (!paging || command_done) return;
                lock.unlock();
                late(instruction.queue_during);
            });
        const auto stdout_file = dir / ("stdout-" + std::to_string(triggers) + ".txt");
        CommandResult r;
        if (run.sut.manual()) {  // operator mode: a person makes the product act
            x.request_headers.push_back({"X-Vft-Operator", "manual"});
            OperatorTask task =
                operator_task(json, file.string(), std::chrono::seconds(run.sut.manual_timeout_s));
            task.arrived = [this] {
                std::lock_guard lock(mu);
                return static_cast<size_t>(
                    std::count_if(recorded.begin(), recorded.end(),
                                  [](const reports::Exchange& e) { return e.note == "endpoint"; }));
            };
            const OperatorOutcome o = operator_run(run.options.operator_prompt, task);
            r.exit_code = o.confirmed ? 0 : -1;
            r.error = o.error;
            r.stderr_tail = o.text;
            r.elapsed_ms = o.elapsed_ms;
        } else {
            r = run_command(command, run.sut.dir, run.options.trigger_timeout,
                            instruction.answer_on_stdout ? stdout_file : std::filesystem::path(),
                            stop_when);
        }
        {
            std::lock_guard lock(mu);
            command_done = true;
        }
        recorded_signal.notify_all();
        if (late_documents.joinable()) late_documents.join();
        x.elapsed_ms = r.elapsed_ms;
        x.error = r.error;
        if (r.error.empty()) {
            x.status = r.exit_code;
            x.response_headers.push_back({"X-Exit-Code", std::to_string(r.exit_code)});
        }
        if (r.stopped) x.response_headers.push_back({kLifecycleHeader, "stopped"});
        if (instruction.answer_on_stdout) {  // role reader: the answer, at most 64 MiB
            std::error_code size_error;
            const auto size = std::filesystem::file_size(stdout_file, size_error);
            std::ifstream in(stdout_file, std::ios::binary);
            std::string answer(size_error ? 0 : std::min<uintmax_t>(size, 64u << 20), '\0');
            in.read(answer.data(), static_cast<std::streamsize>(answer.size()));
            answer.resize(static_cast<size_t>(in.gcount()));
            x.response_headers.push_back({"Content-Type", "application/json"});
            x.response_body = std::move(answer);
        } else {
            x.response_headers.push_back({"Content-Type", "text/plain"});
            x.response_body = mask_person_ids(r.stderr_tail);
        }
        std::lock_guard lock(mu);
        recorded.push_back(x);
        if (!r.stdout_text.empty()) recorded.push_back(stdout_exchange(x, r));
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
        if (!instruction.queue.empty())
            if (auto queued = i.queue_documents(instruction.queue); !queued)
                return Error{
                    std::string(errc::conf_sender_endpoint),
                    "the runner's JFT could not queue the documents: " + queued.error().message,
                    i.test.id,
                    queued.error().hint,
                    0,
                    false};
        i.test_tokens = !instruction.queue_during.empty();
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
        auto x = i.run_trigger(instruction.action, *json, {}, instruction);
        i.read_back_journal();
        return trigger_result(x);
    }
    // Restart (docs/conformance.md, "Restart"): the product is stopped once the proxy holds the
    // answer to its first matching request, then started again with action "resume".
    RecordingProxy& proxy = *i.receiver_proxy;
    auto first = i.run_trigger(
        instruction.action, *json, [&proxy] { return proxy.held(); }, instruction);
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
    auto second = i.run_trigger("resume", *resumed, {}, Instruction{"resume", *resumed});
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
