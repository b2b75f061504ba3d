#include "validate/primitives.hpp"

namespace vft::detail {
namespace {

// The C locale's isspace, which is what std::regex's \s means for char.
bool ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}

class Cursor {
  public:
    explicit Cursor(std::string_view s) : s_(s) {}
    bool done() const { return i_ == s_.size(); }
    bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
    bool eat(char c) {
        if (!peek(c)) return false;
        ++i_;
        return true;
    }
    // Exactly n digits forming a number in [lo, hi].
    bool number(int n, int lo, int hi) {
        if (i_ + static_cast<size_t>(n) > s_.size()) return false;
        int v = 0;
        for (int k = 0; k < n; ++k) {
            const char c = s_[i_ + static_cast<size_t>(k)];
            if (!digit(c)) return false;
            v = v * 10 + (c - '0');
        }
        if (v < lo || v > hi) return false;
        i_ += static_cast<size_t>(n);
        return true;
    }
    // Optional fraction: '.' followed by one or more digits.
    bool fraction() {
        if (!eat('.')) return true;
        const size_t start = i_;
        while (i_ < s_.size() && digit(s_[i_]))
            ++i_;
        return i_ > start;
    }
    // Z | (+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)
    bool zone() {
        if (eat('Z')) return true;
        if (!eat('+') && !eat('-')) return false;
        const size_t save = i_;
        if (number(2, 0, 13) && eat(':') && number(2, 0, 59)) return true;
        i_ = save;
        return number(2, 14, 14) && eat(':') && number(2, 0, 0);
    }
    // hh:mm:ss(.f)?
    bool clock() {
        return number(2, 0, 23) && eat(':') && number(2, 0, 59) && eat(':') && number(2, 0, 60) &&
               fraction();
    }

