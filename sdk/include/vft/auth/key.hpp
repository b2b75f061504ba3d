// vft::auth::Key — a signing or verification key for JWS (RS256, ES256, EdDSA): loaded from PEM
// or a JWK, or generated; signs and verifies JWS signatures and describes itself as a public JWK
// with its RFC 7638 thumbprint. OpenSSL stays behind the pimpl.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vft/core/result.hpp"

namespace vft::auth {

// The JWS algorithms vft signs and accepts. Each key type has exactly one:
// RSA (2048..8192 bits) → RS256, EC P-256 → ES256, Ed25519 → EdDSA.
enum class Algorithm { rs256, es256, eddsa };

// "RS256", "ES256", "EdDSA" — the JWS "alg" value.
[[nodiscard]] std::string_view to_string(Algorithm alg) noexcept;
// The algorithm for a JWS "alg" value; nullopt for anything else ("none", "HS256", "PS256"...).
[[nodiscard]] std::optional<Algorithm> algorithm_from_string(std::string_view alg) noexcept;

// A private key (can sign and verify) or a public key (can only verify).
// Thread-safety: immutable after creation; copies are cheap and share the key, and every const
// member may be called from any number of threads at once. A moved-from Key may only be assigned
// to or destroyed.
class Key {
  public:
    // A PEM private key (PKCS#8 "PRIVATE KEY", or the traditional "RSA/EC PRIVATE KEY") or public
    // key ("PUBLIC KEY", "RSA PUBLIC KEY"). Other blocks in the text (certificates) are skipped.
    // Encrypted private keys are refused (the library never asks for a passphrase).
    // Errors: VFT-AUTH-0901 (unreadable, unsupported type, RSA under 2048 bits, curve not P-256).
    [[nodiscard]] static Result<Key> load_pem(std::string_view pem);
    // load_pem on a file's contents. Errors: VFT-AUTH-0901 (also when the file cannot be read).
    [[nodiscard]] static Result<Key> load_file(const std::filesystem::path& path);
    // A fresh private key from the OpenSSL CSPRNG (RSA 2048 bits for RS256).
    // Errors: VFT-AUTH-0901.
    [[nodiscard]] static Result<Key> generate(Algorithm alg);
    // A public key from one JWK (RFC 7517/7518/8037: RSA n/e, EC P-256 x/y, OKP Ed25519 x).
    // Private members ("d" ...) are ignored: the result is always a public key. An "alg" member,
    // when present, must be the key type's algorithm; a "use" member, when present, must be "sig".
    // Errors: VFT-AUTH-0901.
    [[nodiscard]] static Result<Key> from_jwk_json(std::string_view jwk_json);
    // The key with this "kid" from a JWKS ({"keys":[...]}); with an empty kid, the JWKS must hold
    // exactly one key. Errors: VFT-AUTH-0901 (no such kid, malformed JWKS or JWK).
    [[nodiscard]] static Result<Key> from_jwks_json(std::string_view jwks_json,
                                                    std::string_view kid);

    [[nodiscard]] Algorithm algorithm() const noexcept;
    [[nodiscard]] bool has_private() const noexcept;

    // PKCS#8 PEM of the private key; empty for a public key. For tests and key tools only: the
    // caller is responsible for where this text goes.
    [[nodiscard]] std::string private_pem() const;
    // SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----").
    [[nodiscard]] std::string public_pem() const;
    // The public JWK: {"kty":"RSA","n","e"} / {"kty":"EC","crv":"P-256","x","y"} /
    // {"kty":"OKP","crv":"Ed25519","x"}, then "alg", then "kid" when one is given. Never any
    // private member.
    [[nodiscard]] std::string public_jwk_json(std::string_view kid = {}) const;
    // RFC 7638 JWK thumbprint: base64url(SHA-256(canonical required members)), e.g. for cnf.jkt.
    [[nodiscard]] const std::string& thumbprint() const noexcept;

    // The JWS signature of `data` (for ES256 the raw 64-byte R||S, not DER).
    // Errors: VFT-AUTH-0901 (a public key cannot sign), VFT-AUTH-0902 (OpenSSL failed).
    [[nodiscard]] Result<std::string> sign(std::string_view data) const;
    // True when `sig` is a valid JWS signature of `data` under this key's algorithm.
    [[nodiscard]] bool verify(std::string_view data, std::string_view sig) const;

  private:
    struct State;
    explicit Key(std::shared_ptr<const State> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const State> impl_;
    friend struct KeyAccess;
};

}  // namespace vft::auth
