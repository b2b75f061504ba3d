// vft::auth::Key over OpenSSL 3 (EVP, OSSL_PARAM and OSSL_DECODER only; no deprecated APIs).
#include "vft/auth/key.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "auth/auth_util.hpp"
#include "json/json_util.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::auth {

using detail::auth_error;

namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;  // bounds the cost of a verification an attacker can cause
constexpr size_t kP256Bytes = 32;
constexpr size_t kEd25519Bytes = 32;
constexpr size_t kMaxKeyFileBytes = 1 << 20;

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
    void operator()(BIO* p) const { BIO_free(p); }
};
struct BnFree {
    void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct EcdsaSigFree {
    void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct DecoderCtxFree {
    void operator()(OSSL_DECODER_CTX* p) const { OSSL_DECODER_CTX_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, DecoderCtxFree>;

// Never let OpenSSL ask a terminal for a passphrase: encrypted keys simply fail to load.
int no_password(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
    return -1;
}

Error key_error(std::string message, std::string hint = {}) {
    ERR_clear_error();  // the OpenSSL queue is per thread; leave it clean for the caller
    return auth_error(errc::auth_key_invalid, std::move(message), {}, std::move(hint));
}

std::string bn_bytes(const BIGNUM* bn, size_t pad = 0) {
    const int n = BN_num_bytes(bn);
    std::string out(pad ? pad : static_cast<size_t>(n), '\0');
    if (pad) {
        if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(pad)) <
            0)
            return {};
    } else {
        BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    }
    return out;
}

std::string get_bn_param(const EVP_PKEY* pkey, const char* name, size_t pad = 0) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return {};
    BnPtr bn(raw);
    return bn_bytes(bn.get(), pad);
}

bool has_private_part(const EVP_PKEY* pkey, Algorithm alg) {
    bool priv = false;
    switch (alg) {
        case Algorithm::rs256:
        case Algorithm::es256: {
            BIGNUM* raw = nullptr;
            const char* name =
                alg == Algorithm::rs256 ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
            priv = EVP_PKEY_get_bn_param(pkey, name, &raw) == 1;
            BN_clear_free(raw);
            break;
        }
        case Algorithm::eddsa: {
            size_t len = 0;
            priv = EVP_PKEY_get_raw_private_key(pkey, nullptr, &len) == 1 && len > 0;
            break;
        }
    }
    ERR_clear_error();
    return priv;
}

}  // namespace

std::string_view to_string(Algorithm alg) noexcept {
    switch (alg) {
        case Algorithm::rs256:
            return "RS256";
        case Algorithm::es256:
            return "ES256";
        case Algorithm::eddsa:
            return "EdDSA";
    }
    return "RS256";
}

std::optional<Algorithm> algorithm_from_string(std::string_view alg) noexcept {
    if (alg == "RS256") return Algorithm::rs256;
    if (alg == "ES256") return Algorithm::es256;
    if (alg == "EdDSA") return Algorithm::eddsa;
    return std::nullopt;
}

struct Key::State {
    PkeyPtr pkey;
    Algorithm alg = Algorithm::rs256;
    bool has_private = false;
    std::string jwk_members;  // the public members in JWK order, without braces
    std::string thumbprint;
};

