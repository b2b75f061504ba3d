// Tokens for role receiver (see tokens.hpp).
#include "tokens.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>

#include "vft/auth/client_assertion.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/form.hpp"

namespace vft::conformance::detail {

namespace {

int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Error token_error(std::string message, std::string hint) {
    return Error{std::string(errc::conf_token), std::move(message), "auth", std::move(hint)};
}

std::string join_scopes(std::vector<std::string> scopes) {
    std::sort(scopes.begin(), scopes.end());
    scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
    std::string out;
    for (const auto& s : scopes)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

// The OAuth error member of a token endpoint's JSON answer ("" when none).
std::string oauth_error(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("error") || !d["error"].IsString())
        return "";
    return d["error"].GetString();
}

}  // namespace

std::string_view to_string(TokenKind kind) {
    switch (kind) {
        case TokenKind::none:
            return "none";
        case TokenKind::valid:
            return "valid";
        case TokenKind::expired:
            return "expired";
        case TokenKind::bad_signature:
            return "bad_signature";
        case TokenKind::wrong_scope:
            return "wrong_scope";
        case TokenKind::other_vkp_id:
            return "other_vkp_id";
        case TokenKind::wrong_audience:
            return "wrong_audience";
    }
    return "none";
}

std::string form_encode(std::string_view s) {
    return internal::form_encode(s);  // one encoding for every form body
}

Result<auth::Key> Tokens::key() {
    // mu_ held by the caller.
    if (!key_) {
        auto k = auth::Key::load_file(sut_.auth.private_key);
        if (!k)
            return token_error("cannot use auth.private_key: " + k.error().message,
                               "a PEM private key (RSA, EC P-256 or Ed25519), path relative to "
                               "the SUT file");
        key_ = *k;
    }
    return *key_;
}

Result<auth::Key> Tokens::dpop_key() {
    if (!dpop_key_) {
        // One DPoP key per run: proofs are bound to it, never to the client's signing key.
        auto k = auth::Key::generate(auth::Algorithm::es256);
        if (!k) return token_error("cannot generate a DPoP key: " + k.error().message, "");
        dpop_key_ = *k;
    }
    return *dpop_key_;
}

Result<Tokens::Token> Tokens::fetch(const std::string& scope, bool dpop) {
    auto k = key();
    if (!k) return k.error();
    std::string nonce;
    for (int attempt = 0; attempt < 2; ++attempt) {
        auth::ClientAssertion ca;
        ca.client_id = sut_.auth.client_id;
        ca.token_endpoint = sut_.auth.token_url;
        ca.kid = sut_.auth.kid;
        auto assertion = auth::make_client_assertion(*k, ca);
        if (!assertion)
            return token_error("cannot sign the client assertion: " + assertion.error().message,
                               "");
        if (secrets_) secrets_->add(*assertion);
        transport::HttpRequest req;
        req.method = "POST";
        req.url = sut_.auth.token_url;
        // Token requests are rare: no keep-alive, so an idle connection never holds one of a
        // small token service's workers while the other test threads wait for it.
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                       {"Accept", "application/json"},
                       {"Connection", "close"}};
        req.body = "grant_type=client_credentials&client_assertion_type=" +
                   form_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                   "&client_assertion=" + form_encode(*assertion) + "&scope=" + form_encode(scope);
        if (dpop) {
            auto dk = dpop_key();
            if (!dk) return dk.error();
            auto proof = auth::make_dpop_proof(*dk, {"POST", sut_.auth.token_url, "", nonce, 0});
            if (!proof)
                return token_error("cannot make a DPoP proof: " + proof.error().message, "");
            if (secrets_) secrets_->add(*proof);
            req.headers.emplace_back("DPoP", *proof);
        }
        auto res = http_.send(req);
        if (!res)
            return token_error("the token endpoint " + sut_.auth.token_url +
                                   " could not be reached: " + res.error().message,
                               "check auth.token_url");
        if (res->status == 400 && dpop && nonce.empty() &&
            oauth_error(res->body) == "use_dpop_nonce" && !res->header("DPoP-Nonce").empty()) {
            nonce = res->header("DPoP-Nonce");
            continue;
        }
        if (res->status != 200)
            return token_error(
                "the token endpoint answered HTTP " + std::to_string(res->status) +
                    (oauth_error(res->body).empty() ? std::string()
                                                    : " (" + oauth_error(res->body) + ")") +
                    " for scope '" + scope + "'",
                "is client " + sut_.auth.client_id +
                    " registered with this key and allowed these scopes?");
        rapidjson::Document d;
        d.Parse(res->body.data(), res->body.size());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("access_token") ||
            !d["access_token"].IsString())
            return token_error("the token endpoint's answer has no access_token", "");
        Token t;
        t.access_token = d["access_token"].GetString();
        if (secrets_) secrets_->add(t.access_token);
        t.type = d.HasMember("token_type") && d["token_type"].IsString()
                     ? d["token_type"].GetString()
                     : "Bearer";
        const int64_t expires_in = d.HasMember("expires_in") && d["expires_in"].IsInt64()
                                       ? d["expires_in"].GetInt64()
                                       : 300;
        t.expires_at = now_s() + expires_in;
        return t;
    }
    return token_error("the token endpoint kept asking for a DPoP nonce", "");
}

