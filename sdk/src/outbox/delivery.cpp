// The outbox delivery loop (vft/outbox/delivery.hpp): due() → one attempt per message → the
// verdict recorded in the outbox. The decisions are in docs/transport.md, "Delivery".
#include "vft/outbox/delivery.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "json/json_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/error.hpp"
#include "vft/transport/http_error.hpp"

namespace vft {
namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Error make_error(std::string_view code, std::string message, std::string hint = {}) {
    return internal::make_error(code, std::move(message), {}, std::move(hint));
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// An OperationOutcome for a dead letter that the receiver did not give us one for.
std::string outcome_of(const Error& e) {
    return R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing",)"
           R"("details":{"text":")" +
           detail::json_escape(e.message) + R"("},"diagnostics":")" +
           detail::json_escape(e.to_string()) + R"("}]})";
}

// The receiver's body when it is an OperationOutcome (JSON), else one built from the error.
std::string dead_outcome(const transport::HttpResponse& r, const Error& e) {
    rapidjson::Document d;
    d.Parse(r.body.data(), r.body.size());
    if (!d.HasParseError() && detail::str_member(d, "resourceType") == "OperationOutcome")
        return r.body;
    return outcome_of(e);
}

// Entries of a PMD batch-response whose response.status is not 2xx.
size_t failed_batch_entries(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    const detail::JValue* entries = detail::member(d, "entry");
    if (d.HasParseError() || !entries || !entries->IsArray()) return 0;
    size_t failed = 0;
    for (const auto& e : entries->GetArray()) {
        const detail::JValue* resp = detail::member(e, "response");
        const std::string_view status = resp ? detail::str_member(*resp, "status") : "";
        if (!starts_with(status, "2")) ++failed;
    }
    return failed;
}

std::string trimmed_base(std::string_view base) {
    while (!base.empty() && base.back() == '/')
        base.remove_suffix(1);
    return std::string(base);
}

}  // namespace

Result<std::string> delivery_url(std::string_view base_url, std::string_view orgnr,
                                 std::string_view endpoint) {
    const std::string base = trimmed_base(base_url);
    const std::string_view hint =
        "use vkp:bundle, vkp:composition, vkp:medicationdispense, vkp:encounter, "
        "vkp:detectedissue, jft:Bundle, jft:Composition, jft:MedicationDispense, pmd:batch or "
        "kith:messages";
    auto unknown = [&] {
        Error e = make_error(errc::outbox_unknown_endpoint,
                             "unknown outbox endpoint '" + std::string(endpoint) + "'",
                             std::string(hint));
        e.location = std::string(endpoint);
        return e;
    };
    if (starts_with(endpoint, "vkp:")) {
        const std::string_view r = endpoint.substr(4);
        if (r != "bundle" && r != "composition" && r != "medicationdispense" && r != "encounter" &&
            r != "detectedissue")
            return unknown();
        if (orgnr.empty()) {
            Error e = make_error(
                errc::outbox_unknown_endpoint,
                "endpoint '" + std::string(endpoint) + "' needs the receiving municipality's orgnr",
                "set DeliveryOptions::orgnr");
            e.location = std::string(endpoint);
            return e;
        }
        return base + "/epj/r4/" + std::string(orgnr) + "/" + std::string(r);
    }
    if (starts_with(endpoint, "jft:")) {
        const std::string_view t = endpoint.substr(4);
        if (t != "Bundle" && t != "Composition" && t != "MedicationDispense") return unknown();
        return base + "/v1/" + std::string(t);
    }
    if (endpoint == "pmd:batch") return base + "/pmd";
    if (endpoint == "kith:messages") return base + "/kith/messages";
    return unknown();
}

struct Deliverer::State {
    Outbox* outbox;
    DeliveryOptions options;
    transport::HttpClient http;
    // run_until_idle's deadline (steady clock ticks; 0 = none): each request is cut to it.
    std::atomic<Clock::rep> deadline_ticks{0};

    Result<std::string> url_for(std::string_view endpoint) const {
        const std::string_view api = endpoint.substr(0, endpoint.find(':'));
        auto it = options.api_base_urls.find(std::string(api));
        const std::string& base = it != options.api_base_urls.end() ? it->second : options.base_url;
        if (base.empty()) {
            Error e = make_error(
                errc::outbox_unknown_endpoint,
                "no base URL for endpoint '" + std::string(endpoint) + "'",
                "set DeliveryOptions::base_url or api_base_urls[\"" + std::string(api) + "\"]");
            e.location = std::string(endpoint);
            return e;
        }
        return delivery_url(base, options.orgnr, endpoint);
    }

