// Internals of vft::conformance shared by the runner, the replay context and the suites, and
// pinned by unit tests: test-ID and glob rules, the mandatory-list format, privacy (redaction of
// secrets, hashing of fødselsnummer), hashes, clock text and the embedded fixtures.
// Thread-safety: free functions without shared state; Privacy is immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"

namespace vft::conformance::detail {

// '*' any run (also across dots), '?' one character; everything else literal.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

// A permanent test ID: ^[a-z0-9_]+(\.[a-z0-9_]+)+$ whose first segment is the suite id with
// '-' -> '_'. Errors: VFT-CONF-1406.
[[nodiscard]] Result<void> check_test_id(std::string_view id, std::string_view suite_id);

// A mandatory list: one ID per line; '#' starts a comment; blank lines ignored.
// Errors: VFT-CONF-1406 (a line that is not an ID, a duplicate), location "<where>:<line>".
[[nodiscard]] Result<std::vector<std::string>> parse_mandatory(std::string_view text,
                                                               std::string_view where);

// The registration rule (docs/conformance.md, "Requirements"): every mandatory test lists (in
// `reqs`, test ID -> requirement IDs) at least one requirement whose level (`levels`) is SHALL.
// Errors: VFT-CONF-1410 naming the first mandatory test without one; location `where`.
[[nodiscard]] Result<void> check_mandatory_shall(
    const std::vector<std::string>& mandatory,
    const std::map<std::string, std::vector<std::string>>& reqs,
    const std::map<std::string, std::string>& levels, const std::string& where);

[[nodiscard]] std::string sha256_hex(std::string_view data);

// Replaces invalid UTF-8 by U+FFFD so the report stays valid JSON text.
[[nodiscard]] std::string utf8_clean(std::string_view s);

// RFC 3339 UTC with milliseconds: 2026-11-28T10:00:00.123Z
[[nodiscard]] std::string rfc3339_ms(std::chrono::system_clock::time_point t);
// Milliseconds since the epoch of such a text; nullopt when it is not one.
[[nodiscard]] std::optional<int64_t> parse_rfc3339_ms(std::string_view s);

// True for headers whose values never go into a report: Authorization, DPoP, Cookie,
// Set-Cookie, Proxy-Authorization, and any name containing key, secret or token.
[[nodiscard]] bool secret_header(std::string_view name);

// What goes into a report instead of health data and secrets.
class Privacy {
  public:
    explicit Privacy(std::string salt_hex) : salt_(std::move(salt_hex)) {}
    // "FNR#" + the first 12 hex digits of SHA-256(salt text + number).
    [[nodiscard]] std::string hash(std::string_view fnr) const;
    // Every valid fødselsnummer / D-number (11 digits, not part of a longer digit run, valid
    // check digits) in `text` replaced by its hash.
    [[nodiscard]] std::string text(std::string_view text) const;
    // Headers as recorded: secret values "[redacted]", numbers hashed in the others.
    [[nodiscard]] std::vector<reports::Header> headers(
        const std::vector<std::pair<std::string, std::string>>& headers) const;
    // An exchange body as recorded: UTF-8 cleaned, numbers hashed, at most `limit` bytes kept.
    [[nodiscard]] std::string body(std::string_view body, size_t limit = 1u << 20) const;
    [[nodiscard]] const std::string& salt() const { return salt_; }

  private:
    std::string salt_;
};

// Embedded fixture by path relative to the source tree ("fixtures/messages/valid/...").
[[nodiscard]] std::optional<std::string_view> fixture(std::string_view path);
// Every embedded fixture path under a folder ("fixtures/messages/invalid/"), sorted.
[[nodiscard]] std::vector<std::string> fixtures_under(std::string_view folder);
// The synthetic persons of fixtures/persons and fixtures/epj (their fødselsnummer).
[[nodiscard]] std::vector<std::string> known_person_numbers();

// Deterministic values per (seed, test id, counter) for identifiers a test generates.
[[nodiscard]] std::string derived_uuid(uint64_t seed, std::string_view test_id, uint64_t n);

// A random 128-bit value in hex (salt, run id material).
[[nodiscard]] std::string random_hex(size_t bytes);

}  // namespace vft::conformance::detail
