// The JSON-shape type model: what the engine knows without the compiled FHIR model — the R4
// primitive types and their hierarchy, the quantity family, the resources that are not
// DomainResources, and choice types read from the JSON name's suffix (valueQuantity).
#include <array>

#include "fhir/model.hpp"
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
    Child child(std::string_view, const void*, std::string_view name) const override {
        Child c;
        if (name == "extension" || name == "modifierExtension") {
            c.type = "Extension";
            c.found = true;
        }
        return c;
    }
    std::string base_type(std::string_view type) const override {
        for (const auto& b : kBases)
            if (b.type == type) return std::string(b.base);
        // Any other capitalised name seen as a resourceType is a DomainResource; complex
        // datatypes are Elements. Without the model the two cannot be told apart (documented
        // departure; the R4 model knows).
        if (looks_like_resource(type)) return "DomainResource";
        return "";
    }
    bool is_primitive(std::string_view type) const override {
        for (auto p : kPrimitives)
            if (p == type) return true;
        return false;
    }
    bool is_known(std::string_view type) const override {
        for (const auto& b : kBases)
            if (b.type == type) return true;
        return false;
    }
};

// The compiled R4 model (vft::detail::FhirModel, sdk/src/fhir/model.hpp) behind the TypeModel
// interface.
class R4Model final : public TypeModel {
  public:
    explicit R4Model(const vft::detail::FhirModel& m) : m_(m) {}

    Child child(std::string_view parent_type, const void* parent_element,
                std::string_view name) const override {
        Child out;
        const auto* pe = static_cast<const vft::detail::FhirElement*>(parent_element);
        if (!pe) {
            const vft::detail::FhirType* t = m_.type(parent_type);
            if (!t || !t->root) return out;
            pe = t->root;
        }
        out.parent_known = true;
        if (name.empty() || name[0] == '_') return out;
        vft::detail::FhirChild c = m_.child(*pe, name);
        if (c) {
            out.found = true;
            out.via_type_suffix = c.element->choice;
            out.type = std::string(c.type);
            // A choice's element has several types: children come from the type's root.
            out.element = c.element->choice ? nullptr : c.element;
            if (out.type.rfind("System.", 0) == 0) out.type = system_to_fhir(*c.element, out.type);
            return out;
        }
        for (const vft::detail::FhirElement* e : m_.children(*pe)) {
            if (e->choice && e->name.size() == name.size() + 3 &&
                e->name.substr(0, name.size()) == name) {
                out.choice_name = true;
                break;
            }
        }
        return out;
    }
    std::string base_type(std::string_view type) const override {
        const vft::detail::FhirType* t = m_.type(type);
        if (!t || !t->base) return "";
        return std::string(t->base->name);
    }
    bool is_primitive(std::string_view type) const override { return m_.is_primitive(type); }
    bool is_known(std::string_view type) const override {
        if (m_.type(type) != nullptr) return true;
        // Resources of FHIR R4B that the R4 definitions name in dom-r4b (on the R4B backport
        // SubscriptionStatus): known names no R4 instance has, so `is` is false, not an error.
        static const std::string_view kR4B[] = {"Citation",
                                                "EvidenceReport",
                                                "MedicinalProductDefinition",
                                                "PackagedProductDefinition",
                                                "AdministrableProductDefinition",
                                                "Ingredient",
                                                "ClinicalUseDefinition",
                                                "RegulatedAuthorization",
                                                "SubstanceDefinition",
                                                "SubscriptionTopic"};
        for (std::string_view n : kR4B)
            if (n == type) return true;
        return false;
    }
    bool complete() const override { return true; }

  private:
    // The R4 definitions type a few elements with FHIRPath system types (Resource.id,
    // Element.id, Extension.url); FHIRPath on FHIR sees them as the FHIR primitives.
    static std::string system_to_fhir(const vft::detail::FhirElement& e, const std::string& type) {
        if (type == "System.String") {
            if (e.name == "url") return "uri";
            if (e.name == "id" && e.owner && e.owner->kind == vft::detail::FhirTypeKind::resource)
                return "id";
            return "string";
        }
        if (type == "System.Boolean") return "boolean";
        if (type == "System.Integer") return "integer";
        if (type == "System.Decimal") return "decimal";
        if (type == "System.Date") return "date";
        if (type == "System.DateTime") return "dateTime";
        if (type == "System.Time") return "time";
        return type;
    }

    const vft::detail::FhirModel& m_;
};

}  // namespace

const TypeModel& inferred_model() {
    static const InferredModel kModel;
    return kModel;
}

const TypeModel& r4_model() {
    static const R4Model kModel(vft::detail::FhirModel::r4());
    return kModel;
}

}  // namespace vft::fhirpath
