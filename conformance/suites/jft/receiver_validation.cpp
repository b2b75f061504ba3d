// Suite jft, role receiver (receiver.cpp): the validation group: JFT's fixed values and each rule
// family, refused with 400 and an OperationOutcome at the strict level.
#include "receiver_groups.hpp"

namespace vft::conformance::suites::jft_suite {

namespace {

using Edit = std::function<bool(rapidjson::Document&)>;

rapidjson::Value* composition_of(rapidjson::Document& d) {
    auto* entries = d.IsObject() && d.HasMember("entry") ? &d["entry"] : nullptr;
    if (!entries || !entries->IsArray() || entries->Empty()) return nullptr;
    auto& first = (*entries)[0];
    if (!first.IsObject() || !first.HasMember("resource")) return nullptr;
    auto& c = first["resource"];
    return str_member(c, "resourceType") == "Composition" ? &c : nullptr;
}

bool set_string(rapidjson::Value& at, const char* name, const char* value,
                rapidjson::Document::AllocatorType& a) {
    if (!at.IsObject()) return false;
    if (at.HasMember(name))
        at[name].SetString(value, a);
    else
        at.AddMember(rapidjson::Value(name, a), rapidjson::Value(value, a), a);
    return true;
}

// A DHO document changed by `edit` is refused (400 + OperationOutcome).
TestFn invalid_check(std::string what, Edit edit) {
    return [=](TestContext& ctx, Outcome& out) {
        auto m = dho_document(ctx);
        if (!built(out, m)) return;
        const std::string body = edit ? mutate(m->json, edit) : m->json;
        if (body.empty())
            return out.error("the harness could not derive the invalid message (" + what +
                             ") from the builder's output");
        auto r = post(ctx, out, "Bundle", body, "submit " + what, kRefValidation);
        if (!r) return;
        if (!expect_refusal(out, *r, 400, "submit " + what, kRefValidation)) return;
        out.pass();
    };
}

}  // namespace

void add_validation(RoleTests& suite) {
    // Validation at the strict level: JFT's fixed values and each rule family.
    auto in_composition = [](std::function<bool(rapidjson::Value&, rapidjson::Document&)> f) {
        return [f](rapidjson::Document& d) {
            auto* c = composition_of(d);
            return c && f(*c, d);
        };
    };
    // (Composition status/type/section text status are IG guidance the published profile does
    // not enforce: warnings since issue 20, so no refusal is tested — specs/DECISIONS.md "IG
    // guidance is a warning".)
    suite.add({.id = "jft.validation.invalid_fnr_400",
               .title = "A note about a patient with an invalid fødselsnummer is refused (400 + "
                        "OperationOutcome)",
               .module = "dho",
               .spec_ref = kRefValidation,
               .rules = {"ID-FNR-001"}},
              invalid_check("a document whose patient fødselsnummer has a wrong check digit",
                            in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                                auto* subject = member(c, "subject");
                                auto* id = subject ? member(*subject, "identifier") : nullptr;
                                if (id && id->IsArray() && !id->Empty()) id = &(*id)[0];
                                if (!id) return false;
                                std::string v = str_member(*id, "value");
                                if (v.size() != 11) return false;
                                v.back() = v.back() == '9' ? '0' : static_cast<char>(v.back() + 1);
                                return set_string(*id, "value", v.c_str(), d.GetAllocator());
                            })));
    suite.add(
        {.id = "jft.validation.unknown_code_400",
         .title = "A note with a category code outside the national code system is refused (400)",
         .module = "dho",
         .spec_ref = kRefValidation,
         .rules = {"CODE-001"}},
        invalid_check("a document whose Composition.category code is '9'",
                      in_composition([](rapidjson::Value& c, rapidjson::Document& d) {
                          auto* cat = member(c, "category");
                          if (!cat || !cat->IsArray() || cat->Empty()) return false;
                          auto* coding = member((*cat)[0], "coding");
                          if (!coding || !coding->IsArray() || coding->Empty()) return false;
                          return set_string((*coding)[0], "code", "9", d.GetAllocator());
                      })));
    suite.add(
        {.id = "jft.validation.bundle_type_collection_400",
         .title = "A Bundle of type 'collection' (not document or transaction) is refused (400)",
         .module = "dho",
         .spec_ref = kRefValidation,
         .rules = {"BDL-010"}},
        invalid_check("a Bundle of type collection", [](rapidjson::Document& d) {
            return str_member(d, "type") == "document" &&
                   set_string(d, "type", "collection", d.GetAllocator());
        }));
}

}  // namespace vft::conformance::suites::jft_suite
