// Every invariant of base R4 (the compiled model) and of the StructureDefinitions under
// specs/upstream evaluated on a valid and an invalid instance written from the invariant's
// meaning: tests/fhirpath/invariant-cases.json. The cases run through the validator's hook
// (fp::detail::evaluate_invariant) exactly as the walker calls it.
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/model.hpp"
#include "fhirpath/invariants.hpp"
#include "validate/r4_walker.hpp"

namespace fp = vft::fhirpath;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string str(const rapidjson::Value& o, const char* name) {
    auto it = o.FindMember(name);
    return it != o.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// The element at `path` in type `in` (default: the path's first segment; "MoneyQuantity" holds
// the path "Quantity").
const vft::detail::FhirElement* element_at(std::string_view path, std::string_view in) {
    const auto& model = vft::detail::FhirModel::r4();
    const auto* t = model.type(in.empty() ? path.substr(0, path.find('.')) : in);
    if (!t) return nullptr;
    for (const auto& e : t->elements)
        if (e.path == path) return &e;
    return nullptr;
}

// The constraint `key` as it sits on the element at `path` in the R4 model.
const vft::detail::FhirConstraint* model_constraint(const vft::detail::FhirElement& el,
                                                    std::string_view key) {
    for (const auto* k : el.constraints)
        if (k->key == key) return k;
    return nullptr;
}

// Every constraint of a StructureDefinition: (key, expression).
void sd_constraints(const rapidjson::Value& v,
                    std::vector<std::pair<std::string, std::string>>& out) {
    if (v.IsObject()) {
        auto c = v.FindMember("constraint");
        if (c != v.MemberEnd() && c->value.IsArray())
            for (const auto& k : c->value.GetArray())
                if (k.IsObject() && k.HasMember("expression") && k["expression"].IsString())
                    out.emplace_back(str(k, "key"), k["expression"].GetString());
        for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m)
            sd_constraints(m->value, out);
    } else if (v.IsArray()) {
        for (const auto& x : v.GetArray())
            sd_constraints(x, out);
    }
}

using Outcome = vft::detail::InvariantOutcome;

const char* name(Outcome o) {
    switch (o) {
        case Outcome::pass:
            return "true";
        case Outcome::fail:
            return "false";
        default:
            return "unsupported";
    }
}

// Invariants vft evaluates by their published meaning where the expression says otherwise
// (docs/validation.md "--spec r4"): R4 gives txt-1 and txt-2 the one expression htmlChecks(), so
// txt-1 is its first half (allowed elements) and txt-2 its second (some content); que-7's
// `answer is Boolean` cannot hold for a FHIR boolean, so it is read as `answer is boolean`.
// Their native answer is the validator's; the generic evaluation is the literal expression.
bool by_meaning(std::string_view key) {
    return key == "txt-1" || key == "txt-2" || key == "que-7";
}

// Runs `k` on `instance` (or on the node the JSON pointer `at` selects in it) as the walker does.
Outcome run(const vft::detail::FhirConstraint& k, const vft::detail::FhirElement& el,
            const std::string& type, const rapidjson::Value& instance, const std::string& at) {
    const rapidjson::Value* node = &instance;
    if (!at.empty()) node = rapidjson::Pointer(at.c_str()).Get(instance);
    if (!node) return Outcome::unsupported;
    const std::function<std::string()> path = [] { return std::string("x"); };
    vft::detail::InvariantNode n{k, el, type, node, nullptr, instance, instance, path};
    if (by_meaning(k.key)) return fp::detail::evaluate_invariant(n);
    const Outcome generic = fp::detail::evaluate_invariant_generic(n);
    // the native answer of the hot invariants, where there is one, is the generic one
    if (auto native = fp::detail::evaluate_invariant_native(n); native && *native != generic)
        return Outcome::unsupported;
    CHECK(fp::detail::evaluate_invariant(n) == generic);
    return generic;
}

}  // namespace

