// Token checks of the mock receiver (`vft mock receiver --auth URL [--authz FILE]`): HelseID
// access tokens as the VKP, JFT, PMD and KITH endpoints take them — signature against the token
// service's JWKS, time, issuer, audience, client_amr, DPoP proof and binding, scope per endpoint,
// and the VKP authorization register (vkp-id → orgnrs). The auth defects switch single checks
// off. Everything here is documented in docs/mocks.md; the receiver only calls check().
//
// Thread safety: check() may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/core/headers.hpp"
#include "vft/core/result.hpp"

namespace vft::mocks::detail {

// The API a request belongs to; each has its own token rules.
enum class Api {
    vkp,   // /epj/r4/{orgnr}/...: Bearer, aud nhn:vkp, scope per resource, vkp-id per orgnr
    jft,   // /v1/...: DPoP, aud nhn:jft, scope nhn:jft/api, orgnr_parent
    pmd,   // /pmd...: as JFT
    kith,  // /kith/...: Bearer, aud nhn:kith, scope nhn:kith/api (vft's choice)
};

// The API of a request path and, for VKP, the orgnr in it; nullopt for paths without token
// checks (/_admin/* and paths outside the four APIs, which are 404 anyway).
struct ApiPath {
    Api api = Api::vkp;
    std::string orgnr;  // VKP only
};
[[nodiscard]] std::optional<ApiPath> api_of(std::string_view path);

// The request URL for DPoP htu: the receiver's own public URL (its configuration: what the token
// service and the clients are given, never the request's Host header) + the request path.
[[nodiscard]] std::string request_url(std::string_view public_url, std::string_view path);

// A Host header value as RFC 9110 §7.2 allows it: uri-host [ ":" port ], where uri-host is a
// registered name (letters, digits, '-', '.', '_', '~'), an IPv4 address or an IP literal in
// brackets, and port is 0-65535. Anything else (a '/', '@', '?', spaces, an empty value) is
// refused with 400 before the request is looked at.
[[nodiscard]] bool valid_host(std::string_view host);

// A refused request: what the receiver answers.
struct Refusal {
    int status = 401;              // 401 (no or bad token, bad proof) or 403 (scope, orgnr)
    std::string www_authenticate;  // WWW-Authenticate value; empty = no header
    std::string outcome;           // OperationOutcome JSON; never contains the token
    std::string code;              // VFT-AUTH-09xx of the failed check (for logs and tests)
    std::string message;           // the same text as the outcome's details.text
};

struct AuthCheckerOptions {
    std::string token_service_url;  // JWKS from its discovery document, else URL/jwks
    std::string jwks_json;          // a fixed JWKS instead of fetching (unit tests)
    std::string issuer;             // expected iss; empty = the discovery document's, else the URL
    std::string authz_json;         // authorization register; empty = every vkp-id for every orgnr
    std::string authz_label = "--authz";     // names the register in errors (its file path)
    std::vector<std::string> served_orgnrs;  // others are left to the handler (400 2.2)
    std::vector<std::string> defects;        // named defects; the auth ones switch checks off
    // Clock skew allowed for exp, nbf and proof iat. HelseID's rules for APIs: "some small
    // leeway, usually no more than a few seconds" (docs/security.md has the page).
    int leeway_s = 5;
    int proof_max_age_s = 300;                        // a DPoP proof's iat may be at most this old
    std::chrono::milliseconds fetch_deadline{10000};  // keep trying to reach the token service
    int64_t now = 0;  // a fixed clock, seconds since the epoch (tests); 0 = the system clock
};

class AuthChecker {
  public:
    using Headers = vft::Headers;

    // Loads the register and the keys (fetching them, retried until fetch_deadline).
    // Errors: VFT-MOCK-1206 (register invalid), VFT-MOCK-1205 (unknown defect), VFT-NET-10xx or
    // VFT-HTTP-0NNN (token service unreachable or answering an error), VFT-AUTH-0901 (no usable
    // key in the JWKS).
    [[nodiscard]] static Result<std::unique_ptr<AuthChecker>> create(AuthCheckerOptions options);
    ~AuthChecker();

    // nullopt = the request may proceed. `path` is the request path as routed (the endpoint and
    // so the required scope come from it alone); `public_url` is the receiver's own configured
    // URL, so DPoP htu must be public_url + path; `orgnr` is the one in a VKP path. Header names
    // are matched case-insensitively.
    [[nodiscard]] std::optional<Refusal> check(std::string_view method, std::string_view path,
                                               std::string_view public_url, const Headers& headers,
                                               Api api, std::string_view orgnr);
    // The same with the absolute URL (scheme://authority/path) split into public URL and path;
    // for callers whose URL comes from configuration (unit tests), never from a Host header.
    [[nodiscard]] std::optional<Refusal> check(std::string_view method, std::string_view url,
                                               const Headers& headers, Api api,
                                               std::string_view orgnr);

    // One line for the receiver's start-up: issuer, key count, register, defects.
    [[nodiscard]] std::string describe() const;

    struct Impl;

  private:
    explicit AuthChecker(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace vft::mocks::detail
