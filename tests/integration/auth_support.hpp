// Helpers for the token-service and receiver-auth integration tests: client keys generated at
// run time and a clients file written with them (from fixtures/auth/clients.json, so the
// fixture's clients, scopes and claims are what is tested), and token requests over HTTP with
// client assertions and DPoP proofs signed here.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "../support/files.hpp"
#include "../support/scratch.hpp"
#include "vft/auth/client_assertion.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/auth/key.hpp"

namespace vft::test {

// A per-process scratch folder, removed when the test binary exits.
inline std::filesystem::path auth_scratch() {
    static const Scratch scratch("it-auth");
    return scratch.dir;
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

inline auth::Key fresh_key(auth::Algorithm alg) {
    auto k = auth::Key::generate(alg);
    if (!k) throw std::runtime_error(k.error().to_string());
    return *k;
}

// The fixture clients with keys made now: trygghet-alarm, responssenter-read and vft-test-all
// share `pem_key` (public_key_pem), trygghet-jft has `jwk_key` (jwk, require_dpop).
struct TestClients {
    auth::Key pem_key = fresh_key(auth::Algorithm::es256);
    auth::Key jwk_key = fresh_key(auth::Algorithm::eddsa);
    std::filesystem::path file;

    TestClients() {
        std::string text = source_file("fixtures/auth/clients.json");
        const auto at = text.find("\"jwk\": {");
        const auto end = text.find('}', at);
        text.replace(at, end + 1 - at, "\"jwk\": " + jwk_key.public_jwk_json());
        const auto dir = auth_scratch();
        write_file(dir / "trygghet-test.pub.pem", pem_key.public_pem());
        file = dir / "clients.json";
        write_file(file, text);
    }
};

inline std::string form_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

struct TokenReply {
    int status = 0;
    std::string body;
    std::string access_token;
    std::string token_type;
    std::string error;
    std::string dpop_nonce;  // DPoP-Nonce response header
};

struct TokenRequest {
    TokenRequest(std::string id, const auth::Key* k, std::string s)
        : client_id(std::move(id)), key(k), scope(std::move(s)) {}
    std::string client_id;
    const auth::Key* key = nullptr;  // signs the client assertion
    std::string scope;
    std::string aud;                  // assertion aud; empty = the token endpoint
    const auth::Key* dpop = nullptr;  // when set, a DPoP proof with this key
    std::string nonce;                // DPoP nonce
    std::string assertion;            // a ready assertion instead of a new one
    std::string grant_type = "client_credentials";
};

inline TokenReply request_token(const std::string& base, const TokenRequest& r) {
    const std::string endpoint = base + "/connect/token";
    std::string assertion = r.assertion;
    if (assertion.empty()) {
        auto a = auth::make_client_assertion(
            *r.key, {r.client_id, r.aud.empty() ? endpoint : r.aud, "", 60, 0});
        if (!a) throw std::runtime_error(a.error().to_string());
        assertion = *a;
    }
    const std::string body = "grant_type=" + form_encode(r.grant_type) + "&client_assertion_type=" +
                             form_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                             "&client_assertion=" + form_encode(assertion) +
                             "&scope=" + form_encode(r.scope);
    httplib::Headers headers;
    if (r.dpop) {
        auto p = auth::make_dpop_proof(*r.dpop, {"POST", endpoint, "", r.nonce, 0});
        if (!p) throw std::runtime_error(p.error().to_string());
        headers.emplace("DPoP", *p);
    }
    httplib::Client c(base);
    auto res = c.Post("/connect/token", headers, body, "application/x-www-form-urlencoded");
    TokenReply out;
    if (!res) return out;
    out.status = res->status;
    out.body = res->body;
    out.access_token = auth::json_string_member(res->body, "access_token").value_or("");
    out.token_type = auth::json_string_member(res->body, "token_type").value_or("");
    out.error = auth::json_string_member(res->body, "error").value_or("");
    out.dpop_nonce = res->get_header_value("DPoP-Nonce");
    return out;
}

// The claims of a token (not verified; tests verify separately where it matters).
inline std::string claims_of(const std::string& token) {
    auto p = auth::jwt_payload(token);
    return p ? *p : std::string();
}

}  // namespace vft::test
