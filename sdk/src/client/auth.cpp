// Auth: Authorization (and DPoP) headers per request, nonce learning and the 401 resend advice.
#include "vft/client/auth.hpp"

#include <map>
#include <mutex>

#include "client/client_util.hpp"
#include "transport/text.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::client {

struct Auth::State {
    Kind kind = Kind::none;
    std::optional<TokenClient> tokens;
    std::mutex mutex;
    std::map<std::string, std::string> nonces;  // origin -> last DPoP-Nonce of that server

    std::string nonce_for(const std::string& origin) {
        std::lock_guard lock(mutex);
        auto it = nonces.find(origin);
        return it == nonces.end() ? std::string() : it->second;
    }
};

Auth Auth::none() {
    return Auth(std::make_shared<State>());
}

Result<Auth> Auth::bearer(TokenClient tokens) {
    if (tokens.dpop_key())
        return detail::make_error(errc::auth_dpop_invalid,
                                  "Auth::bearer was given a DPoP-bound token client",
                                  "use Auth::dpop, or a token client without dpop_key");
    auto state = std::make_shared<State>();
    state->kind = Kind::bearer;
    state->tokens = std::move(tokens);
    return Auth(std::move(state));
}

Result<Auth> Auth::dpop(TokenClient tokens) {
    if (!tokens.dpop_key())
        return detail::make_error(errc::auth_dpop_invalid,
                                  "Auth::dpop needs a token client with a dpop_key",
                                  "set TokenClientOptions::dpop_key (e.g. an ES256 key)");
    auto state = std::make_shared<State>();
    state->kind = Kind::dpop;
    state->tokens = std::move(tokens);
    return Auth(std::move(state));
}

Auth::Kind Auth::kind() const {
    return state_->kind;
}

Result<Headers> Auth::headers_for(std::string_view method, std::string_view url,
                                  const std::vector<std::string>& scopes) const {
    State& s = *state_;
    if (s.kind == Kind::none) return Headers{};
    auto token = s.tokens->token(scopes);
    if (!token) return token.error();
    if (s.kind == Kind::bearer) return Headers{{"Authorization", "Bearer " + token->value}};
    auth::DpopClaims claims;
    claims.htm = std::string(method);
    claims.htu = std::string(url);
    claims.access_token = token->value;
    claims.nonce = s.nonce_for(detail::origin_of(url));
    claims.now = s.tokens->now();
    auto proof = auth::make_dpop_proof(*s.tokens->dpop_key(), claims);
    if (!proof) return proof.error();
    return Headers{{"Authorization", "DPoP " + token->value}, {"DPoP", std::move(proof).value()}};
}

Result<void> Auth::authorize(transport::HttpRequest& request,
                             const std::vector<std::string>& scopes) const {
    auto headers = headers_for(request.method, request.url, scopes);
    if (!headers) return headers.error();
    detail::remove_header(request, "Authorization");
    detail::remove_header(request, "DPoP");
    for (auto& h : *headers)
        request.headers.push_back(std::move(h));
    return {};
}

Auth::Resend Auth::on_response(const transport::HttpRequest& sent,
                               const transport::HttpResponse& response,
                               const std::vector<std::string>& scopes) const {
    State& s = *state_;
    if (s.kind == Kind::none) return Resend::no;
    const std::string nonce = response.header("DPoP-Nonce");
    if (s.kind == Kind::dpop && !nonce.empty()) {
        std::lock_guard lock(s.mutex);
        s.nonces[detail::origin_of(sent.url)] = nonce;
    }
    if (response.status != 401) return Resend::no;
    const std::string challenge =
        transport::detail::ascii_lower(response.header("WWW-Authenticate"));
    if (s.kind == Kind::dpop && !nonce.empty() &&
        challenge.find("use_dpop_nonce") != std::string::npos)
        return Resend::new_nonce;
    // The token was refused (revoked, expired early, clock skew): drop exactly that one.
    std::string used;
    for (const auto& [name, value] : sent.headers)
        if (transport::detail::iequals(name, "Authorization")) {
            const auto sp = value.find(' ');
            used = sp == std::string::npos ? std::string() : value.substr(sp + 1);
        }
    if (used.empty()) return Resend::no;
    s.tokens->invalidate(scopes, used);
    return Resend::new_token;
}

}  // namespace vft::client
