// Native checkers for the formats of FHIR R4 primitive types. The JSON Schema keeps the
// official regexes as the specification; the validator runs these instead because libstdc++'s
// std::regex is slow and recurses once per character (a stack overflow on long values).
// tests/unit/test_primitives.cpp proves each checker agrees with the schema's regex.
#pragma once

#include <string_view>

#include "fhir/model.hpp"

namespace vft::detail {

// True when `type` (a FHIR primitive type name) has a native checker.
bool has_native_format(std::string_view type);

// True when `value` is a valid lexical form of `type`. Precondition: has_native_format(type).
bool native_format_ok(std::string_view type, std::string_view value);

// The same, dispatched on the type's kind set at load (the walk's hot path).
bool has_native_format(FhirPrimitive type);
bool native_format_ok(FhirPrimitive type, std::string_view value);

// For a date, dateTime or instant that native_format_ok accepts: the day exists in its month
// (30 February and 29 February 2023 do not; 29 February 2024 does). The regexes of the R4
// definitions allow any day 01-31, the FHIR datatypes page requires a real date.
bool calendar_ok(std::string_view value);

// A LOINC code in the numeric form `<digits>-<check digit>` whose check digit is the mod-10
// (Luhn) digit of the number (LOINC Users' Guide, "Calculating Mod 10 Check Digits"), and not a
// bare number without its check digit. Codes of other forms (LA/LP/LG/LL parts and answers)
// are not judged: true.
bool loinc_code_ok(std::string_view code);

// A SNOMED CT identifier (SCTID, SNOMED CT Technical Implementation Guide 6.1-6.3): 6 to 18
// digits, no leading zero, the last digit the Verhoeff check digit of the whole identifier.
// Only all-digit codes are judged (an expression is not an SCTID): false for a wrong length,
// a leading zero or a wrong check digit.
bool sctid_ok(std::string_view code);

}  // namespace vft::detail
