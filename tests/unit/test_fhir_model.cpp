// The compiled FHIR R4 model (sdk/src/fhir/model.hpp): what the R4 definitions say, looked up.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "fhir/model.hpp"

using vft::detail::BindingStrength;
using vft::detail::FhirElement;
using vft::detail::FhirModel;
using vft::detail::FhirTypeKind;

namespace {

bool has_constraint(const FhirElement& e, std::string_view key) {
    return std::any_of(e.constraints.begin(), e.constraints.end(),
                       [key](const auto* c) { return c->key == key; });
}

}  // namespace

TEST_CASE("every R4 resource type and datatype is in the compiled model", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    size_t resources = 0;
    for (const auto& t : m.types())
        if (t.kind == FhirTypeKind::resource && !t.abstract) ++resources;
    CHECK(resources == 147);  // FHIR R4 4.0.1: 149 resource definitions, 2 abstract
    for (const char* name :
         {"Condition", "MedicationStatement", "AllergyIntolerance", "Flag", "QuestionnaireResponse",
          "MessageHeader", "Encounter", "Bundle", "Parameters", "HumanName", "Address", "Period",
          "Quantity", "SimpleQuantity", "date", "xhtml", "Extension", "Narrative"})
        CHECK(m.type(name) != nullptr);
    CHECK(m.type("Foo") == nullptr);
    CHECK(m.source().find("4.0.1") != std::string_view::npos);
}

TEST_CASE("children: cardinality, arrays, types, reference targets", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    auto name = m.child("Patient", "name");
    REQUIRE(name);
    CHECK(name.element->is_array());
    CHECK(name.type == "HumanName");
    REQUIRE(name.type_def);
    CHECK(name.type_def->kind == FhirTypeKind::complex);
    auto family = m.child(*name.type_def->root, "family");
    REQUIRE(family);
    CHECK_FALSE(family.element->is_array());
    CHECK(family.type == "string");
    CHECK(m.is_primitive(family.type));

    auto status = m.child("Observation", "status");
    REQUIRE(status);
    CHECK(status.element->min == 1);
    CHECK(status.element->binding.strength == BindingStrength::required);
    REQUIRE(status.element->binding.expansion);
    CHECK(status.element->binding.expansion->contains("http://hl7.org/fhir/observation-status",
                                                      "final"));
    CHECK_FALSE(status.element->binding.expansion->contains_code("finished"));

    auto subject = m.child("Observation", "subject");
    REQUIRE(subject);
    CHECK(subject.type == "Reference");
    const auto& targets = subject.element->types[0].targets;
    CHECK(std::find(targets.begin(), targets.end(), "Patient") != targets.end());

    CHECK_FALSE(m.child("Patient", "nosuchelement"));
    // The R4 definitions type Resource.id as System.String (fhir-type string), not id.
    CHECK(m.child("Patient", "id").type == "System.String");
    CHECK(m.child("Patient", "id").element->owner->name == "Patient");
}

TEST_CASE("choice types resolve from the JSON property name", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    auto q = m.child("Observation", "valueQuantity");
    REQUIRE(q);
    CHECK(q.element->choice);
    CHECK(q.element->name == "value[x]");
    CHECK(q.type == "Quantity");
    auto dt = m.child("Observation", "effectiveDateTime");
    REQUIRE(dt);
    CHECK(dt.type == "dateTime");
    CHECK_FALSE(m.child("Observation", "valueFoo"));
    CHECK_FALSE(m.child("Observation", "valueMoney"));  // Money is a type, not one of value[x]'s
    CHECK_FALSE(m.child("Observation", "value"));
    CHECK(m.child("Extension", "valueMoney").type == "Money");
}

TEST_CASE("backbone elements and contentReference", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    auto entry = m.child("Bundle", "entry");
    REQUIRE(entry);
    CHECK(entry.type == "BackboneElement");
    auto resource = m.child(*entry.element, "resource");
    REQUIRE(resource);
    CHECK(resource.type == "Resource");
    auto item = m.child("Questionnaire", "item");
    REQUIRE(item);
    auto nested = m.child(*item.element, "item");
    REQUIRE(nested);
    REQUIRE(nested.element->content_ref == item.element);
    CHECK(m.child(*nested.element, "linkId"));
    CHECK(nested.type == "BackboneElement");
}

TEST_CASE("type hierarchy, primitives and invariants", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    CHECK(m.is_a("Patient", "DomainResource"));
    CHECK(m.is_a("Patient", "Resource"));
    CHECK_FALSE(m.is_a("Patient", "Bundle"));
    CHECK(m.is_a("Age", "Quantity"));
    CHECK(m.type("Bundle")->base->name == "Resource");
    CHECK(m.is_primitive("date"));
    CHECK(m.is_primitive("positiveInt"));
    CHECK_FALSE(m.is_primitive("Period"));
    CHECK(m.type("positiveInt")->regex == "[1-9][0-9]*");
    CHECK(m.type("positiveInt")->base->name == "integer");

    const FhirElement* period = m.type("Period")->root;
    REQUIRE(has_constraint(*period, "per-1"));
    for (const auto* c : period->constraints)
        if (c->key == "per-1") {
            CHECK(c->severity == "error");
            CHECK(c->expression ==
                  "start.hasValue().not() or end.hasValue().not() or (start <= end)");
        }
    CHECK(has_constraint(*m.child("Patient", "name").element, "ele-1"));
    CHECK(has_constraint(*m.type("Bundle")->root, "bdl-7"));
    CHECK(m.constraints().size() > 200);
}

TEST_CASE("value sets vft cannot expand are marked, not guessed", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    CHECK(m.valueset_unexpandable("http://hl7.org/fhir/ValueSet/mimetypes"));
    CHECK(m.valueset("http://hl7.org/fhir/ValueSet/mimetypes") == nullptr);
    const auto* gender = m.valueset("http://hl7.org/fhir/ValueSet/administrative-gender");
    REQUIRE(gender);
    CHECK(gender->contains_code("female"));
    CHECK_FALSE(gender->contains_code("F"));
}

TEST_CASE("a malformed compiled model is an error naming the line", "[fhir_model]") {
    auto bad = FhirModel::parse("something else\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == "VFT-SPEC-0202");
    auto bad_line = FhirModel::parse("vft-fhir-model\t1\tx\nT\tA\tc\t0\t\turl\t\nZ\tnope\n");
    REQUIRE_FALSE(bad_line);
    CHECK(bad_line.error().location.find(":3") != std::string::npos);
    auto card = FhirModel::parse("vft-fhir-model\t1\tx\nT\tA\tc\t0\t\tu\t\nE\tA\tx\t*\t\t\t\t\t\n");
    REQUIRE_FALSE(card);
    auto ok = FhirModel::parse(
        "vft-fhir-model\t1\tx\nT\tA\tc\t0\t\tu\t\nE\tA\t0\t*\t\t\t\t\t\n"
        "E\tA.b\t1\t1\tstring\t\t\t\t\n");
    REQUIRE(ok);
    CHECK((*ok)->child("A", "b").element->min == 1);
}
