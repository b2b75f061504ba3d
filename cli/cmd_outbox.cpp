// vft outbox status|list|retry|drop|deliver --db FILE — inspect, repair and deliver a sender's
// outbox.
// Exit 0: done · 1: nothing matched · 2: could not run. Every 11-digit run in the output is
// masked (fødselsnummer in keys, errors and outcomes); message bodies are never printed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include "commands.hpp"
#include "json_text.hpp"
#include "terminal.hpp"
#include "vft/auth/key.hpp"
#include "vft/client/auth.hpp"
#include "vft/client/token_client.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/outbox/delivery.hpp"
#include "vft/outbox/outbox.hpp"

namespace vft::cli {
namespace {

struct OutboxArgs {
    std::string db;
    std::string format = "text";
    std::string state;
    size_t limit = 100;
    int64_t seq = 0;
    bool all = false;
    // deliver
    std::string url, orgnr, service_codes;
    size_t workers = 1;
    double seconds = 30;
    // purge
    double older_than_days = -1;
    // deliver with HelseID
    std::string token_url, client_id, client_key, kid;
};

// Masked, and JSON-escaped for json output.
// What a receiver said, for the terminal: fødselsnummer masked, control characters escaped.
std::string safe(std::string_view s) {
    return printable(mask_person_ids(s));
}
std::string jstr(std::string_view s) {
    return "\"" + esc(mask_person_ids(s)) + "\"";
}

// On one line, at most `max` bytes (outcomes can be long; --format json gives them whole).
std::string one_line(std::string s, size_t max) {
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (s.size() > max) s = s.substr(0, max) + "…";
    return s;
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string when(int64_t ms) {
    return ms <= 0 ? "-" : format_fhir_time(Time{std::chrono::seconds{ms / 1000}});
}

std::string age(int64_t seconds) {
    if (seconds < 0) seconds = 0;
    const int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60,
                  s = seconds % 60;
    if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
    if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
    if (m > 0) return std::to_string(m) + "m " + std::to_string(s) + "s";
    return std::to_string(s) + "s";
}

const char* state_name(OutboxState s) {
    return s == OutboxState::delivered ? "delivered" : s == OutboxState::dead ? "dead" : "pending";
}

// Opens an existing outbox only: a mistyped path must not create an empty queue and report it.
std::optional<Outbox> open_existing(const std::string& cmd, const std::string& db) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(db, ec)) {
        std::cerr << "vft outbox " << cmd << ": no outbox at '" << safe(db) << "'\n";
        return std::nullopt;
    }
    auto box = Outbox::open(OutboxOptions{db});
    if (!box) {
        std::cerr << "vft outbox " << cmd << ": " << safe(box.error().to_string()) << "\n";
        return std::nullopt;
    }
    return std::move(box).value();
}

int fail_storage(const std::string& cmd, const Error& e) {
    std::cerr << "vft outbox " << cmd << ": " << safe(e.to_string()) << "\n";
    return kExitCannotRun;
}

int run_status(const OutboxArgs& a) {
    auto box = open_existing("status", a.db);
    if (!box) return kExitCannotRun;
    auto c = box->counts();
    if (!c) return fail_storage("status", c.error());
    // -1: nothing pending. (A plain value: GCC 12 warns falsely on optional<int64_t> here.)
    const int64_t age_s = c->pending > 0 ? (now_ms() - c->oldest_pending_ms) / 1000 : -1;
    if (a.format == "json") {
        std::cout << R"({"db":)" << jstr(a.db) << R"(,"pending":)" << c->pending
                  << R"(,"delivered":)" << c->delivered << R"(,"dead":)" << c->dead
                  << R"(,"oldest_pending":)"
                  << (age_s >= 0 ? "\"" + when(c->oldest_pending_ms) + "\"" : "null")
                  << R"(,"oldest_pending_age_s":)" << (age_s >= 0 ? std::to_string(age_s) : "null")
                  << "}\n";
        return kExitOk;
    }
    std::cout << "outbox " << safe(a.db) << "\n"
              << "  pending    " << c->pending;
    if (age_s >= 0)
        std::cout << "  (oldest " << age(age_s) << " old, since " << when(c->oldest_pending_ms)
                  << ")";
    std::cout << "\n  delivered  " << c->delivered << "\n  dead       " << c->dead << "\n";
    return kExitOk;
}

int run_list(const OutboxArgs& a) {
    auto box = open_existing("list", a.db);
    if (!box) return kExitCannotRun;
    const OutboxState state = a.state == "delivered" ? OutboxState::delivered
                              : a.state == "dead"    ? OutboxState::dead
                                                     : OutboxState::pending;
    auto ms = box->list(state, a.limit);
    if (!ms) return fail_storage("list", ms.error());
    if (a.format == "json") {
        std::cout << R"({"db":)" << jstr(a.db) << R"(,"state":")" << state_name(state)
                  << R"(","messages":[)";
        bool first = true;
        for (const OutboxMessage& m : *ms) {
            std::cout << (first ? "" : ",") << R"({"seq":)" << m.seq << R"(,"state":")"
                      << state_name(m.state) << R"(","identifier":)" << jstr(m.entry.identifier)
                      << R"(,"ordering_key":)" << jstr(m.entry.ordering_key) << R"(,"endpoint":)"
                      << jstr(m.entry.endpoint) << R"(,"content_type":)"
                      << jstr(m.entry.content_type) << R"(,"body_bytes":)" << m.entry.body.size()
                      << R"(,"attempts":)" << m.attempts << R"(,"last_status":)" << m.last_status
                      << R"(,"last_error":)" << jstr(m.last_error) << R"(,"created":")"
                      << when(m.created_ms) << R"(","next_attempt":")" << when(m.next_attempt_ms)
                      << R"(","delivered":)"
                      << (m.delivered_ms > 0 ? "\"" + when(m.delivered_ms) + "\"" : "null")
                      << R"(,"outcome":)" << jstr(m.outcome) << "}";
            first = false;
        }
        std::cout << "]}\n";
    } else {
        for (const OutboxMessage& m : *ms) {
            std::cout << m.seq << "  " << state_name(m.state) << "  " << safe(m.entry.identifier)
                      << "  key=" << safe(m.entry.ordering_key)
                      << "  endpoint=" << safe(m.entry.endpoint) << "  attempts=" << m.attempts
                      << "  status=" << m.last_status << "  created=" << when(m.created_ms);
            if (m.state == OutboxState::pending) std::cout << "  next=" << when(m.next_attempt_ms);
            if (m.state == OutboxState::delivered)
                std::cout << "  delivered=" << when(m.delivered_ms);
            std::cout << "\n";
            if (!m.last_error.empty())
                std::cout << "    error: " << safe(one_line(m.last_error, 300)) << "\n";
            if (!m.outcome.empty())
                std::cout << "    outcome: " << one_line(safe(m.outcome), 500) << "\n";
        }
        if (ms->empty()) std::cout << "no " << state_name(state) << " messages\n";
    }
    return ms->empty() ? kExitFail : kExitOk;
}

