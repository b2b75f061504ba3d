// The public face of the validator: compile once, judge many documents.
#include "vft/validate/validator.hpp"

#include <algorithm>

#include "json/json_util.hpp"
#include "validate/checks.hpp"
#include "vft/internal/parsed_json.hpp"

namespace vft {

std::string_view to_string(Severity s) {
    switch (s) {
        case Severity::fatal:
            return "fatal";
        case Severity::error:
            return "error";
        case Severity::warning:
            return "warning";
        case Severity::information:
            return "information";
    }
    return "error";
}

bool ValidationReport::valid() const {
    return std::none_of(issues.begin(), issues.end(), [](const Issue& i) {
        return i.severity == Severity::fatal || i.severity == Severity::error;
    });
}

size_t ValidationReport::count(Severity s) const {
    return static_cast<size_t>(std::count_if(issues.begin(), issues.end(),
                                             [s](const Issue& i) { return i.severity == s; }));
}

std::string ValidationReport::to_operation_outcome() const {
    using detail::json_escape;
    auto issue_type = [](const Issue& i) -> const char* {
        const std::string& r = i.rule;
        if (r.rfind("FHIR-JSON", 0) == 0 || r.rfind("KITH-XML", 0) == 0 ||
            r.rfind("KITH-XSD", 0) == 0)
            return "structure";
        if (r == "FHIR-STR-002") return "required";
        if (r.rfind("FHIR-STR", 0) == 0) return "structure";
        if (r.rfind("CODE-", 0) == 0) return "code-invalid";
        if (r.rfind("ID-", 0) == 0) return "value";
        return "invariant";
    };
    std::string out = R"({"resourceType":"OperationOutcome","issue":[)";
    bool first = true;
    for (const Issue& i : issues) {
        if (!first) out += ',';
        first = false;
        out += R"({"severity":")" + std::string(to_string(i.severity)) + R"(","code":")" +
               issue_type(i) + "\"";
        out +=
            R"(,"details":{"coding":[{"system":"http://vft.no/fhir/CodeSystem/validation-rule","code":")" +
            json_escape(i.rule) + R"("}],"text":")" + json_escape(i.message) + "\"}";
        if (!i.hint.empty()) out += R"(,"diagnostics":")" + json_escape(i.hint) + "\"";
        if (!i.path.empty()) out += R"(,"expression":[")" + json_escape(i.path) + "\"]";
        if (i.line > 0)
            out += R"(,"location":["line )" + std::to_string(i.line) + ", column " +
                   std::to_string(i.column) + "\"]";
        out += '}';
    }
    if (first)
        out +=
            R"({"severity":"information","code":"informational","details":{"text":"no issues"}})";
    out += "]}";
    return out;
}

namespace detail {

void IssueSink::add(const Rule& rule, std::string path, std::string message, std::string hint) {
    out_.push_back(Issue{rule.severity(level_), rule.id, std::move(path),
                         message.empty() ? rule.message : std::move(message),
                         hint.empty() ? rule.hint : std::move(hint), 0, 0, rule.source});
}

void IssueSink::add(std::string_view rule_id, std::string path, std::string message,
                    std::string hint, int line, int column) {
    Issue i;
    i.rule = std::string(rule_id);
    i.path = std::move(path);
    if (const Rule* r = spec_.builtin(rule_id)) {
        i.severity = r->severity(level_);
        i.message = message.empty() ? r->message : std::move(message);
        i.hint = hint.empty() ? r->hint : std::move(hint);
        i.source = r->source;
    } else {
        i.severity = Severity::error;  // a rule the specs do not describe: never silently weaker
        i.message = std::move(message);
        i.hint = std::move(hint);
    }
    i.line = line;
    i.column = column;
    out_.push_back(std::move(i));
}

bool IssueSink::has_fatal() const {
    return std::any_of(out_.begin(), out_.end(),
                       [](const Issue& i) { return i.severity == Severity::fatal; });
}

}  // namespace detail

Validator::Validator(std::shared_ptr<const State> impl) : impl_(std::move(impl)) {}
Validator::Validator(Validator&&) noexcept = default;
Validator& Validator::operator=(Validator&&) noexcept = default;
Validator::~Validator() = default;

Result<Validator> Validator::create(ValidatorOptions options) {
    auto spec = detail::compile_spec(options);
    if (!spec) return spec.error();
    auto impl = std::make_shared<State>();
    impl->spec = std::move(spec).value();
    impl->options = std::move(options);
    return Validator(std::move(impl));
}

ValidationReport Validator::validate(std::string_view document,
                                     const ValidateOptions& options) const {
    ValidationReport report;
    // Skip a UTF-8 byte order mark and leading white space to see what kind of document it is.
    std::string_view body = document;
    if (body.size() >= 3 && body.compare(0, 3, "\xEF\xBB\xBF") == 0) body.remove_prefix(3);
    size_t i = 0;
    while (i < body.size() &&
           (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        ++i;
    // XML in UTF-16 (a byte order mark, then '<') is XML too; libxml2 decodes it.
    const bool utf16_xml =
        body.size() >= 4 &&
        ((body.compare(0, 3, "\xFF\xFE<") == 0 && body[3] == '\0') ||
         (body.compare(0, 2, "\xFE\xFF") == 0 && body[2] == '\0' && body[3] == '<'));
    const bool xml = (i < body.size() && body[i] == '<') || utf16_xml || options.spec == "kith";
    if (xml && options.spec == "r4") {  // base R4 judges FHIR JSON; FHIR XML is not supported
        report.kind = "unknown";
        report.spec = "r4";
        detail::IssueSink(*impl_->spec, options.level, report.issues)
            .add("FHIR-JSON-004", {},
                 "--spec r4 judges FHIR R4 JSON; this document is XML (FHIR XML is not supported)");
    } else if (xml)
        detail::validate_xml(*impl_->spec, impl_->options, body, options, report);
    else
        detail::validate_json(*impl_->spec, impl_->options, body, options, report);
    // Fatal first, then errors, warnings, information; the order of discovery within each.
    std::stable_sort(report.issues.begin(), report.issues.end(),
                     [](const Issue& a, const Issue& b) { return a.severity < b.severity; });
    return report;
}

ValidationReport Validator::validate_parsed(ParsedJson& document,
                                            const ValidateOptions& options) const {
    // What validate() would not judge as parsed JSON: malformed or not an object (its issue
    // names line and column), too large, or judged as XML.
    if (!document.ok() || options.spec == "kith" || options.spec == "r4" ||
        document.text().size() > impl_->options.max_bytes)
        return validate(document.text(), options);
    ValidationReport report;
    detail::validate_json_document(*impl_->spec, impl_->options, document.doc(), options, report);
    std::stable_sort(report.issues.begin(), report.issues.end(),
                     [](const Issue& a, const Issue& b) { return a.severity < b.severity; });
    return report;
}

std::vector<SpecInfo> Validator::specs() const {
    std::vector<SpecInfo> out;
    for (const auto& [id, p] : impl_->spec->packages)
        out.push_back({id, p.version, p.title});
    return out;
}

}  // namespace vft
