// Suite vkp-r4, role receiver (receiver.cpp): the validation group: one invalid message per rule
// family (the fixtures of fixtures/messages/invalid with their rule IDs) is refused with 400 and an
// OperationOutcome.
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <set>

#include "conformance_detail.hpp"
#include "receiver_groups.hpp"
#include "vkp_r4_support.hpp"

namespace vft::conformance::vkp_r4 {

namespace {

struct InvalidFixture {
    std::string path;  // fixtures/messages/invalid/...json
    std::string endpoint;
    std::vector<std::string> rules;
};

std::string family_of(const std::string& rule) {
    const auto dash = rule.rfind('-');
    return dash == std::string::npos ? rule : rule.substr(0, dash);
}

// One invalid vkp-r4 fixture per rule family (rule ID without its number), preferring fixtures
// whose every expected rule is of that family; only resources the VKP API takes by POST.
std::map<std::string, InvalidFixture> invalid_fixtures() {
    std::map<std::string, InvalidFixture> chosen;
    std::map<std::string, bool> pure;
    for (const auto& expect : detail::fixtures_under("fixtures/messages/invalid/")) {
        const std::string suffix = ".expect.json";
        if (expect.size() <= suffix.size() ||
            expect.compare(expect.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string message = expect.substr(0, expect.size() - suffix.size()) + ".json";
        auto e = detail::fixture(expect);
        auto m = detail::fixture(message);
        if (!e || !m) continue;
        rapidjson::Document d;
        d.Parse(e->data(), e->size());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("spec") || !d["spec"].IsString() ||
            std::string(d["spec"].GetString()) != "vkp-r4" || !d.HasMember("strict"))
            continue;
        std::vector<std::string> rules;
        const auto& strict = d["strict"];
        if (strict.IsObject() && strict.HasMember("errors") && strict["errors"].IsArray())
            for (const auto& r : strict["errors"].GetArray())
                if (r.IsString()) rules.emplace_back(r.GetString());
        if (rules.empty()) continue;
        rapidjson::Document md;
        md.Parse(m->data(), m->size());
        std::string endpoint = "bundle";  // not JSON: posted where most traffic goes
        if (!md.HasParseError() && md.IsObject() && md.HasMember("resourceType") &&
            md["resourceType"].IsString()) {
            static const std::map<std::string, std::string> endpoints = {
                {"Bundle", "bundle"},
                {"Composition", "composition"},
                {"MedicationDispense", "medicationdispense"},
                {"Encounter", "encounter"},
                {"DetectedIssue", "detectedissue"}};
            auto it = endpoints.find(md["resourceType"].GetString());
            if (it == endpoints.end()) continue;
            endpoint = it->second;
        }
        // An R4 invariant reported beside a package rule that says the same (bdl-7 beside
        // BDL-001) does not make the fixture impure: the family is the package rule's.
        std::set<std::string> families;
        for (const auto& r : rules)
            if (r != "FHIR-INV-001" || rules.size() == 1) families.insert(family_of(r));
        for (const auto& f : families) {
            const bool is_pure = families.size() == 1;
            if (chosen.count(f) && (pure[f] || !is_pure)) continue;
            chosen[f] = {message, endpoint, rules};
            pure[f] = is_pure;
        }
    }
    return chosen;
}

}  // namespace

void add_validation(RoleTests& s) {
    for (const auto& [family, fx] : invalid_fixtures()) {
        std::string id_part = family;
        std::transform(id_part.begin(), id_part.end(), id_part.begin(), [](char c) {
            return c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        });
        std::string rules;
        for (const auto& r : fx.rules)
            rules += (rules.empty() ? "" : ", ") + r;
        s.add(
            {.id = "vkp_r4.validation." + id_part + "_rejected",
             .title = "A message breaking rule family " + family +
                      " is rejected with 400 and an OperationOutcome",
             .spec_ref = fx.path + " (" + rules + ")",
             .rules = fx.rules},
            [fx, rules](TestContext& ctx, Outcome& o) {
                auto body = ctx.fixture(fx.path);
                if (!body) return o.error(body.error().to_string());
                auto res = post_fhir(ctx, fx.endpoint, *body, "invalid message " + fx.path);
                if (!o.expect(res && res->status == 400,
                              "expected HTTP 400 for " + fx.path + " (breaks " + rules + "), got " +
                                  describe(res) + " [" + kApiRef + " response handling]"))
                    return;
                if (!o.expect(is_operation_outcome(res->body),
                              "expected an OperationOutcome saying what is wrong (" + rules +
                                  "), got " + describe(res) + " [domain §3.1]"))
                    return;
                o.pass();
            });
    }
}

}  // namespace vft::conformance::vkp_r4
