// The role-sender runner's own faults: parsing and matching (see proxy_faults.hpp).
#include "proxy_faults.hpp"

#include <rapidjson/document.h>

#include <algorithm>

#include "vft/core/error_codes.hpp"

namespace vft::conformance::detail {
namespace {

Error bad(const std::string& where, const std::string& what) {
    return Error{std::string(errc::conf_instruction),
                 "runner faults: " + what,
                 where,
                 "a bug in the suite (conformance/src/proxy_faults.hpp has the format)",
                 0,
                 false};
}

// '*' matches any run of characters (also '/'); everything else literally.
bool glob(std::string_view p, std::string_view t) {
    size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (pi < p.size() && p[pi] == t[ti]) {
            ++pi;
            ++ti;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ti = ++mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*')
        ++pi;
    return pi == p.size();
}

}  // namespace

bool RunnerFaults::restart() const {
    return std::any_of(proxy.begin(), proxy.end(),
                       [](const ProxyFault& f) { return f.action == "restart"; });
}

Result<RunnerFaults> parse_runner_faults(std::string_view json) {
    RunnerFaults out;
    if (json.empty()) return out;
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject()) return bad("faults", "not a JSON object");
    if (d.HasMember("proxy")) {
        if (!d["proxy"].IsArray()) return bad("proxy", "must be an array");
        for (const auto& r : d["proxy"].GetArray()) {
            if (!r.IsObject()) return bad("proxy", "every fault is an object");
            ProxyFault f;
            auto str = [&r](const char* k) {
                return r.HasMember(k) && r[k].IsString() ? std::string(r[k].GetString())
                                                         : std::string();
            };
            f.method = str("method");
            if (r.HasMember("path")) f.path = str("path");
            f.action = str("action");
            if (r.HasMember("first") && r["first"].IsInt()) f.first = r["first"].GetInt();
            if (r.HasMember("ms") && r["ms"].IsInt()) f.ms = r["ms"].GetInt();
            if (f.action != "invalid-token" && f.action != "outage" && f.action != "restart")
                return bad("proxy.action", "unknown action '" + f.action + "'");
            if (f.first < 1) return bad("proxy.first", "must be at least 1");
            if (f.action == "outage" && (f.ms < 1 || f.ms > 60000))
                return bad("proxy.ms", "an outage lasts 1..60000 ms");
            out.proxy.push_back(std::move(f));
        }
    }
    if (d.HasMember("token_service")) {
        const auto& t = d["token_service"];
        if (!t.IsObject()) return bad("token_service", "must be an object");
        if (t.HasMember("lifetime_s")) {
            if (!t["lifetime_s"].IsInt() || t["lifetime_s"].GetInt() < 1)
                return bad("token_service.lifetime_s", "a positive number of seconds");
            out.token_service.lifetime_s = t["lifetime_s"].GetInt();
        }
        if (t.HasMember("dpop_nonce")) {
            if (!t["dpop_nonce"].IsBool()) return bad("token_service.dpop_nonce", "true or false");
            out.token_service.dpop_nonce = t["dpop_nonce"].GetBool();
        }
        if (t.HasMember("clock_offset_s")) {
            if (!t["clock_offset_s"].IsInt())
                return bad("token_service.clock_offset_s", "a whole number of seconds");
            out.token_service.clock_offset_s = t["clock_offset_s"].GetInt();
        }
    }
    return out;
}

ProxyFaults::ProxyFaults(std::vector<ProxyFault> faults)
    : faults_(std::move(faults)), matched_(faults_.size(), 0) {}

std::optional<ProxyFault> ProxyFaults::fire(const std::string& method, const std::string& path) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < faults_.size(); ++i) {
        const ProxyFault& f = faults_[i];
        if (!f.method.empty() && f.method != method) continue;
        if (!glob(f.path, path)) continue;
        if (++matched_[i] <= f.first) return f;
    }
    return std::nullopt;
}

}  // namespace vft::conformance::detail
