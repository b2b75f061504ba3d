// Fuzzes the validator's input: FHIR JSON (RapidJSON, valijson, rules; the R4 model walker of
// --spec r4) and KITH XML (libxml2).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vft/validate/validator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const vft::Validator validator = vft::Validator::create().value();
    const std::string_view doc(reinterpret_cast<const char*>(data), size);
    (void)validator.validate(doc, {vft::Level::strict, ""});
    (void)validator.validate(doc, {vft::Level::lenient, ""});
    vft::ValidateOptions r4;  // base FHIR R4 alone: the compiled model's walker
    r4.spec = "r4";
    r4.list_unchecked = true;
    (void)validator.validate(doc, r4);
    return 0;
}
