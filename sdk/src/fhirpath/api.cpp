// The public FHIRPath API: Document, compile(), evaluate(), Item, Collection.
#include <rapidjson/error/en.h>

#include <cstring>
#include <utility>

#include "fhirpath/engine.hpp"
#include "fhirpath/parser.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::fhirpath {

namespace {

constexpr size_t kMaxDocument = 64u << 20;
constexpr size_t kMaxExpression = 64u << 10;
constexpr int kMaxNesting = 512;

Error make_error(std::string_view code, std::string message, std::string location = {}) {
    Error e;
    e.code = std::string(code);
    e.message = std::move(message);
    e.location = std::move(location);
    return e;
}

bool too_deep(const rapidjson::Value& root) {
    std::vector<std::pair<const rapidjson::Value*, int>> stack{{&root, 1}};
    while (!stack.empty()) {
        auto [v, d] = stack.back();
        stack.pop_back();
        if (d > kMaxNesting) return true;
        if (v->IsObject()) {
            for (auto m = v->MemberBegin(); m != v->MemberEnd(); ++m)
                stack.push_back({&m->value, d + 1});
        } else if (v->IsArray()) {
            for (const auto& x : v->GetArray())
                stack.push_back({&x, d + 1});
        }
    }
    return false;
}

}  // namespace

Result<Document> Document::parse(std::string_view json) {
    if (json.size() > kMaxDocument)
        return make_error(errc::json_too_large, "the resource is larger than 64 MiB");
    auto data = std::make_shared<detail::DocumentData>();
    data->doc.Parse<rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag |
                    rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
    if (data->doc.HasParseError()) {
        int line = 0, col = 0;
        size_t off = data->doc.GetErrorOffset();
        line = 1;
        col = 1;
        for (size_t i = 0; i < off && i < json.size(); ++i) {
            if (json[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        return make_error(
            errc::json_syntax,
            std::string("not JSON: ") + rapidjson::GetParseError_En(data->doc.GetParseError()),
            "line " + std::to_string(line) + ", column " + std::to_string(col));
    }
    if (too_deep(data->doc))
        return make_error(errc::json_too_deep, "the resource nests deeper than 512 levels");
    if (!data->doc.IsObject())
        return make_error(errc::json_not_resource, "a FHIR resource is a JSON object");
    return Document(std::shared_ptr<const Document::State>(std::move(data)));
}

std::string Document::resource_type() const {
    const auto& d = state_->doc;
    auto it = d.FindMember("resourceType");
    if (it == d.MemberEnd() || !it->value.IsString()) return "";
    return it->value.GetString();
}

Result<Expression> compile(std::string_view expression) {
    if (expression.size() > kMaxExpression)
        return make_error(errc::fhirpath_syntax, "the expression is longer than 64 KiB");
    try {
        auto root = detail::parse_expression(expression);
        auto state = std::make_shared<Expression::State>();
        state->root = std::move(root);
        return Expression(std::string(expression), std::move(state));
    } catch (const detail::SyntaxError& e) {
        return make_error(
            errc::fhirpath_syntax, "FHIRPath syntax error: " + e.message,
            "line " + std::to_string(e.line) + ", column " + std::to_string(e.column));
    }
}

namespace detail {

Result<Coll> evaluate_raw(const Expression& expression,
                          const std::shared_ptr<const DocumentData>& doc, const JValue& resource,
                          const JValue& root, const Value& context, const Environment& env,
                          std::shared_ptr<Arena>* arena_out) {
    const TypeModel& model = env.model ? *env.model : r4_model();
    Evaluator ev(model, env);
    ev.doc = doc;
    auto type_of = [](const JValue& r) -> std::string_view {
        if (!r.IsObject()) return {};
        // resourceType is written first by every FHIR serializer: look there before searching
        auto it = r.MemberBegin();
        if (it == r.MemberEnd()) return {};
        if (!(it->name.GetStringLength() == 12 &&
              std::memcmp(it->name.GetString(), "resourceType", 12) == 0))
            it = r.FindMember("resourceType");
        if (it == r.MemberEnd() || !it->value.IsString()) return {};
        return {it->value.GetString(), it->value.GetStringLength()};
    };
    ev.resource.kind = Kind::node;
    ev.resource.node = &resource;
    ev.resource.type.assign(type_of(resource));
    if (&root == &resource) {
        ev.root_resource = ev.resource;
    } else {
        ev.root_resource.kind = Kind::node;
        ev.root_resource.node = &root;
        ev.root_resource.type.assign(type_of(root));
    }
    ev.context = context;
    try {
        Frame frame;
        Coll focus{context};
        Coll r = ev.eval(*expression.state().root, focus, frame);
        if (arena_out) *arena_out = ev.arena;
        return r;
    } catch (const EvalError& e) {
        return make_error(errc::fhirpath_runtime, e.message);
    } catch (const std::bad_alloc&) {
        return make_error(errc::fhirpath_runtime, "out of memory while evaluating");
    }
}

}  // namespace detail

Result<Collection> evaluate(const Expression& expression, const Document& resource,
                            const Environment& environment) {
    const auto& doc = resource.state();
    detail::Value ctx = detail::Evaluator::node_value(&doc->doc, nullptr, resource.resource_type());
    auto data = std::make_shared<detail::CollectionData>();
    auto r =
        detail::evaluate_raw(expression, doc, doc->doc, doc->doc, ctx, environment, &data->arena);
    if (!r.ok()) return r.error();
    data->doc = doc;
    data->items = std::move(r).value();
    return Collection(std::shared_ptr<const Collection::State>(std::move(data)));
}

Collection::Collection() : state_(std::make_shared<Collection::State>()) {}
size_t Collection::size() const {
    return state_->items.size();
}
Item Collection::operator[](size_t i) const {
    (void)state_->items.at(i);  // out of range throws, as before
    return Item(state_.get(), i);
}
std::string Collection::json() const {
    std::string out = "[";
    for (size_t i = 0; i < state_->items.size(); ++i) {
        if (i) out += ',';
        out += detail::item_json(state_->items[i]);
    }
    return out + "]";
}

std::string Item::type() const {
    const detail::Value* v = &collection_->items[index_];
    switch (v->kind) {
        case detail::Kind::node: {
            static const Environment kEnv;
            detail::Evaluator ev(inferred_model(), kEnv);
            return ev.type_of(*v);
        }
        case detail::Kind::boolean:
            return "Boolean";
        case detail::Kind::string:
            return "String";
        case detail::Kind::integer:
            return "Integer";
        case detail::Kind::decimal:
            return "Decimal";
        case detail::Kind::date:
            return "Date";
        case detail::Kind::datetime:
            return "DateTime";
        case detail::Kind::time:
            return "Time";
        case detail::Kind::quantity:
            return "Quantity";
    }
    return "";
}
bool Item::is_node() const {
    const detail::Value* v = &collection_->items[index_];
    return v->kind == detail::Kind::node;
}
std::string Item::text() const {
    return detail::item_text(collection_->items[index_]);
}
std::string Item::json() const {
    return detail::item_json(collection_->items[index_]);
}
std::optional<bool> Item::boolean() const {
    const detail::Value* v = &collection_->items[index_];
    if (v->kind == detail::Kind::boolean) return v->b;
    if (v->kind == detail::Kind::node && v->node && v->node->IsBool()) return v->node->GetBool();
    return std::nullopt;
}

}  // namespace vft::fhirpath