TEST_CASE("fhirpath: every base R4 and upstream invariant is true and false on its cases",
          "[fhirpath][fhirpath_invariants]") {
    namespace fs = std::filesystem;
    const auto& model = vft::detail::FhirModel::r4();
    const std::string text =
        slurp(fs::path(VFT_SOURCE_DIR) / "tests/fhirpath/invariant-cases.json");
    rapidjson::Document cases;
    cases.Parse(text.c_str());
    REQUIRE_FALSE(cases.HasParseError());

    // Upstream constraints not in base R4 (same key and expression): (file, key) -> expression;
    // the same constraint in several profiles needs one case.
    std::map<std::pair<std::string, std::string>, std::string> upstream;
    std::set<std::pair<std::string, std::string>> base;
    for (const auto& c : model.constraints())
        base.emplace(std::string(c.key), std::string(c.expression));
    for (const auto& f :
         fs::recursive_directory_iterator(fs::path(VFT_SOURCE_DIR) / "specs/upstream")) {
        if (f.path().extension() != ".json" ||
            f.path().string().find("/fhirpath/") != std::string::npos)
            continue;
        rapidjson::Document d;
        d.Parse(slurp(f.path()).c_str());
        if (d.HasParseError()) continue;
        std::vector<std::pair<std::string, std::string>> all;
        sd_constraints(d, all);
        const std::string rel = fs::relative(f.path(), fs::path(VFT_SOURCE_DIR)).generic_string();
        for (auto& [key, expression] : all)
            if (!base.count({key, expression})) upstream[{rel, key}] = expression;
    }

    std::set<const vft::detail::FhirConstraint*> covered;
    std::set<std::pair<std::string, std::string>> covered_upstream;  // (key, expression)
    std::vector<vft::detail::FhirConstraint> owned;                  // upstream expressions
    owned.reserve(64);
    std::vector<std::string> problems;
    size_t n_cases = 0, n_impossible = 0;
    auto one = [&](const rapidjson::Value& c, bool impossible) {
        const std::string key = str(c, "key"), path = str(c, "path"), src = str(c, "upstream");
        const std::string id = key + " @ " + path + (src.empty() ? "" : " (" + src + ")");
        const auto* el = element_at(path, str(c, "in"));
        if (!el) return problems.push_back(id + ": no element " + path);
        const vft::detail::FhirConstraint* k = nullptr;
        if (src.empty()) {
            k = model_constraint(*el, key);
            if (!k) return problems.push_back(id + ": the R4 model has no such constraint there");
            covered.insert(k);
        } else {
            auto it = upstream.find({src, key});
            if (it == upstream.end())
                return problems.push_back(id + ": not an upstream constraint");
            owned.push_back({key, "error", "", it->second});
            k = &owned.back();
            covered_upstream.insert({key, it->second});
        }
        std::string type = str(c, "type");
        if (type.empty())
            type = el == el->owner->root || el->types.empty() ? std::string(el->owner->name)
                                                              : std::string(el->types[0].code);
        const std::string at = str(c, "at");
        if (impossible) {
            ++n_impossible;
            if (str(c, "reason").empty()) problems.push_back(id + ": impossible without a reason");
            // the instance that breaks the human text still passes: the expression cannot fail
            if (c.HasMember("invalid_by_text") &&
                run(*k, *el, type, c["invalid_by_text"], at) != Outcome::pass)
                problems.push_back(id + ": listed as impossible but fails on invalid_by_text");
        } else {
            ++n_cases;
            if (!c.HasMember("invalid")) return problems.push_back(id + ": no invalid instance");
            Outcome o = run(*k, *el, type, c["invalid"], at);
            if (o != Outcome::fail) problems.push_back(id + ": invalid instance is " + name(o));
        }
        if (!c.HasMember("valid")) return problems.push_back(id + ": no valid instance");
        Outcome o = run(*k, *el, type, c["valid"], at);
        if (o != Outcome::pass) problems.push_back(id + ": valid instance is " + name(o));
    };
    for (const auto& c : cases["cases"].GetArray())
        one(c, false);
    for (const auto& c : cases["impossible"].GetArray())
        one(c, true);

    // Coverage: every constraint of the model and every upstream-only constraint has a case
    // (or is listed as impossible).
    for (const auto& c : model.constraints())
        if (!covered.count(&c))
            problems.push_back(std::string(c.key) + " (" + std::string(c.expression) +
                               "): no case");
    std::set<std::pair<std::string, std::string>> distinct_upstream;
    for (const auto& [where, expression] : upstream)
        if (distinct_upstream.insert({where.second, expression}).second &&
            !covered_upstream.count({where.second, expression}))
            problems.push_back(where.second + " in " + where.first + " (" + expression +
                               "): no case");

    INFO(model.constraints().size()
         << " R4 constraints + " << distinct_upstream.size() << " distinct upstream-only; "
         << n_cases << " cases, " << n_impossible << " impossible");
    for (const auto& p : problems)
        UNSCOPED_INFO(p);
    CHECK(problems.empty());
}