int run_retry(const OutboxArgs& a) {
    if (a.all == (a.seq > 0)) {
        std::cerr << "vft outbox retry: give either --seq N or --all\n";
        return kExitCannotRun;
    }
    auto box = open_existing("retry", a.db);
    if (!box) return kExitCannotRun;
    auto n = box->retry_dead(a.all ? std::nullopt : std::optional<int64_t>(a.seq));
    if (!n) return fail_storage("retry", n.error());
    if (*n == 0) {
        std::cout << (a.all ? std::string("no dead messages")
                            : "no dead message with seq " + std::to_string(a.seq))
                  << "\n";
        return kExitFail;
    }
    std::cout << *n << " message(s) back to pending\n";
    return kExitOk;
}

int run_drop(const OutboxArgs& a) {
    auto box = open_existing("drop", a.db);
    if (!box) return kExitCannotRun;
    auto n = box->drop(a.seq);
    if (!n) return fail_storage("drop", n.error());
    if (*n == 0) {
        std::cout << "no pending or dead message with seq " << a.seq
                  << " (delivered messages are kept as the record)\n";
        return kExitFail;
    }
    std::cout << "dropped message " << a.seq << "\n";
    return kExitOk;
}

// Retention: delivered messages older than N days leave the file (pending and dead never do).
int run_purge(const OutboxArgs& a) {
    auto box = open_existing("purge", a.db);
    if (!box) return kExitCannotRun;
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto before = now_ms - static_cast<int64_t>(a.older_than_days * 86400000.0);
    auto n = box->purge_delivered(before);
    if (!n) return fail_storage("purge", n.error());
    std::cout << "purged " << *n << " delivered message(s) delivered more than "
              << a.older_than_days << " day(s) ago\n";
    return kExitOk;
}

