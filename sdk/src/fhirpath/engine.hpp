// The FHIRPath evaluator's internals shared by the operator and function files.
// Errors inside the engine are thrown as EvalError and become a vft::Error at the API boundary.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <rapidjson/document.h>

#include "fhirpath/ast.hpp"
#include "vft/fhirpath/fhirpath.hpp"

namespace vft::fhirpath {

namespace detail {
// JSON made during an evaluation (type() results); shared by the results that point into it.
using Arena = std::vector<std::unique_ptr<rapidjson::Document>>;
}  // namespace detail

// The states the public classes hold opaquely (vft/fhirpath/fhirpath.hpp).
struct Document::State {
    rapidjson::Document doc;
    std::string text;  // owns the bytes the document's strings point into (in-situ free)
};

struct Expression::State {
    std::shared_ptr<const detail::Node> root;
};

struct Collection::State {
    std::shared_ptr<const Document::State> doc;  // keeps the nodes alive
    std::shared_ptr<detail::Arena> arena;
    detail::Coll items;
};

}  // namespace vft::fhirpath

namespace vft::fhirpath::detail {

using JValue = rapidjson::Value;

struct EvalError {
    std::string message;
};

using DocumentData = Document::State;
using CollectionData = Collection::State;

// $this / $index / $total of the innermost iteration.
struct Frame {
    const Value* this_ = nullptr;
    int64_t index = -1;
    const Coll* total = nullptr;
    const Frame* outer = nullptr;
};

class Evaluator {
  public:
    Evaluator(const TypeModel& model, const Environment& env) : model(model), env(env) {}

    Coll eval(const Node& n, const Coll& focus, const Frame& frame);
    // Evaluates `n` once per item of `focus` with $this = item, $index = i.
    Coll eval_on(const Node& n, const Value& item, int64_t index, const Frame& outer);

    // Navigation.
    void children_named(const Value& v, std::string_view name, Coll& out);
    void all_children(const Value& v, Coll& out);
    static Value node_value(const JValue* json, const JValue* shadow, std::string type,
                            const void* element = nullptr);

    // The system value of a primitive node (or the value itself when computed); nullopt for a
    // complex node or a primitive with only extensions.
    std::optional<Value> primitive(const Value& v) const;
    // A FHIR Quantity node (or a Quantity value) as a Quantity.
    std::optional<Quantity> quantity_of(const Value& v) const;

    // Type tests.
    std::string type_of(const Value& v) const;  // FHIR type for nodes, System.X for values
    bool is_type(const Value& v, std::string_view type) const;

    // Helpers for functions.
    std::optional<bool> single_boolean(const Coll& c, const char* what) const;
    const Value* singleton(const Coll& c, const char* what) const;
    void step() {
        if (++steps > env.max_steps) throw EvalError{"evaluation exceeded its step budget"};
    }

    const TypeModel& model;
    const Environment& env;
    std::shared_ptr<const DocumentData> doc;
    Value resource;       // %resource
    Value root_resource;  // %rootResource
    Value context;        // %context
    size_t steps = 0;
    std::shared_ptr<Arena> arena;  // made when type() first needs it
};

// Evaluates `expression` with %resource = resource, %rootResource = root, %context = context
// (the validator's invariant hook and evaluate() both come through here).
Result<Coll> evaluate_raw(const Expression& expression,
                          const std::shared_ptr<const DocumentData>& doc, const JValue& resource,
                          const JValue& root, const Value& context, const Environment& env,
                          std::shared_ptr<Arena>* arena_out = nullptr);

// Equality / equivalence of items and collections (FHIRPath §6.1).
std::optional<bool> items_equal(const Evaluator& ev, const Value& a, const Value& b);
bool items_equivalent(const Evaluator& ev, const Value& a, const Value& b);
std::optional<bool> collections_equal(const Evaluator& ev, const Coll& a, const Coll& b);
bool collections_equivalent(const Evaluator& ev, const Coll& a, const Coll& b);
// <0, 0, >0; nullopt when unknown (precision); throws when the types cannot be compared.
std::optional<int> compare_items(const Evaluator& ev, const Value& a, const Value& b);

// Date arithmetic: t + amount unit (negative amount subtracts).
std::optional<Temporal> add_duration(const Temporal& t, const Decimal& amount,
                                     std::string_view unit);

// Renders an item: readable text and the CLI's JSON.
std::string item_text(const Value& v);
std::string item_json(const Value& v);
std::string json_of(const JValue& v);

// The type test of as/ofType (exact for FHIR primitives, hierarchy otherwise).
bool cast_matches(Evaluator& ev, const Value& v, const std::string& type);

// Functions: `call.args` are unevaluated (lazy for where/select/iif/...).
using Function = Coll (*)(Evaluator&, const Node& call, const Coll& focus, const Frame& frame);
struct FunctionDef {
    Function fn;
    int min_args;
    int max_args;
};
using FunctionTable = std::unordered_map<std::string_view, FunctionDef>;
const FunctionTable& functions();
void add_collection_functions(FunctionTable& t);
void add_string_functions(FunctionTable& t);
void add_math_functions(FunctionTable& t);
void add_conversion_functions(FunctionTable& t);
void add_fhir_functions(FunctionTable& t);
void add_boundary_functions(FunctionTable& t);

// Evaluates argument i once with the call's focus as $this context (for plain arguments).
Coll arg(Evaluator& ev, const Node& call, size_t i, const Coll& focus, const Frame& frame);
// The type name written as an argument (is(Quantity), ofType(FHIR.string)).
std::string type_arg(const Node& call, size_t i);
std::optional<std::string> string_arg(Evaluator& ev, const Node& call, size_t i, const Coll& focus,
                                      const Frame& frame);
std::optional<int64_t> integer_arg(Evaluator& ev, const Node& call, size_t i, const Coll& focus,
                                   const Frame& frame);
// The single item of the focus as a system value (nullopt when empty; error when many).
std::optional<Value> focus_value(Evaluator& ev, const Coll& focus, const char* fn);

// htmlChecks() on the text of a narrative's div (txt-1, txt-2): the allowed elements and
// attributes (txt-1), some non-whitespace content (txt-2), or both.
enum class HtmlRule { both, names, content };
bool html_ok(std::string_view xhtml, HtmlRule rule = HtmlRule::both);
// Both halves from one scan: html_ok(x, names) and html_ok(x, content).
struct HtmlVerdict {
    bool names = false;
    bool content = false;
};
HtmlVerdict html_check(std::string_view xhtml);

}  // namespace vft::fhirpath::detail