// Builds Keys from an EVP_PKEY after checking that it is a type and size vft supports.
struct KeyAccess {
    static Result<Key> adopt(PkeyPtr pkey) {
        auto impl = std::make_shared<Key::State>();
        EVP_PKEY* pk = pkey.get();
        std::string canonical;
        if (EVP_PKEY_is_a(pk, "RSA")) {
            const int bits = EVP_PKEY_get_bits(pk);
            if (bits < kMinRsaBits || bits > kMaxRsaBits)
                return key_error(
                    "RSA key of " + std::to_string(bits) + " bits; RS256 needs 2048 to 8192 bits",
                    "generate a 2048-bit or larger RSA key");
            const std::string n = get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N);
            const std::string e = get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E);
            if (n.empty() || e.empty()) return key_error("cannot read the RSA public key");
            const std::string n64 = base64url_encode(n), e64 = base64url_encode(e);
            impl->alg = Algorithm::rs256;
            impl->jwk_members = R"("kty":"RSA","n":")" + n64 + R"(","e":")" + e64 + '"';
            canonical = R"({"e":")" + e64 + R"(","kty":"RSA","n":")" + n64 + R"("})";
        } else if (EVP_PKEY_is_a(pk, "EC")) {
            char group[64] = {};
            size_t len = 0;
            if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                               &len) != 1 ||
                (std::string_view(group) != "prime256v1" && std::string_view(group) != "P-256"))
                return key_error("EC key not on the P-256 curve; ES256 needs P-256",
                                 "generate a key with: openssl genpkey -algorithm EC -pkeyopt "
                                 "ec_paramgen_curve:P-256");
            const std::string x = get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes);
            const std::string y = get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes);
            if (x.size() != kP256Bytes || y.size() != kP256Bytes)
                return key_error("cannot read the EC public key");
            const std::string x64 = base64url_encode(x), y64 = base64url_encode(y);
            impl->alg = Algorithm::es256;
            impl->jwk_members =
                R"("kty":"EC","crv":"P-256","x":")" + x64 + R"(","y":")" + y64 + '"';
            canonical = R"({"crv":"P-256","kty":"EC","x":")" + x64 + R"(","y":")" + y64 + R"("})";
        } else if (EVP_PKEY_is_a(pk, "ED25519")) {
            std::string x(kEd25519Bytes, '\0');
            size_t len = x.size();
            if (EVP_PKEY_get_raw_public_key(pk, reinterpret_cast<unsigned char*>(x.data()), &len) !=
                    1 ||
                len != kEd25519Bytes)
                return key_error("cannot read the Ed25519 public key");
            const std::string x64 = base64url_encode(x);
            impl->alg = Algorithm::eddsa;
            impl->jwk_members = R"("kty":"OKP","crv":"Ed25519","x":")" + x64 + '"';
            canonical = R"({"crv":"Ed25519","kty":"OKP","x":")" + x64 + R"("})";
        } else {
            return key_error(
                "unsupported key type; vft signs with RSA (RS256), EC P-256 (ES256) "
                "or Ed25519 (EdDSA)");
        }
        impl->has_private = has_private_part(pk, impl->alg);
        impl->thumbprint = base64url_encode(detail::sha256(canonical));
        impl->pkey = std::move(pkey);
        ERR_clear_error();
        return Key(std::move(impl));
    }
};

Result<Key> Key::load_pem(std::string_view pem) {
    if (pem.size() > kMaxKeyFileBytes) return key_error("PEM text over 1 MiB");
    if (pem.find("-----BEGIN ") == std::string_view::npos)
        return key_error("no PEM block found",
                         "expected \"-----BEGIN PRIVATE KEY-----\" or "
                         "\"-----BEGIN PUBLIC KEY-----\"");
    if (pem.find("ENCRYPTED") != std::string_view::npos)
        return key_error("the private key is encrypted; vft does not ask for passphrases",
                         "store the key unencrypted with restricted file permissions, e.g. "
                         "openssl pkey -in enc.pem -out key.pem");
    const int n = static_cast<int>(pem.size());
    {
        BioPtr bio(BIO_new_mem_buf(pem.data(), n));
        if (!bio) return key_error("out of memory reading the PEM text");
        PkeyPtr pk(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
        if (pk) return KeyAccess::adopt(std::move(pk));
    }
    ERR_clear_error();
    {
        BioPtr bio(BIO_new_mem_buf(pem.data(), n));
        if (!bio) return key_error("out of memory reading the PEM text");
        PkeyPtr pk(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
        if (pk) return KeyAccess::adopt(std::move(pk));
    }
    ERR_clear_error();
    {
        // PKCS#1 "RSA PUBLIC KEY" and anything else the decoders know as a public key.
        BioPtr bio(BIO_new_mem_buf(pem.data(), n));
        EVP_PKEY* raw = nullptr;
        DecoderCtxPtr dctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, nullptr,
                                                         EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
        if (bio && dctx && OSSL_DECODER_from_bio(dctx.get(), bio.get()) == 1 && raw)
            return KeyAccess::adopt(PkeyPtr(raw));
        EVP_PKEY_free(raw);
    }
    return key_error("the PEM text holds no readable private or public key",
                     "expected PKCS#8 \"PRIVATE KEY\", \"RSA/EC PRIVATE KEY\", or \"PUBLIC KEY\"");
}

Result<Key> Key::load_file(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        auto e = key_error("cannot read the key file: " + ec.message());
        e.location = path.string();
        return e;
    }
    if (size > kMaxKeyFileBytes) {
        auto e = key_error("key file over 1 MiB; not a PEM key");
        e.location = path.string();
        return e;
    }
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
        auto e = key_error("cannot read the key file");
        e.location = path.string();
        return e;
    }
    auto key = load_pem(text);
    if (!key.ok()) {
        Error e = std::move(key).error();
        e.location = path.string();
        return e;
    }
    return key;
}