// The scope an outbox endpoint is sent with (domain §3): VKP per resource and write, JFT and
// PMD nhn:jft/api (DPoP), KITH nhn:kith/api.
std::string scope_for(std::string_view endpoint) {
    if (endpoint.rfind("jft:", 0) == 0 || endpoint.rfind("pmd:", 0) == 0) return "nhn:jft/api";
    if (endpoint.rfind("kith:", 0) == 0) return "nhn:kith/api";
    const auto colon = endpoint.find(':');
    return "nhn:vkp/api/user/" +
           std::string(colon == std::string_view::npos ? endpoint : endpoint.substr(colon + 1)) +
           ".write";
}

// HelseID for deliver: client_credentials with private_key_jwt; Bearer tokens for VKP and KITH,
// DPoP-bound tokens (a fresh ES256 key per run) with a proof per request for JFT and PMD.
std::optional<AuthHook> helseid_hook(const OutboxArgs& a) {
    auto key = auth::Key::load_file(a.client_key);
    if (!key) {
        std::cerr << "vft outbox deliver: " << key.error().to_string() << "\n";
        return std::nullopt;
    }
    client::TokenClientOptions t;
    t.token_url = a.token_url;
    t.client_id = a.client_id;
    t.client_key = *key;
    t.kid = a.kid;
    auto bearer_tokens = client::TokenClient::create(t);
    auto dpop_key = auth::Key::generate(auth::Algorithm::es256);
    if (!dpop_key) {
        std::cerr << "vft outbox deliver: " << dpop_key.error().to_string() << "\n";
        return std::nullopt;
    }
    t.dpop_key = *dpop_key;
    auto dpop_tokens = client::TokenClient::create(t);
    if (!bearer_tokens || !dpop_tokens) {
        std::cerr << "vft outbox deliver: "
                  << (bearer_tokens ? dpop_tokens.error() : bearer_tokens.error()).to_string()
                  << "\n";
        return std::nullopt;
    }
    auto bearer = client::Auth::bearer(*bearer_tokens);
    auto dpop = client::Auth::dpop(*dpop_tokens);
    if (!bearer || !dpop) {
        std::cerr << "vft outbox deliver: " << (bearer ? dpop.error() : bearer.error()).to_string()
                  << "\n";
        return std::nullopt;
    }
    return AuthHook([bearer = *bearer, dpop = *dpop](std::string_view method, std::string_view url,
                                                     std::string_view endpoint) {
        const bool bound = endpoint.rfind("jft:", 0) == 0 || endpoint.rfind("pmd:", 0) == 0;
        return (bound ? dpop : bearer).headers_for(method, url, {scope_for(endpoint)});
    });
}

// Delivers what is due until nothing is pending or --for seconds pass; with --token-url as the
// HelseID client --client-id, else without auth (a receiver started with --auth none).
int run_deliver(const OutboxArgs& a) {
    auto box = open_existing("deliver", a.db);
    if (!box) return kExitCannotRun;
    DeliveryOptions o;
    if (!a.token_url.empty()) {
        auto hook = helseid_hook(a);
        if (!hook) return kExitCannotRun;
        o.auth = std::move(*hook);
    }
    o.base_url = a.url;
    o.orgnr = a.orgnr;
    o.workers = a.workers;
    for (size_t i = 0; i < a.service_codes.size();) {
        const size_t comma = std::min(a.service_codes.find(',', i), a.service_codes.size());
        if (comma > i) o.service_codes.push_back(a.service_codes.substr(i, comma - i));
        i = comma + 1;
    }
    // The last failure of this run, so a pending message says why (masked when printed).
    auto last = std::make_shared<std::pair<std::mutex, std::string>>();
    o.observer = [last](const DeliveryEvent& e) {
        if (e.verdict == DeliveryVerdict::delivered || !e.error) return;
        std::lock_guard lock(last->first);
        last->second = e.identifier + ": " + e.error->to_string();
    };
    auto d = Deliverer::create(*box, o);
    if (!d) return fail_storage("deliver", d.error());
    const auto budget = std::chrono::milliseconds(static_cast<int64_t>(a.seconds * 1000));
    auto idle = d->run_until_idle(std::chrono::steady_clock::now() + budget);
    if (!idle) return fail_storage("deliver", idle.error());
    const DeliveryStats& s = idle->stats;
    std::cout << "delivered " << s.delivered << ", retry later " << s.retried << ", dead " << s.dead
              << " (" << s.sent << " requests)\n"
              << "outbox: " << idle->pending << " pending, " << idle->dead << " dead\n";
    if (idle->next_attempt_ms > 0 && idle->pending > 0)
        std::cout << "next attempt " << when(idle->next_attempt_ms) << "\n";
    {
        std::lock_guard lock(last->first);
        if (!last->second.empty())
            std::cout << "last error: " << safe(one_line(last->second, 300)) << "\n";
    }
    return idle->pending == 0 && idle->dead == 0 ? kExitOk : kExitFail;
}

}  // namespace

