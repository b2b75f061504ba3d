// The registry of vft error codes. A code is never reused or renumbered; add new ones at the end
// of their family and document them in docs/error-codes.md.
// Families: JSON 01xx, SPEC 02xx, VAL 03xx, ID 04xx, XML 05xx, IO 06xx, BUILD 07xx.
#pragma once

#include <string_view>

namespace vft::errc {

// Parsing JSON input.
inline constexpr std::string_view json_syntax = "VFT-JSON-0101";
inline constexpr std::string_view json_encoding = "VFT-JSON-0102";
inline constexpr std::string_view json_too_deep = "VFT-JSON-0103";
inline constexpr std::string_view json_not_resource = "VFT-JSON-0104";
inline constexpr std::string_view json_too_large = "VFT-JSON-0105";

// Loading and compiling spec packages.
inline constexpr std::string_view spec_not_found = "VFT-SPEC-0201";
inline constexpr std::string_view spec_malformed = "VFT-SPEC-0202";
inline constexpr std::string_view spec_schema_invalid = "VFT-SPEC-0203";
inline constexpr std::string_view spec_rule_invalid = "VFT-SPEC-0204";
inline constexpr std::string_view spec_xsd_invalid = "VFT-SPEC-0205";

// Validation outcome (a message that is not valid).
inline constexpr std::string_view validation_failed = "VFT-VAL-0301";

// Identifiers.
inline constexpr std::string_view id_fnr_invalid = "VFT-ID-0401";
inline constexpr std::string_view id_dnr_invalid = "VFT-ID-0402";
inline constexpr std::string_view id_fhn_invalid = "VFT-ID-0403";
inline constexpr std::string_view id_orgnr_invalid = "VFT-ID-0404";
inline constexpr std::string_view id_hpr_invalid = "VFT-ID-0405";

// XML input.
inline constexpr std::string_view xml_syntax = "VFT-XML-0501";
inline constexpr std::string_view xml_unsupported = "VFT-XML-0502";

// Files and streams.
inline constexpr std::string_view io_read = "VFT-IO-0601";

}  // namespace vft::errc
