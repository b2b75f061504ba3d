// Applies the declarative rules of a spec package (profiles, document rules) and the generic
// code and identifier checks to one parsed FHIR resource (and the entries of a Bundle).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "json/json_util.hpp"
#include "validate/checks.hpp"

namespace vft::detail {

struct Node {
    const JValue* v;
    std::string path;
};

class RulesEngine {
  public:
    RulesEngine(const Spec& spec, const Package& pkg, IssueSink& sink)
        : spec_(spec), pkg_(pkg), sink_(sink) {}

    void run(const JValue& root, const std::string& root_path);

    // Exposed for unit tests: all nodes reached from `start` by `path`.
    static std::vector<Node> eval(const Node& start, const RulePath& path);

  private:
    struct Entry {
        const JValue* resource;
        std::string path;
    };

    void apply_profiles(const JValue& res, const std::string& path);
    void apply(const Rule& rule, const Node& root);
    bool condition_holds(const Rule& rule, const Node& root) const;
    void cardinality(const Rule& rule, const Node& ctx);
    void binding(const Rule& rule, const Node& ctx);
    void fixed(const Rule& rule, const Node& ctx);
    void identifier(const Rule& rule, const Node& ctx);
    void pattern(const Rule& rule, const Node& ctx);
    void reference_type(const Rule& rule, const Node& ctx);
    void check(const Rule& rule, const Node& root);
    void vital_sign(const Rule& rule, const Node& root);
    void generic(const JValue& v, std::string& path);
    std::string resolve_type(const JValue& reference) const;

    const Spec& spec_;
    const Package& pkg_;
    IssueSink& sink_;
    const JValue* bundle_ = nullptr;                      // the top-level Bundle, if any
    std::unordered_map<std::string, Entry> by_full_url_;  // its entries by fullUrl
};

}  // namespace vft::detail
