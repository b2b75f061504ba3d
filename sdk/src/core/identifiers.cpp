// Check-digit and date rules for Norwegian identifiers, exactly as domain §5 states them.
#include "vft/core/identifiers.hpp"

#include <array>

#include "vft/core/error_codes.hpp"

namespace vft {
namespace {

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

int digit(std::string_view s, size_t i) {
    return s[i] - '0';
}

// Weighted sum mod 11 of the first n digits.
template <size_t N>
int weighted_mod11(std::string_view s, const std::array<int, N>& w) {
    int sum = 0;
    for (size_t i = 0; i < N; ++i)
        sum += digit(s, i) * w[i];
    return sum % 11;
}

Error id_error(std::string_view code, std::string message, std::string hint = {}) {
    return Error{std::string(code), std::move(message), {}, std::move(hint), 0, false};
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
    static constexpr std::array<int, 12> d{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[static_cast<size_t>(m - 1)];
}

// Century from the individual number (domain §5). Returns 0 when the series is not allocated.
int birth_year(int yy, int individual) {
    if (individual <= 499) return 1900 + yy;
    if (individual <= 749 && yy >= 54) return 1800 + yy;
    if (individual >= 900 && yy >= 40) return 1900 + yy;
    if (individual >= 500 && yy <= 39) return 2000 + yy;
    return 0;
}

// Check digits: K2 must satisfy the classic rule; K1 the classic rule, or the 2032 relaxation
// (remainder 0..3 of the weighted sum including K1). Sets relaxed when only the latter holds.
bool check_digits_ok(std::string_view s, bool& relaxed) {
    static constexpr std::array<int, 10> w1{3, 7, 6, 1, 8, 9, 4, 5, 2, 1};
    static constexpr std::array<int, 11> w2{5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1};
    const int r1 = weighted_mod11(s, w1);
    if (weighted_mod11(s, w2) != 0) return false;
    relaxed = r1 != 0;
    return r1 <= 3;
}

}  // namespace

Result<PersonId> parse_person_id(std::string_view value) {
    if (value.size() != 11 || !all_digits(value)) {
        return id_error(errc::id_fnr_invalid,
                        "a Norwegian person number has exactly 11 digits, got '" +
                            mask_person_id(value) + "' (" + std::to_string(value.size()) +
                            " characters)",
                        "send the number as 11 digits without spaces or separators");
    }
    PersonId id;
    id.value = std::string(value);
    const int first = digit(value, 0);
    bool relaxed = false;
    if (first == 8 || first == 9) {
        // Felles hjelpenummer: random digits with two check digits, no date.
        id.kind = PersonIdKind::fhn;
        if (!check_digits_ok(value, relaxed) || relaxed)
            return id_error(errc::id_fhn_invalid, "felles hjelpenummer has wrong check digits",
                            "check the number against the source system");
        return id;
    }
    int day = digit(value, 0) * 10 + digit(value, 1);
    int month = digit(value, 2) * 10 + digit(value, 3);
    const int yy = digit(value, 4) * 10 + digit(value, 5);
    const int individual = digit(value, 6) * 100 + digit(value, 7) * 10 + digit(value, 8);
    std::string_view code = errc::id_fnr_invalid;
    if (day > 40) {
        id.kind = PersonIdKind::dnr;
        code = errc::id_dnr_invalid;
        day -= 40;
    }
    if (month > 80) {
        id.test_offset = TestOffset::tenor_plus80;
        month -= 80;
    } else if (month > 65) {
        id.test_offset = TestOffset::nhn_plus65;
        month -= 65;
    } else if (month > 40) {
        if (id.kind == PersonIdKind::fnr) id.kind = PersonIdKind::hnr;
        month -= 40;
    }
    const int year = birth_year(yy, individual);
    if (month < 1 || month > 12 || day < 1 || year == 0 || day > days_in_month(year, month)) {
        return id_error(code,
                        "the date part of the person number is not a valid birth date "
                        "(also with the D-nummer, H-nummer and synthetic +65/+80 offsets)",
                        "check the first six digits (DDMMYY)");
    }
    if (!check_digits_ok(value, relaxed)) {
        return id_error(code, "the person number has wrong check digits (mod 11)",
                        "check digits 10 and 11; a typo in any digit makes them fail");
    }
    id.relaxed_k1 = relaxed;
    id.birth_year = year;
    id.birth_month = month;
    id.birth_day = day;
    return id;
}

Result<void> check_orgnr(std::string_view value) {
    if (value.size() != 9 || !all_digits(value))
        return id_error(errc::id_orgnr_invalid, "an organisasjonsnummer has exactly 9 digits",
                        "use the 9-digit number from Enhetsregisteret");
    static constexpr std::array<int, 8> w{3, 2, 7, 6, 5, 4, 3, 2};
    int k = 11 - weighted_mod11(value, w);
    if (k == 11) k = 0;
    if (k == 10 || k != digit(value, 8))
        return id_error(errc::id_orgnr_invalid,
                        "organisasjonsnummer has a wrong check digit (mod 11)",
                        "note: some published VKP sample numbers (314159265, 888134574) are not "
                        "valid; use 312229544 for tests");
    return {};
}

Result<void> check_hpr(std::string_view value) {
    // HPR numbers are up to 9 digits; no public check-digit rule is confirmed (specs/DECISIONS.md).
    if (value.empty() || value.size() > 9 || !all_digits(value) || value[0] == '0')
        return id_error(errc::id_hpr_invalid,
                        "an HPR-nummer is 1 to 9 digits without a leading zero",
                        "use the number from Helsepersonellregisteret");
    return {};
}

Result<void> check_identifier(std::string_view system, std::string_view value) {
    if (system == oid::fnr || system == oid::dnr || system == oid::fhn) {
        auto id = parse_person_id(value);
        const std::string_view want = system == oid::fnr   ? errc::id_fnr_invalid
                                      : system == oid::dnr ? errc::id_dnr_invalid
                                                           : errc::id_fhn_invalid;
        if (!id) {
            Error e = std::move(id).error();
            e.code = std::string(want);
            return e;
        }
        const PersonIdKind k = id->kind;
        const bool matches = system == oid::fnr ? (k == PersonIdKind::fnr || k == PersonIdKind::hnr)
                             : system == oid::dnr ? k == PersonIdKind::dnr
                                                  : k == PersonIdKind::fhn;
        if (!matches) {
            const char* what = k == PersonIdKind::dnr   ? "a D-nummer"
                               : k == PersonIdKind::fhn ? "a felles hjelpenummer"
                                                        : "a fødselsnummer";
            return id_error(
                want,
                std::string("the number is ") + what + " but the identifier system says otherwise",
                std::string("use system ") + std::string(k == PersonIdKind::dnr   ? oid::dnr
                                                         : k == PersonIdKind::fhn ? oid::fhn
                                                                                  : oid::fnr));
        }
        return {};
    }
    if (system == oid::orgnr || system == oid::orgnr_retired) return check_orgnr(value);
    if (system == oid::hpr) return check_hpr(value);
    return {};
}

std::string mask_person_id(std::string_view value) {
    std::string out(value);
    if (out.size() <= 2) return std::string(out.size(), '*');
    for (size_t i = 0; i + 2 < out.size(); ++i)
        out[i] = '*';
    return out;
}

namespace {

bool hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Whether the digits [begin, end) of `text` are part of an identifier that is not a person
// number: a UUID (8-4-4-4-12 hex digits; a GUID's last group holds 11 digits in a row about once
// in 235) or a run of 32 or more hex digits (a digest, a key thumbprint).
bool inside_hex_identifier(std::string_view text, size_t begin, size_t end) {
    // Looks at most 36 characters either side, so a long hex text costs no more per digit run.
    size_t a = begin, b = end;  // the hex digits around [begin, end), no hyphens
    while (a > 0 && begin - a < 32 && hex_digit(text[a - 1]))
        --a;
    while (b < text.size() && b - end < 32 && hex_digit(text[b]))
        ++b;
    if (b - a >= 32) return true;
    auto uuid_at = [&](size_t at) {
        if (at + 36 > text.size()) return false;
        for (size_t n = 0; n < 36; ++n) {
            const char c = text[at + n];
            if ((n == 8 || n == 13 || n == 18 || n == 23) ? c != '-' : !hex_digit(c)) return false;
        }
        return true;
    };
    for (size_t at = end >= 36 ? end - 36 : 0; at <= begin; ++at)
        if (uuid_at(at)) return true;
    return false;
}

bool valid_person_number(std::string_view digits) {
    auto id = parse_person_id(digits);
    return id.ok() && (id->kind == PersonIdKind::fnr || id->kind == PersonIdKind::dnr);
}

}  // namespace

std::string mask_person_ids(std::string_view text) {
    std::string out(text);
    auto digit = [&](size_t k) { return k < out.size() && out[k] >= '0' && out[k] <= '9'; };
    size_t i = 0;
    while (i < out.size()) {
        if (!digit(i)) {
            ++i;
            continue;
        }
        size_t j = i;
        while (digit(j))
            ++j;
        // 11 digits standing alone are masked whatever they are (a mistyped number too). Glued
        // to a letter they are masked when they are a valid fødselsnummer or D-number; inside a
        // UUID or a digest never (masking them changed the identifiers the evidence is judged by).
        const bool glued =
            (i > 0 && ascii_letter(out[i - 1])) || (j < out.size() && ascii_letter(out[j]));
        if (j - i == 11 && !inside_hex_identifier(text, i, j) &&
            (!glued || valid_person_number(text.substr(i, 11)))) {
            for (size_t k = i; k < j - 2; ++k)
                out[k] = '*';
        } else if (j - i == 6 && !glued && !inside_hex_identifier(text, i, j)) {
            // Written 6 + 5 with one separator: "128548 12341", "128548.12341", "128548-12341",
            // or a no-break space. Masked when the 11 digits are a valid fødselsnummer or
            // D-number (a plain 6+5 pair of numbers is too common to mask blindly).
            size_t sep = 0;
            if (j < out.size() && (out[j] == ' ' || out[j] == '.' || out[j] == '-'))
                sep = 1;
            else if (out.compare(j, 2, "\xC2\xA0") == 0)
                sep = 2;
            size_t k = j + sep;
            while (sep && digit(k))
                ++k;
            if (sep && k - (j + sep) == 5) {
                if (valid_person_number(out.substr(i, 6) + out.substr(j + sep, 5))) {
                    for (size_t m = i; m < k - 2; ++m)
                        if (digit(m)) out[m] = '*';
                    j = k;
                }
            }
        }
        i = j;
    }
    return out;
}

}  // namespace vft
