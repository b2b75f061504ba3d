// The sending pipeline (vft/client/pipeline.hpp): Outbox + Deliverer + one HelseID registration
// (a Bearer and a DPoP token cache) + the JFT status follow-up. Choices: docs/client.md.
#include "vft/client/pipeline.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "client/client_util.hpp"
#include "json/json_util.hpp"
#include "vft/client/auth.hpp"
#include "vft/client/token_client.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::client {
namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool starts_with(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// The outbox endpoint for a message of `api`, or an error naming what is wrong.
Result<std::string> endpoint_for(Api api, const PipelineEndpoints& e, const Message& m) {
    auto refuse = [&](std::string why, std::string hint) -> Error {
        Error err =
            detail::make_error(errc::outbox_unknown_endpoint, std::move(why), std::move(hint));
        err.location = m.identifier;
        return err;
    };
    const std::string& type = m.resource_type;
    switch (api) {
        case Api::vkp:
            if (e.vkp_base_url.empty())
                return refuse("the pipeline has no VKP endpoint", "set endpoints.vkp_base_url");
            if (type == "Bundle") return std::string("vkp:bundle");
            if (type == "Composition" || type == "MedicationDispense" || type == "Encounter" ||
                type == "DetectedIssue")
                return "vkp:" + lower(type);
            return refuse("VKP does not take a " + type + " (message " + m.identifier + ")",
                          "send a Bundle, Composition, MedicationDispense, Encounter or "
                          "DetectedIssue");
        case Api::jft:
            if (e.jft_base_url.empty())
                return refuse("the pipeline has no JFT endpoint", "set endpoints.jft_base_url");
            if (type == "Bundle" || type == "Composition" || type == "MedicationDispense")
                return "jft:" + type;
            return refuse("JFT does not take a " + type + " (message " + m.identifier + ")",
                          "send a Bundle, Composition or MedicationDispense");
        case Api::pmd:
            if (e.pmd_base_url.empty())
                return refuse("the pipeline has no PMD endpoint", "set endpoints.pmd_base_url");
            if (type == "Bundle") return std::string("pmd:batch");
            return refuse("PMD takes a batch Bundle, not a " + type, "use pmd::build_batch");
        case Api::kith:
            if (e.kith_base_url.empty())
                return refuse("the pipeline has no KITH endpoint", "set endpoints.kith_base_url");
            return std::string("kith:messages");
    }
    return refuse("unknown API", "");
}

std::string status_json(const JftStatus& s) {
    using vft::detail::json_escape;
    return R"({"registered":")" + json_escape(s.registered) + R"(","read":")" +
           json_escape(s.read) + R"(","journaled":")" + json_escape(s.journaled) +
           R"(","failed":")" + json_escape(s.failed) + "\"}";
}

}  // namespace

std::vector<std::string> scopes_for(const PipelineEndpoints& e, std::string_view endpoint) {
    if (starts_with(endpoint, "vkp:"))
        return {"nhn:vkp/api/user/" + std::string(endpoint.substr(4)) + ".write"};
    if (starts_with(endpoint, "jft:")) return e.jft_scopes;
    if (endpoint == "pmd:batch") return e.pmd_scopes;
    if (endpoint == "kith:messages") return e.kith_scopes;
    return {};
}

struct Pipeline::State {
    PipelineOptions options;
    Outbox outbox;
    Auth bearer = Auth::none();
    Auth dpop = Auth::none();
    std::optional<JftClient> jft;
    std::optional<Deliverer> deliverer;

    std::mutex run_mu;
    std::condition_variable run_cv;
    bool stopping = false;
    std::thread status_thread;

    State(PipelineOptions o, Outbox box) : options(std::move(o)), outbox(std::move(box)) {}

    const Auth& auth_for(std::string_view endpoint) const {
        return starts_with(endpoint, "jft:") || endpoint == "pmd:batch" ? dpop : bearer;
    }

    void notify(const MessageFate& f) const {
        if (!options.observer) return;
        try {
            options.observer(f);
        } catch (...) {  // NOLINT: a user's observer must not end a worker thread
        }
    }