    // One request, its timeout cut to run_until_idle's deadline when one is set.
    Result<transport::HttpResponse> send(const transport::HttpRequest& req) const {
        const Clock::rep ticks = deadline_ticks.load();
        if (ticks == 0) return http.send(req);
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            Clock::time_point(Clock::duration(ticks)) - Clock::now());
        if (left.count() <= 0) return http.send(req);  // a past deadline: the one round, whole
        transport::RetryPolicy once;
        once.max_attempts = 1;
        once.deadline = left;
        auto out = transport::RetryingClient(http, once).send(req, true);
        if (!out) return out.error();
        return std::move(out->response);
    }

    struct Counters {
        std::atomic<uint64_t> attempts{0}, sent{0}, delivered{0}, retried{0}, dead{0},
            partially_accepted{0}, storage_errors{0};
        DeliveryStats snapshot() const {
            return {attempts.load(),      sent.load(), delivered.load(),
                    retried.load(),       dead.load(), partially_accepted.load(),
                    storage_errors.load()};
        }
    } counters;

    // Earliest retry scheduled (Unix ms) since reset, for run_until_idle's wait.
    std::mutex retry_mu;
    std::vector<int64_t> scheduled;

    // Background workers.
    std::mutex run_mu;
    std::condition_variable run_cv;
    bool stopping = false;
    std::vector<std::thread> threads;

    State(Outbox& o, DeliveryOptions opts, transport::HttpClient client)
        : outbox(&o), options(std::move(opts)), http(std::move(client)) {}

    void notify(const DeliveryEvent& ev) const {
        if (!options.observer) return;
        try {
            options.observer(ev);
        } catch (...) {  // NOLINT: a user's observer must not end a worker thread
        }
    }

    // One attempt on one message. `now` gives the wall clock in Unix ms for the backoff base.
    template <typename Now>
    void handle(const OutboxMessage& m, Now now) {
        ++counters.attempts;
        DeliveryEvent ev;
        ev.seq = m.seq;
        ev.identifier = m.entry.identifier;
        ev.ordering_key = m.entry.ordering_key;
        ev.endpoint = m.entry.endpoint;
        ev.attempt = m.attempts + 1;

        auto retry = [&](Error e, std::optional<std::chrono::milliseconds> retry_after) {
            const auto wait = transport::backoff_for(
                options.retry, ev.attempt, retry_after,
                static_cast<uint64_t>(m.seq) * 1000003u + static_cast<uint64_t>(ev.attempt));
            ev.verdict = DeliveryVerdict::retry;
            ev.next_attempt_ms = now() + wait.count();
            auto r = outbox->mark_retry(m.seq, ev.next_attempt_ms, e.to_string(), ev.status);
            ev.error = std::move(e);
            if (r) {
                ++counters.retried;
                std::lock_guard lock(retry_mu);
                if (scheduled.size() >= 4096)  // long background runs: forget what is past
                    std::erase_if(scheduled, [t = now()](int64_t s) { return s <= t; });
                scheduled.push_back(ev.next_attempt_ms);
            } else {
                ev.recorded = false;
                ++counters.storage_errors;
            }
        };
        auto dead = [&](Error e, std::string outcome) {
            ev.verdict = DeliveryVerdict::dead;
            ev.outcome = std::move(outcome);
            auto r = outbox->mark_dead(m.seq, ev.status, ev.outcome);
            ev.error = std::move(e);
            if (r) {
                ++counters.dead;
            } else {
                ev.recorded = false;
                ++counters.storage_errors;
            }
        };

        auto url = url_for(m.entry.endpoint);
        if (!url) {
            // Never silently dropped: a dead letter an operator sees, with the reason.
            Error e = url.error();
            dead(e, outcome_of(e));
            return notify(ev);
        }

        transport::HttpRequest req;
        req.method = "POST";
        req.url = *url;
        const bool kith = m.entry.endpoint == "kith:messages";
        req.headers.emplace_back("Content-Type", !m.entry.content_type.empty()
                                                     ? m.entry.content_type
                                                 : kith ? "application/xml; charset=utf-8"
                                                        : "application/fhir+json");
        if (!kith) req.headers.emplace_back("Accept", "application/fhir+json, application/json");
        if (starts_with(m.entry.endpoint, "vkp:") && !options.service_codes.empty()) {
            std::string codes;
            for (const auto& c : options.service_codes)
                codes += (codes.empty() ? "" : ",") + c;
            req.headers.emplace_back("ServiceCodes", codes);
        }
        if (starts_with(m.entry.endpoint, "jft:") && !options.source_system.empty())
            req.headers.emplace_back("nhn-source-system", options.source_system);
        const size_t plain_headers = req.headers.size();
        req.body = m.entry.body;  // stored bytes: the same identifier on every attempt

        Result<transport::HttpResponse> resp = Error{};
        // One attempt: fresh auth headers per request; at most two resends at once when the
        // auth layer says a challenge (DPoP nonce, refused token) was answered.
        for (int resend = 0;; ++resend) {
            req.headers.resize(plain_headers);
            if (options.auth) {
                auto extra = options.auth("POST", req.url, m.entry.endpoint);
                if (!extra) {
                    // Nothing was sent, so nothing was rejected: keep the message, try again.
                    retry(extra.error(), std::nullopt);
                    return notify(ev);
                }
                for (auto& h : *extra)
                    req.headers.push_back(std::move(h));
            }
            ++counters.sent;
            ++ev.requests;
            resp = send(req);
            if (!resp || resend >= 2 || !options.auth_response) break;
            transport::HttpRequest sent;
            sent.method = req.method;
            sent.url = req.url;
            sent.headers = req.headers;
            if (!options.auth_response(m.entry.endpoint, sent, *resp)) break;
        }
        if (!resp) {
            // No answer (refused, dropped, timed out): the receiver may or may not have
            // journaled it; a resend carries the same identifier, so either way is safe.
            retry(resp.error(), std::nullopt);
            return notify(ev);
        }
        ev.status = resp->status;
        if (resp->status >= 200 && resp->status < 300 && kith) {
            // KITH: the AppRec in the answer is the receipt. Without one the receiver's verdict
            // is unknown, as after a dropped connection: the same bytes (MsgId) go again.
            auto apprec = kith::read_apprec(resp->body);
            if (!apprec) {
                Error e = apprec.error();
                e.message = "HTTP " + std::to_string(resp->status) +
                            " without a readable AppRec: " + e.message;
                e.http_status = resp->status;
                e.retryable = true;
                retry(std::move(e), std::nullopt);
                return notify(ev);
            }
            ev.apprec = std::move(apprec).value();
        }
        if (resp->status >= 200 && resp->status < 300) {
            ev.verdict = DeliveryVerdict::delivered;
            ev.location = resp->header("Location");
            ev.response = resp->body;
            if (m.entry.endpoint == "pmd:batch") {
                // A batch-response with refused entries is still delivered: a resend would
                // only get the stored answer (or duplicate the accepted entries). The refusal
                // goes to the observer; the sender corrects and sends those entries anew.
                ev.failed_entries = failed_batch_entries(resp->body);
                if (ev.failed_entries > 0) {
                    ev.outcome = resp->body;
                    ++counters.partially_accepted;
                }
            }
            // JFT's Location is the status URL: kept with the row for a durable status read.
            const std::string keep =
                starts_with(m.entry.endpoint, "jft:") ? ev.location : std::string();
            if (auto r = outbox->mark_delivered(m.seq, resp->status, keep); r) {
                ++counters.delivered;
            } else {
                ev.recorded = false;
                ev.error = r.error();
                ++counters.storage_errors;
            }
            return notify(ev);
        }
        Error e = transport::error_from_response(*resp);
        // 401: the credentials, not the message, were refused (an expired or rejected token);
        // the auth hook is asked again on the next attempt.
        if (transport::retryable_status(resp->status) || resp->status == 401) {
            const std::string ra = resp->header("Retry-After");
            std::optional<std::chrono::milliseconds> after;
            if (!ra.empty())
                after = transport::parse_retry_after(ra, std::chrono::system_clock::now());
            retry(std::move(e), after);
            return notify(ev);
        }
        dead(e, dead_outcome(*resp, e));
        notify(ev);
    }

    // Handles `batch` with up to `workers` threads (the batch holds at most one message per
    // ordering key, so they may go out in parallel).
    void handle_all(const std::vector<OutboxMessage>& batch, int64_t round_now) {
        const auto started = Clock::now();
        auto now = [&] {
            return round_now +
                   std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)
                       .count();
        };
        const size_t n = std::min(options.workers, batch.size());
        if (n <= 1) {
            for (const auto& m : batch)
                handle(m, now);
            return;
        }
        std::atomic<size_t> next{0};
        auto work = [&] {
            for (size_t i = next++; i < batch.size(); i = next++)
                handle(batch[i], now);
        };
        std::vector<std::thread> helpers;
        for (size_t t = 1; t < n; ++t)
            helpers.emplace_back(work);
        work();
        for (auto& t : helpers)
            t.join();
    }

    Result<size_t> round(int64_t now_ms) {
        auto due = outbox->due(options.batch_size * options.workers, now_ms);
        if (!due) return due.error();
        handle_all(*due, now_ms);
        return due->size();
    }

    void worker() {
        for (;;) {
            {
                std::lock_guard lock(run_mu);
                if (stopping) return;
            }
            auto due = outbox->due(options.batch_size, wall_ms());
            const int64_t start_ms = wall_ms();
            if (due && !due->empty()) {
                const auto started = Clock::now();
                for (const auto& m : *due)
                    handle(m, [&] {
                        return start_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                                              Clock::now() - started)
                                              .count();
                    });
                continue;
            }
            // Nothing due, or the outbox could not be read (tried again after the interval).
            std::unique_lock lock(run_mu);
            run_cv.wait_for(lock, options.poll_interval, [this] { return stopping; });
        }
    }

    void stop() {
        {
            std::lock_guard lock(run_mu);
            stopping = true;
        }
        run_cv.notify_all();
        for (auto& t : threads)
            if (t.joinable()) t.join();
        threads.clear();
        std::lock_guard lock(run_mu);
        stopping = false;
    }
};

