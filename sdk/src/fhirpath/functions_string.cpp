// FHIRPath string functions (§5.6) and the 2.1 additions the suite uses (trim, split, join,
// encode/decode, escape/unescape). Regular expressions run on POSIX ERE (glibc), translated
// from the ECMAScript escapes, on bounded input.
#include <regex.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "fhirpath/engine.hpp"

namespace vft::fhirpath::detail {

namespace {

constexpr size_t kMaxRegexInput = 4096;
constexpr size_t kMaxRegexPattern = 1024;

// The focus as one String (nullopt when empty; error when not a string or many).
std::optional<std::string> focus_string(Evaluator& ev, const Coll& f, const std::string& fn) {
    const Value* item = ev.singleton(f, fn.c_str());
    if (!item) return std::nullopt;
    auto v = ev.primitive(*item);
    if (!v) throw EvalError{fn + "() expects a String, got " + ev.type_of(*item)};
    if (v->kind != Kind::string) throw EvalError{fn + "() expects a String, got " + ev.type_of(*v)};
    return v->s;
}

Coll str(std::string s) {
    return {Value::string(std::move(s))};
}

// A compiled POSIX extended regular expression (glibc matches without backtracking when
// the pattern has no back-references, which are refused: hostile patterns cannot take
// exponential time, as std::regex's ECMAScript engine does).
class Regex {
  public:
    Regex(const std::string& pattern, const std::string& input, const std::string& fn, bool full) {
        if (pattern.size() > kMaxRegexPattern || input.size() > kMaxRegexInput)
            throw EvalError{fn + "(): the pattern or the string is too long for matching"};
        std::string ere = translate(pattern, fn);
        if (full) ere = "^(" + ere + ")$";
        if (regcomp(&re_, ere.c_str(), REG_EXTENDED) != 0)
            throw EvalError{fn + "(): invalid or unsupported regular expression"};
    }
    ~Regex() { regfree(&re_); }
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;
    const regex_t* get() const { return &re_; }

  private:
    // ECMAScript escapes FHIRPath patterns use, in POSIX ERE terms; '.' matches a newline in
    // ERE already (single-line mode, as FHIRPath asks).
    static std::string translate(const std::string& p, const std::string& fn) {
        std::string out;
        bool in_class = false;
        int repeat = -1;      // the count being read inside {m,n}; the bound is its last number
        int repeat_low = -1;  // m, once the ',' is read
        bool repeat_of_group = false;
        // glibc copies the tree of a counted repetition: bound the copies of the most copied
        // term, the product of the counts along the nesting of groups.
        std::vector<long> enclosing;  // the most copied term of each enclosing group so far
        long level_max = 1;           // ... of the current group
        long last_group = 1;          // ... of the group just closed
        bool prev_group_close = false;
        bool after_quantifier = false;
        for (size_t i = 0; i < p.size(); ++i) {
            char c = p[i];
            const bool after_group = prev_group_close;  // (escaped characters are read below)
            prev_group_close = false;
            if (!in_class) {
                const bool quantifier = c == '*' || c == '+' || c == '?' || c == '{';
                if (quantifier && after_quantifier)
                    throw EvalError{fn + "(): stacked quantifiers are not supported"};
                if (c == '(') {
                    enclosing.push_back(level_max);
                    level_max = 1;
                } else if (c == ')' && !enclosing.empty()) {
                    prev_group_close = true;
                    last_group = level_max;
                    level_max = std::max(enclosing.back(), level_max);
                    enclosing.pop_back();
                }
                if (c == '{') {
                    repeat = 0;
                    repeat_low = -1;
                    repeat_of_group = after_group;
                }
                if (std::isdigit(static_cast<unsigned char>(c)) && repeat >= 0) {
                    repeat = repeat * 10 + (c - '0');
                    if (repeat > 255) throw EvalError{fn + "(): repetition count too large"};
                } else if (c == ',' && repeat >= 0) {
                    repeat_low = repeat;
                    repeat = 0;
                } else if (c == '}' && repeat >= 0) {
                    long n = std::max(repeat, std::max(repeat_low, 1));
                    long term = n * (repeat_of_group ? last_group : 1);
                    if (term > 1000) throw EvalError{fn + "(): repetition counts too large"};
                    level_max = std::max(level_max, term);
                    repeat = -1;
                }
                after_quantifier = c == '*' || c == '+' || c == '?' || c == '}';
            }
            if (c == '\\' && i + 1 < p.size()) {
                char e = p[++i];
                const char* cls = nullptr;
                switch (e) {
                    case 'd':
                        cls = in_class ? "0-9" : "[0-9]";
                        break;
                    case 'D':
                        cls = in_class ? nullptr : "[^0-9]";
                        break;
                    case 'w':
                        cls = in_class ? "[:alnum:]_" : "[[:alnum:]_]";
                        break;
                    case 'W':
                        cls = in_class ? nullptr : "[^[:alnum:]_]";
                        break;
                    case 's':
                        cls = in_class ? "[:space:]" : "[[:space:]]";
                        break;
                    case 'S':
                        cls = in_class ? nullptr : "[^[:space:]]";
                        break;
                    case 'n':
                        out += '\n';
                        continue;
                    case 't':
                        out += '\t';
                        continue;
                    case 'r':
                        out += '\r';
                        continue;
                    default:
                        if (std::isdigit(static_cast<unsigned char>(e)))
                            throw EvalError{fn + "(): back-references are not supported"};
                        if (in_class) {
                            // a literal in ECMAScript; POSIX brackets have no escapes, so
                            // ']', '-', '^' and '[' become collating symbols ("[.-.]")
                            if (e == ']' || e == '-' || e == '^' || e == '[') {
                                out += "[.";
                                out += e;
                                out += ".]";
                            } else {
                                out += e;
                            }
                        } else {
                            out += '\\';
                            out += e;
                        }
                        continue;
                }
                if (!cls)
                    throw EvalError{fn + "(): negated class escapes inside [] are not supported"};
                out += cls;
                continue;
            }
            if (c == '[' && !in_class) {
                in_class = true;
                out += c;
                if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
                if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
                continue;
            }
            if (c == ']' && in_class) in_class = false;
            out += c;
        }
        return out;
    }

