// vft::conformance::Sut — the system under test, as described by the SUT file (DESIGN.md, "SUT
// file"): who it is, where it answers, how to authenticate, what it claims, and (role sender)
// how to trigger it. docs/conformance.md documents every field.
// Thread-safety: plain values.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::conformance {

struct SutAuth {
    std::string type = "none";  // none | helseid
    std::string token_url;      // the token endpoint the SUT trusts (HelseID test STS or the mock)
    std::string client_id;
    std::string private_key;  // PEM path, resolved relative to the SUT file's folder
    std::string kid;
    std::vector<std::string> scopes;  // empty = the scopes each test needs
    bool dpop = false;                // DPoP-bound tokens (JFT, PMD)
    // An endpoint that mints deliberately bad tokens for the auth tests (expired, other vkp-id,
    // missing scope): the mock token service's POST /_admin/issue when started with
    // --allow-test-tokens. Empty: those auth tests are skipped with the reason.
    std::string test_token_url;
};

struct TestPatient {
    std::string fnr;   // synthetic fødselsnummer the SUT knows
    std::string name;  // display name
    std::vector<std::string> service_codes;
};

struct Sut {
    std::string name, vendor, version;  // the product
    std::string base_url;               // API root, no trailing slash
    std::string orgnr;                  // the municipality the requests are addressed to
    std::vector<std::string> service_codes;
    SutAuth auth;
    std::set<std::string> modules;  // alarm medication supervision dho pmd search kith auth
    std::vector<TestPatient> test_patients;
    std::string trigger;  // role sender: command with {instruction}, or "manual"
    // Operator mode ("trigger": "manual"): how long the runner waits for the person to carry out
    // one instruction and press Enter, in seconds (SUT member manual_timeout_s, 1..86400).
    int manual_timeout_s = 300;
    // Operator mode: fixed addresses the runner listens on for every test, "http://HOST:PORT"
    // (HOST an address of the runner's machine the product can reach), so a device is set up
    // once (SUT members manual_endpoint, manual_token_service). Empty: loopback, a port per test.
    std::string manual_endpoint, manual_token_service;
    std::filesystem::path dir;  // folder of the SUT file (relative paths resolve against it)
    std::string json;           // the file as read

    // Errors: VFT-CONF-14xx with the member path and a hint (unknown module, bad orgnr, bad fnr,
    // auth type helseid without token_url/client_id/private_key, ...).
    [[nodiscard]] static Result<Sut> parse(std::string_view json, std::filesystem::path dir);
    [[nodiscard]] static Result<Sut> load(const std::filesystem::path& file);

    // Operator mode: a person, not a command, makes the product act (docs/conformance.md).
    [[nodiscard]] bool manual() const { return trigger == "manual"; }

    [[nodiscard]] bool claims(std::string_view module) const {
        return modules.count(std::string(module)) > 0;
    }
    // The SUT file for the report: private key paths and any member named like a secret
    // (secret, password, key, token) replaced by "[redacted]".
    [[nodiscard]] std::string redacted_json() const;
};

}  // namespace vft::conformance
