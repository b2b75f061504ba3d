// The shared request loop of the API clients.
#include "client/caller.hpp"

#include <algorithm>

#include "client/client_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/transport/http_error.hpp"

namespace vft::client::detail {

Result<Caller> Caller::create(const ApiOptions& options, Auth auth) {
    std::string base = options.base_url;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    if (!is_http_url(base))
        return make_error(
            errc::build_invalid_value,
            "base_url must be an absolute http(s) URL, got '" + sanitize(base, 200) + "'");
    auto http = transport::HttpClient::create(options.http);
    if (!http) return http.error();
    return Caller(transport::RetryingClient(std::move(http).value(), options.retry),
                  std::move(auth), std::move(base));
}

Result<Called> Caller::send(const transport::HttpRequest& request,
                            const std::vector<std::string>& scopes, bool idempotent) const {
    int attempts = 0;
    bool nonce_resent = false;
    bool token_resent = false;
    for (;;) {
        transport::HttpRequest sent;  // what went out last, without the body
        auto prepare = [&](transport::HttpRequest& r, int) -> Result<void> {
            auto ok = auth_.authorize(r, scopes);
            if (!ok) return ok;
            sent.method = r.method;
            sent.url = r.url;
            sent.headers = r.headers;
            return {};
        };
        auto out = http_.send(request, idempotent, prepare);
        if (!out) return out.error();
        attempts += out->attempts;
        const auto resend = auth_.on_response(sent, out->response, scopes);
        if (resend == Auth::Resend::new_nonce && !nonce_resent) {
            nonce_resent = true;
            continue;
        }
        if (resend == Auth::Resend::new_token && !token_resent) {
            token_resent = true;
            continue;
        }
        return Called{std::move(out->response), attempts};
    }
}

Result<void> Caller::expect(const Called& called, std::initializer_list<int> expected) {
    if (std::find(expected.begin(), expected.end(), called.response.status) != expected.end())
        return {};
    Error e = transport::error_from_response(called.response);
    if (called.attempts > 1)
        e.message += " (after " + std::to_string(called.attempts) + " attempts)";
    return e;
}

}  // namespace vft::client::detail
