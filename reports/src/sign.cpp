// Detached Ed25519 signatures (signature.hpp): the .sig format, signing and checking.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "reports_util.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/hash.hpp"
#include "vft/internal/json.hpp"
#include "vft/reports/signature.hpp"

namespace vft::reports {
namespace {

constexpr std::string_view kFormat = "vft-signature/1";

Error malformed(std::string message, std::string location = {}) {
    return detail::report_error(errc::report_sig_malformed, std::move(message), std::move(location),
                                "a .sig is written by `vft run --sign`; docs/reports.md "
                                "describes the format");
}

std::string field(const rapidjson::Value& obj, const char* name) {
    return std::string(vft::internal::str_member(obj, name));
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    return internal::sha256_hex(bytes);
}

Result<std::string> sign_bytes(std::string_view bytes, const auth::Key& key,
                               std::string_view signed_at) {
    if (key.algorithm() != auth::Algorithm::eddsa || !key.has_private())
        return detail::report_error(errc::report_key_type,
                                    "reports are signed with an Ed25519 private key only",
                                    "signing key",
                                    "make one with `vft keys generate --out PREFIX` and pass "
                                    "PREFIX.key");
    auto sig = key.sign(bytes);
    if (!sig) return sig.error();
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto kv = [&w](const char* k, std::string_view v) {
        w.Key(k);
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    };
    const std::string at = signed_at.empty() ? detail::now_utc() : std::string(signed_at);
    w.StartObject();
    kv("format", kFormat);
    kv("alg", "EdDSA");
    kv("kid", key.thumbprint());
    kv("sha256", sha256_hex(bytes));
    kv("signed_at", at);
    w.Key("public_key");
    const std::string jwk = key.public_jwk_json();
    w.RawValue(jwk.data(), jwk.size(), rapidjson::kObjectType);
    kv("signature", auth::base64url_encode(*sig));
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Result<std::string> sign_report(std::string_view json_bytes, const auth::Key& key) {
    return sign_bytes(json_bytes, key);
}

Result<SignatureInfo> parse_signature(std::string_view sig_text) {
    rapidjson::Document d;
    size_t offset = 0;
    if (!detail::parse_json(sig_text, d, offset) || !d.IsObject())
        return malformed("the signature file is not a JSON object",
                         "offset " + std::to_string(offset));
    if (field(d, "format") != kFormat)
        return malformed("the signature file's format is not " + std::string(kFormat), "format");
    SignatureInfo s;
    s.alg = field(d, "alg");
    if (s.alg != "EdDSA")
        return malformed("signature algorithm '" + s.alg.substr(0, 20) +
                             "' is not accepted (only EdDSA/Ed25519)",
                         "alg");
    s.kid = field(d, "kid");
    s.sha256 = field(d, "sha256");
    s.signed_at = field(d, "signed_at");
    s.signature = field(d, "signature");
    for (const char* name : {"kid", "sha256", "signature"})
        if (field(d, name).empty())
            return malformed(std::string("'") + name + "' is missing", name);
    if (const auto* jwk = vft::internal::member(d, "public_key"); jwk && jwk->IsObject()) {
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        jwk->Accept(w);
        s.public_jwk.assign(buf.GetString(), buf.GetSize());
    }
    return s;
}

Result<void> verify_signature(std::string_view bytes, std::string_view sig_text,
                              const auth::Key& key) {
    auto s = parse_signature(sig_text);
    if (!s) return s.error();
    auto raw = auth::base64url_decode(s->signature);
    if (!raw) return malformed("'signature' is not base64url", "signature");
    if (key.algorithm() != auth::Algorithm::eddsa)
        return detail::report_error(errc::report_key_type,
                                    "the verification key is not an Ed25519 key", "--key");
    if (s->kid != key.thumbprint())
        return detail::report_error(
            errc::report_sig_invalid,
            "signed by another key: the signature names key id " + s->kid.substr(0, 43) +
                ", the trusted key is " + key.thumbprint(),
            "signature.kid",
            "ask the issuer for their public key, or check you have the right one");
    const std::string actual = sha256_hex(bytes);
    if (s->sha256 != actual)
        return detail::report_error(errc::report_sig_invalid,
                                    "the file changed since it was signed: its SHA-256 is " +
                                        actual + ", the signature was made over " +
                                        s->sha256.substr(0, 64),
                                    "signature.sha256");
    if (!key.verify(bytes, *raw))
        return detail::report_error(
            errc::report_sig_invalid, "the signature does not verify with the trusted key",
            "signature.signature", "the .sig was altered or made with another key");
    return {};
}

}  // namespace vft::reports