void add_outbox(CLI::App& app, int& exit_code) {
    CLI::App* outbox =
        app.add_subcommand("outbox", "Inspect and repair a sender's durable outbox (SQLite)");
    outbox->require_subcommand(1);
    auto add = [&](const char* name, const char* help, int (*run)(const OutboxArgs&)) {
        auto args = std::make_shared<OutboxArgs>();
        CLI::App* cmd = outbox->add_subcommand(name, help);
        cmd->add_option("--db", args->db, "The outbox file")->required();
        cmd->callback([args, run, &exit_code] { exit_code = run(*args); });
        return std::pair{cmd, args};
    };
    {
        auto [cmd, args] =
            add("status", "Counts of pending, delivered and dead messages", run_status);
        cmd->add_option("--format", args->format, "text or json")
            ->check(CLI::IsMember({"text", "json"}));
    }
    {
        auto [cmd, args] =
            add("list", "List the messages in one state (bodies are not shown)", run_list);
        cmd->add_option("--state", args->state, "pending, delivered or dead")
            ->required()
            ->check(CLI::IsMember({"pending", "delivered", "dead"}));
        cmd->add_option("--limit", args->limit,
                        "At most this many (default 100; pending and dead oldest first, "
                        "delivered newest first)");
        cmd->add_option("--format", args->format, "text or json")
            ->check(CLI::IsMember({"text", "json"}));
    }
    {
        auto [cmd, args] = add("retry", "Move dead messages back to pending", run_retry);
        auto* seq =
            cmd->add_option("--seq", args->seq, "The message to retry")->check(CLI::PositiveNumber);
        auto* all = cmd->add_flag("--all", args->all, "Retry every dead message");
        seq->excludes(all);
    }
    {
        auto [cmd, args] = add("drop", "Remove a pending or dead message for good", run_drop);
        cmd->add_option("--seq", args->seq, "The message to drop")
            ->required()
            ->check(CLI::PositiveNumber);
    }
    {
        auto [cmd, args] = add("purge",
                               "Remove delivered messages older than --older-than-days "
                               "(retention; pending and dead messages are never purged)",
                               run_purge);
        cmd->add_option("--older-than-days", args->older_than_days,
                        "Delivered more than this many days ago (0: every delivered message)")
            ->required()
            ->check(CLI::Range(0.0, 36500.0));
    }
    {
        auto [cmd, args] = add("deliver",
                               "Send what is due to the receiver until nothing is pending "
                               "(exit 0) or --for passes (exit 1 while messages remain)",
                               run_deliver);
        cmd->add_option("--url", args->url, "The receiver's API root, e.g. http://127.0.0.1:8080")
            ->required();
        cmd->add_option("--orgnr", args->orgnr, "The receiving municipality (VKP endpoints)");
        cmd->add_option("--service-codes", args->service_codes,
                        "ServiceCodes header for VKP, e.g. TA,MD");
        auto* token_url = cmd->add_option(
            "--token-url", args->token_url,
            "HelseID token endpoint: send with tokens (Bearer for VKP and KITH, DPoP for JFT "
            "and PMD); without it no Authorization header is sent");
        cmd->add_option("--client-id", args->client_id, "HelseID client id")->needs(token_url);
        cmd->add_option("--client-key", args->client_key,
                        "The client's private key (PEM) for the client assertion")
            ->needs(token_url);
        cmd->add_option("--kid", args->kid, "Key id for the client assertion header")
            ->needs(token_url);
        token_url->needs("--client-id")->needs("--client-key");
        cmd->add_option("--workers", args->workers, "Sender threads (default 1)")
            ->check(CLI::Range(1, 64));
        cmd->add_option("--for", args->seconds,
                        "Give up waiting for backoffs after this many "
                        "seconds (default 30)")
            ->check(CLI::NonNegativeNumber);
    }
}

}  // namespace vft::cli