    void on_delivery(const DeliveryEvent& ev) const {
        MessageFate f;
        f.seq = ev.seq;
        f.identifier = ev.identifier;
        f.ordering_key = ev.ordering_key;
        f.endpoint = ev.endpoint;
        f.status = ev.status;
        f.attempt = ev.attempt;
        f.requests = ev.requests;
        f.error = ev.error;
        switch (ev.verdict) {
            case DeliveryVerdict::delivered:
                f.fate = Fate::delivered;
                f.location = ev.location;
                f.outcome = ev.outcome.empty() ? ev.response : ev.outcome;
                f.apprec = ev.apprec;
                break;
            case DeliveryVerdict::retry:
                f.fate = Fate::retrying;
                f.next_attempt_ms = ev.next_attempt_ms;
                f.reason = ev.error ? ev.error->to_string() : std::string();
                break;
            case DeliveryVerdict::dead:
                f.outcome = ev.outcome;
                if (ev.status > 0) {
                    f.fate = Fate::rejected;
                    if (auto oo = read_operation_outcome(ev.outcome)) f.issues = std::move(*oo);
                } else {
                    f.fate = Fate::dead_lettered;
                }
                f.reason = ev.error ? ev.error->to_string() : std::string();
                break;
        }
        notify(f);
    }

    Result<size_t> poll(int64_t read_before_ms) {
        if (!jft) return size_t{0};
        auto rows = outbox.follow_ups(256, read_before_ms);
        if (!rows) return rows.error();
        size_t read = 0;
        for (const auto& m : *rows) {
            auto st = jft->status(m.location);
            ++read;
            MessageFate f;
            f.seq = m.seq;
            f.identifier = m.entry.identifier;
            f.ordering_key = m.entry.ordering_key;
            f.endpoint = m.entry.endpoint;
            f.location = m.location;
            f.fate = Fate::status;
            if (!st) {
                // Not readable now (network, 401, 404 while the receiver catches up): the row
                // keeps what it had and counts as not read, so the next poll reads it again.
                f.status = st.error().http_status;
                f.reason = st.error().to_string();
                f.error = st.error();
                notify(f);
                continue;
            }
            f.status = st->status;
            f.jft_status = st->value;
            f.final = !st->value.journaled.empty() || !st->value.failed.empty();
            if (auto r = outbox.record_status(m.seq, status_json(st->value), f.final); !r)
                return r.error();
            notify(f);
        }
        return read;
    }

    void status_loop() {
        for (;;) {
            {
                std::unique_lock lock(run_mu);
                if (run_cv.wait_for(lock, options.status_interval, [this] { return stopping; }))
                    return;
            }
            (void)poll(wall_ms() - options.status_interval.count());
        }
    }

    void stop() {
        if (deliverer) deliverer->stop();
        {
            std::lock_guard lock(run_mu);
            stopping = true;
        }
        run_cv.notify_all();
        if (status_thread.joinable()) status_thread.join();
        std::lock_guard lock(run_mu);
        stopping = false;
    }
};

Pipeline::Pipeline(std::unique_ptr<State> impl) : impl_(std::move(impl)) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&& other) noexcept {
    if (this != &other) {
        if (impl_) impl_->stop();
        impl_ = std::move(other.impl_);
    }
    return *this;
}
Pipeline::~Pipeline() {
    if (impl_) impl_->stop();
}

