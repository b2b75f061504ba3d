// vft::Validator — judges FHIR JSON and KITH XML messages against the national specifications
// in specs/ (compiled once, then used for any number of documents).
//
// Thread safety: a Validator is immutable after create(); validate() may be called from many
// threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/validate/issue.hpp"

namespace vft {

enum class Level {
    strict,   // what JFT accepts: FHIR R4 + profiles + the IG's fixed values
    lenient,  // what VKP accepts today: domain §6 items 1–3 become warnings with a fix hint
};

struct ValidatorOptions {
    std::string specs_dir;         // load spec packages from here; empty = the embedded copy
    size_t max_depth = 100;        // deeper JSON/XML nesting is a fatal issue
    size_t max_bytes = 64u << 20;  // larger input is a fatal issue, never read further
};

struct ValidateOptions {
    Level level = Level::strict;
    std::string spec;  // "r4" | "vkp-r4" | "jft" | "pmd" | "kith"; empty = detect from the
                       // document ("r4" = base FHIR R4 alone, never detected)
    bool list_unchecked = false;  // fill ValidationReport::unchecked (sorted, distinct)
};

struct SpecInfo {
    std::string id;
    std::string version;
    std::string title;
};

// A FHIR JSON document its caller parsed once and reads as well (the mock receiver); defined in
// vft_internal (vft/internal/parsed_json.hpp), opaque to everyone else.
class ParsedJson;

class Validator {
  public:
    // Loads and compiles every spec package. Errors: VFT-SPEC-02xx naming the file at fault.
    [[nodiscard]] static Result<Validator> create(ValidatorOptions options = {});

    // Validates one document (FHIR JSON or KITH XML, detected from its first character).
    // Never throws; malformed input yields a fatal issue with line and column.
    [[nodiscard]] ValidationReport validate(std::string_view document,
                                            const ValidateOptions& options = {}) const;

    // Judges a document its caller has already parsed (ParsedJson), with the report validate()
    // gives for the same text; the text is parsed again only when it is not a JSON object. The
    // document is normalised in place (the lenient repairs): read it before, not after.
    [[nodiscard]] ValidationReport validate_parsed(ParsedJson& document,
                                                   const ValidateOptions& options = {}) const;

    [[nodiscard]] std::vector<SpecInfo> specs() const;

    Validator(Validator&&) noexcept;
    Validator& operator=(Validator&&) noexcept;
    ~Validator();

    struct State;  // defined in sdk/src/validate/compiled_spec.hpp; public only so it can be named
                   // there

  private:
    explicit Validator(std::shared_ptr<const State> impl);
    std::shared_ptr<const State> impl_;
};

}  // namespace vft
