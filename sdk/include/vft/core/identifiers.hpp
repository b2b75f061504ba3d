// Norwegian identifiers (domain §5): fødselsnummer, D-nummer, H-nummer, felles hjelpenummer,
// HPR-nummer and organisasjonsnummer — check digits, synthetic test offsets and the 2032 rule.
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "vft/core/result.hpp"

namespace vft {

// The identifier systems (FHIR `urn:oid:` form) of domain §5.
namespace oid {
inline constexpr std::string_view fnr = "urn:oid:2.16.578.1.12.4.1.4.1";
inline constexpr std::string_view dnr = "urn:oid:2.16.578.1.12.4.1.4.2";
inline constexpr std::string_view fhn = "urn:oid:2.16.578.1.12.4.1.4.3";
inline constexpr std::string_view hpr = "urn:oid:2.16.578.1.12.4.1.4.4";
inline constexpr std::string_view duf = "urn:oid:2.16.578.1.12.4.1.4.5";
inline constexpr std::string_view orgnr = "urn:oid:2.16.578.1.12.4.1.4.101";
inline constexpr std::string_view orgnr_retired = "urn:oid:2.16.578.1.12.4.1.2.101";
inline constexpr std::string_view resh = "urn:oid:2.16.578.1.12.4.1.4.102";
inline constexpr std::string_view her = "urn:oid:2.16.578.1.12.4.1.2";
inline constexpr std::string_view uuid_system = "urn:ietf:rfc:3986";
}  // namespace oid

enum class PersonIdKind {
    fnr,  // fødselsnummer (incl. synthetic +65/+80 month offsets)
    dnr,  // D-nummer: day + 40
    hnr,  // H-nummer: month + 40 (internal help number)
    fhn,  // felles hjelpenummer: first digit 8 or 9, no date
};

enum class TestOffset { none, nhn_plus65, tenor_plus80 };

struct PersonId {
    std::string value;  // the 11 digits
    PersonIdKind kind = PersonIdKind::fnr;
    TestOffset test_offset = TestOffset::none;
    bool relaxed_k1 = false;  // valid only under the 2032 rule (K1 remainder 1, 2 or 3)
    int birth_year = 0;       // 0 for FHN
    int birth_month = 0;
    int birth_day = 0;
    [[nodiscard]] bool synthetic() const { return test_offset != TestOffset::none; }
};

// Parses an 11-digit person number of any kind. Errors: VFT-ID-0401 (fnr/hnr), 0402 (dnr),
// 0403 (fhn) with the reason (length, digits, date, check digit) in the message.
[[nodiscard]] Result<PersonId> parse_person_id(std::string_view value);

// Checks that `value` is a valid identifier of the kind the FHIR identifier system says
// (fnr/dnr/fhn/hpr/orgnr). Unknown systems are not checked and return ok.
[[nodiscard]] Result<void> check_identifier(std::string_view system, std::string_view value);

[[nodiscard]] Result<void> check_orgnr(std::string_view value);  // VFT-ID-0404
[[nodiscard]] Result<void> check_hpr(std::string_view value);    // VFT-ID-0405

// Masks a person number for logs and reports: "12854812341" -> "*********41" (only the check
// digits stay, so nothing about the person is revealed). mask_person_ids masks in `text` every
// 11-digit run standing alone (whatever its check digits), one glued to a letter when it is a
// valid fødselsnummer or D-number, and a valid one written 6+5 with one separator; digits inside a
// UUID or a run of 32+ hex digits (a digest) are an identifier's and stay.
[[nodiscard]] std::string mask_person_id(std::string_view value);
[[nodiscard]] std::string mask_person_ids(std::string_view text);

}  // namespace vft
