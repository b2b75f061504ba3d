// Internal interface between the validator facade and its JSON and XML halves.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "validate/compiled_spec.hpp"

namespace vft::detail {

// Collects issues with severities resolved for the level; rule metadata comes from the specs.
class IssueSink {
  public:
    IssueSink(const Spec& spec, Level level, std::vector<Issue>& out)
        : spec_(spec), level_(level), out_(out) {}

    void add(const Rule& rule, std::string path, std::string message = {}, std::string hint = {});
    // A built-in rule by ID; message/hint default to the rule's text in the specs.
    void add(std::string_view rule_id, std::string path, std::string message = {},
             std::string hint = {}, int line = 0, int column = 0);
    [[nodiscard]] Level level() const { return level_; }
    [[nodiscard]] const Spec& spec() const { return spec_; }
    [[nodiscard]] bool has_fatal() const;
    // For checks that make their own issues (the R4 walker): the report's list.
    std::vector<Issue>& issues() { return out_; }

  private:
    const Spec& spec_;
    Level level_;
    std::vector<Issue>& out_;
};

void validate_json(const Spec& spec, const ValidatorOptions& vopts, std::string_view text,
                   const ValidateOptions& opts, ValidationReport& report);
// The stages after parsing, on a document parsed with ParsedJson::kParseFlags (normalised in
// place).
void validate_json_document(const Spec& spec, const ValidatorOptions& vopts,
                            rapidjson::Document& doc, const ValidateOptions& opts,
                            ValidationReport& report);
void validate_xml(const Spec& spec, const ValidatorOptions& vopts, std::string_view text,
                  const ValidateOptions& opts, ValidationReport& report);

}  // namespace vft::detail