Result<Key> Key::generate(Algorithm alg) {
    EVP_PKEY* raw = nullptr;
    switch (alg) {
        case Algorithm::rs256:
            raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kMinRsaBits));
            break;
        case Algorithm::es256:
            raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case Algorithm::eddsa:
            raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
    }
    if (!raw) return key_error("key generation failed in OpenSSL");
    return KeyAccess::adopt(PkeyPtr(raw));
}

namespace {

Result<std::string> jwk_bytes(const rapidjson::Value& jwk, const char* name, size_t want = 0) {
    const auto* v = vft::detail::member(jwk, name);
    if (!v || !v->IsString() || v->GetStringLength() == 0)
        return key_error(std::string("JWK member \"") + name + "\" missing or not a string");
    auto bytes = base64url_decode(std::string_view(v->GetString(), v->GetStringLength()));
    if (!bytes.ok())
        return key_error(std::string("JWK member \"") + name + "\" is not valid base64url");
    if (want && bytes->size() != want)
        return key_error(std::string("JWK member \"") + name + "\" must be " +
                         std::to_string(want) + " bytes");
    return bytes;
}

Result<Key> from_params(const char* type, OSSL_PARAM_BLD* bld, bool check) {
    ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1 || !raw)
        return key_error("the JWK does not describe a valid public key");
    PkeyPtr pk(raw);
    if (check) {
        PkeyCtxPtr cctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pk.get(), nullptr));
        if (!cctx || EVP_PKEY_public_check(cctx.get()) != 1)
            return key_error(
                "the JWK does not describe a valid public key (point not on the "
                "curve, or RSA parameters invalid)");
    }
    return KeyAccess::adopt(std::move(pk));
}

