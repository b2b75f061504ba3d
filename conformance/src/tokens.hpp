// Tokens for role receiver: real HelseID-style client_credentials tokens (private_key_jwt client
// assertion, DPoP-bound when asked, use_dpop_nonce handled), cached per scope set, and the
// deliberately bad tokens of the auth tests (from the SUT's test-token endpoint, or made here
// for a bad signature).
// Thread-safety: headers_for() may be called from any number of threads at once.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conformance_detail.hpp"
#include "vft/auth/key.hpp"
#include "vft/conformance/suite.hpp"
#include "vft/conformance/sut.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::conformance::detail {

class Tokens {
  public:
    Tokens(const Sut& sut, transport::HttpClient http) : sut_(sut), http_(std::move(http)) {}

    // The Authorization (and DPoP) headers for `request`. Errors: VFT-CONF-1407 (no valid
    // token), VFT-CONF-1408 (no bad token of that kind).
    [[nodiscard]] Result<Headers> headers_for(const transport::HttpRequest& request, TokenKind kind,
                                              const std::vector<std::string>& scopes, bool dpop);
    // A valid DPoP-bound token for `scopes` with a proof broken as `fault` says (suite.hpp);
    // `last_proof` is the proof to replay. Errors: as headers_for; VFT-CONF-1408 when the SUT
    // file has no HelseID auth or there is no proof to replay.
    [[nodiscard]] Result<Headers> headers_with_fault(const transport::HttpRequest& request,
                                                     const std::vector<std::string>& scopes,
                                                     DpopFault fault,
                                                     const std::string& last_proof);
    // Where every client assertion, token-endpoint proof and token fetched is remembered, so
    // evidence never shows one a SUT echoes (conformance_detail.hpp). Not owned; may be null.
    void set_secrets(Secrets* secrets) { secrets_ = secrets; }
    // Loads the key and fetches one token (pre-flight). Errors: VFT-CONF-1407.
    [[nodiscard]] Result<void> check(const std::vector<std::string>& scopes);

  private:
    struct Token {
        std::string access_token;
        std::string type;  // Bearer | DPoP
        int64_t expires_at = 0;
    };
    Result<auth::Key> key();
    Result<auth::Key> dpop_key();
    Result<Token> valid(const std::vector<std::string>& scopes, bool dpop);
    Result<Token> fetch(const std::string& scope, bool dpop);
    // `dpop_jkt`: bind the token to the runner's DPoP key (cnf.jkt), so that an API that
    // requires DPoP gets past the binding check and must refuse the token for what is wrong
    // with it (expiry, scope, ...), not for being unbound.
    Result<std::string> test_token(TokenKind kind, const std::vector<std::string>& scopes,
                                   const std::string& dpop_jkt);

    const Sut& sut_;
    transport::HttpClient http_;
    std::mutex mu_;
    std::optional<auth::Key> key_, dpop_key_;
    std::map<std::string, Token> cache_;
    Secrets* secrets_ = nullptr;
};

[[nodiscard]] std::string_view to_string(TokenKind kind);
[[nodiscard]] std::string form_encode(std::string_view s);

}  // namespace vft::conformance::detail
