// The request loop the API clients share: retries (RetryingClient, a fresh Authorization/DPoP
// per attempt) and at most one resend for a DPoP nonce and one for a refused token.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "vft/client/api.hpp"
#include "vft/client/auth.hpp"
#include "vft/core/result.hpp"
#include "vft/transport/retry.hpp"

namespace vft::client::detail {

struct Called {
    transport::HttpResponse response;
    int attempts = 0;
};

class Caller {
  public:
    // Errors: VFT-BUILD-0704 (base_url not an http(s) URL), those of HttpClient::create.
    [[nodiscard]] static Result<Caller> create(const ApiOptions& options, Auth auth);

    // Sends `request` with auth for `scopes`. ok() for every response the server sent.
    [[nodiscard]] Result<Called> send(const transport::HttpRequest& request,
                                      const std::vector<std::string>& scopes,
                                      bool idempotent = true) const;

    // ok() when the status is one of `expected`; else the typed error of the response
    // (transport::error_from_response), saying how many attempts it took.
    [[nodiscard]] static Result<void> expect(const Called& called,
                                             std::initializer_list<int> expected);

    [[nodiscard]] const std::string& base() const { return base_; }

  private:
    Caller(transport::RetryingClient http, Auth auth, std::string base)
        : http_(std::move(http)), auth_(std::move(auth)), base_(std::move(base)) {}
    transport::RetryingClient http_;
    Auth auth_;
    std::string base_;
};

}  // namespace vft::client::detail
