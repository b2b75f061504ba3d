// The JSON-shape type model: what the engine knows without the compiled FHIR model — the R4
// primitive types and their hierarchy, the quantity family, the resources that are not
// DomainResources, and choice types read from the JSON name's suffix (valueQuantity).
#include <array>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath {

namespace {

struct Base {
    std::string_view type;
    std::string_view base;
};

constexpr std::array<Base, 35> kBases{{
    {"boolean", "Element"},
    {"integer", "Element"},
    {"string", "Element"},
    {"decimal", "Element"},
    {"uri", "Element"},
    {"base64Binary", "Element"},
    {"instant", "Element"},
    {"date", "Element"},
    {"dateTime", "Element"},
    {"time", "Element"},
    {"xhtml", "Element"},
    {"code", "string"},
    {"id", "string"},
    {"markdown", "string"},
    {"url", "uri"},
    {"canonical", "uri"},
    {"oid", "uri"},
    {"uuid", "uri"},
    {"unsignedInt", "integer"},
    {"positiveInt", "integer"},
    {"Age", "Quantity"},
    {"Count", "Quantity"},
    {"Distance", "Quantity"},
    {"Duration", "Quantity"},
    {"SimpleQuantity", "Quantity"},
    {"MoneyQuantity", "Quantity"},
    {"BackboneElement", "Element"},
    {"Quantity", "Element"},
    {"DomainResource", "Resource"},
    {"Bundle", "Resource"},
    {"Binary", "Resource"},
    {"Parameters", "Resource"},
    {"Element", ""},
    {"Resource", ""},
    {"Extension", "Element"},
}};

constexpr std::array<std::string_view, 20> kPrimitives{
    "boolean",      "integer",  "string",      "decimal",     "uri",  "url",  "canonical",
    "base64Binary", "instant",  "date",        "dateTime",    "time", "code", "oid",
    "id",           "markdown", "unsignedInt", "positiveInt", "uuid", "xhtml"};

bool looks_like_resource(std::string_view t) {
    return !t.empty() && t[0] >= 'A' && t[0] <= 'Z';
}

class InferredModel final : public TypeModel {
  public:
    std::string child_type(std::string_view, std::string_view name) const override {
        if (name == "extension" || name == "modifierExtension") return "Extension";
        return "";
    }
    std::vector<std::string> choice_types(std::string_view, std::string_view) const override {
        return {};
    }
    std::string base_type(std::string_view type) const override {
        for (const auto& b : kBases)
            if (b.type == type) return std::string(b.base);
        // Any other capitalised name seen as a resourceType is a DomainResource; complex
        // datatypes are Elements. Without the model the two cannot be told apart, so both
        // chains are offered through DomainResource (documented departure).
        if (looks_like_resource(type)) return "DomainResource";
        return "";
    }
    bool is_primitive(std::string_view type) const override {
        for (auto p : kPrimitives)
            if (p == type) return true;
        return false;
    }
    bool is_known(std::string_view) const override { return false; }
};

}  // namespace

const TypeModel& inferred_model() {
    static const InferredModel kModel;
    return kModel;
}

}  // namespace vft::fhirpath
