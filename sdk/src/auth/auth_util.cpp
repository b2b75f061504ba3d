// Helpers shared by the vft::auth sources.
#include "auth/auth_util.hpp"

#include <openssl/evp.h>

#include <cmath>
#include <unordered_set>

namespace vft::auth::detail {

namespace {

bool unique_members(const rapidjson::Value& v) {
    if (v.IsObject()) {
        if (v.MemberCount() > 1) {
            std::unordered_set<std::string_view> names;
            for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
                if (!names.emplace(it->name.GetString(), it->name.GetStringLength()).second)
                    return false;
            }
        }
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            if (!unique_members(it->value)) return false;
        }
    } else if (v.IsArray()) {
        for (const auto& e : v.GetArray()) {
            if (!unique_members(e)) return false;
        }
    }
    return true;
}

// Nesting depth of a parsed value, without recursion beyond the limit.
bool depth_within(const rapidjson::Value& v, int limit) {
    if (limit < 0) return false;
    if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            if (!depth_within(it->value, limit - 1)) return false;
        }
    } else if (v.IsArray()) {
        for (const auto& e : v.GetArray()) {
            if (!depth_within(e, limit - 1)) return false;
        }
    }
    return true;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

}  // namespace

bool parse_json_object(std::string_view text, rapidjson::Document& doc) {
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
              rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    // The iterative parser accepts any depth; the recursive walks below must not.
    constexpr int kMaxDepth = 32;
    return depth_within(doc, kMaxDepth) && unique_members(doc);
}

std::optional<int64_t> as_int64(const rapidjson::Value* v) {
    if (!v) return std::nullopt;
    if (v->IsInt64()) return v->GetInt64();
    if (v->IsDouble()) {
        const double d = v->GetDouble();
        if (std::isfinite(d) && d > -9.2e18 && d < 9.2e18) return static_cast<int64_t>(d);
    }
    return std::nullopt;
}

std::string shown(std::string_view untrusted) {
    constexpr size_t kMax = 80;
    std::string out = "\"";
    for (size_t i = 0; i < untrusted.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(untrusted[i]);
        out += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
    }
    if (untrusted.size() > kMax) out += "...";
    out += '"';
    return out;
}

bool split_jws(std::string_view token, JwsParts& parts) {
    const size_t d1 = token.find('.');
    if (d1 == std::string_view::npos) return false;
    const size_t d2 = token.find('.', d1 + 1);
    if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
        return false;
    parts.header_b64 = token.substr(0, d1);
    parts.payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
    parts.signature_b64 = token.substr(d2 + 1);
    parts.signing_input = token.substr(0, d2);
    return true;
}

bool typ_matches(std::string_view typ, std::string_view expected) {
    constexpr std::string_view app = "application/";
    auto strip = [&](std::string_view s) {
        if (s.size() > app.size() && iequals(s.substr(0, app.size()), app))
            s.remove_prefix(app.size());
        return s;
    };
    return iequals(strip(typ), strip(expected));
}

}  // namespace vft::auth::detail