Result<Key> jwk_to_key(const rapidjson::Value& jwk) {
    using vft::detail::str_member;
    const std::string_view kty = str_member(jwk, "kty");
    if (const auto* use = vft::detail::member(jwk, "use");
        use && !(use->IsString() && vft::detail::str(use) == "sig"))
        return key_error("JWK \"use\" is not \"sig\"");
    std::optional<Algorithm> want;
    if (const auto* alg = vft::detail::member(jwk, "alg")) {
        want = alg->IsString() ? algorithm_from_string(vft::detail::str(alg)) : std::nullopt;
        if (!want)
            return key_error("JWK \"alg\" " + detail::shown(vft::detail::str(alg)) +
                             " is not supported; vft accepts RS256, ES256 and EdDSA");
    }
    Result<Key> key = key_error("JWK \"kty\" " + detail::shown(kty) +
                                " is not supported; expected RSA, EC (P-256) or OKP (Ed25519)");
    if (kty == "RSA") {
        auto n = jwk_bytes(jwk, "n");
        if (!n.ok()) return n.error();
        auto e = jwk_bytes(jwk, "e");
        if (!e.ok()) return e.error();
        if (n->size() * 8 > static_cast<size_t>(kMaxRsaBits) + 8 || e->size() > 8)
            return key_error("JWK RSA key too large");
        auto bn = [](const std::string& b) {
            return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(b.data()),
                                   static_cast<int>(b.size()), nullptr));
        };
        BnPtr bn_n = bn(*n), bn_e = bn(*e);
        ParamBldPtr bld(OSSL_PARAM_BLD_new());
        if (!bn_n || !bn_e || !bld ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
            return key_error("cannot build the RSA key from the JWK");
        key = from_params("RSA", bld.get(), true);
    } else if (kty == "EC") {
        if (str_member(jwk, "crv") != "P-256")
            return key_error("JWK EC curve " + detail::shown(str_member(jwk, "crv")) +
                             " is not supported; ES256 needs P-256");
        auto x = jwk_bytes(jwk, "x", kP256Bytes);
        if (!x.ok()) return x.error();
        auto y = jwk_bytes(jwk, "y", kP256Bytes);
        if (!y.ok()) return y.error();
        const std::string point = std::string(1, '\x04') + *x + *y;  // uncompressed SEC1 point
        ParamBldPtr bld(OSSL_PARAM_BLD_new());
        if (!bld ||
            OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                            0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) != 1)
            return key_error("cannot build the EC key from the JWK");
        key = from_params("EC", bld.get(), true);
    } else if (kty == "OKP") {
        if (str_member(jwk, "crv") != "Ed25519")
            return key_error("JWK OKP curve " + detail::shown(str_member(jwk, "crv")) +
                             " is not supported; EdDSA needs Ed25519");
        auto x = jwk_bytes(jwk, "x", kEd25519Bytes);
        if (!x.ok()) return x.error();
        EVP_PKEY* raw = EVP_PKEY_new_raw_public_key_ex(
            nullptr, "ED25519", nullptr, reinterpret_cast<const unsigned char*>(x->data()),
            x->size());
        if (!raw) return key_error("the JWK does not describe a valid Ed25519 public key");
        key = KeyAccess::adopt(PkeyPtr(raw));
    }
    if (key.ok() && want && *want != key->algorithm())
        return key_error("JWK \"alg\" " + std::string(to_string(*want)) +
                         " does not fit its key type (" + std::string(to_string(key->algorithm())) +
                         ")");
    return key;
}

}  // namespace

Result<Key> Key::from_jwk_json(std::string_view jwk_json) {
    rapidjson::Document doc;
    if (jwk_json.size() > kMaxJwtBytes || !detail::parse_json_object(jwk_json, doc))
        return key_error("the JWK is not a JSON object");
    return jwk_to_key(doc);
}

Result<Key> Key::from_jwks_json(std::string_view jwks_json, std::string_view kid) {
    rapidjson::Document doc;
    if (jwks_json.size() > kMaxKeyFileBytes || !detail::parse_json_object(jwks_json, doc))
        return key_error("the JWKS is not a JSON object");
    const auto* keys = vft::detail::member(doc, "keys");
    if (!keys || !keys->IsArray()) return key_error("the JWKS has no \"keys\" array");
    const rapidjson::Value* found = nullptr;
    if (kid.empty()) {
        if (keys->Size() != 1)
            return key_error("the JWKS holds " + std::to_string(keys->Size()) +
                                 " keys and the token names no kid",
                             "give each key a kid and sign tokens with it");
        found = &(*keys)[0];
    } else {
        for (const auto& k : keys->GetArray()) {
            if (vft::detail::str_member(k, "kid") == kid) {
                found = &k;
                break;
            }
        }
        if (!found)
            return key_error("the JWKS has no key with kid " + detail::shown(kid),
                             "the signer's key may have been rotated; fetch the JWKS again");
    }
    if (!found->IsObject()) return key_error("a JWKS entry is not a JSON object");
    return jwk_to_key(*found);
}