// The hot invariants answered from the JSON (ele-1, ext-1, dom-2..6, ref-1, per-1, bdl-*) give the
// generic FHIRPath evaluation's result on every node the R4 walker visits in every JSON fixture
// and in documents made to hit their edges (shadows, nulls, empty arrays).
TEST_CASE("fhirpath: native invariants equal the generic evaluation",
          "[fhirpath][fhirpath_invariants]") {
    namespace fs = std::filesystem;
    const auto& model = vft::detail::FhirModel::r4();
    std::map<std::string, std::array<size_t, 2>> compared;  // key -> {pass, fail} answered
    std::vector<std::string> mismatches;
    std::string current;
    vft::detail::set_invariant_evaluator([&](const vft::detail::InvariantNode& n) {
        const Outcome generic = fp::detail::evaluate_invariant_generic(n);
        // the walk's own ele-1 shortcut (switched off here, so every node comes by)
        if (n.constraint.key == "ele-1" && vft::detail::ele1_plainly_holds(n.value)) {
            ++compared["ele-1 (walk)"][0];
            if (generic != Outcome::pass)
                mismatches.push_back(current + " " + n.path() +
                                     " ele-1: the walk's shortcut holds, generic " + name(generic));
        }
        if (auto native = fp::detail::evaluate_invariant_native(n)) {
            ++compared[std::string(n.constraint.key)][*native == Outcome::pass ? 0 : 1];
            if (*native != generic && !by_meaning(n.constraint.key))
                mismatches.push_back(current + " " + n.path() + " " +
                                     std::string(n.constraint.key) + ": native " + name(*native) +
                                     ", generic " + name(generic));
        }
        return generic;
    });
    std::vector<std::string> documents;
    for (const auto& f : fs::recursive_directory_iterator(fs::path(VFT_SOURCE_DIR) / "fixtures"))
        if (f.path().extension() == ".json") documents.push_back(slurp(f.path()));
    // edges: shadows without values, nulls in arrays, empty objects and arrays, contained
    // resources, local and absolute references, periods with one end, narrative without a div
    documents.push_back(R"({"resourceType":"Patient","id":"p","text":{"status":"generated"},
        "name":[{"given":[null,"Kari"],"_given":[{"extension":[{"url":"http://x","valueString":"a"}]},null]},
                {"_family":{"extension":[{"url":"http://x","_valueString":{"extension":[{"url":"y","valueCode":"z"}]}}]}},
                {"given":[null],"_given":[{"id":"g"}]},{"id":"n"},{"period":{}},{"given":[]},{}],
        "_birthDate":{"id":"b"},"_gender":{"extension":[]},"_active":{"extension":[{"url":"http://x","valueBoolean":true}]},
        "extension":[{"url":"http://a"},{"url":"http://b","valueString":"v","extension":[{"url":"c","valueCode":"d"}]},
                     {"url":"http://c","_valueString":{"id":"s"}},{"url":"http://d","valueString":"v","_valueString":{"id":"t"}},
                     {"url":"http://e","extension":[]},{"url":"http://f","valueQuantity":{}}],
        "contained":[{"resourceType":"Organization","id":"o","name":"O"}],
        "managingOrganization":{"reference":"#o"},"generalPractitioner":[{"reference":"#x"},{"display":"d"},
        {"reference":"Practitioner/1"},{"_reference":{"id":"r"}}],
        "contact":[{"period":{"start":"2024-01-02","end":"2024-01-01"}},{"period":{"start":"2024-01-01"}},
                   {"period":{"end":"2024"},"name":{"text":"n"}},
                   {"period":{"start":"2024","end":"2024-01-01"},"name":{"text":"n"}},
                   {"period":{"start":"2024-01-01T10:00:00+01:00","end":"2024-01-01T09:30:00Z"},"name":{"text":"n"}},
                   {"period":{"start":"2024-01-01T10:00:00+01:00","end":"2024-01-01T08:30:00Z"},"name":{"text":"n"}},
                   {"period":{"start":"2024-01-01T10:00","end":"2024-01-01T10:00:00Z"},"name":{"text":"n"}},
                   {"period":{"start":"2024-13-01","end":"2024-01-01"},"name":{"text":"n"}}]})");
    documents.push_back(R"({"resourceType":"Patient","contained":[],"text":{"div":null}})");
    documents.push_back(R"({"resourceType":"Bundle","type":"document","entry":[
        {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Composition","status":"final","type":{"text":"t"},
         "date":"2024","author":[{"display":"a"}],"title":"t","section":[{"title":"a"},
         {"title":"b","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><script>x</script></div>"},
          "emptyReason":{"text":"e"},"entry":[{"reference":"urn:uuid:2"}]},
         {"title":"c","section":[{"title":"d","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"> </div>"}}]}]}},
        {"fullUrl":"http://x/Patient/2/_history/1","resource":{"resourceType":"Patient"}},
        {"fullUrl":"urn:uuid:3"},{"request":{"method":"GET","url":"Patient"}},
        {"fullUrl":"urn:uuid:4","resource":{"resourceType":"Patient"},"search":{"mode":"match"}}]})");
    documents.push_back(R"({"resourceType":"Bundle","type":"collection","entry":[
        {"fullUrl":"urn:uuid:6","resource":{"resourceType":"Patient","meta":{"versionId":"1"}}},
        {"fullUrl":"urn:uuid:6","resource":{"resourceType":"Patient","meta":{"versionId":"2"}}},
        {"fullUrl":"urn:uuid:7","resource":{"resourceType":"Patient"}},
        {"fullUrl":"urn:uuid:7","resource":{"resourceType":"Patient"},"response":{"status":"200"}}]})");
    documents.push_back(R"({"resourceType":"Bundle","type":"transaction","entry":[
        {"fullUrl":"urn:uuid:8","resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}]})");
    documents.push_back(R"({"resourceType":"Bundle","type":"searchset","total":2,"entry":[null,
        {"fullUrl":"urn:uuid:5","resource":{"resourceType":"Patient"},"search":{"mode":"match"}}]})");
    documents.push_back(R"({"resourceType":"Patient","text":{"status":"generated",
        "div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Kari</div>"}})");
    documents.push_back(R"({"resourceType":"Bundle","type":"collection","entry":[{"resource":
        {"resourceType":"Observation","status":"final","code":{"text":"c"},"contained":[
        {"resourceType":"Patient","id":"p","contained":[{"resourceType":"Patient"}]}],"subject":{"reference":"#p"},
        "effectivePeriod":{"start":"2024-01-01T10:00:00Z","end":"2024-01-01T09:00:00Z"}}}]})");
    // document bundles breaking bdl-9/10/11 (and meeting them in the other shapes)
    documents.push_back(
        R"({"resourceType":"Bundle","type":"document","identifier":{"system":"urn:x"},
        "_timestamp":{"id":"t"},"entry":[{"fullUrl":"urn:uuid:9","resource":{"resourceType":"Patient"}}]})");
    documents.push_back(R"({"resourceType":"Bundle","type":"document","entry":[]})");
    documents.push_back(R"({"resourceType":"Bundle","type":"document","identifier":{"value":"v",
        "_system":{"id":"s"}},"timestamp":"2024-01-01T10:00:00Z","entry":[{"fullUrl":"urn:uuid:9"}]})");
    vft::detail::set_ele1_fast_path(false);
    for (const auto& text : documents) {
        rapidjson::Document d;
        d.Parse(text.c_str());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("resourceType")) continue;
        current = str(d, "resourceType");
        std::vector<vft::Issue> issues;
        vft::detail::validate_r4(model, d, issues, nullptr);
    }
    vft::detail::set_ele1_fast_path(true);
    vft::detail::set_invariant_evaluator(fp::detail::invariant_evaluator());
    for (const auto& m : mismatches)
        UNSCOPED_INFO(m);
    for (const auto& [key, n] : compared)
        UNSCOPED_INFO(key << ": native " << n[0] << " true, " << n[1] << " false");
    CHECK(mismatches.empty());
    // each native path was exercised, with both answers where it can give both
    for (const char* key : {"ele-1", "ext-1", "dom-6", "bdl-5", "bdl-8", "cmp-1", "cmp-2", "txt-1",
                            "txt-2", "per-1", "bdl-9", "bdl-10", "bdl-11"}) {
        INFO(key);
        CHECK(compared[key][0] > 0);
        CHECK(compared[key][1] > 0);
    }
    for (const char* key : {"dom-2", "dom-3", "dom-4", "dom-5", "ref-1", "bdl-1", "bdl-2", "bdl-9",
                            "bdl-10", "bdl-11", "bdl-12", "bdl-3", "bdl-4", "bdl-7"}) {
        INFO(key);
        CHECK(compared[key][0] > 0);
    }
    CHECK(compared["ele-1"][0] > 1000);
    CHECK(compared["ele-1 (walk)"][0] > 1000);
}
