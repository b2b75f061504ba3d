// The SUT file (DESIGN.md "SUT file"; docs/conformance.md documents every member).
#include "vft/conformance/sut.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::conformance {

namespace {

using JValue = rapidjson::Value;

const std::vector<std::string>& known_modules() {
    static const std::vector<std::string> m = {"alarm", "medication", "supervision", "dho",
                                               "pmd",   "search",     "kith",        "auth"};
    return m;
}
const std::vector<std::string>& known_service_codes() {
    static const std::vector<std::string> c = {"RT", "TA", "GPS", "MD", "DT", "DHO"};
    return c;
}

Error invalid(std::string path, std::string message, std::string hint = {}) {
    return Error{std::string(errc::conf_sut_invalid), std::move(message), std::move(path),
                 std::move(hint)};
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out;
}

// Member readers: absent optional members keep the default.
Result<void> get_string(const JValue& obj, const char* name, const std::string& path,
                        std::string& out, bool required) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) {
        if (required) return invalid(path + name, "required member is missing");
        return {};
    }
    if (!it->value.IsString()) return invalid(path + name, "expected a string");
    out.assign(it->value.GetString(), it->value.GetStringLength());
    if (required && out.empty()) return invalid(path + name, "must not be empty");
    return {};
}

Result<void> get_strings(const JValue& obj, const char* name, const std::string& path,
                         std::vector<std::string>& out) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd()) return {};
    if (!it->value.IsArray()) return invalid(path + name, "expected an array of strings");
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
        if (!it->value[i].IsString())
            return invalid(path + name + "[" + std::to_string(i) + "]", "expected a string");
        out.emplace_back(it->value[i].GetString(), it->value[i].GetStringLength());
    }
    return {};
}

Result<void> check_service_codes(std::vector<std::string>& codes, const std::string& path) {
    for (size_t i = 0; i < codes.size(); ++i) {
        std::string& c = codes[i];
        for (auto& ch : c)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        const auto& known = known_service_codes();
        if (std::find(known.begin(), known.end(), c) == known.end())
            return invalid(path + "[" + std::to_string(i) + "]", "unknown service code '" + c + "'",
                           "ServiceCodes of domain §3.1: " + join(known));
    }
    return {};
}

#define VFT_TRY(expr)                       \
    do {                                    \
        auto vft_r_ = (expr);               \
        if (!vft_r_) return vft_r_.error(); \
    } while (0)

bool secret_name(std::string_view name) {
    std::string n(name);
    for (auto& c : n)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n.size() > 4 && n.compare(n.size() - 4, 4, "_url") == 0) return false;  // an address
    return n.find("secret") != std::string::npos || n.find("password") != std::string::npos ||
           n.find("key") != std::string::npos || n.find("token") != std::string::npos;
}

void redact(JValue& v) {
    if (v.IsObject()) {
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
            if (secret_name({it->name.GetString(), it->name.GetStringLength()}))
                it->value.SetString("[redacted]");
            else
                redact(it->value);
        }
    } else if (v.IsArray()) {
        for (auto& e : v.GetArray())
            redact(e);
    }
}

}  // namespace