Result<Pipeline> Pipeline::create(PipelineOptions options) {
    const PipelineEndpoints& e = options.endpoints;
    if (e.vkp_base_url.empty() && e.jft_base_url.empty() && e.pmd_base_url.empty() &&
        e.kith_base_url.empty())
        return detail::make_error(errc::outbox_delivery_config,
                                  "the pipeline has no endpoint to send to",
                                  "set at least one of endpoints.{vkp,jft,pmd,kith}_base_url");
    if (!e.vkp_base_url.empty())
        if (auto ok = check_orgnr(e.vkp_orgnr); !ok) return ok.error();
    if (options.workers == 0) options.workers = 1;

    // One registration, two token caches: Bearer (VKP, KITH) and DPoP-bound (JFT, PMD). The
    // token client makes one request per call: the delivery loop's backoff is the only retry.
    TokenClientOptions t;
    t.token_url = options.helseid.token_url;
    t.client_id = options.helseid.client_id;
    t.client_key = options.helseid.client_key;
    t.kid = options.helseid.kid;
    t.http = options.http;
    t.retry.max_attempts = 1;
    t.retry.deadline = options.http.connect_timeout + options.http.total_timeout;
    auto bearer_tokens = TokenClient::create(t);
    if (!bearer_tokens) return bearer_tokens.error();
    if (!options.helseid.dpop_key) {
        auto k = auth::Key::generate(auth::Algorithm::es256);
        if (!k) return k.error();
        options.helseid.dpop_key = std::move(k).value();
    }
    t.dpop_key = options.helseid.dpop_key;
    auto dpop_tokens = TokenClient::create(t);
    if (!dpop_tokens) return dpop_tokens.error();
    auto bearer = Auth::bearer(*bearer_tokens);
    if (!bearer) return bearer.error();
    auto dpop = Auth::dpop(*dpop_tokens);
    if (!dpop) return dpop.error();

    auto box = Outbox::open(OutboxOptions{options.outbox_path});
    if (!box) return box.error();
    auto impl = std::make_unique<State>(options, std::move(box).value());
    impl->bearer = *bearer;
    impl->dpop = *dpop;
    State* im = impl.get();

    if (!e.jft_base_url.empty()) {
        JftClientOptions j;
        j.api.base_url = e.jft_base_url;
        j.api.http = options.http;
        j.api.retry.max_attempts = 1;  // a status read that fails is read again later
        j.source_system = e.jft_source_system;
        j.scopes = e.jft_scopes;
        auto jft = JftClient::create(j, *dpop);
        if (!jft) return jft.error();
        impl->jft = std::move(jft).value();
    }

    DeliveryOptions d;
    if (!e.vkp_base_url.empty()) d.api_base_urls["vkp"] = e.vkp_base_url;
    if (!e.jft_base_url.empty()) d.api_base_urls["jft"] = e.jft_base_url;
    if (!e.pmd_base_url.empty()) d.api_base_urls["pmd"] = e.pmd_base_url;
    if (!e.kith_base_url.empty()) d.api_base_urls["kith"] = e.kith_base_url;
    d.orgnr = e.vkp_orgnr;
    d.service_codes = e.service_codes;
    d.source_system = e.jft_source_system;
    d.workers = options.workers;
    d.poll_interval = options.poll_interval;
    d.retry = options.retry;
    d.http = options.http;
    d.auth = [im](std::string_view method, std::string_view url,
                  std::string_view endpoint) -> Result<Headers> {
        return im->auth_for(endpoint).headers_for(method, url,
                                                  scopes_for(im->options.endpoints, endpoint));
    };
    d.auth_response = [im](std::string_view endpoint, const transport::HttpRequest& sent,
                           const transport::HttpResponse& response) {
        return im->auth_for(endpoint).on_response(
                   sent, response, scopes_for(im->options.endpoints, endpoint)) != Auth::Resend::no;
    };
    d.observer = [im](const DeliveryEvent& ev) { im->on_delivery(ev); };
    auto deliverer = Deliverer::create(impl->outbox, std::move(d));
    if (!deliverer) return deliverer.error();
    impl->deliverer = std::move(deliverer).value();
    return Pipeline(std::move(impl));
}

Result<int64_t> Pipeline::enqueue(Api api, const Message& message, std::string_view ordering_key) {
    if (message.identifier.empty())
        return detail::make_error(
            errc::outbox_invalid_entry,
            "refused: a " + (message.resource_type.empty() ? "message" : message.resource_type) +
                " without an identifier",
            "build it with a vft builder (it sets one) and keep the identifier for resends");
    if (message.body.find(message.identifier) == std::string::npos)
        return detail::make_error(
            errc::outbox_invalid_entry,
            "refused: message " + message.identifier + " does not carry its identifier",
            "pass the Message a builder returned, unchanged");
    auto endpoint = endpoint_for(api, impl_->options.endpoints, message);
    if (!endpoint) return endpoint.error();
    OutboxEntry entry;
    entry.identifier = message.identifier;
    entry.ordering_key = std::string(ordering_key);
    entry.endpoint = *endpoint;
    entry.content_type =
        api == Api::kith ? "application/xml; charset=utf-8" : "application/fhir+json";
    entry.body = message.body;
    return impl_->outbox.enqueue(entry);
}

Result<PipelineReport> Pipeline::run_until_idle(Clock::time_point deadline) {
    PipelineReport report;
    auto idle = impl_->deliverer->run_until_idle(deadline);
    if (!idle) return idle.error();
    report.delivery = *idle;
    report.deadline_reached = idle->deadline_reached;
    if (Clock::now() < deadline) {
        auto read = impl_->poll(0);  // the ones never read
        if (!read) return read.error();
        report.statuses_read = *read;
    }
    auto left = impl_->outbox.follow_ups(1u << 20, INT64_MAX);
    if (!left) return left.error();
    report.awaiting_status = left->size();
    return report;
}

Result<size_t> Pipeline::poll_status() {
    return impl_->poll(wall_ms() - impl_->options.status_interval.count());
}

Result<void> Pipeline::start() {
    if (impl_->status_thread.joinable())
        return detail::make_error(errc::outbox_delivery_config, "the pipeline is already started",
                                  "call stop() first");
    if (auto r = impl_->deliverer->start(); !r) return r;
    State* im = impl_.get();
    impl_->status_thread = std::thread([im] { im->status_loop(); });
    return {};
}

void Pipeline::stop() {
    if (impl_) impl_->stop();
}

Outbox& Pipeline::outbox() {
    return impl_->outbox;
}

}  // namespace vft::client
