// FHIR invariants evaluated with vft::fhirpath (see invariants.hpp).
#include "fhirpath/invariants.hpp"

#include <mutex>
#include <unordered_map>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

// Compiled expressions, found by the address of the constraint's text (the model's strings do
// not move) and confirmed by its content (another model may reuse an address).
std::shared_ptr<const Expression> compiled(std::string_view text) {
    struct Entry {
        std::string text;
        std::shared_ptr<const Expression> expr;
    };
    thread_local std::unordered_map<const char*, Entry> cache;
    auto it = cache.find(text.data());
    if (it != cache.end() && it->second.text == text) return it->second.expr;
    std::shared_ptr<const Expression> e;
    auto r = compile(text);
    if (r.ok()) e = std::make_shared<const Expression>(std::move(r).value());
    if (cache.size() > 10000) cache.clear();  // bounded: profiles are finite, text is not
    cache[text.data()] = Entry{std::string(text), e};
    return e;
}

std::string resource_type(const JValue& r) {
    if (!r.IsObject()) return "";
    auto it = r.FindMember("resourceType");
    return it != r.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

}  // namespace

vft::detail::InvariantOutcome evaluate_invariant(const vft::detail::InvariantNode& node) {
    using vft::detail::InvariantOutcome;
    auto expr = compiled(node.constraint.expression);
    if (!expr) return InvariantOutcome::unsupported;
    static const Environment kEnv;  // the R4 model, not strict
    const void* element = node.element.choice ? nullptr : &node.element;
    std::string type(node.type);
    if (node.value && node.value->IsObject() && node.value->HasMember("resourceType")) {
        type = resource_type(*node.value);
        element = nullptr;
    }
    Value ctx = Evaluator::node_value(node.value, node.companion, std::move(type), element);
    auto r = evaluate_raw(*expr, nullptr, node.resource, node.root, ctx, kEnv);
    if (!r.ok()) return InvariantOutcome::unsupported;
    const Coll& c = r.value();
    // An empty result does not show a violation (ref-1 on a Reference with only a display:
    // `reference.startsWith('#').not() or ...` is empty); only false fails.
    if (c.empty()) return InvariantOutcome::pass;
    if (c.size() == 1) {
        const Value& v = c[0];
        if (v.kind == Kind::boolean) return v.b ? InvariantOutcome::pass : InvariantOutcome::fail;
        if (v.kind == Kind::node && v.node && v.node->IsBool())
            return v.node->GetBool() ? InvariantOutcome::pass : InvariantOutcome::fail;
    }
    return InvariantOutcome::pass;  // a non-empty non-Boolean result counts as true
}

vft::detail::InvariantEvaluator invariant_evaluator() {
    return evaluate_invariant;
}

}  // namespace vft::fhirpath::detail
