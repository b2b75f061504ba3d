// TokenClient: client_credentials + private_key_jwt, optional DPoP binding with the nonce retry,
// a cache per scope set with early refresh, and single flight per scope set.
#include "vft/client/token_client.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include "client/client_util.hpp"
#include "json/json_util.hpp"
#include "transport/text.hpp"
#include "vft/auth/client_assertion.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::client {

using detail::make_error;

std::string scope_key(const std::vector<std::string>& scopes) {
    std::vector<std::string> sorted;
    for (const auto& s : scopes)
        if (!s.empty()) sorted.push_back(s);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::string out;
    for (const auto& s : sorted)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

namespace {

std::vector<std::string> split_scopes(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < text.size()) {
        const size_t sp = text.find(' ', i);
        const size_t end = sp == std::string_view::npos ? text.size() : sp;
        if (end > i) out.emplace_back(text.substr(i, end - i));
        i = end + 1;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// One request in flight for a scope set; waiters share its result.
struct Flight {
    bool done = false;
    Result<AccessToken> result = Error{};
};

struct Entry {
    std::optional<AccessToken> token;
    std::shared_ptr<Flight> flight;
};

}  // namespace

struct TokenClient::State {
    TokenClientOptions options;
    transport::RetryingClient http;
    std::mutex mutex;
    std::condition_variable cv;
    std::map<std::string, Entry> cache;
    std::string nonce;  // the token endpoint's last DPoP-Nonce (guarded by mutex)

    State(TokenClientOptions o, transport::RetryingClient h)
        : options(std::move(o)), http(std::move(h)) {}

    int64_t now() const { return options.now ? options.now() : detail::system_now(); }

    std::string current_nonce() {
        std::lock_guard lock(mutex);
        return nonce;
    }
    void remember_nonce(const transport::HttpResponse& r) {
        const std::string n = r.header("DPoP-Nonce");
        if (n.empty()) return;
        std::lock_guard lock(mutex);
        nonce = n;
    }

    Result<AccessToken> fetch(const std::string& scope) {
        int attempts = 0;
        const bool dpop = options.dpop_key.has_value();
        // RFC 9449 §8: one resend with the nonce the server asked for.
        for (int pass = 0; pass < 2; ++pass) {
            transport::HttpRequest request;
            request.method = "POST";
            request.url = options.token_url;
            request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                               {"Accept", "application/json"}};
            const std::string nonce_now = dpop ? current_nonce() : std::string();
            // Each attempt gets a new assertion (its jti is single use) and a new proof.
            auto prepare = [&](transport::HttpRequest& r, int) -> Result<void> {
                auth::ClientAssertion claims;
                claims.client_id = options.client_id;
                claims.token_endpoint = options.token_url;
                claims.kid = options.kid;
                claims.lifetime_s = options.assertion_lifetime_s;
                claims.now = now();
                auto assertion = auth::make_client_assertion(*options.client_key, claims);
                if (!assertion) return assertion.error();
                std::vector<std::pair<std::string, std::string>> fields = {
                    {"grant_type", "client_credentials"},
                    {"client_assertion_type",
                     "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                    {"client_assertion", *assertion}};
                if (!scope.empty()) fields.emplace_back("scope", scope);
                r.body = detail::form(fields);
                if (dpop) {
                    auto proof = auth::make_dpop_proof(
                        *options.dpop_key, {"POST", options.token_url, "", nonce_now, now()});
                    if (!proof) return proof.error();
                    detail::set_header(r, "DPoP", std::move(proof).value());
                }
                return {};
            };
            auto sent = http.send(request, true, prepare);
            if (!sent) {
                const Error& cause = sent.error();
                if (cause.code.rfind("VFT-AUTH-", 0) == 0) return cause;  // signing failed
                return make_error(errc::auth_token_request,
                                  "the token endpoint " +
                                      transport::redact_for_log(options.token_url) +
                                      " could not be reached: " + cause.to_string(),
                                  "check token_url and the network; the call may succeed later",
                                  cause.http_status, cause.retryable);
            }
            attempts += sent->attempts;
            const transport::HttpResponse& r = sent->response;
            if (dpop) remember_nonce(r);
            rapidjson::Document d;
            d.Parse(r.body.data(), r.body.size());
            const bool json = !d.HasParseError() && d.IsObject();
            if (r.status < 200 || r.status > 299) {
                const std::string error =
                    json ? std::string(vft::detail::str_member(d, "error")) : "";
                if (dpop && pass == 0 && r.status == 400 && error == "use_dpop_nonce" &&
                    !r.header("DPoP-Nonce").empty())
                    continue;
                const std::string description =
                    json ? std::string(vft::detail::str_member(d, "error_description")) : "";
                std::string message =
                    "the token endpoint refused the request with HTTP " + std::to_string(r.status);
                if (!error.empty()) message += ": " + detail::sanitize(error, 80);
                if (!description.empty()) message += " (" + detail::sanitize(description) + ")";
                std::string hint =
                    error == "invalid_client"
                        ? "the client id, key or kid is not the one registered at the token service"
                    : error == "invalid_scope"  ? "the client is not allowed these scopes: " + scope
                    : error == "use_dpop_nonce" ? "the server asked for a DPoP nonce twice"
                    : error == "invalid_dpop_proof" ? "the DPoP proof was refused (key, htu, iat)"
                    : r.status >= 500               ? "the token service is failing; try later"
                                                    : "see the OAuth error";
                if (attempts > 1) message += " (after " + std::to_string(attempts) + " attempts)";
                return make_error(errc::auth_token_request, std::move(message), std::move(hint),
                                  r.status, transport::retryable_status(r.status));
            }
            if (!json)
                return make_error(errc::auth_token_response,
                                  "the token response is not a JSON object",
                                  "the token endpoint must answer application/json", r.status);
            const auto value = vft::detail::str_member(d, "access_token");
            if (value.empty())
                return make_error(errc::auth_token_response,
                                  "the token response has no access_token", {}, r.status);
            const std::string type(vft::detail::str_member(d, "token_type"));
            const std::string want = dpop ? "DPoP" : "Bearer";
            if (!transport::detail::iequals(type, want))
                return make_error(
                    errc::auth_token_response,
                    "the token response has token_type '" + detail::sanitize(type, 40) +
                        "', expected '" + want + "'",
                    dpop ? "the server did not bind the token to the DPoP key; it must not be "
                           "used as a DPoP token"
                         : "a DPoP-bound token cannot be used without its key; configure a "
                           "dpop_key",
                    r.status);
            const auto* exp = vft::detail::member(d, "expires_in");
            if (!exp || !exp->IsNumber() || exp->GetDouble() < 1 || exp->GetDouble() > 1e9)
                return make_error(errc::auth_token_response,
                                  "the token response has no positive expires_in", {}, r.status);
            const auto lifetime = static_cast<int64_t>(exp->GetDouble());
            AccessToken t;
            t.value = std::string(value);
            t.token_type = want;
            t.issued_at = now();
            t.expires_at = t.issued_at + lifetime;
            const int64_t margin = std::min<int64_t>(
                std::max<int64_t>(options.min_refresh_margin_s,
                                  static_cast<int64_t>(lifetime * options.refresh_fraction)),
                lifetime / 2);
            t.refresh_at = t.expires_at - margin;
            const auto granted_text = vft::detail::str_member(d, "scope");
            // RFC 6749 §5.1: scope may be left out when it is what was asked for.
            t.scopes = granted_text.empty() ? split_scopes(scope) : split_scopes(granted_text);
            for (const auto& s : split_scopes(scope))
                if (!std::binary_search(t.scopes.begin(), t.scopes.end(), s))
                    return make_error(
                        errc::auth_token_response,
                        "the token was issued without the requested scope '" + s + "'",
                        "ask the token service's administrator to grant the scope", r.status);
            t.attempts = attempts;
            return t;
        }
        return make_error(errc::auth_token_request, "unreachable");  // the loop always returns
    }
};

Result<TokenClient> TokenClient::create(TokenClientOptions options) {
    if (!options.client_key)
        return make_error(errc::auth_key_invalid, "TokenClientOptions::client_key is not set",
                          "load the client's private key with auth::Key::load_file");
    if (!options.client_key->has_private())
        return make_error(errc::auth_key_invalid, "the client key is a public key",
                          "the client assertion must be signed with the private key");
    if (options.dpop_key && !options.dpop_key->has_private())
        return make_error(errc::auth_key_invalid, "the DPoP key is a public key",
                          "DPoP proofs must be signed with a private key");
    if (!detail::is_http_url(options.token_url))
        return make_error(errc::build_invalid_value,
                          "token_url must be an absolute http(s) URL, got '" +
                              detail::sanitize(options.token_url, 200) + "'");
    if (options.client_id.empty())
        return make_error(errc::build_invalid_value, "client_id is empty");
    if (options.assertion_lifetime_s < 1 || options.assertion_lifetime_s > 600)
        return make_error(errc::build_invalid_value, "assertion_lifetime_s must be 1..600",
                          "HelseID accepts short-lived assertions; 60 s is the default");
    if (options.min_refresh_margin_s < 0 || !(options.refresh_fraction >= 0.0) ||
        options.refresh_fraction >= 1.0)
        return make_error(errc::build_invalid_value,
                          "min_refresh_margin_s must be >= 0 and refresh_fraction in [0, 1)");
    auto http = transport::HttpClient::create(options.http);
    if (!http) return http.error();
    transport::RetryingClient retrying(std::move(http).value(), options.retry);
    return TokenClient(std::make_shared<State>(std::move(options), std::move(retrying)));
}

Result<AccessToken> TokenClient::token(const std::vector<std::string>& scopes) const {
    State& i = *impl_;
    const std::string key = scope_key(scopes);
    std::unique_lock lock(i.mutex);
    for (;;) {
        Entry& e = i.cache[key];
        const int64_t now = i.now();
        if (e.token && now < e.token->refresh_at) {
            AccessToken t = *e.token;
            t.attempts = 0;
            return t;
        }
        if (e.flight) {
            // A refresh is under way: a token that is still valid serves meanwhile.
            if (e.token && now < e.token->expires_at) {
                AccessToken t = *e.token;
                t.attempts = 0;
                return t;
            }
            auto flight = e.flight;
            i.cv.wait(lock, [&] { return flight->done; });
            if (flight->result.ok()) {
                AccessToken t = flight->result.value();
                t.attempts = 0;
                return t;
            }
            return flight->result.error();
        }
        auto flight = std::make_shared<Flight>();
        e.flight = flight;
        lock.unlock();
        Result<AccessToken> got = i.fetch(key);
        lock.lock();
        Entry& after = i.cache[key];
        if (got.ok()) after.token = got.value();
        after.flight.reset();
        flight->result = got;
        flight->done = true;
        i.cv.notify_all();
        return got;
    }
}

void TokenClient::invalidate(const std::vector<std::string>& scopes,
                             std::string_view only_if_value) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->cache.find(scope_key(scopes));
    if (it == impl_->cache.end() || !it->second.token) return;
    if (!only_if_value.empty() && it->second.token->value != only_if_value) return;
    it->second.token.reset();
}

const std::optional<auth::Key>& TokenClient::dpop_key() const {
    return impl_->options.dpop_key;
}

const TokenClientOptions& TokenClient::options() const {
    return impl_->options;
}

int64_t TokenClient::now() const {
    return impl_->now();
}

}  // namespace vft::client
