// JSON Schema checks of report.json and certification records (valijson, draft-07). The schemas
// are compiled once per process from the copies embedded at build time.
#include "vft/reports/schema.hpp"

#include <rapidjson/error/en.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

#include <valijson/adapters/rapidjson_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "embedded_schemas.hpp"
#include "reports_util.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::reports {
namespace {

std::string_view embedded(std::string_view name) {
    for (const auto* f = vft::detail::embedded_report_schemas(); f->path; ++f)
        if (name == f->path) return {f->data, f->size};
    return {};
}

struct Compiled {
    std::unique_ptr<valijson::Schema> schema;
    std::string error;  // why it did not compile (a bug in vft: the schema is tested)
};

Compiled compile(std::string_view text) {
    Compiled c;
    rapidjson::Document d;
    size_t offset = 0;
    if (!detail::parse_json(text, d, offset)) {
        c.error = "schema is not JSON (offset " + std::to_string(offset) + ")";
        return c;
    }
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::RapidJsonAdapter adapter(d);
        c.schema = std::make_unique<valijson::Schema>();
        parser.populateSchema(adapter, *c.schema);
    } catch (const std::exception& e) {
        c.schema.reset();
        c.error = std::string("schema does not compile: ") + e.what();
    }
    return c;
}

const Compiled& report_schema() {
    static const Compiled c = compile(embedded("report.schema.json"));
    return c;
}
const Compiled& certification_schema() {
    static const Compiled c = compile(embedded("certification.schema.json"));
    return c;
}
const Compiled& registry_schema() {
    static const Compiled c = compile(embedded("registry.schema.json"));
    return c;
}

std::string strip_brackets(const std::string& s) {
    return s.size() >= 2 && s.front() == '[' && s.back() == ']' ? s.substr(1, s.size() - 2) : s;
}

// valijson's context ["<root>", "[tests]", "[3]", "[status]"] → "tests[3].status".
std::string member_path(const std::vector<std::string>& context) {
    std::string path;
    for (size_t i = 1; i < context.size(); ++i) {
        const std::string seg = strip_brackets(context[i]);
        const bool index = !seg.empty() && std::all_of(seg.begin(), seg.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
        if (index)
            path += "[" + seg + "]";
        else
            path += (path.empty() ? "" : ".") + seg;
    }
    return path.empty() ? "(top level)" : path;
}

// `uint64_member`: a top-level member that must be an unsigned 64-bit integer. JSON Schema says
// "integer" for it, but valijson compares numbers as signed 64-bit, so "minimum": 0 would refuse
// every value of 2^63 or more; the range is checked here instead.
Result<void> validate(std::string_view json, const Compiled& schema, std::string_view what,
                      const char* uint64_member = nullptr) {
    if (!schema.schema)
        return detail::report_error(errc::report_schema,
                                    std::string(what) + ": " + schema.error + " (a bug in vft)");
    rapidjson::Document doc;
    size_t offset = 0;
    if (!detail::parse_json(json, doc, offset))
        return detail::report_error(errc::report_syntax,
                                    std::string(what) + " is not valid JSON: " +
                                        rapidjson::GetParseError_En(doc.GetParseError()),
                                    "offset " + std::to_string(offset),
                                    "the file is damaged or not a " + std::string(what));
    valijson::ValidationResults results;
    // One validator per thread: it caches the std::regex of each "pattern", whose compilation
    // cost more than the rest of a record's check (10,000 records published: 40 % of the time).
    thread_local valijson::Validator validator(valijson::Validator::kStrongTypes);
    valijson::adapters::RapidJsonAdapter adapter(doc);
    bool ok = false;
    try {
        ok = validator.validate(*schema.schema, adapter, &results);
    } catch (const std::exception& e) {
        return detail::report_error(errc::report_schema,
                                    std::string(what) + ": schema check failed: " + e.what());
    }
    if (ok && uint64_member && doc.IsObject() && doc.HasMember(uint64_member) &&
        !doc[uint64_member].IsUint64())
        return detail::report_error(errc::report_schema,
                                    std::string(what) +
                                        " does not match its JSON Schema: " + uint64_member +
                                        ": expected an unsigned 64-bit integer (0 to "
                                        "18446744073709551615)",
                                    uint64_member,
                                    "reports/schema/ holds the schema; docs/reports.md explains "
                                    "the fields");
    if (ok) return {};
    // valijson reports a violation and then each enclosing "$ref"/"items"/"properties" step that
    // failed because of it; those wrappers are dropped and the deepest violation is the location.
    struct Violation {
        size_t depth;
        std::string path, description;
    };
    std::vector<Violation> found;
    valijson::ValidationResults::Error e;
    while (results.popError(e)) {
        const std::string& d = e.description;
        if (d.rfind("Failed to validate item #", 0) == 0 ||
            d.rfind("Failed to validate against schema associated with", 0) == 0)
            continue;
        std::string path = member_path(e.context);
        size_t depth = e.context.size();
        // The missing or unexpected member is named in the message: make it part of the path.
        if (d.rfind("Missing required property '", 0) == 0 ||
            d.rfind("Object contains a property that could not be validated", 0) == 0) {
            const auto b = d.rfind('\'');
            const auto a = b == std::string::npos || b == 0 ? b : d.rfind('\'', b - 1);
            if (a != std::string::npos && b != std::string::npos) {
                const std::string name = d.substr(a + 1, b - a - 1);
                path = path == "(top level)" ? name : path + "." + name;
                ++depth;
            }
        }
        found.push_back({depth, std::move(path), d});
    }
    if (found.empty()) found.push_back({0, "(top level)", "the document does not conform"});
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.depth > b.depth; });
    const std::string first_path = found.front().path;
    std::string message = std::string(what) + " does not match its JSON Schema: ";
    for (size_t i = 0; i < found.size() && i < 5; ++i)
        message += (i ? "; " : "") + found[i].path + ": " + found[i].description;
    if (found.size() > 5) message += "; and " + std::to_string(found.size() - 5) + " more";
    return detail::report_error(errc::report_schema, message, first_path,
                                "reports/schema/ holds the schema; docs/reports.md explains "
                                "the fields");
}

}  // namespace

Result<void> validate_report_json(std::string_view json) {
    return validate(json, report_schema(), "report.json", "seed");
}

Result<void> validate_certification_json(std::string_view json) {
    return validate(json, certification_schema(), "certification record");
}

Result<void> validate_registry_json(std::string_view json) {
    return validate(json, registry_schema(), "registry.json");
}

std::string_view report_schema_text() noexcept {
    return embedded("report.schema.json");
}
std::string_view certification_schema_text() noexcept {
    return embedded("certification.schema.json");
}
std::string_view registry_schema_text() noexcept {
    return embedded("registry.schema.json");
}

}  // namespace vft::reports
