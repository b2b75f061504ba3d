// The compiled form of the spec packages: everything the validator needs, parsed once.
#pragma once

#include <libxml/xmlschemas.h>

#include <bitset>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vft/validate/issue.hpp"
#include "vft/validate/validator.hpp"

namespace vft::detail {

// A path segment of a rule path: `name`, `name[x]` (choice), or `name(key='value')` (filter).
struct PathSegment {
    std::string name;
    bool choice = false;
    std::string filter_key;
    std::string filter_value;
};
using RulePath = std::vector<PathSegment>;

struct CodeSystem;

struct Rule {
    std::string id;
    std::string
        kind;  // cardinality | binding | fixed | identifier | pattern | reference-type | check
    Severity strict = Severity::error;
    Severity lenient = Severity::error;
    std::string message;
    std::string hint;
    std::string source;
    std::string resource_type;  // rules files: only for this top-level resource type
    RulePath context;           // evaluated first; `path` is relative to each context node
    RulePath path;
    std::string path_text;  // as written, for messages
    int min = 0;
    int max = -1;                        // -1 = unbounded
    std::string system;                  // binding / fixed coding
    std::string system_alias;            // binding: the ValueSet URL some published profiles fix as
                                         // Coding.system for `system` (domain §6 item 4), or empty
    std::string strength;                // binding: required | extensible
    std::string value;                   // fixed string / fixed code
    std::vector<std::string> values;     // identifier systems, reference types, check parameters
    std::vector<std::string> tolerated;  // check `bundle-type`: accepted with the rule's severity
    std::string check;                   // named check
    RulePath when_path;                // optional condition on the resource: value at when_path ...
    std::vector<std::string> when_in;  // ... is one of these
    std::vector<std::string> when_not_in;  // ... or is none of these
    std::shared_ptr<std::regex> regex;
    // pattern: when the regex is "^(w1|w2|...)$" (or "^w$") of plain words, the words; the rules
    // engine then compares instead of running std::regex (set at load, literal_alternatives)
    std::vector<std::string> regex_words;
    // pattern: else, when the regex is "^...$" of plain characters and [classes] with {n}
    // counts (one fixed length), the bytes allowed at each position (fixed_length_regex)
    std::vector<std::bitset<256>> regex_fixed;
    // binding: the spec's code system `system` names, or nullptr (set once the spec is loaded,
    // resolve_rule_codesystems; the rules engine uses it instead of a lookup by URL)
    const CodeSystem* codesystem = nullptr;

    [[nodiscard]] Severity severity(Level level) const {
        return level == Level::strict ? strict : lenient;
    }
};

struct Profile {
    std::string url;
    std::string id;
    std::string resource_type;
    std::vector<Rule> rules;
};

// Hashes std::string and std::string_view alike, so maps keyed by std::string are searched with a
// string_view from the document without building a string.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

struct CodeSystem {
    std::string url;
    std::string id;
    bool complete = true;
    StringMap<std::string> displays;  // code -> display
};

struct VitalSignValue {
    std::vector<std::string> types;  // Quantity | integer | CodeableConcept | none
    std::vector<std::pair<std::string, std::string>> units;  // (system, code)
    std::vector<std::pair<std::string, std::string>> answers;
    bool has_range = false;
    double min = 0, max = 0;
};
struct VitalSignComponent {
    std::string name;
    std::vector<std::pair<std::string, std::string>> codes;
    VitalSignValue value;
};
struct VitalSign {
    std::string id;
    std::string name;
    std::string profile_url;
    std::vector<std::pair<std::string, std::string>> codes;  // (system, code)
    VitalSignValue value;
    std::vector<VitalSignComponent> components;
    // Based on one of R4's vital-signs profiles: effective[x] 1..1 and vs-2 (a value, a
    // component or a dataAbsentReason) hold; the score profiles constrain only the code.
    bool r4_vital = false;
};

struct XmlSchemaDeleter {
    void operator()(xmlSchema* s) const { xmlSchemaFree(s); }
};

struct Package {
    std::string id;
    std::string version;
    std::string title;
    std::string extends;
    std::map<std::string, std::string> default_profiles;  // resourceType -> profile url
    std::vector<Rule> document_rules;                     // incl. inherited ones
    std::vector<std::string> profile_urls;                // own + inherited
};

struct Spec {
    std::map<std::string, Package> packages;
    StringMap<Profile> profiles;        // url -> profile
    StringMap<CodeSystem> codesystems;  // url -> code system
    std::vector<VitalSign> vital_signs;
    // The official KITH XSDs compiled as one set (every root namespace, their imports).
    std::unique_ptr<xmlSchema, XmlSchemaDeleter> kith_xsd;
    std::map<std::string, std::string> xsd_names;  // root namespace -> "MsgHead-v1_2.xsd"
    // Rules the validator applies by itself (parsing, structure, codes, identifiers, KITH):
    // their severity, message and hint still come from the spec files.
    std::unordered_map<std::string, Rule> builtins;
    [[nodiscard]] const Rule* builtin(std::string_view id) const;
};

// Reads the spec files (embedded or from a directory) and compiles them.
Result<std::shared_ptr<const Spec>> compile_spec(const ValidatorOptions& options);

// Rule parsing helpers shared by the loader and tests.
RulePath parse_rule_path(std::string_view text);
// The words of a regex that is "^(w1|w2|...)$" or "^w$" with words of [A-Za-z0-9_-] only (what
// such a regex matches: exactly one of them), else false (rules_engine.cpp).
bool literal_alternatives(std::string_view regex, std::vector<std::string>& words);
// The positions of a regex that is "^...$" of letters, digits and ":-/_=,;@", [classes] of
// such characters and ranges (no negation, no escapes) and {n} counts: what it matches is
// exactly the strings of that length with an allowed byte at each position; else false.
bool fixed_length_regex(std::string_view regex, std::vector<std::bitset<256>>& positions);
// Sets Rule::codesystem of every rule of `spec` (rules_engine.cpp); the loader calls it last.
void resolve_rule_codesystems(Spec& spec);

}  // namespace vft::detail

struct vft::Validator::State {
    std::shared_ptr<const vft::detail::Spec> spec;
    ValidatorOptions options;
};
