// Retry policy pieces (status classes, Retry-After parsing, backoff) and RetryingClient.
#include "vft/transport/retry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <thread>

#include "transport/text.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/transport/http_error.hpp"

namespace vft::transport {

using std::chrono::milliseconds;

bool retryable_status(int status) {
    if (status == 408 || status == 425 || status == 429) return true;
    if (status < 500 || status > 599) return false;
    // These say something permanent about the server or the network path; asking again is futile.
    switch (status) {
        case 501:  // Not Implemented
        case 505:  // HTTP Version Not Supported
        case 508:  // Loop Detected
        case 510:  // Not Extended
        case 511:  // Network Authentication Required (a captive portal)
            return false;
        default:
            return true;
    }
}

namespace {

// A tiny cursor over an HTTP-date; every reader returns false on the first mismatch.
struct Cursor {
    std::string_view s;

    bool lit(std::string_view t) {
        if (s.size() < t.size() || !detail::iequals(s.substr(0, t.size()), t)) return false;
        s.remove_prefix(t.size());
        return true;
    }
    bool digits(size_t n, int& out) {
        if (s.size() < n) return false;
        out = 0;
        for (size_t i = 0; i < n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            out = out * 10 + (s[i] - '0');
        }
        s.remove_prefix(n);
        return true;
    }
    // One of `names` (case-insensitive); index in `out`.
    template <size_t N>
    bool name(const std::array<std::string_view, N>& names, int& out) {
        for (size_t i = 0; i < N; ++i)
            if (lit(names[i])) {
                out = static_cast<int>(i);
                return true;
            }
        return false;
    }
    bool time_of_day(int& h, int& m, int& sec) {
        return digits(2, h) && lit(":") && digits(2, m) && lit(":") && digits(2, sec);
    }
};

constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
// Longest first where one is a prefix of another is not needed: no full name prefixes another.
constexpr std::array<std::string_view, 7> kLongDays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct DateParts {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

std::optional<DateParts> parse_http_date(std::string_view v, int current_year) {
    DateParts d;
    int ignored = 0;
    {  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
        Cursor c{v};
        if (c.name(kDays, ignored) && c.lit(", ") && c.digits(2, d.day) && c.lit(" ") &&
            c.name(kMonths, d.month) && c.lit(" ") && c.digits(4, d.year) && c.lit(" ") &&
            c.time_of_day(d.hour, d.minute, d.second) && c.lit(" GMT") && c.s.empty())
            return d;
    }
    {  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
        Cursor c{v};
        int yy = 0;
        if (c.name(kLongDays, ignored) && c.lit(", ") && c.digits(2, d.day) && c.lit("-") &&
            c.name(kMonths, d.month) && c.lit("-") && c.digits(2, yy) && c.lit(" ") &&
            c.time_of_day(d.hour, d.minute, d.second) && c.lit(" GMT") && c.s.empty()) {
            // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past century.
            d.year = current_year / 100 * 100 + yy;
            if (d.year > current_year + 50) d.year -= 100;
            return d;
        }
    }
    {  // asctime: "Sun Nov  6 08:49:37 1994"
        Cursor c{v};
        if (c.name(kDays, ignored) && c.lit(" ") && c.name(kMonths, d.month) && c.lit(" ") &&
            (c.lit(" ") ? c.digits(1, d.day) : c.digits(2, d.day)) && c.lit(" ") &&
            c.time_of_day(d.hour, d.minute, d.second) && c.lit(" ") && c.digits(4, d.year) &&
            c.s.empty())
            return d;
    }
    return std::nullopt;
}

uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t fresh_seed() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng();
}

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
    value = detail::trim_ows(value);
    if (value.empty()) return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        // Saturate absurd values; the policy clamps them anyway.
        long long seconds = 0;
        for (char c : value) {
            seconds = seconds * 10 + (c - '0');
            if (seconds > 1'000'000'000LL) break;
        }
        return milliseconds(std::min(seconds, 1'000'000'000LL) * 1000);
    }
    using namespace std::chrono;
    const auto today = year_month_day(floor<days>(now));
    auto parts = parse_http_date(value, static_cast<int>(today.year()));
    if (!parts) return std::nullopt;
    const year_month_day ymd{year(parts->year), month(static_cast<unsigned>(parts->month + 1)),
                             day(static_cast<unsigned>(parts->day))};
    if (!ymd.ok() || parts->hour > 23 || parts->minute > 59 || parts->second > 60)
        return std::nullopt;
    const auto when =
        sys_days(ymd) + hours(parts->hour) + minutes(parts->minute) + seconds(parts->second);
    if (when <= now) return std::nullopt;
    return ceil<milliseconds>(when - now);
}

milliseconds backoff_for(const RetryPolicy& policy, int attempt,
                         std::optional<milliseconds> retry_after, uint64_t jitter_seed) {
    const double cap = static_cast<double>(std::max<int64_t>(0, policy.max_backoff.count()));
    if (retry_after) {
        const auto limit = std::max(milliseconds(0), policy.max_retry_after);
        return std::clamp(*retry_after, milliseconds(0), limit);
    }
    const double multiplier = std::max(1.0, policy.multiplier);
    const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
    const int exponent = std::clamp(attempt, 1, 64) - 1;
    double base = static_cast<double>(std::max<int64_t>(0, policy.initial_backoff.count())) *
                  std::pow(multiplier, exponent);
    base = std::min(base, cap);  // also keeps inf and huge values away from the conversion
    const uint64_t r = splitmix64(jitter_seed ^ (static_cast<uint64_t>(attempt) << 32));
    const double unit = static_cast<double>(r >> 11) * 0x1.0p-53;  // [0, 1)
    const double spread = base * (1.0 + jitter * (2.0 * unit - 1.0));
    return milliseconds(static_cast<int64_t>(std::llround(std::clamp(spread, 0.0, cap))));
}

RetryingClient::RetryingClient(HttpClient client, RetryPolicy policy)
    : client_(std::move(client)), policy_(std::move(policy)) {
    policy_.max_attempts = std::max(1, policy_.max_attempts);
    policy_.multiplier = std::max(1.0, policy_.multiplier);
    policy_.jitter = std::clamp(policy_.jitter, 0.0, 1.0);
    policy_.initial_backoff = std::max(milliseconds(0), policy_.initial_backoff);
    policy_.max_backoff = std::max(milliseconds(0), policy_.max_backoff);
    policy_.max_retry_after = std::max(milliseconds(0), policy_.max_retry_after);
    policy_.deadline = std::max(milliseconds(0), policy_.deadline);
}

Result<RetryingClient::Outcome> RetryingClient::send(const HttpRequest& request,
                                                     bool idempotent) const {
    return send(request, idempotent, PrepareAttempt{});
}

Result<RetryingClient::Outcome> RetryingClient::send(const HttpRequest& request, bool idempotent,
                                                     const PrepareAttempt& prepare) const {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    // Time used so far. Waits count as requested, so an injected (fake) sleep still moves the
    // call toward its deadline; real time counts when it is more (a sleep that overslept).
    Clock::duration slept_real{0};
    milliseconds slept_requested{0};
    auto used = [&] {
        const auto real = Clock::now() - start;
        return std::chrono::duration_cast<milliseconds>(
            std::max(real, real - slept_real + slept_requested));
    };
    const uint64_t seed = fresh_seed();
    const std::string where = redact_for_log(request.url);

    auto deadline_error = [&](const Error& last, int attempts) {
        Error e;
        e.code = std::string(errc::net_deadline);
        e.message = "deadline of " + std::to_string(policy_.deadline.count()) + " ms passed for " +
                    request.method + " " + where + " after " + std::to_string(attempts) +
                    (attempts == 1 ? " attempt" : " attempts") + "; last: " + last.to_string();
        e.hint = "the receiver is unreachable or overloaded; keep the message and send it later";
        e.http_status = last.http_status;
        e.retryable = false;
        LogRecord rec{LogLevel::warning, e.message, {{"error", e.code}, {"url", where}}};
        client_.log(rec);
        return e;
    };

    for (int attempt = 1;; ++attempt) {
        const milliseconds remaining = policy_.deadline - used();
        HttpAttempt info;
        info.attempt = attempt;
        info.timeout = remaining;
        if (remaining <= milliseconds(0)) {
            Error none;
            none.code = std::string(errc::net_deadline);
            none.message = "no time left before the first attempt";
            return deadline_error(none, attempt - 1);
        }
        HttpRequest prepared;
        if (prepare) {
            prepared = request;
            auto ready = prepare(prepared, attempt);
            if (!ready) return ready.error();
        }
        auto result = client_.send_attempt(prepare ? prepared : request, info);

        std::optional<milliseconds> retry_after;
        Error last;
        if (result.ok()) {
            const int status = result->status;
            if (!retryable_status(status) || !idempotent || attempt >= policy_.max_attempts)
                return Outcome{std::move(result).value(), attempt};
            retry_after =
                parse_retry_after(result->header("Retry-After"), std::chrono::system_clock::now());
            last = error_from_response(*result);
        } else {
            last = std::move(result).error();
            // The attempt's timeout was cut to the time left: the deadline ended it.
            if (last.code == errc::net_timeout && remaining < client_.options().total_timeout)
                return deadline_error(last, attempt);
            // Without an idempotency key, only a request that never left may go again.
            if (!last.retryable || (!idempotent && info.request_sent)) return last;
            if (attempt >= policy_.max_attempts) {
                last.message += " (gave up after " + std::to_string(attempt) + " attempts)";
                return last;
            }
        }

        const milliseconds wait = backoff_for(policy_, attempt, retry_after, seed);
        if (used() + wait >= policy_.deadline) return deadline_error(last, attempt);
        client_.log(LogRecord{LogLevel::debug,
                              "retrying " + request.method + " " + where + " in " +
                                  std::to_string(wait.count()) + " ms after " + last.code,
                              {{"url", where},
                               {"attempt", std::to_string(attempt)},
                               {"error", last.code},
                               {"wait_ms", std::to_string(wait.count())}}});
        const auto before = Clock::now();
        if (policy_.sleep)
            policy_.sleep(wait);
        else
            std::this_thread::sleep_for(wait);
        slept_real += Clock::now() - before;
        slept_requested += wait;
    }
}

}  // namespace vft::transport
