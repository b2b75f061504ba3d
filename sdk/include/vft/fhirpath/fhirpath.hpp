// vft::fhirpath — the FHIRPath 2.0 engine as used by FHIR R4 (invariants, `vft fhirpath`).
//
// Parse an expression once with compile(), evaluate it many times with evaluate(). The resource
// is parsed once into a Document; collection items refer into it (no copy of the document) or
// hold a computed value. Type knowledge (element types, choice types, the type hierarchy) comes
// through the small TypeModel interface; without one the engine infers types from the JSON shape.
//
// Thread safety: an Expression and a Document are immutable once built and may be shared by
// threads; each evaluate() call is independent. A TypeModel must be safe for concurrent reads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"

namespace vft::fhirpath {

// What the engine needs to know about FHIR types. Names are FHIR type names ("HumanName",
// "string", "Patient"); FHIRPath's own types are "System.String" etc.
class TypeModel {
  public:
    // What a JSON property of an element is.
    struct Child {
        std::string type;               // its FHIR type ("" unknown)
        const void* element = nullptr;  // the model's handle for the element (opaque; passed
                                        // back as `parent_element`), nullptr when none
        bool found = false;             // the model knows the property
        bool parent_known = false;      // the model knows the parent: !found means no such element
        bool choice_name = false;       // the name is a choice element's ("value" of value[x])
        bool via_type_suffix = false;   // the name is a choice element + type ("valueQuantity")
    };
    virtual ~TypeModel() = default;
    // The property `json_name` of an element of type `parent_type` (`parent_element` the handle
    // this model gave for it, or nullptr at a resource or a typed value).
    [[nodiscard]] virtual Child child(std::string_view parent_type, const void* parent_element,
                                      std::string_view json_name) const = 0;
    // The base type of `type` ("" at the root: Resource, Element, or unknown).
    [[nodiscard]] virtual std::string base_type(std::string_view type) const = 0;
    // True when `type` is a FHIR primitive type (string, code, dateTime, ...).
    [[nodiscard]] virtual bool is_primitive(std::string_view type) const = 0;
    // True when `type` names a FHIR type the model knows.
    [[nodiscard]] virtual bool is_known(std::string_view type) const = 0;
    // True when the model knows every FHIR type (an unknown type name is then an error).
    [[nodiscard]] virtual bool complete() const { return false; }
};

// The JSON-shape model: resourceType, choice types from the JSON name's suffix (valueQuantity),
// primitive types from JSON kinds, and the R4 primitive hierarchy built in.
const TypeModel& inferred_model();
// The compiled FHIR R4 model (specs/compiled/fhir-r4.model): every R4 type and element. The
// default for evaluate().
const TypeModel& r4_model();

// A FHIR resource (JSON) parsed once; immutable and shareable.
class Document {
  public:
    // Parses FHIR JSON text (at most 64 MiB, nesting at most 512 deep).
    [[nodiscard]] static Result<Document> parse(std::string_view json);
    // The top-level resourceType ("" when absent).
    [[nodiscard]] std::string resource_type() const;

    // The parsed document, opaque outside the engine (defined in the SDK's sources).
    struct State;
    explicit Document(std::shared_ptr<const State> state) : state_(std::move(state)) {}
    [[nodiscard]] const std::shared_ptr<const State>& state() const { return state_; }

  private:
    std::shared_ptr<const State> state_;
};

// A compiled expression (the syntax tree), immutable and shareable.
class Expression {
  public:
    [[nodiscard]] const std::string& text() const { return text_; }

    // The syntax tree, opaque outside the engine (defined in the SDK's sources).
    struct State;
    Expression(std::string text, std::shared_ptr<const State> state)
        : text_(std::move(text)), state_(std::move(state)) {}
    [[nodiscard]] const State& state() const { return *state_; }

  private:
    std::string text_;
    std::shared_ptr<const State> state_;
};

// Parses an expression. A syntax error is VFT-FHIRPATH-1501 with "line L, column C".
[[nodiscard]] Result<Expression> compile(std::string_view expression);

class Item;

// The result of an evaluation. Keeps the document it points into alive.
class Collection {
  public:
    Collection();
    [[nodiscard]] size_t size() const;
    [[nodiscard]] bool empty() const { return size() == 0; }
    [[nodiscard]] Item operator[](size_t i) const;
    // The whole collection as a JSON array (Item::json per item).
    [[nodiscard]] std::string json() const;

    // The items, opaque outside the engine (defined in the SDK's sources).
    struct State;
    explicit Collection(std::shared_ptr<const State> state) : state_(std::move(state)) {}

  private:
    std::shared_ptr<const State> state_;
};

// One item of a result collection: a node of the document or a computed value. Valid while its
// Collection lives.
class Item {
  public:
    // The type name: a FHIR type for document nodes where known ("HumanName", "date"), else the
    // FHIRPath type ("Boolean", "String", "Integer", "Decimal", "Date", "DateTime", "Time",
    // "Quantity").
    [[nodiscard]] std::string type() const;
    // True for a node of the document (as opposed to a computed value).
    [[nodiscard]] bool is_node() const;
    // Readable text: the primitive value ("Peter", "true", "1.5", "2015-02-07", "5 'mg'") or
    // the JSON of a complex node.
    [[nodiscard]] std::string text() const;
    // The value as JSON (the CLI contract): strings, booleans, numbers; dates as literal text
    // without '@'; Quantity as {"value":N,"unit":"..."}; complex nodes as their JSON objects.
    [[nodiscard]] std::string json() const;
    // The Boolean value, when the item is one.
    [[nodiscard]] std::optional<bool> boolean() const;

  private:
    friend class Collection;
    Item(const Collection::State* collection, size_t index)
        : collection_(collection), index_(index) {}
    const Collection::State* collection_;
    size_t index_;
};

// The answer of a terminology hook for memberOf(): member, not a member, or cannot tell.
enum class Membership { member, not_member, unknown };

struct Environment {
    // Extra %name variables, each a String value (%resource, %context, %ucum, ... are built in).
    std::map<std::string, std::string> string_variables;
    // Type knowledge; nullptr means r4_model().
    const TypeModel* model = nullptr;
    // Strict mode: naming an element the model does not have on a type it knows, or a choice
    // element by its JSON name (valueQuantity), is an error instead of an empty result.
    bool strict = false;
    // memberOf(): (value set URL, system, code) -> membership; unset means every check is
    // "unknown" (memberOf returns empty).
    std::function<Membership(std::string_view, std::string_view, std::string_view)> member_of;
    // trace(name): receives the name and the traced collection's JSON; unset ignores it.
    std::function<void(std::string_view, std::string_view)> trace;
    // conformsTo(url) for profiles other than the core resource types: (the item's JSON, url) ->
    // true/false, or nullopt when the profile is unknown (then the result is empty).
    std::function<std::optional<bool>(std::string_view, std::string_view)> conforms_to;
    // Upper bound on evaluation work (node visits); exceeded is a run-time error.
    size_t max_steps = 10'000'000;
};

// Evaluates `expression` with `resource` as %resource, %rootResource and %context. A run-time
// error (single() on many items, a type mismatch the spec calls an error) is
// VFT-FHIRPATH-1502.
[[nodiscard]] Result<Collection> evaluate(const Expression& expression, const Document& resource,
                                          const Environment& environment = {});

}  // namespace vft::fhirpath
