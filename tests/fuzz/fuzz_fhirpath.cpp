// Fuzzes the FHIRPath parser and evaluator. Input: EXPRESSION, optionally followed by a NUL byte
// and a JSON document (else a fixed Patient). Any input must be refused with an error or
// evaluated — never a crash, a hang or unbounded memory; a result must render as JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vft/fhirpath/fhirpath.hpp"

namespace fp = vft::fhirpath;

namespace {

const char* kPatient = R"({"resourceType":"Patient","id":"p","active":true,
  "name":[{"use":"official","family":"Nordmann","given":["Kari","Ola"],"_given":[{"id":"g"},null]}],
  "birthDate":"1974-12-25","contained":[{"resourceType":"Organization","id":"o"}],
  "managingOrganization":{"reference":"#o"},
  "extension":[{"url":"http://example.org/q","valueQuantity":{"value":5.5,"unit":"mg","code":"mg"}}]})";

const fp::Document& patient() {
    static const fp::Document d = [] {
        auto r = fp::Document::parse(kPatient);
        if (!r) __builtin_trap();
        return *r;
    }();
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nul = input.find('\0');
    const std::string_view text = input.substr(0, nul);
    auto expr = fp::compile(text);
    if (!expr) {
        if (expr.error().code.empty()) __builtin_trap();
        return 0;
    }
    const fp::Document* doc = &patient();
    fp::Document custom = patient();
    if (nul != std::string_view::npos) {
        auto d = fp::Document::parse(input.substr(nul + 1));
        if (!d) return 0;
        custom = *d;
        doc = &custom;
    }
    for (int mode = 0; mode < 3; ++mode) {
        fp::Environment env;
        env.max_steps = 200'000;
        env.strict = mode == 1;
        if (mode == 2) env.model = &fp::inferred_model();
        auto r = fp::evaluate(*expr, *doc, env);
        if (r) {
            const std::string json = r->json();
            if (json.empty() || json.front() != '[') __builtin_trap();
        } else if (r.error().code.empty()) {
            __builtin_trap();
        }
    }
    return 0;
}
