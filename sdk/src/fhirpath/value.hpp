// FHIRPath values: exact decimals, partial dates and times, quantities, and the collection item
// (a node of the parsed document or a computed value).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace vft::fhirpath::detail {

__extension__ typedef __int128 i128;  // NOLINT: GCC/Clang extension, checked for overflow

// An exact decimal: mantissa / 10^scale. Arithmetic is exact while the mantissa fits 38 digits;
// beyond that an operation fails (nullopt) instead of rounding silently.
struct Decimal {
    i128 m = 0;
    int scale = 0;  // 0..38

    static std::optional<Decimal> parse(std::string_view text);
    static Decimal of(int64_t v) { return Decimal{v, 0}; }
    static std::optional<Decimal> from_double(double v);
    [[nodiscard]] std::string str() const;
    [[nodiscard]] double to_double() const;
    [[nodiscard]] int compare(const Decimal& o) const;  // -1, 0, 1
    [[nodiscard]] bool is_integer() const;
    [[nodiscard]] std::optional<int64_t> to_int64() const;     // truncating, nullopt on overflow
    [[nodiscard]] Decimal normalized() const;                  // no trailing zeros in the fraction
    [[nodiscard]] Decimal rescaled_down(int new_scale) const;  // round half away from zero
    [[nodiscard]] int precision() const { return scale; }
};
std::optional<Decimal> add(const Decimal& a, const Decimal& b);
std::optional<Decimal> sub(const Decimal& a, const Decimal& b);
std::optional<Decimal> mul(const Decimal& a, const Decimal& b);
std::optional<Decimal> div(const Decimal& a, const Decimal& b);  // nullopt on /0 or overflow
Decimal neg(const Decimal& a);

// A date, dateTime or time with partial precision.
enum class Prec : uint8_t { year = 1, month, day, hour, minute, second, millis };
struct Temporal {
    enum class Kind : uint8_t { date, datetime, time } kind = Kind::date;
    int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
    Prec prec = Prec::year;
    bool has_tz = false;
    int tz_minutes = 0;

    // Parses the text without '@' (date "2015-02", dateTime "2015-02-07T13:28:17-05:00",
    // time "12:00" without the 'T'). `kind` says which; datetime accepts a bare date too.
    static std::optional<Temporal> parse(std::string_view text, Kind kind);
    [[nodiscard]] std::string str() const;  // literal text without '@' (time without 'T')
    [[nodiscard]] bool valid_calendar() const;
};
// <0, 0, >0, or nullopt when the precisions differ in a way the spec leaves empty.
std::optional<int> compare(const Temporal& a, const Temporal& b);

// A Quantity: decimal value + unit (a UCUM code or a calendar duration keyword).
struct Quantity {
    Decimal value;
    std::string unit;  // "1" when unitless; calendar words kept as written ("year", "days")
};
// Converts to a common unit and compares; nullopt when the units are not comparable.
std::optional<int> compare(const Quantity& a, const Quantity& b, bool equivalence);
std::optional<Quantity> convert(const Quantity& q, std::string_view unit);
bool is_calendar_unit(std::string_view unit);
std::string calendar_singular(std::string_view unit);  // "years" -> "year"

enum class Kind : uint8_t {
    node,
    boolean,
    string,
    integer,
    decimal,
    date,
    datetime,
    time,
    quantity
};

// One item of a collection.
struct Value {
    Kind kind = Kind::boolean;
    // kind == node: the JSON value (may be null when only the "_name" shadow exists), its
    // shadow object and its FHIR type ("" unknown).
    const rapidjson::Value* node = nullptr;
    const rapidjson::Value* shadow = nullptr;
    std::string type;
    const void* element = nullptr;  // the TypeModel's element handle (backbone elements)
    bool b = false;
    int64_t i = 0;
    Decimal d;
    Temporal t;
    std::string s;
    Quantity q;

    static Value boolean(bool v) {
        Value x;
        x.kind = Kind::boolean;
        x.b = v;
        return x;
    }
    static Value string(std::string v) {
        Value x;
        x.kind = Kind::string;
        x.s = std::move(v);
        return x;
    }
    static Value integer(int64_t v) {
        Value x;
        x.kind = Kind::integer;
        x.i = v;
        return x;
    }
    static Value decimal(Decimal v) {
        Value x;
        x.kind = Kind::decimal;
        x.d = v;
        return x;
    }
    static Value temporal(Temporal v) {
        Value x;
        x.kind = v.kind == Temporal::Kind::date       ? Kind::date
                 : v.kind == Temporal::Kind::datetime ? Kind::datetime
                                                      : Kind::time;
        x.t = v;
        return x;
    }
    static Value quantity(Quantity v) {
        Value x;
        x.kind = Kind::quantity;
        x.q = std::move(v);
        return x;
    }
};

using Coll = std::vector<Value>;

}  // namespace vft::fhirpath::detail
