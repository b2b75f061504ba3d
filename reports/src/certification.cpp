// Certification records (certification.hpp): made from a report, written in a fixed member order,
// read back strictly (schema first, then the dates).
#include "vft/reports/certification.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <chrono>

#include "reports_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
#include "vft/internal/json.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"

namespace vft::reports {
namespace {

Error bad(std::string message, std::string location, std::string hint = {}) {
    return detail::report_error(errc::report_cert_malformed, std::move(message),
                                std::move(location), std::move(hint));
}

std::string member(const std::string& sut_json, const char* name) {
    rapidjson::Document d;
    size_t offset = 0;
    if (!detail::parse_json(sut_json, d, offset) || !d.IsObject()) return {};
    return std::string(vft::internal::str_member(d, name));
}

}  // namespace

Result<Certification> make_certification(const Report& report, std::string_view report_json_bytes,
                                         std::string_view issuer_key_id, int validity_days,
                                         std::string_view issued) {
    Certification c;
    c.product = member(report.sut_json, "name");
    c.vendor = member(report.sut_json, "vendor");
    c.product_version = member(report.sut_json, "version");
    if (c.product.empty() || c.product_version.empty())
        return bad("the report's SUT file names no product (name) or version", "sut",
                   "the SUT file needs \"name\" and \"version\" for a certification record");
    if (validity_days <= 0)
        return bad("certification validity must be at least one day", "validity_days");
    c.suite = report.suite;
    c.suite_version = report.suite_version;
    c.role = report.role;
    c.modules_passed = report.modules_passed;
    c.verdict = report.verdict;
    std::chrono::system_clock::time_point at = std::chrono::system_clock::now();
    if (!issued.empty()) {
        auto t = parse_fhir_time(issued);
        if (!t)
            return bad("issued time '" + std::string(issued) + "' is not a date-time", "issued");
        at = *t;
    }
    c.issued = detail::format_utc(at);
    c.expires = detail::format_utc(at + std::chrono::hours(24) * validity_days);
    c.report_sha256 = sha256_hex(report_json_bytes);
    c.run_id = report.run_id;
    c.tool_version = report.tool_version;
    c.issuer_key_id = std::string(issuer_key_id);
    return c;
}

std::string to_json(const Certification& c) {
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    auto kv = [&w](const char* k, std::string_view v) {
        w.Key(k);
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    };
    w.StartObject();
    kv("format", c.format);
    kv("product", c.product);
    kv("vendor", c.vendor);
    kv("product_version", c.product_version);
    kv("suite", c.suite);
    kv("suite_version", c.suite_version);
    kv("role", c.role);
    w.Key("modules_passed");
    w.StartArray();
    for (const auto& m : c.modules_passed)
        w.String(m.data(), static_cast<rapidjson::SizeType>(m.size()));
    w.EndArray();
    kv("verdict", to_string(c.verdict));
    kv("issued", c.issued);
    kv("expires", c.expires);
    kv("report_sha256", c.report_sha256);
    kv("run_id", c.run_id);
    kv("tool_version", c.tool_version);
    kv("issuer_key_id", c.issuer_key_id);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

Result<Certification> certification_from_json(std::string_view json) {
    if (auto ok = validate_certification_json(json); !ok) return ok.error();
    rapidjson::Document d;
    size_t offset = 0;
    if (!detail::parse_json(json, d, offset))
        return bad("not JSON", "offset " + std::to_string(offset));
    auto s = [&d](const char* name) { return std::string(vft::internal::str_member(d, name)); };
    Certification c;
    c.format = s("format");
    c.product = s("product");
    c.vendor = s("vendor");
    c.product_version = s("product_version");
    c.suite = s("suite");
    c.suite_version = s("suite_version");
    c.role = s("role");
    for (const auto& m : d["modules_passed"].GetArray())
        c.modules_passed.emplace_back(m.GetString());
    c.verdict = verdict_from_string(s("verdict")).value_or(Verdict::incomplete);
    c.issued = s("issued");
    c.expires = s("expires");
    c.report_sha256 = s("report_sha256");
    c.run_id = s("run_id");
    c.tool_version = s("tool_version");
    c.issuer_key_id = s("issuer_key_id");
    // The schema fixes the form "YYYY-MM-DDTHH:MM:SSZ", so text order is time order.
    if (c.expires <= c.issued)
        return bad("the record expires (" + c.expires + ") before it is issued (" + c.issued + ")",
                   "expires");
    return c;
}

}  // namespace vft::reports
