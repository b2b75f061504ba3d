// vft::client::Auth — how the API clients (and an outbox delivery loop) authorise a request:
// none, `Authorization: Bearer <token>` from a TokenClient, or `Authorization: DPoP <token>` plus
// a fresh DPoP proof per request (typ dpop+jwt, jwk, htm, htu, iat, unique jti, ath) with the
// server nonce learnt from `WWW-Authenticate: DPoP error="use_dpop_nonce"` + `DPoP-Nonce`.
//
// Use it as a hook: call headers_for() before every attempt (each attempt needs its own proof)
// and on_response() with every answer; it says whether to send the request once more.
//
// Thread-safety: every member may be called from any number of threads at once; copies share
// the token client and the learnt nonces.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/client/token_client.hpp"
#include "vft/core/headers.hpp"
#include "vft/core/result.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::client {

using Headers = vft::Headers;  // vft/core/headers.hpp

class Auth {
  public:
    enum class Kind { none, bearer, dpop };
    // What on_response() advises.
    enum class Resend {
        no,         // the answer stands
        new_nonce,  // 401 use_dpop_nonce: the nonce is learnt; send again with a new proof
        new_token,  // 401 (token refused or expired): the token is dropped; fetch one and resend
    };

    // No Authorization header at all.
    [[nodiscard]] static Auth none();
    // Bearer tokens; the token client must not be DPoP-bound. Errors: VFT-AUTH-0909.
    [[nodiscard]] static Result<Auth> bearer(TokenClient tokens);
    // DPoP-bound tokens and a proof per request; the token client must have a dpop_key.
    // Errors: VFT-AUTH-0909.
    [[nodiscard]] static Result<Auth> dpop(TokenClient tokens);

    [[nodiscard]] Kind kind() const;

    // The headers that authorise `method url` for these scopes: none, {Authorization}, or
    // {Authorization, DPoP}. Every call makes a new proof. Errors: those of TokenClient::token,
    // VFT-AUTH-0902 (the proof could not be signed).
    [[nodiscard]] Result<Headers> headers_for(std::string_view method, std::string_view url,
                                              const std::vector<std::string>& scopes) const;

    // Reads an answer to a request authorised by headers_for (`sent` as it went out): learns a
    // `DPoP-Nonce`, and on 401 says whether a resend can help. The caller resends at most once.
    [[nodiscard]] Resend on_response(const transport::HttpRequest& sent,
                                     const transport::HttpResponse& response,
                                     const std::vector<std::string>& scopes) const;

    // Sets (or replaces) the Authorization and DPoP headers of `request` by headers_for.
    [[nodiscard]] Result<void> authorize(transport::HttpRequest& request,
                                         const std::vector<std::string>& scopes) const;

    struct State;

  private:
    explicit Auth(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
};

}  // namespace vft::client