    regex_t re_{};
};

// UTF-8 code points of s.
std::vector<std::string> code_points(const std::string& s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

Coll fn_index_of(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto sub = string_arg(ev, call, 0, f, frame);
    if (!s || !sub) return {};
    auto p = s->find(*sub);
    return {Value::integer(p == std::string::npos ? -1 : static_cast<int64_t>(p))};
}

Coll fn_substring(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto start = integer_arg(ev, call, 0, f, frame);
    if (!s || !start) return {};
    if (*start < 0 || static_cast<size_t>(*start) >= s->size()) return {};
    if (call.args.size() > 1) {
        auto len = integer_arg(ev, call, 1, f, frame);
        if (!len) return str(s->substr(static_cast<size_t>(*start)));
        if (*len <= 0) return str("");
        return str(s->substr(static_cast<size_t>(*start), static_cast<size_t>(*len)));
    }
    return str(s->substr(static_cast<size_t>(*start)));
}

Coll fn_starts_with(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto p = string_arg(ev, call, 0, f, frame);
    if (!s || !p) return {};
    return {Value::boolean(s->rfind(*p, 0) == 0)};
}

Coll fn_ends_with(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto p = string_arg(ev, call, 0, f, frame);
    if (!s || !p) return {};
    return {Value::boolean(s->size() >= p->size() &&
                           s->compare(s->size() - p->size(), p->size(), *p) == 0)};
}

Coll fn_contains(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto p = string_arg(ev, call, 0, f, frame);
    if (!s || !p) return {};
    return {Value::boolean(s->find(*p) != std::string::npos)};
}

template <int (*Map)(int)>
Coll fn_case(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto s = focus_string(ev, f, call.name);
    if (!s) return {};
    for (auto& c : *s)
        if (static_cast<unsigned char>(c) < 0x80) c = static_cast<char>(Map(c));
    return str(*s);
}

Coll fn_replace(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto pat = string_arg(ev, call, 0, f, frame);
    auto rep = string_arg(ev, call, 1, f, frame);
    if (!s || !pat || !rep) return {};
    std::string out;
    if (pat->empty()) {
        out = *rep;
        for (const auto& cp : code_points(*s))
            out += cp + *rep;
        return str(out);
    }
    size_t pos = 0;
    for (;;) {
        size_t n = s->find(*pat, pos);
        if (n == std::string::npos) break;
        out += s->substr(pos, n - pos) + *rep;
        pos = n + pat->size();
        if (out.size() > (1u << 24)) throw EvalError{"replace(): result too long"};
    }
    out += s->substr(pos);
    return str(out);
}

Coll fn_matches(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto pat = string_arg(ev, call, 0, f, frame);
    if (!s || !pat) return {};
    Regex re(*pat, *s, call.name, false);
    return {Value::boolean(regexec(re.get(), s->c_str(), 0, nullptr, 0) == 0)};
}

Coll fn_matches_full(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto pat = string_arg(ev, call, 0, f, frame);
    if (!s || !pat) return {};
    Regex re(*pat, *s, call.name, true);
    return {Value::boolean(regexec(re.get(), s->c_str(), 0, nullptr, 0) == 0)};
}

Coll fn_replace_matches(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto pat = string_arg(ev, call, 0, f, frame);
    auto rep = string_arg(ev, call, 1, f, frame);
    if (!s || !pat || !rep) return {};
    if (pat->empty()) return str(*s);
    Regex re(*pat, *s, call.name, false);
    std::string out;
    const char* p = s->c_str();
    const char* end = p + s->size();
    regmatch_t m[10];
    int flags = 0;
    while (p <= end && regexec(re.get(), p, 10, m, flags) == 0) {
        ev.step();
        out.append(p, static_cast<size_t>(m[0].rm_so));
        for (size_t k = 0; k < rep->size(); ++k) {  // $1..$9 are the groups
            char c = (*rep)[k];
            if (c == '$' && k + 1 < rep->size() &&
                std::isdigit(static_cast<unsigned char>((*rep)[k + 1]))) {
                int g = (*rep)[++k] - '0';
                if (m[g].rm_so >= 0)
                    out.append(p + m[g].rm_so, static_cast<size_t>(m[g].rm_eo - m[g].rm_so));
                continue;
            }
            out += c;
        }
        if (m[0].rm_eo == m[0].rm_so) {  // an empty match: copy one character and go on
            if (p + m[0].rm_eo >= end) {
                p = end + 1;
                break;
            }
            out += p[m[0].rm_eo];
            p += m[0].rm_eo + 1;
        } else {
            p += m[0].rm_eo;
        }
        flags = REG_NOTBOL;
        if (out.size() > (1u << 24)) throw EvalError{"replaceMatches(): result too long"};
    }
    if (p < end) out.append(p, static_cast<size_t>(end - p));
    return str(out);
}

Coll fn_length(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto s = focus_string(ev, f, call.name);
    if (!s) return {};
    return {Value::integer(static_cast<int64_t>(code_points(*s).size()))};
}

Coll fn_to_chars(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto s = focus_string(ev, f, call.name);
    if (!s) return {};
    Coll out;
    for (auto& cp : code_points(*s))
        out.push_back(Value::string(cp));
    return out;
}

Coll fn_split(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto sep = string_arg(ev, call, 0, f, frame);
    if (!s || !sep) return {};
    Coll out;
    if (sep->empty()) {
        for (auto& cp : code_points(*s))
            out.push_back(Value::string(cp));
        return out;
    }
    size_t pos = 0;
    for (;;) {
        size_t n = s->find(*sep, pos);
        if (n == std::string::npos) break;
        out.push_back(Value::string(s->substr(pos, n - pos)));
        pos = n + sep->size();
    }
    out.push_back(Value::string(s->substr(pos)));
    return out;
}

Coll fn_join(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    std::string sep;
    if (!call.args.empty()) sep = string_arg(ev, call, 0, f, frame).value_or("");
    std::string out;
    for (size_t i = 0; i < f.size(); ++i) {
        auto p = ev.primitive(f[i]);
        if (!p || p->kind != Kind::string) throw EvalError{"join() expects Strings"};
        if (i) out += sep;
        out += p->s;
    }
    return str(out);
}

Coll fn_trim(Evaluator& ev, const Node& call, const Coll& f, const Frame&) {
    auto s = focus_string(ev, f, call.name);
    if (!s) return {};
    size_t b = s->find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return str("");
    size_t e = s->find_last_not_of(" \t\r\n");
    return str(s->substr(b, e - b + 1));
}

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& in, bool url) {
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        for (int k = 3; k >= 0; --k)
            out += kB64[(v >> (6 * k)) & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
        out += '=';
    }
    if (url)
        for (auto& c : out)
            c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

std::optional<std::string> unbase64(std::string in, bool url) {
    if (url)
        for (auto& c : in)
            c = c == '-' ? '+' : c == '_' ? '/' : c;
    std::string out;
    unsigned v = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        const char* p = std::strchr(kB64, c);
        if (!p || c == '\0') return std::nullopt;
        v = (v << 6) | static_cast<unsigned>(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((v >> bits) & 0xFF);
        }
    }
    return out;
}

Coll fn_encode(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto fmt = string_arg(ev, call, 0, f, frame);
    if (!s || !fmt) return {};
    if (*fmt == "base64" || *fmt == "urlbase64") return str(base64(*s, *fmt == "urlbase64"));
    if (*fmt == "hex") {
        static const char kHex[] = "0123456789abcdef";
        std::string out;
        for (unsigned char c : *s) {
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
        return str(out);
    }
    return {};
}

Coll fn_decode(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto fmt = string_arg(ev, call, 0, f, frame);
    if (!s || !fmt) return {};
    if (*fmt == "base64" || *fmt == "urlbase64") {
        auto r = unbase64(*s, *fmt == "urlbase64");
        if (!r) return {};
        return str(*r);
    }
    if (*fmt == "hex") {
        if (s->size() % 2) return {};
        std::string out;
        for (size_t i = 0; i < s->size(); i += 2) {
            auto hv = [](char c) {
                return std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                                   : std::tolower(c) - 'a' + 10;
            };
            if (!std::isxdigit(static_cast<unsigned char>((*s)[i])) ||
                !std::isxdigit(static_cast<unsigned char>((*s)[i + 1])))
                return {};
            out += static_cast<char>(hv((*s)[i]) * 16 + hv((*s)[i + 1]));
        }
        return str(out);
    }
    return {};
}

Coll fn_escape(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto fmt = string_arg(ev, call, 0, f, frame);
    if (!s || !fmt) return {};
    std::string out;
    if (*fmt == "html") {
        for (char c : *s) {
            switch (c) {
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '&':
                    out += "&amp;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&#39;";
                    break;
                default:
                    out += c;
            }
        }
        return str(out);
    }
    if (*fmt == "json") {
        for (char c : *s) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        return str(out);
    }
    return {};
}

Coll fn_unescape(Evaluator& ev, const Node& call, const Coll& f, const Frame& frame) {
    auto s = focus_string(ev, f, call.name);
    auto fmt = string_arg(ev, call, 0, f, frame);
    if (!s || !fmt) return {};
    std::string out;
    if (*fmt == "html") {
        static const std::pair<const char*, char> kEnt[] = {
            {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}};
        for (size_t i = 0; i < s->size();) {
            bool done = false;
            for (const auto& [ent, ch] : kEnt) {
                if (s->compare(i, std::strlen(ent), ent) == 0) {
                    out += ch;
                    i += std::strlen(ent);
                    done = true;
                    break;
                }
            }
            if (!done) out += (*s)[i++];
        }
        return str(out);
    }
    if (*fmt == "json") {
        for (size_t i = 0; i < s->size(); ++i) {
            if ((*s)[i] == '\\' && i + 1 < s->size()) ++i;
            out += (*s)[i];
        }
        return str(out);
    }
    return {};
}

int to_upper(int c) {
    return std::toupper(c);
}
int to_lower(int c) {
    return std::tolower(c);
}

}  // namespace

void add_string_functions(FunctionTable& t) {
    t["indexOf"] = {fn_index_of, 1, 1};
    t["substring"] = {fn_substring, 1, 2};
    t["startsWith"] = {fn_starts_with, 1, 1};
    t["endsWith"] = {fn_ends_with, 1, 1};
    t["contains"] = {fn_contains, 1, 1};
    t["upper"] = {fn_case<to_upper>, 0, 0};
    t["lower"] = {fn_case<to_lower>, 0, 0};
    t["replace"] = {fn_replace, 2, 2};
    t["matches"] = {fn_matches, 1, 1};
    t["matchesFull"] = {fn_matches_full, 1, 1};
    t["replaceMatches"] = {fn_replace_matches, 2, 2};
    t["length"] = {fn_length, 0, 0};
    t["toChars"] = {fn_to_chars, 0, 0};
    t["split"] = {fn_split, 1, 1};
    t["join"] = {fn_join, 0, 1};
    t["trim"] = {fn_trim, 0, 0};
    t["encode"] = {fn_encode, 1, 1};
    t["decode"] = {fn_decode, 1, 1};
    t["escape"] = {fn_escape, 1, 1};
    t["unescape"] = {fn_unescape, 1, 1};
}

}  // namespace vft::fhirpath::detail