  private:
    std::string_view s_;
    size_t i_ = 0;
};

// The year part: four digits, not 0000.
bool year(Cursor& c) {
    return c.number(4, 1, 9999);
}

bool date(std::string_view v) {
    Cursor c(v);
    if (!year(c)) return false;
    if (c.eat('-')) {
        if (!c.number(2, 1, 12)) return false;
        if (c.eat('-') && !c.number(2, 1, 31)) return false;
    }
    return c.done();
}

bool date_time(std::string_view v, bool instant) {
    Cursor c(v);
    if (!year(c)) return false;
    if (!c.eat('-')) return !instant && c.done();
    if (!c.number(2, 1, 12)) return false;
    if (!c.eat('-')) return !instant && c.done();
    if (!c.number(2, 1, 31)) return false;
    if (!c.eat('T')) return !instant && c.done();
    return c.clock() && c.zone() && c.done();
}

bool code(std::string_view v) {
    if (v.empty() || v.front() == ' ' || v.back() == ' ') return false;
    for (size_t i = 0; i < v.size(); ++i) {
        if (ws(v[i]) && v[i] != ' ') return false;
        if (v[i] == ' ' && v[i + 1] == ' ') return false;
    }
    return true;
}

bool no_ws(std::string_view v) {
    for (char c : v)
        if (ws(c)) return false;
    return true;
}

bool id(std::string_view v) {
    if (v.empty() || v.size() > 64) return false;
    for (char c : v)
        if (!(digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.'))
            return false;
    return true;
}

bool oid(std::string_view v) {
    constexpr std::string_view prefix = "urn:oid:";
    if (v.substr(0, prefix.size()) != prefix) return false;
    v.remove_prefix(prefix.size());
    if (v.empty() || v[0] < '0' || v[0] > '2') return false;
    size_t i = 1;
    int arcs = 0;
    while (i < v.size()) {
        if (v[i] != '.' || i + 1 >= v.size() || !digit(v[i + 1])) return false;
        ++i;
        if (v[i] == '0') {
            ++i;
            if (i < v.size() && digit(v[i])) return false;
        } else {
            while (i < v.size() && digit(v[i]))
                ++i;
        }
        ++arcs;
    }
    return arcs >= 1;
}

bool uuid(std::string_view v) {
    constexpr std::string_view prefix = "urn:uuid:";
    if (v.size() != prefix.size() + 36 || v.substr(0, prefix.size()) != prefix) return false;
    v.remove_prefix(prefix.size());
    for (size_t i = 0; i < v.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = v[i];
        if (dash ? c != '-' : !(digit(c) || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

bool base64(std::string_view v) {
    // Groups of four alphabet characters; white space only between groups.
    size_t count = 0;
    for (char c : v) {
        if (ws(c)) {
            if (count % 4 != 0) return false;
            continue;
        }
        const bool alpha = digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           c == '+' || c == '/' || c == '=';
        if (!alpha) return false;
        ++count;
    }
    return count > 0 && count % 4 == 0;
}

bool time_of_day(std::string_view v) {
    Cursor c(v);
    return c.clock() && c.done();
}

bool xhtml(std::string_view v) {
    return v.size() >= 5 && v.substr(0, 4) == "<div" && (ws(v[4]) || v[4] == '>');
}

}  // namespace

bool has_native_format(std::string_view t) {
    return has_native_format(primitive_of(t));
}

bool calendar_ok(std::string_view v) {
    if (v.size() < 10 || v[4] != '-' || v[7] != '-') return true;  // no day given
    auto num = [v](size_t at, size_t n) {
        int out = 0;
        for (size_t i = at; i < at + n; ++i)
            out = out * 10 + (v[i] - '0');
        return out;
    };
    const int year = num(0, 4), month = num(5, 2), day = num(8, 2);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return false;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int max = month == 2 && leap ? 29 : kDays[month - 1];
    return day >= 1 && day <= max;
}

bool loinc_code_ok(std::string_view code) {
    if (code.empty() || !digit(code[0])) return true;  // LA…, LP…: other forms, not judged
    const size_t dash = code.find('-');
    const std::string_view number = code.substr(0, dash);
    for (char c : number)
        if (!digit(c)) return true;                    // not of the numeric form
    if (dash == std::string_view::npos) return false;  // a number without its check digit
    const std::string_view check = code.substr(dash + 1);
    if (check.size() != 1 || !digit(check[0]) || number.size() > 9) return false;
    int sum = 0;
    for (size_t i = 0; i < number.size(); ++i) {
        int d = number[number.size() - 1 - i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return (10 - sum % 10) % 10 == check[0] - '0';
}

bool sctid_ok(std::string_view code) {
    static constexpr int d[10][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
        {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
        {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
        {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
        {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
    static constexpr int p[8][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
        {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
        {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
        {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
    if (code.size() < 6 || code.size() > 18 || code[0] == '0') return false;
    int c = 0;
    for (size_t i = 0; i < code.size(); ++i) {
        const char ch = code[code.size() - 1 - i];
        if (ch < '0' || ch > '9') return false;
        c = d[c][p[i % 8][ch - '0']];
    }
    return c == 0;
}

bool native_format_ok(std::string_view t, std::string_view v) {
    return native_format_ok(primitive_of(t), v);
}

bool has_native_format(FhirPrimitive t) {
    switch (t) {
        case FhirPrimitive::base64_binary:
        case FhirPrimitive::canonical:
        case FhirPrimitive::code:
        case FhirPrimitive::date:
        case FhirPrimitive::date_time:
        case FhirPrimitive::id:
        case FhirPrimitive::instant:
        case FhirPrimitive::oid:
        case FhirPrimitive::time:
        case FhirPrimitive::uri:
        case FhirPrimitive::url:
        case FhirPrimitive::uuid:
        case FhirPrimitive::xhtml:
            return true;
        default:
            return false;
    }
}

bool native_format_ok(FhirPrimitive t, std::string_view v) {
    switch (t) {
        case FhirPrimitive::code:
            return code(v);
        case FhirPrimitive::uri:
        case FhirPrimitive::url:
        case FhirPrimitive::canonical:
            return no_ws(v);
        case FhirPrimitive::date_time:
            return date_time(v, false);
        case FhirPrimitive::instant:
            return date_time(v, true);
        case FhirPrimitive::date:
            return date(v);
        case FhirPrimitive::id:
            return id(v);
        case FhirPrimitive::oid:
            return oid(v);
        case FhirPrimitive::uuid:
            return uuid(v);
        case FhirPrimitive::base64_binary:
            return base64(v);
        case FhirPrimitive::time:
            return time_of_day(v);
        case FhirPrimitive::xhtml:
            return xhtml(v);
        default:
            return true;
    }
}

}  // namespace vft::detail
