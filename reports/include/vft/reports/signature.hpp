// Detached Ed25519 signatures over the exact bytes of a file (report.json, certification.json),
// stored beside it as FILE.sig. The .sig is a small JSON object (docs/reports.md):
//   {"format":"vft-signature/1","alg":"EdDSA","kid":"<RFC 7638 thumbprint>",
//    "sha256":"<hex of the signed bytes>","signed_at":"<UTC>","public_key":{JWK},
//    "signature":"<base64url of the Ed25519 signature>"}
// Authenticity comes from the key the verifier trusts (--key), never from the public key in the
// .sig, which only serves to say which key signed and whether the bytes changed since.
// Thread-safety: free functions over immutable values.
#pragma once

#include <string>
#include <string_view>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"

namespace vft::reports {

struct SignatureInfo {
    std::string alg;         // always "EdDSA"
    std::string kid;         // RFC 7638 thumbprint of the signing key
    std::string sha256;      // hex SHA-256 of the signed bytes
    std::string signed_at;   // RFC 3339 UTC
    std::string public_jwk;  // the signer's public JWK as JSON text
    std::string signature;   // base64url
};

// The .sig text for `bytes`. `signed_at` empty → now. Errors: VFT-REPORT-1316 (not an Ed25519
// private key), VFT-AUTH-0902 (OpenSSL failed).
[[nodiscard]] Result<std::string> sign_bytes(std::string_view bytes, const auth::Key& key,
                                             std::string_view signed_at = {});
// sign_bytes for a report.json text (the bytes exactly as written).
[[nodiscard]] Result<std::string> sign_report(std::string_view json_bytes, const auth::Key& key);

// Parses a .sig text. Errors: VFT-REPORT-1311 (not JSON, member missing, alg not EdDSA).
[[nodiscard]] Result<SignatureInfo> parse_signature(std::string_view sig_text);

// Checks `sig_text` over `bytes` with `key` (the key the caller trusts). Errors, most precise
// first: VFT-REPORT-1311 (malformed .sig), VFT-REPORT-1312 ("signed by another key" when the
// kid differs from the key's thumbprint; "the bytes changed since signing" when their SHA-256
// differs; "the signature does not verify" otherwise).
[[nodiscard]] Result<void> verify_signature(std::string_view bytes, std::string_view sig_text,
                                            const auth::Key& key);

// Lower-case hex SHA-256 of `bytes` (the hash every report and record field uses).
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

}  // namespace vft::reports
