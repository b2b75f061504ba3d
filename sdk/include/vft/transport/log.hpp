// Logging for the transport: one structured record per HTTP exchange, delivered to a sink the
// user sets. The library never prints; what reaches the sink is already safe to store: headers
// only from an allow-list, fødselsnummer/D-numbers masked, credentials stripped from URLs.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vft::transport {

enum class LogLevel { debug, info, warning, error };

// One log line. `message` is a short human sentence; `fields` carry the same facts for machines
// (e.g. {"method","POST"}, {"url",...}, {"status","201"}, {"elapsed_ms","12"}, {"attempt","1"},
// {"request.Content-Type",...}, {"response.Retry-After",...}, {"error","VFT-NET-1001"}).
struct LogRecord {
    LogLevel level = LogLevel::info;
    std::string message;
    std::vector<std::pair<std::string, std::string>> fields;
};

// Receives records. It is called on the thread that made the call; one client never calls it
// from two threads at once, but a sink shared by several clients must be thread-safe itself.
// An exception thrown by the sink is swallowed: logging never breaks sending.
using LogSink = std::function<void(const LogRecord&)>;

// True for the headers that may appear in logs (case-insensitive): Content-Type, Location,
// Retry-After, ServiceCodes, nhn-source-system, X-Request-Id. Never Authorization, DPoP,
// cookies or API keys.
[[nodiscard]] bool is_loggable_header(std::string_view name);

// Makes a URL (or any text) safe for a log: user:password@ removed, values of query parameters
// that look like secrets (token, key, secret, password, assertion, code, ...) replaced by "***",
// and every standalone 11-digit run masked with vft::mask_person_ids.
[[nodiscard]] std::string redact_for_log(std::string_view url);

}  // namespace vft::transport