Result<Tokens::Token> Tokens::valid(const std::vector<std::string>& scopes, bool dpop) {
    const std::string scope = join_scopes(sut_.auth.scopes.empty() ? scopes : sut_.auth.scopes);
    const std::string cache_key = (dpop ? "dpop " : "bearer ") + scope;
    std::lock_guard lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.expires_at > now_s() + 30) return it->second;
    auto t = fetch(scope, dpop);
    if (!t) return t.error();
    cache_[cache_key] = *t;
    return *t;
}

Result<std::string> Tokens::test_token(TokenKind kind, const std::vector<std::string>& scopes,
                                       const std::string& dpop_jkt) {
    if (sut_.auth.test_token_url.empty())
        return Error{
            std::string(errc::conf_test_token),
            "no auth.test_token_url: a " + std::string(to_string(kind)) + " token cannot be made",
            "auth.test_token_url",
            "point it at the token service's test-token endpoint (the mock token "
            "service: POST /_admin/issue)"};
    // The mock token service's /_admin/issue (docs/mocks.md): a token minted as /connect/token
    // would for the client, then the claims given replaced.
    const int64_t now = now_s();
    std::string claims;
    switch (kind) {
        case TokenKind::expired:
            claims = "\"exp\":" + std::to_string(now - 3600) +
                     ",\"iat\":" + std::to_string(now - 7200) +
                     ",\"nbf\":" + std::to_string(now - 7200);
            break;
        case TokenKind::wrong_scope:
            claims = "\"scope\":\"nhn:vkp/api/user/allergyintolerance.read\"";
            break;
        case TokenKind::other_vkp_id:
            claims = "\"nhn:vkp/client/claims/vkp-id\":\"vft-conformance-not-authorised\"";
            break;
        case TokenKind::wrong_audience:
            claims = "\"aud\":\"nhn:not-this-api\"";
            break;
        default:
            break;
    }
    const std::string body = "{\"client_id\":\"" + sut_.auth.client_id + "\",\"scope\":\"" +
                             join_scopes(sut_.auth.scopes.empty() ? scopes : sut_.auth.scopes) +
                             "\"," +
                             (dpop_jkt.empty() ? "" : "\"dpop_jkt\":\"" + dpop_jkt + "\",") +
                             "\"claims\":{" + claims + "}}";
    transport::HttpRequest req{"POST",
                               sut_.auth.test_token_url,
                               {{"Content-Type", "application/json"}, {"Connection", "close"}},
                               body};
    auto res = http_.send(req);
    if (!res || res->status != 200)
        return Error{std::string(errc::conf_test_token),
                     "the test-token endpoint did not issue a " + std::string(to_string(kind)) +
                         " token (" +
                         (res ? "HTTP " + std::to_string(res->status) : res.error().message) + ")",
                     "auth.test_token_url", "is the token service started with test tokens on?"};
    rapidjson::Document d;
    d.Parse(res->body.data(), res->body.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("access_token") ||
        !d["access_token"].IsString())
        return Error{std::string(errc::conf_test_token),
                     "the test-token endpoint's answer has no access_token", "auth.test_token_url",
                     ""};
    return std::string(d["access_token"].GetString());
}

