// Exact decimal arithmetic for FHIRPath (0.1 + 0.2 = 0.3, not 0.30000000000000004).
#include <charconv>
#include <cmath>
#include <cstdio>

#include "fhirpath/value.hpp"

namespace vft::fhirpath::detail {

namespace {

constexpr int kMaxScale = 38;

i128 pow10(int n) {
    i128 r = 1;
    for (int i = 0; i < n; ++i)
        r *= 10;
    return r;
}

const i128 kLimit = pow10(38);  // |mantissa| < 10^38

bool fits(i128 v) {
    return v < kLimit && v > -kLimit;
}

// Brings both to the same scale (the larger); false on overflow.
bool align(Decimal& a, Decimal& b) {
    while (a.scale < b.scale) {
        if (__builtin_mul_overflow(a.m, static_cast<i128>(10), &a.m) || !fits(a.m)) return false;
        ++a.scale;
    }
    while (b.scale < a.scale) {
        if (__builtin_mul_overflow(b.m, static_cast<i128>(10), &b.m) || !fits(b.m)) return false;
        ++b.scale;
    }
    return true;
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view t) {
    Decimal d;
    size_t i = 0;
    bool negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
    bool digits = false, dot = false;
    for (; i < t.size(); ++i) {
        char c = t[i];
        if (c == '.') {
            if (dot) return std::nullopt;
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        digits = true;
        if (d.m == 0 && c == '0' && !dot) continue;
        if (__builtin_mul_overflow(d.m, static_cast<i128>(10), &d.m)) return std::nullopt;
        d.m += c - '0';
        if (!fits(d.m)) return std::nullopt;
        if (dot) ++d.scale;
    }
    int exp = 0;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        bool eneg = false;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
        if (i >= t.size()) return std::nullopt;
        for (; i < t.size(); ++i) {
            if (t[i] < '0' || t[i] > '9' || exp > 1000) return std::nullopt;
            exp = exp * 10 + (t[i] - '0');
        }
        if (eneg) exp = -exp;
    }
    if (!digits || i != t.size()) return std::nullopt;
    if (dot && d.scale == 0) return std::nullopt;  // "1." is not a decimal
    d.scale -= exp;
    while (d.scale < 0) {
        if (__builtin_mul_overflow(d.m, static_cast<i128>(10), &d.m) || !fits(d.m))
            return std::nullopt;
        ++d.scale;
    }
    while (d.scale > kMaxScale) {
        d.m /= 10;
        --d.scale;
    }
    if (negative) d.m = -d.m;
    return d;
}

std::optional<Decimal> Decimal::from_double(double v) {
    if (!std::isfinite(v)) return std::nullopt;
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    if (r.ec != std::errc()) return std::nullopt;
    return parse(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

std::string Decimal::str() const {
    i128 v = m < 0 ? -m : m;
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    } while (v != 0);
    while (static_cast<int>(digits.size()) <= scale)
        digits.insert(digits.begin(), '0');
    if (scale > 0) digits.insert(digits.end() - scale, '.');
    if (m < 0) digits.insert(digits.begin(), '-');
    return digits;
}

double Decimal::to_double() const {
    return std::strtod(str().c_str(), nullptr);
}

int Decimal::compare(const Decimal& o) const {
    Decimal a = *this, b = o;
    if (!align(a, b)) {
        double x = to_double(), y = o.to_double();
        return x < y ? -1 : x > y ? 1 : 0;
    }
    return a.m < b.m ? -1 : a.m > b.m ? 1 : 0;
}

bool Decimal::is_integer() const {
    return normalized().scale == 0;
}

std::optional<int64_t> Decimal::to_int64() const {
    i128 v = m;
    for (int i = 0; i < scale; ++i)
        v /= 10;
    if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
    return static_cast<int64_t>(v);
}

Decimal Decimal::normalized() const {
    Decimal d = *this;
    while (d.scale > 0 && d.m % 10 == 0) {
        d.m /= 10;
        --d.scale;
    }
    return d;
}

Decimal Decimal::rescaled_down(int new_scale) const {
    if (new_scale >= scale) {
        Decimal a = *this, b{0, new_scale};
        if (align(a, b)) return a;
        return *this;
    }
    i128 div = pow10(scale - new_scale);
    i128 q = m / div, r = m % div;
    if (r < 0) r = -r;
    if (r * 2 >= div) q += m < 0 ? -1 : 1;
    return Decimal{q, new_scale};
}

std::optional<Decimal> add(const Decimal& x, const Decimal& y) {
    Decimal a = x, b = y;
    if (!align(a, b)) return std::nullopt;
    Decimal r{0, a.scale};
    if (__builtin_add_overflow(a.m, b.m, &r.m) || !fits(r.m)) return std::nullopt;
    return r;
}

std::optional<Decimal> sub(const Decimal& x, const Decimal& y) {
    return add(x, neg(y));
}

Decimal neg(const Decimal& a) {
    return Decimal{-a.m, a.scale};
}

std::optional<Decimal> mul(const Decimal& x, const Decimal& y) {
    Decimal r{0, x.scale + y.scale};
    if (__builtin_mul_overflow(x.m, y.m, &r.m) || !fits(r.m)) return std::nullopt;
    while (r.scale > kMaxScale) {
        r.m /= 10;
        --r.scale;
    }
    return r;
}

std::optional<Decimal> div(const Decimal& x, const Decimal& y) {
    if (y.m == 0) return std::nullopt;
    // Long division to 8 fractional digits more than the operands carry, then trimmed.
    Decimal a = x.normalized(), b = y.normalized();
    int target = std::max(a.scale, b.scale) + 8;
    if (target > 30) target = 30;
    // result = (a.m * 10^(target + b.scale - a.scale)) / b.m at scale `target`
    int shift = target + b.scale - a.scale;
    i128 num = a.m;
    if (shift >= 0) {
        for (int i = 0; i < shift; ++i)
            if (__builtin_mul_overflow(num, static_cast<i128>(10), &num)) return std::nullopt;
    } else {
        i128 den = b.m;
        for (int i = 0; i < -shift; ++i)
            if (__builtin_mul_overflow(den, static_cast<i128>(10), &den)) return std::nullopt;
        Decimal r{num / den, target};
        return r.normalized();
    }
    i128 q = num / b.m;
    i128 rem = num % b.m;
    if (rem != 0) {  // round the last digit half away from zero
        i128 r2 = rem < 0 ? -rem : rem;
        i128 bm = b.m < 0 ? -b.m : b.m;
        if (r2 * 2 >= bm) q += ((num < 0) != (b.m < 0)) ? -1 : 1;
    }
    if (!fits(q)) return std::nullopt;
    return Decimal{q, target}.normalized();
}

}  // namespace vft::fhirpath::detail
