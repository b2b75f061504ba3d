// OperationOutcome reader: a rejection as a list of issues (vft/client/operation_outcome.hpp).
#include "vft/client/operation_outcome.hpp"

#include <algorithm>

#include "json/json_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::client {
namespace {

using vft::detail::JValue;
using vft::detail::member;
using vft::detail::str;
using vft::detail::str_member;

constexpr size_t kMaxBytes = 4u << 20;
constexpr size_t kMaxIssues = 10000;

Error error(std::string_view code, std::string message, std::string location = {}) {
    Error e;
    e.code = std::string(code);
    e.message = std::move(message);
    e.location = std::move(location);
    return e;
}

Severity severity_of(std::string_view s) {
    if (s == "fatal") return Severity::fatal;
    if (s == "warning") return Severity::warning;
    if (s == "information") return Severity::information;
    return Severity::error;
}

bool is_position(std::string_view s) {
    return s.rfind("line ", 0) == 0;
}

OutcomeIssue read_issue(const JValue& v) {
    OutcomeIssue i;
    i.severity = severity_of(str_member(v, "severity"));
    i.code = std::string(str_member(v, "code"));
    const JValue* details = member(v, "details");
    if (details) {
        i.message = mask_person_ids(str_member(*details, "text"));
        if (const JValue* codings = member(*details, "coding"); codings && codings->IsArray()) {
            const JValue* chosen = nullptr;
            for (const auto& c : codings->GetArray()) {
                if (str_member(c, "code").empty()) continue;
                if (str_member(c, "system") == vft_rule_system) {
                    chosen = &c;
                    break;
                }
                if (!chosen) chosen = &c;
            }
            if (chosen) {
                i.rule = std::string(str_member(*chosen, "code"));
                i.source = std::string(str_member(*chosen, "system"));
                if (i.message.empty()) i.message = mask_person_ids(str_member(*chosen, "display"));
            }
        }
    }
    i.hint = mask_person_ids(str_member(v, "diagnostics"));
    for (const char* name : {"expression", "location"})
        if (const JValue* a = member(v, name); a && a->IsArray())
            for (const auto& p : a->GetArray()) {
                const std::string_view s = str(&p);
                if (s.empty()) continue;
                if (is_position(s)) {
                    if (i.position.empty()) i.position = std::string(s);
                } else if (i.path.empty()) {
                    i.path = std::string(s);
                }
            }
    return i;
}

}  // namespace

bool OperationOutcome::has_errors() const {
    return std::any_of(issues.begin(), issues.end(), [](const OutcomeIssue& i) {
        return i.severity == Severity::fatal || i.severity == Severity::error;
    });
}

size_t OperationOutcome::count(Severity s) const {
    return static_cast<size_t>(std::count_if(
        issues.begin(), issues.end(), [s](const OutcomeIssue& i) { return i.severity == s; }));
}

std::vector<OutcomeIssue> OperationOutcome::rule_issues() const {
    std::vector<OutcomeIssue> out;
    for (const auto& i : issues)
        if (i.source == vft_rule_system) out.push_back(i);
    return out;
}

Result<OperationOutcome> read_operation_outcome(std::string_view json) {
    if (json.size() > kMaxBytes)
        return error(errc::json_too_large, "the OperationOutcome is over 4 MiB; not read");
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (d.HasParseError()) {
        int line = 0, col = 0;
        vft::detail::line_col(json, d.GetErrorOffset(), line, col);
        return error(errc::json_syntax, "the answer is not JSON",
                     "line " + std::to_string(line) + ", column " + std::to_string(col));
    }
    if (!d.IsObject() || str_member(d, "resourceType") != "OperationOutcome")
        return error(errc::read_wrong_message, "the answer is not an OperationOutcome");
    OperationOutcome out;
    if (const JValue* issues = member(d, "issue"); issues && issues->IsArray())
        for (const auto& v : issues->GetArray()) {
            if (out.issues.size() >= kMaxIssues) break;
            if (v.IsObject()) out.issues.push_back(read_issue(v));
        }
    return out;
}

OperationOutcome issues_of(const Error& e) {
    if (e.outcome.empty()) return {};
    auto r = read_operation_outcome(e.outcome);
    return r ? std::move(r).value() : OperationOutcome{};
}

}  // namespace vft::client
