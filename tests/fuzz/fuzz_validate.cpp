// Fuzzes the validator's input: FHIR JSON (RapidJSON, valijson, rules) and KITH XML (libxml2).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vft/validate/validator.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const vft::Validator validator = vft::Validator::create().value();
    const std::string_view doc(reinterpret_cast<const char*>(data), size);
    (void)validator.validate(doc, {vft::Level::strict, ""});
    (void)validator.validate(doc, {vft::Level::lenient, ""});
    return 0;
}