Deliverer::Deliverer(std::unique_ptr<State> impl) : impl_(std::move(impl)) {}
Deliverer::Deliverer(Deliverer&&) noexcept = default;
Deliverer& Deliverer::operator=(Deliverer&& other) noexcept {
    if (this != &other) {
        if (impl_) impl_->stop();
        impl_ = std::move(other.impl_);
    }
    return *this;
}
Deliverer::~Deliverer() {
    if (impl_) impl_->stop();
}

Result<Deliverer> Deliverer::create(Outbox& outbox, DeliveryOptions options) {
    if (options.base_url.empty() && options.api_base_urls.empty())
        return make_error(errc::outbox_delivery_config, "the deliverer needs a base URL",
                          "set DeliveryOptions::base_url to the receiver's API root");
    if (options.workers == 0 || options.batch_size == 0)
        return make_error(errc::outbox_delivery_config,
                          "workers and batch_size must be at least 1");
    auto client = transport::HttpClient::create(options.http);
    if (!client) return client.error();
    return Deliverer(
        std::make_unique<State>(outbox, std::move(options), std::move(client).value()));
}

Result<size_t> Deliverer::run_once(int64_t now_ms) {
    return impl_->round(now_ms);
}

Result<IdleReport> Deliverer::run_until_idle(Clock::time_point deadline) {
    State& im = *impl_;
    const DeliveryStats before = im.counters.snapshot();
    {
        std::lock_guard lock(im.retry_mu);
        im.scheduled.clear();
    }
    IdleReport report;
    const auto deadline_ms = [&] {
        return wall_ms() +
               std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                   .count();
    };
    im.deadline_ticks = deadline.time_since_epoch().count();
    struct Clear {
        State& im;
        ~Clear() { im.deadline_ticks = 0; }
    } clear{im};
    for (bool first = true;; first = false) {
        if (!first && Clock::now() >= deadline) {  // one round always: what is due now
            report.deadline_reached = true;
            break;
        }
        const int64_t now = wall_ms();
        auto n = im.round(now);
        if (!n) return n.error();
        if (*n > 0) continue;
        auto c = im.outbox->counts();
        if (!c) return c.error();
        if (c->pending == 0) break;
        int64_t earliest = 0;
        {
            std::lock_guard lock(im.retry_mu);
            for (int64_t t : im.scheduled)
                if (t > now && (earliest == 0 || t < earliest)) earliest = t;
        }
        // What is pending backs off past the deadline: waiting would only burn it.
        if (earliest > 0 && earliest > deadline_ms()) break;
        auto wait = im.options.poll_interval;
        if (earliest > 0) wait = std::min(wait, std::chrono::milliseconds(earliest - now));
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - Clock::now() + std::chrono::milliseconds(1));
        std::this_thread::sleep_for(std::max(std::chrono::milliseconds(1), std::min(wait, left)));
    }
    const DeliveryStats after = im.counters.snapshot();
    report.stats = {after.attempts - before.attempts,
                    after.sent - before.sent,
                    after.delivered - before.delivered,
                    after.retried - before.retried,
                    after.dead - before.dead,
                    after.partially_accepted - before.partially_accepted,
                    after.storage_errors - before.storage_errors};
    auto c = im.outbox->counts();
    if (!c) return c.error();
    report.pending = c->pending;
    report.dead = c->dead;
    const int64_t now = wall_ms();
    std::lock_guard lock(im.retry_mu);
    for (int64_t t : im.scheduled)
        if (t > now && (report.next_attempt_ms == 0 || t < report.next_attempt_ms))
            report.next_attempt_ms = t;
    return report;
}

Result<void> Deliverer::start() {
    State& im = *impl_;
    if (!im.threads.empty())
        return make_error(errc::outbox_delivery_config, "the deliverer is already started",
                          "call stop() first");
    for (size_t i = 0; i < im.options.workers; ++i)
        im.threads.emplace_back([&im] { im.worker(); });
    return {};
}

void Deliverer::stop() {
    if (impl_) impl_->stop();
}

DeliveryStats Deliverer::stats() const {
    return impl_->counters.snapshot();
}

}  // namespace vft