Result<Sut> Sut::parse(std::string_view json, std::filesystem::path dir) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    if (d.HasParseError()) {
        return Error{std::string(errc::conf_sut_unreadable),
                     std::string("the SUT file is not valid JSON: ") +
                         rapidjson::GetParseError_En(d.GetParseError()),
                     "offset " + std::to_string(d.GetErrorOffset()),
                     "docs/conformance.md has a complete example"};
    }
    if (!d.IsObject())
        return Error{std::string(errc::conf_sut_unreadable), "the SUT file is not a JSON object",
                     "", "docs/conformance.md has a complete example"};
    Sut s;
    s.dir = std::move(dir);
    s.json = std::string(json);
    VFT_TRY(get_string(d, "name", "", s.name, true));
    VFT_TRY(get_string(d, "vendor", "", s.vendor, false));
    VFT_TRY(get_string(d, "version", "", s.version, false));
    // A sender's SUT file (it has a trigger) needs no base_url: the runner hosts the endpoint.
    const bool has_trigger = d.HasMember("trigger");
    VFT_TRY(get_string(d, "base_url", "", s.base_url, !has_trigger));
    if ((!has_trigger || !s.base_url.empty()) && s.base_url.rfind("http://", 0) != 0 &&
        s.base_url.rfind("https://", 0) != 0)
        return invalid("base_url", "'" + s.base_url + "' is not an http(s) URL",
                       "e.g. \"https://epj.example.no/api\" (the root above /epj/r4/...)");
    while (!s.base_url.empty() && s.base_url.back() == '/')
        s.base_url.pop_back();
    VFT_TRY(get_string(d, "orgnr", "", s.orgnr, true));
    if (auto ok = check_orgnr(s.orgnr); !ok)
        return invalid(
            "orgnr", "'" + s.orgnr + "' is not a valid organisasjonsnummer: " + ok.error().message,
            "9 digits with a mod-11 check digit, e.g. 312229544");
    VFT_TRY(get_strings(d, "service_codes", "", s.service_codes));
    VFT_TRY(check_service_codes(s.service_codes, "service_codes"));
    std::vector<std::string> modules;
    VFT_TRY(get_strings(d, "modules", "", modules));
    for (size_t i = 0; i < modules.size(); ++i) {
        const auto& known = known_modules();
        if (std::find(known.begin(), known.end(), modules[i]) == known.end())
            return invalid("modules[" + std::to_string(i) + "]",
                           "unknown module '" + modules[i] + "'", "modules: " + join(known));
        s.modules.insert(modules[i]);
    }
    if (auto it = d.FindMember("auth"); it != d.MemberEnd()) {
        const JValue& a = it->value;
        if (!a.IsObject())
            return invalid("auth", "expected an object",
                           "{\"type\":\"none\"} or {\"type\":\"helseid\", ...}");
        VFT_TRY(get_string(a, "type", "auth.", s.auth.type, true));
        if (s.auth.type != "none" && s.auth.type != "helseid")
            return invalid("auth.type", "unknown auth type '" + s.auth.type + "'",
                           "none or helseid");
        const bool helseid = s.auth.type == "helseid";
        // Role sender: the runner hosts the token service; the SUT file names no token_url.
        VFT_TRY(get_string(a, "token_url", "auth.", s.auth.token_url, helseid && !has_trigger));
        VFT_TRY(get_string(a, "client_id", "auth.", s.auth.client_id, helseid));
        VFT_TRY(get_string(a, "private_key", "auth.", s.auth.private_key, helseid));
        VFT_TRY(get_string(a, "kid", "auth.", s.auth.kid, false));
        VFT_TRY(get_string(a, "test_token_url", "auth.", s.auth.test_token_url, false));
        VFT_TRY(get_strings(a, "scopes", "auth.", s.auth.scopes));
        if (auto dp = a.FindMember("dpop"); dp != a.MemberEnd()) {
            if (!dp->value.IsBool()) return invalid("auth.dpop", "expected true or false");
            s.auth.dpop = dp->value.GetBool();
        }
        for (const auto* url : {&s.auth.token_url, &s.auth.test_token_url})
            if (!url->empty() && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
                return invalid(url == &s.auth.token_url ? "auth.token_url" : "auth.test_token_url",
                               "'" + *url + "' is not an http(s) URL");
        if (!s.auth.private_key.empty()) {
            std::filesystem::path p(s.auth.private_key);
            if (p.is_relative()) p = s.dir / p;
            s.auth.private_key = p.lexically_normal().string();
        }
    }
    if (s.claims("auth") && s.auth.type == "none")
        return invalid("modules", "the module 'auth' is claimed but auth.type is none",
                       "give auth {\"type\":\"helseid\", ...} or do not claim 'auth'");
    if (auto it = d.FindMember("test_patients"); it != d.MemberEnd()) {
        if (!it->value.IsArray()) return invalid("test_patients", "expected an array");
        for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
            const std::string path = "test_patients[" + std::to_string(i) + "].";
            const JValue& p = it->value[i];
            if (!p.IsObject())
                return invalid(path.substr(0, path.size() - 1), "expected an object");
            TestPatient tp;
            VFT_TRY(get_string(p, "fnr", path, tp.fnr, true));
            VFT_TRY(get_string(p, "name", path, tp.name, false));
            VFT_TRY(get_strings(p, "service_codes", path, tp.service_codes));
            VFT_TRY(check_service_codes(tp.service_codes, path + "service_codes"));
            auto id = parse_person_id(tp.fnr);
            if (!id || (id->kind != PersonIdKind::fnr && id->kind != PersonIdKind::dnr))
                return invalid(path + "fnr",
                               "not a valid fødselsnummer or D-nummer" +
                                   (id ? std::string() : ": " + id.error().message),
                               "use a synthetic test person (month +65 or +80)");
            s.test_patients.push_back(std::move(tp));
        }
    }
    VFT_TRY(get_string(d, "trigger", "", s.trigger, false));
    if (d.HasMember("manual_timeout_s")) {
        const auto& v = d["manual_timeout_s"];
        if (!v.IsInt() || v.GetInt() < 1 || v.GetInt() > 86400)
            return invalid("manual_timeout_s", "expected a whole number of seconds, 1 to 86400",
                           "how long the runner waits for the operator per instruction");
        s.manual_timeout_s = v.GetInt();
    }
    for (auto [name, out] : {std::pair{"manual_endpoint", &s.manual_endpoint},
                             std::pair{"manual_token_service", &s.manual_token_service}}) {
        VFT_TRY(get_string(d, name, "", *out, false));
        if (out->empty()) continue;
        while (out->back() == '/')
            out->pop_back();
        const auto colon = out->rfind(':');
        const std::string port = colon == std::string::npos ? "" : out->substr(colon + 1);
        const bool ok =
            out->rfind("http://", 0) == 0 && colon > 7 && !port.empty() && port.size() <= 5 &&
            std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            std::stoi(port) > 0 && std::stoi(port) <= 65535 &&
            out->find('/', 7) == std::string::npos;
        if (!ok)
            return invalid(name, "'" + *out + "' is not http://HOST:PORT",
                           "an address of the runner's machine the product can reach, with a "
                           "port, e.g. http://192.0.2.10:8443 (operator mode)");
        if (!s.manual())
            return invalid(name, "only for operator mode", "give \"trigger\": \"manual\"");
    }
    return s;
}

Result<Sut> Sut::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return Error{std::string(errc::conf_sut_unreadable),
                     "cannot read the SUT file '" + file.string() + "'", file.string(),
                     "check the path given to --sut"};
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = parse(ss.str(), file.parent_path());
    if (!s) {
        Error e = s.error();
        e.location = file.string() + (e.location.empty() ? "" : ": " + e.location);
        return e;
    }
    return s;
}

std::string Sut::redacted_json() const {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) return "{}";
    redact(d);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    d.Accept(w);
    return {sb.GetString(), sb.GetSize()};
}

}  // namespace vft::conformance