Algorithm Key::algorithm() const noexcept {
    return impl_->alg;
}

bool Key::has_private() const noexcept {
    return impl_->has_private;
}

const std::string& Key::thumbprint() const noexcept {
    return impl_->thumbprint;
}

std::string Key::public_jwk_json(std::string_view kid) const {
    std::string out =
        "{" + impl_->jwk_members + R"(,"alg":")" + std::string(to_string(impl_->alg)) + '"';
    if (!kid.empty()) out += R"(,"kid":")" + vft::detail::json_escape(kid) + '"';
    out += '}';
    return out;
}

namespace {

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

}  // namespace

std::string Key::private_pem() const {
    if (!impl_->has_private) return {};
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                         nullptr) != 1) {
        ERR_clear_error();
        return {};
    }
    return bio_text(bio.get());  // BIO_free clears the buffer (BUF_MEM_free)
}

std::string Key::public_pem() const {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) {
        ERR_clear_error();
        return {};
    }
    return bio_text(bio.get());
}

namespace {

// ES256 JWS signatures are R||S (RFC 7518 §3.4); OpenSSL speaks DER.
std::string der_to_raw(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    if (!sig) return {};
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    const std::string rb = bn_bytes(r, kP256Bytes), sb = bn_bytes(s, kP256Bytes);
    if (rb.size() != kP256Bytes || sb.size() != kP256Bytes) return {};
    return rb + sb;
}

std::string raw_to_der(std::string_view raw) {
    EcdsaSigPtr sig(ECDSA_SIG_new());
    if (!sig) return {};
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), kP256Bytes, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + kP256Bytes,
                          kP256Bytes, nullptr);
    if (!r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r);
        BN_free(s);
        return {};
    }
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig.get(), &der);
    if (len <= 0) return {};
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
}

const char* digest_name(Algorithm alg) {
    return alg == Algorithm::eddsa ? nullptr : "SHA256";  // EdDSA hashes internally
}

}  // namespace

Result<std::string> Key::sign(std::string_view data) const {
    if (!impl_->has_private)
        return key_error("this is a public key; signing needs the private key");
    auto fail = [] {
        ERR_clear_error();
        return auth_error(errc::auth_sign_failed, "signing failed in OpenSSL");
    };
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, digest_name(impl_->alg), nullptr, nullptr,
                                      impl_->pkey.get(), nullptr) != 1)
        return fail();
    const auto* in = reinterpret_cast<const unsigned char*>(data.data());
    size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) return fail();
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                       data.size()) != 1)
        return fail();
    sig.resize(len);
    if (impl_->alg == Algorithm::es256) {
        sig = der_to_raw(sig);
        if (sig.empty()) return fail();
    }
    return sig;
}

bool Key::verify(std::string_view data, std::string_view sig) const {
    std::string der;
    switch (impl_->alg) {
        case Algorithm::es256:
            if (sig.size() != 2 * kP256Bytes) return false;
            der = raw_to_der(sig);
            if (der.empty()) {
                ERR_clear_error();
                return false;
            }
            sig = der;
            break;
        case Algorithm::eddsa:
            if (sig.size() != 64) return false;
            break;
        case Algorithm::rs256:
            if (sig.size() != static_cast<size_t>(EVP_PKEY_get_size(impl_->pkey.get())))
                return false;
            break;
    }
    MdCtxPtr ctx(EVP_MD_CTX_new());
    const bool ok =
        ctx &&
        EVP_DigestVerifyInit_ex(ctx.get(), nullptr, digest_name(impl_->alg), nullptr, nullptr,
                                impl_->pkey.get(), nullptr) == 1 &&
        EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    if (!ok) ERR_clear_error();
    return ok;
}

}  // namespace vft::auth
