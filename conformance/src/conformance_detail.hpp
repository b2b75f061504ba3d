// Internals of vft::conformance shared by the runner, the replay context and the suites, and
// pinned by unit tests: test-ID and glob rules, the mandatory-list format, privacy (redaction of
// secrets, hashing of fødselsnummer), hashes, clock text and the embedded fixtures.
// Thread-safety: free functions without shared state; Privacy is immutable after construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/internal/glob.hpp"
#include "vft/internal/hash.hpp"
#include "vft/internal/json.hpp"
#include "vft/internal/time.hpp"
#include "vft/reports/report.hpp"

namespace vft::conformance::detail {

// Suite names (CONTRIBUTING.md, "Suite names"): the suite ID users see and reports carry is
// DESIGN.md's (vkp-r4, jft, pmd, kith); its directory conformance/suites/<dir> and the first
// segment of its test IDs write '-' as '_' (vkp_r4). These two are the only conversions.
[[nodiscard]] std::string suite_dir(std::string_view suite_id);   // vkp-r4 -> vkp_r4
[[nodiscard]] std::string suite_id_of_dir(std::string_view dir);  // vkp_r4 -> vkp-r4

// '*' any run (also across dots), '?' one character (vft/internal/glob.hpp: fnmatch(3)).
using internal::glob_match;

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

using internal::sha256_hex;

// `s` as a JSON string literal, quotes included (RapidJSON's Writer).
[[nodiscard]] inline std::string json_string(std::string_view s) {
    return internal::json_quote(s);
}

// Replaces invalid UTF-8 by U+FFFD so the report stays valid JSON text.
[[nodiscard]] std::string utf8_clean(std::string_view s);

// RFC 3339 UTC with milliseconds: 2026-11-28T10:00:00.123Z
[[nodiscard]] inline std::string rfc3339_ms(std::chrono::system_clock::time_point t) {
    return internal::utc_millis(t);
}
// Milliseconds since the epoch of such a text; nullopt when it is not one.
[[nodiscard]] inline std::optional<int64_t> parse_rfc3339_ms(std::string_view s) {
    return internal::parse_utc_millis(s);
}

// True for headers whose values never go into a report: Authorization, DPoP, Cookie,
// Set-Cookie, Proxy-Authorization, and any name containing key, secret or token.
[[nodiscard]] bool secret_header(std::string_view name);

// The credentials the runner itself sent in one run (access tokens, DPoP proofs, client
// assertions). A SUT may echo them anywhere (a body, an X-Debug header): every stored text is
// scrubbed of them, exactly, and of anything JWT-shaped after "Bearer " or "DPoP ", before
// evidence is written or signed. Thread-safe.
class Secrets {
  public:
    // Remembers `secret` ("<scheme> <credential>": the credential). Values shorter than 16
    // characters are ignored (they would redact ordinary words).
    void add(std::string_view secret);
    // `text` with every remembered secret and every "Bearer|DPoP <jwt>" credential replaced by
    // "[redacted]". A secret is found where it starts a run of token characters (it is quoted,
    // spaced or at a line start, as an echo is) or where it starts with "eyJ" (every JWT:
    // tokens, proofs, assertions), also inside other text. One pass over `text`, whatever the
    // number of secrets.
    [[nodiscard]] std::string scrub(std::string text) const;

  private:
    mutable std::mutex mu_;
    // First 15 characters → the secrets starting so, longest first.
    std::map<std::string, std::vector<std::string>> by_prefix_;
};

// "Bearer <a.b.c>" / "DPoP <a.b.c>" (scheme case-insensitive, base64url segments) with the JWT
// replaced by "[redacted]"; other text unchanged.
[[nodiscard]] std::string redact_jwt_credentials(std::string text);

// What is stored of a body in a report. Whatever the SUT sent (responses; inbound requests of
// role sender) is kept whole up to kStoredBodyLimit, because a re-judge judges it again; the
// runner's own request bodies (regenerated by a re-judge) are kept up to kOwnBodyLimit.
inline constexpr size_t kStoredBodyLimit = 16u << 20;
inline constexpr size_t kOwnBodyLimit = 1u << 20;

// When `stored` is a body Privacy::body() cut, what was cut ("2097152 bytes in all, 16777216
// kept"); nullopt for a whole body. A re-judge never judges a cut body: the test is `error`.
[[nodiscard]] std::optional<std::string> truncation_of(std::string_view stored);

// What goes into a report instead of health data and secrets.
class Privacy {
  public:
    // `secrets`: the run's credentials to scrub from every text (may be null; must outlive this).
    explicit Privacy(std::string salt_hex, const Secrets* secrets = nullptr)
        : salt_(std::move(salt_hex)), secrets_(secrets) {}
    // "FNR#" + the first 12 hex digits of SHA-256(salt text + number).
    [[nodiscard]] std::string hash(std::string_view fnr) const;
    // Credentials scrubbed (Secrets), and every valid fødselsnummer / D-number (11 digits, also
    // written 6+5 with one space or dot between, not part of a longer digit run, valid check
    // digits) in `text` replaced by its hash.
    [[nodiscard]] std::string text(std::string_view text) const;
    // Headers as recorded: secret values "[redacted]", numbers hashed in the others.
    [[nodiscard]] std::vector<reports::Header> headers(
        const std::vector<std::pair<std::string, std::string>>& headers) const;
    // An exchange body as recorded: UTF-8 cleaned, credentials scrubbed, numbers hashed, at most
    // `limit` bytes kept; a longer one ends with the note truncation_of() recognises.
    [[nodiscard]] std::string body(std::string_view body, size_t limit = kStoredBodyLimit) const;
    [[nodiscard]] const std::string& salt() const { return salt_; }

  private:
    std::string salt_;
    const Secrets* secrets_ = nullptr;
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
