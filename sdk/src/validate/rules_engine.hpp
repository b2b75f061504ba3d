// Applies the declarative rules of a spec package (profiles, document rules) and the generic
// code and identifier checks to one parsed FHIR resource (and the entries of a Bundle).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "json/json_util.hpp"
#include "validate/checks.hpp"

namespace vft::detail {

// A node reached by a rule path: the JSON value and its path, kept as an index into the
// engine's path table (rendered to "Bundle.entry[1].resource" only when an issue needs it).
struct Node {
    const JValue* v;
    uint32_t path;
};

// A pattern rule's regex on a value: by its words or positions when the loader found it that
// simple (Rule::regex_words, Rule::regex_fixed: the same answer), else by std::regex.
bool pattern_matches(const Rule& rule, std::string_view value);

class RulesEngine {
  public:
    // An engine is made per document: its buffers come from (and go back to) a spare set kept
    // per thread, so the next document does not grow them again from nothing.
    RulesEngine(const Spec& spec, const Package& pkg, IssueSink& sink);
    ~RulesEngine();
    RulesEngine(const RulesEngine&) = delete;
    RulesEngine& operator=(const RulesEngine&) = delete;

    void run(const JValue& root, const std::string& root_path);

    // All nodes reached from `start` by `path`.
    std::vector<Node> eval(const Node& start, const RulePath& path);
    // The same in the engine's scratch buffer: valid until the next eval_here or eval.
    const std::vector<Node>& eval_here(const Node& start, const RulePath& path);

  private:
    struct Buffers;
    static Buffers& spare();  // this thread's
    void trade(Buffers& other);
    struct Entry {
        const JValue* resource;
        uint32_t path;
    };
    // One step of a path: a member name (index < 0) or an array index, after its parent.
    struct PathRec {
        uint32_t parent;
        std::string_view name;
        int index;
    };

    uint32_t child_path(uint32_t parent, std::string_view name) {
        paths_.push_back({parent, name, -1});
        return static_cast<uint32_t>(paths_.size() - 1);
    }
    uint32_t index_path(uint32_t parent, int index) {
        paths_.push_back({parent, {}, index});
        return static_cast<uint32_t>(paths_.size() - 1);
    }
    [[nodiscard]] std::string path_str(uint32_t p) const;
    void step(const Node& n, const PathSegment& seg, std::vector<Node>& out);
    void visit(const Node& n, std::string_view name, const JValue& child, const PathSegment& seg,
               std::vector<Node>& out);
    const std::vector<Node>& entries_of(const Node& root);
    // The objects in the resources of `entries` (those of `root`) whose reference is a urn:uuid.
    const std::vector<const JValue*>& uuid_refs_of(const Node& root,
                                                   const std::vector<Node>& entries);

    void apply_profiles(const JValue& res, uint32_t path);
    void apply(const Rule& rule, const Node& root);
    bool condition_holds(const Rule& rule, const Node& root);
    void cardinality(const Rule& rule, const Node& ctx);
    void binding(const Rule& rule, const Node& ctx);
    void fixed(const Rule& rule, const Node& ctx);
    void identifier(const Rule& rule, const Node& ctx);
    void pattern(const Rule& rule, const Node& ctx);
    void reference_type(const Rule& rule, const Node& ctx);
    void check(const Rule& rule, const Node& root);
    void vital_sign(const Rule& rule, const Node& root);
    // generic's place in the document: frames on the stack, entered into the path table only
    // when an issue needs the path (`base` is the path of the frame without a parent).
    struct Frame {
        const Frame* parent;
        uint32_t base;
        std::string_view name;
        int index;  // >= 0: an array index, else the member `name`
    };
    uint32_t materialize(const Frame& f);
    // Where generic is, for the urn:uuid scan it does for uuid_refs_of: the top resource, its
    // `entry` array, one entry, inside an entry's `resource`, or elsewhere.
    enum class Zone : uint8_t { root, entries, entry, resource, other };
    void generic(const JValue& v, const Frame& at, Zone zone);
    [[nodiscard]] std::string_view resolve_type(const JValue& reference) const;
    // The spec's code system with this URL, or nullptr (remembered for the next lookups).
    const CodeSystem* codesystem(std::string_view url);

    const Spec& spec_;
    const Package& pkg_;
    IssueSink& sink_;
    std::string root_path_;
    std::vector<PathRec> paths_;
    const JValue* bundle_ = nullptr;  // the top-level Bundle, if any
    // its entries by fullUrl, sorted (stable: the first of a URL first); full_url() finds one
    std::vector<std::pair<std::string_view, Entry>> full_urls_;
    [[nodiscard]] const Entry* full_url(std::string_view url) const;
    std::vector<std::pair<std::string_view, size_t>> url_scratch_;  // bundle-fullurl-unique's
    std::vector<size_t> again_scratch_;
    const JValue* entries_root_ = nullptr;  // entries_ are those of this resource
    std::vector<Node> entries_;
    std::vector<Node> scratch_cur_, scratch_next_;  // eval's steps in between
    const JValue* uuid_root_ = nullptr;             // uuid_refs_ are those of this resource
    std::vector<const JValue*> uuid_refs_;
    std::vector<const JValue*> uuid_stack_;  // uuid_refs_of's walk
    IssueSink* generic_sink_ = nullptr;      // where generic reports (kept until run's end)
    std::vector<Node> contexts_;             // apply's context nodes (a stack)
    std::vector<Node> idents_;               // identifier's identifiers
    struct CsCacheEntry {
        std::string_view url;  // into the document or the spec, both alive while the engine is
        const CodeSystem* cs;
    };
    std::array<CsCacheEntry, 8> cs_cache_{};
    size_t cs_next_ = 0;
};

}  // namespace vft::detail
