#include "faults.hpp"

#include <rapidjson/document.h>

#include "vft/core/error_codes.hpp"

namespace vft::mocks::detail {

Result<std::unique_ptr<Faults>> Faults::parse(std::string_view json) {
    auto bad = [](std::string m) {
        return Error{std::string(errc::mock_faults),
                     "faults file: " + m,
                     {},
                     "see mocks/src/faults.hpp for the format",
                     0,
                     false};
    };
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("rules") || !d["rules"].IsArray())
        return bad("expected {\"seed\": N, \"rules\": [...]}");
    auto f = std::make_unique<Faults>();
    if (d.HasMember("seed") && d["seed"].IsUint64()) f->rng_.seed(d["seed"].GetUint64());
    for (const auto& r : d["rules"].GetArray()) {
        FaultRule rule;
        auto str = [&r](const char* k) {
            return r.HasMember(k) && r[k].IsString() ? std::string(r[k].GetString())
                                                     : std::string();
        };
        rule.method = str("method");
        if (r.HasMember("path")) rule.path = str("path");
        rule.action = str("action");
        rule.retry_after = str("retry_after");
        if (r.HasMember("first") && r["first"].IsInt()) rule.first = r["first"].GetInt();
        if (r.HasMember("probability") && r["probability"].IsNumber())
            rule.probability = r["probability"].GetDouble();
        if (r.HasMember("status") && r["status"].IsInt()) rule.status = r["status"].GetInt();
        if (r.HasMember("latency_ms") && r["latency_ms"].IsInt())
            rule.latency_ms = r["latency_ms"].GetInt();
        if (r.HasMember("chunk_bytes") && r["chunk_bytes"].IsInt())
            rule.chunk_bytes = r["chunk_bytes"].GetInt();
        if (rule.action == "slow-body" && rule.latency_ms == 0) rule.latency_ms = 50;
        if (rule.chunk_bytes <= 0) return bad("chunk_bytes must be positive");
        if (rule.action.empty())
            rule.action = rule.status ? "status" : rule.latency_ms ? "latency" : "";
        if (rule.action != "status" && rule.action != "drop-before" &&
            rule.action != "drop-after" && rule.action != "latency" && rule.action != "slow-body" &&
            rule.action != "duplicate")
            return bad("unknown action '" + rule.action + "'");
        if (rule.action == "status" && (rule.status < 400 || rule.status > 599))
            return bad("a status rule needs a 4xx/5xx status");
        if (rule.first == 0 && (rule.probability <= 0 || rule.probability > 1))
            rule.probability = 1;  // always
        f->rules_.push_back(std::move(rule));
    }
    return f;
}

std::optional<FaultRule> Faults::fire(const std::string& method, const std::string& path) {
    std::lock_guard lock(mu_);
    for (auto& r : rules_) {
        if (!r.method.empty() && r.method != method) continue;
        if (!glob_match(r.path, path)) continue;
        const int n = ++*r.matched;
        if (r.first > 0 ? n <= r.first
                        : std::uniform_real_distribution<double>(0, 1)(rng_) < r.probability)
            return r;
    }
    return std::nullopt;
}

}  // namespace vft::mocks::detail
