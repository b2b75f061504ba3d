// private_key_jwt client assertions (RFC 7523) with the HelseID header typ.
#include "vft/auth/client_assertion.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "auth/auth_util.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/uuid.hpp"

namespace vft::auth {

namespace {

constexpr int kMaxLifetimeS = 600;

void put(rapidjson::Writer<rapidjson::StringBuffer>& w, const char* name, std::string_view v) {
    w.Key(name);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

}  // namespace

Result<std::string> make_client_assertion(const Key& key, const ClientAssertion& claims) {
    using detail::auth_error;
    if (claims.client_id.empty())
        return auth_error(errc::auth_sign_failed, "client assertion without a client id",
                          "client_id");
    if (claims.token_endpoint.empty())
        return auth_error(errc::auth_sign_failed, "client assertion without a token endpoint (aud)",
                          "token_endpoint");
    if (claims.lifetime_s < 1 || claims.lifetime_s > kMaxLifetimeS)
        return auth_error(
            errc::auth_sign_failed,
            "client assertion lifetime must be 1 to " + std::to_string(kMaxLifetimeS) + " s",
            "lifetime_s", "keep assertions short-lived; 60 s is usual");
    const int64_t iat = detail::now_or_clock(claims.now);

    rapidjson::StringBuffer hb;
    rapidjson::Writer<rapidjson::StringBuffer> h(hb);
    h.StartObject();
    put(h, "typ", "client-authentication+jwt");
    if (!claims.kid.empty()) put(h, "kid", claims.kid);
    h.EndObject();

    rapidjson::StringBuffer pb;
    rapidjson::Writer<rapidjson::StringBuffer> p(pb);
    p.StartObject();
    put(p, "iss", claims.client_id);
    put(p, "sub", claims.client_id);
    put(p, "aud", claims.token_endpoint);
    p.Key("iat");
    p.Int64(iat);
    p.Key("nbf");
    p.Int64(iat);
    p.Key("exp");
    p.Int64(iat + claims.lifetime_s);
    put(p, "jti", new_uuid());
    p.EndObject();

    return sign_jwt(key, std::string_view(hb.GetString(), hb.GetSize()),
                    std::string_view(pb.GetString(), pb.GetSize()));
}

}  // namespace vft::auth