Result<Headers> Tokens::headers_for(const transport::HttpRequest& request, TokenKind kind,
                                    const std::vector<std::string>& scopes, bool dpop) {
    Headers out;
    if (kind == TokenKind::none || sut_.auth.type != "helseid") {
        if (kind != TokenKind::none && kind != TokenKind::valid)
            return Error{std::string(errc::conf_test_token),
                         "the SUT file has auth.type none: no " + std::string(to_string(kind)) +
                             " token can be presented",
                         "auth.type", "auth tests need auth.type helseid"};
        return out;
    }
    const bool bound = dpop || sut_.auth.dpop;
    std::string token;
    std::string type = bound ? "DPoP" : "Bearer";
    if (kind == TokenKind::valid || kind == TokenKind::bad_signature) {
        auto t = valid(scopes, bound);
        if (!t) return t.error();
        token = t->access_token;
        if (kind == TokenKind::bad_signature) {
            // Flip bits of the signature's first byte: same header and claims, signature invalid.
            const auto dot = token.rfind('.');
            auto sig = auth::base64url_decode(std::string_view(token).substr(dot + 1));
            if (dot == std::string::npos || !sig || sig->empty())
                return token_error(
                    "the SUT's token is not a compact JWS; cannot alter its "
                    "signature",
                    "");
            (*sig)[0] = static_cast<char>((*sig)[0] ^ 0x5a);
            token = token.substr(0, dot + 1) + auth::base64url_encode(*sig);
        }
    } else {
        std::string jkt;
        if (bound) {
            std::lock_guard lock(mu_);
            auto dk = dpop_key();
            if (!dk) return dk.error();
            jkt = dk->thumbprint();
        }
        auto t = test_token(kind, scopes, jkt);
        if (!t) return t.error();
        token = *t;
    }
    out.emplace_back("Authorization", type + " " + token);
    if (bound) {
        std::lock_guard lock(mu_);
        auto dk = dpop_key();
        if (!dk) return dk.error();
        auto proof = auth::make_dpop_proof(*dk, {request.method, request.url, token, "", 0});
        if (!proof) return token_error("cannot make a DPoP proof: " + proof.error().message, "");
        out.emplace_back("DPoP", *proof);
    }
    return out;
}

Result<Headers> Tokens::headers_with_fault(const transport::HttpRequest& request,
                                           const std::vector<std::string>& scopes, DpopFault fault,
                                           const std::string& last_proof) {
    if (sut_.auth.type != "helseid")
        return Error{std::string(errc::conf_test_token),
                     "the SUT file has auth.type none: no DPoP proof can be broken", "auth.type",
                     "DPoP tests need auth.type helseid"};
    auto t = valid(scopes, true);
    if (!t) return t.error();
    const std::string& token = t->access_token;
    Headers out;
    if (fault == DpopFault::missing) {
        out.emplace_back("Authorization", "Bearer " + token);
        return out;
    }
    out.emplace_back("Authorization", "DPoP " + token);
    if (fault == DpopFault::replayed) {
        if (last_proof.empty())
            return Error{std::string(errc::conf_test_token),
                         "no earlier DPoP proof in this test to replay", "", ""};
        out.emplace_back("DPoP", last_proof);
        return out;
    }
    auth::DpopClaims claims{request.method, request.url, token, "", 0};
    if (fault == DpopFault::wrong_htu) {
        // Same scheme and host, another path: only the htu claim is wrong.
        const auto host_end = request.url.find('/', request.url.find("://") + 3);
        claims.htu = request.url.substr(0, host_end) + "/v1/ProofForAnotherUrl";
    } else if (fault == DpopFault::wrong_htm) {
        claims.htm = request.method == "POST" ? "PUT" : "POST";
    } else if (fault == DpopFault::wrong_ath) {
        claims.access_token = token + ".another";  // ath of a string that is not this token
    }
    std::lock_guard lock(mu_);
    auto dk = dpop_key();
    if (!dk) return dk.error();
    auto proof = auth::make_dpop_proof(*dk, claims);
    if (!proof) return token_error("cannot make a DPoP proof: " + proof.error().message, "");
    out.emplace_back("DPoP", *proof);
    return out;
}

Result<void> Tokens::check(const std::vector<std::string>& scopes) {
    if (sut_.auth.type != "helseid") return {};
    auto t = valid(scopes, sut_.auth.dpop);
    if (!t) return t.error();
    return {};
}

}  // namespace vft::conformance::detail
