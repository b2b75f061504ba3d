// The FHIRPath lexer and parser (FHIRPath 2.0 grammar, precedence climbing): text -> Node tree.
// Every syntax error names its line and column; nesting is bounded so hostile input cannot
// exhaust the stack.
#include "fhirpath/parser.hpp"

#include "fhirpath/engine.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vft::fhirpath::detail {

namespace {

enum class Tok {
    end,
    ident,
    delimited,
    string,
    number,
    date,
    datetime,
    time,
    op,
    external,
    special
};

struct Token {
    Tok kind = Tok::end;
    std::string text;  // identifier name, unescaped string, number text, operator, literal text
    size_t pos = 0;
};

constexpr int kMaxDepth = 200;
constexpr int kMaxChain = 500;

class Lexer {
  public:
    explicit Lexer(std::string_view src) : s_(src) {}

    Token next() {
        skip();
        Token t;
        t.pos = p_;
        if (p_ >= s_.size()) return t;
        char c = s_[p_];
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t b = p_;
            while (p_ < s_.size() &&
                   (std::isalnum(static_cast<unsigned char>(s_[p_])) || s_[p_] == '_'))
                ++p_;
            t.kind = Tok::ident;
            t.text = std::string(s_.substr(b, p_ - b));
            return t;
        }
        if (c == '`') {
            t.kind = Tok::delimited;
            t.text = quoted('`');
            return t;
        }
        if (c == '\'') {
            t.kind = Tok::string;
            t.text = quoted('\'');
            return t;
        }
        if (std::isdigit(static_cast<unsigned char>(c))) {
            size_t b = p_;
            while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_])))
                ++p_;
            if (p_ + 1 < s_.size() && s_[p_] == '.' &&
                std::isdigit(static_cast<unsigned char>(s_[p_ + 1]))) {
                ++p_;
                while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_])))
                    ++p_;
            }
            t.kind = Tok::number;
            t.text = std::string(s_.substr(b, p_ - b));
            if (p_ < s_.size() && s_[p_] == 'L')
                ++p_;  // long integer suffix (2.1); read as Integer
            return t;
        }
        if (c == '@') return temporal();
        if (c == '%') {
            ++p_;
            t.kind = Tok::external;
            if (p_ < s_.size() && s_[p_] == '`') {
                t.text = quoted('`');
            } else if (p_ < s_.size() && s_[p_] == '\'') {
                t.text = quoted('\'');
            } else {
                size_t b = p_;
                while (p_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[p_])) ||
                                          s_[p_] == '_' || s_[p_] == '-'))
                    ++p_;
                if (p_ == b) fail(b, "a name after '%'");
                t.text = std::string(s_.substr(b, p_ - b));
            }
            return t;
        }
        if (c == '$') {
            size_t b = ++p_;
            while (p_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[p_])))
                ++p_;
            std::string name(s_.substr(b, p_ - b));
            if (name != "this" && name != "index" && name != "total")
                fail(b - 1, "$this, $index or $total");
            t.kind = Tok::special;
            t.text = name;
            return t;
        }
        static const char* kTwo[] = {"<=", ">=", "!=", "!~"};
        for (const char* op : kTwo) {
            if (s_.substr(p_, 2) == op) {
                p_ += 2;
                t.kind = Tok::op;
                t.text = op;
                return t;
            }
        }
        if (std::strchr(".[](),+-*/&|<>=~{}", c) != nullptr) {
            ++p_;
            t.kind = Tok::op;
            t.text = std::string(1, c);
            return t;
        }
        fail(p_, "a FHIRPath token");
    }

    [[noreturn]] void fail(size_t pos, const std::string& expected) const {
        int line = 1, col = 1;
        for (size_t i = 0; i < pos && i < s_.size(); ++i) {
            if (s_[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        std::string found =
            pos >= s_.size() ? "end of expression" : "'" + std::string(s_.substr(pos, 1)) + "'";
        throw SyntaxError{line, col, "expected " + expected + ", found " + found};
    }

  private:
    void skip() {
        for (;;) {
            while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_])))
                ++p_;
            if (s_.substr(p_, 2) == "//") {
                while (p_ < s_.size() && s_[p_] != '\n')
                    ++p_;
            } else if (s_.substr(p_, 2) == "/*") {
                size_t e = s_.find("*/", p_ + 2);
                if (e == std::string_view::npos) fail(p_, "the end of the comment '*/'");
                p_ = e + 2;
            } else {
                return;
            }
        }
    }

    std::string quoted(char q) {
        size_t start = p_++;
        std::string out;
        while (p_ < s_.size() && s_[p_] != q) {
            char c = s_[p_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            if (p_ >= s_.size()) break;
            char e = s_[p_++];
            switch (e) {
                case '\'':
                    out += '\'';
                    break;
                case '"':
                    out += '"';
                    break;
                case '`':
                    out += '`';
                    break;
                case '\\':
                    out += '\\';
                    break;
                case '/':
                    out += '/';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    unsigned cp = 0;
                    for (int i = 0; i < 4; ++i) {
                        if (p_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[p_])))
                            fail(p_, "four hex digits after \\u");
                        char h = s_[p_++];
                        cp = cp * 16 +
                             static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(h))
                                                       ? h - '0'
                                                       : (std::tolower(h) - 'a' + 10));
                    }
                    if (cp < 0x80) {
                        out += static_cast<char>(cp);
                    } else if (cp < 0x800) {
                        out += static_cast<char>(0xC0 | (cp >> 6));
                        out += static_cast<char>(0x80 | (cp & 0x3F));
                    } else {
                        out += static_cast<char>(0xE0 | (cp >> 12));
                        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                        out += static_cast<char>(0x80 | (cp & 0x3F));
                    }
                    break;
                }
                default:
                    fail(p_ - 1, "a valid escape sequence");
            }
        }
        if (p_ >= s_.size()) fail(start, std::string("a closing ") + q);
        ++p_;
        return out;
    }

    bool digits_at(size_t n) const {
        if (p_ + n > s_.size()) return false;
        for (size_t i = 0; i < n; ++i)
            if (!std::isdigit(static_cast<unsigned char>(s_[p_ + i]))) return false;
        return true;
    }

    void time_part() {
        if (!digits_at(2)) fail(p_, "an hour");
        p_ += 2;
        if (p_ < s_.size() && s_[p_] == ':' && (++p_, true)) {
            if (!digits_at(2)) fail(p_, "minutes");
            p_ += 2;
            if (p_ < s_.size() && s_[p_] == ':' && (++p_, true)) {
                if (!digits_at(2)) fail(p_, "seconds");
                p_ += 2;
                if (p_ + 1 < s_.size() && s_[p_] == '.' &&
                    std::isdigit(static_cast<unsigned char>(s_[p_ + 1]))) {
                    ++p_;
                    while (p_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p_])))
                        ++p_;
                }
            }
        }
    }

    Token temporal() {
        Token t;
        t.pos = p_;
        size_t b = ++p_;
        if (p_ < s_.size() && s_[p_] == 'T') {
            ++p_;
            time_part();
            t.kind = Tok::time;
            t.text = std::string(s_.substr(b + 1, p_ - b - 1));
            return t;
        }
        if (!digits_at(4)) fail(p_, "a date or time after '@'");
        p_ += 4;
        t.kind = Tok::date;
        if (p_ < s_.size() && s_[p_] == '-' && digits_at_offset(1, 2)) {
            p_ += 3;
            if (p_ < s_.size() && s_[p_] == '-' && digits_at_offset(1, 2)) p_ += 3;
        }
        if (p_ < s_.size() && s_[p_] == 'T') {
            ++p_;
            t.kind = Tok::datetime;
            if (digits_at(2)) time_part();
            if (p_ < s_.size() && s_[p_] == 'Z') {
                ++p_;
            } else if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-') &&
                       digits_at_offset(1, 2) && p_ + 3 < s_.size() && s_[p_ + 3] == ':' &&
                       digits_at_offset(4, 2)) {
                p_ += 6;
            }
        }
        t.text = std::string(s_.substr(b, p_ - b));
        if (!t.text.empty() && t.text.back() == 'T') t.text.pop_back();
        return t;
    }

    bool digits_at_offset(size_t off, size_t n) const {
        if (p_ + off + n > s_.size()) return false;
        for (size_t i = 0; i < n; ++i)
            if (!std::isdigit(static_cast<unsigned char>(s_[p_ + off + i]))) return false;
        return true;
    }

    std::string_view s_;
    size_t p_ = 0;
};

class Parser {
  public:
    explicit Parser(std::string_view src) : lex_(src), src_(src) { advance(); }

    std::unique_ptr<Node> parse_all() {
        auto n = expression(0);
        if (cur_.kind != Tok::end) lex_.fail(cur_.pos, "an operator or the end of the expression");
        return n;
    }

  private:
    void advance() { cur_ = lex_.next(); }
    bool is_op(const char* op) const { return cur_.kind == Tok::op && cur_.text == op; }
    bool is_word(const char* w) const { return cur_.kind == Tok::ident && cur_.text == w; }
    void expect(const char* op) {
        if (!is_op(op)) lex_.fail(cur_.pos, std::string("'") + op + "'");
        advance();
    }

    std::unique_ptr<Node> make(NodeKind k, size_t pos) {
        auto n = std::make_unique<Node>();
        n->kind = k;
        int line = 1, col = 1;
        for (size_t i = 0; i < pos && i < src_.size(); ++i) {
            if (src_[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        n->line = line;
        n->column = col;
        return n;
    }

    // Binary operator precedence (higher binds tighter); 0 when not a binary operator.
    int binary_prec() const {
        if (cur_.kind == Tok::op) {
            const std::string& o = cur_.text;
            if (o == "*" || o == "/") return 10;
            if (o == "+" || o == "-" || o == "&") return 9;
            if (o == "|") return 7;
            if (o == "<" || o == ">" || o == "<=" || o == ">=") return 6;
            if (o == "=" || o == "~" || o == "!=" || o == "!~") return 5;
            return 0;
        }
        if (cur_.kind == Tok::ident) {
            const std::string& w = cur_.text;
            if (w == "div" || w == "mod") return 10;
            if (w == "is" || w == "as") return 8;
            if (w == "in" || w == "contains") return 4;
            if (w == "and") return 3;
            if (w == "or" || w == "xor") return 2;
            if (w == "implies") return 1;
        }
        return 0;
    }

    std::unique_ptr<Node> expression(int min_prec) {
        if (++depth_ > kMaxDepth) lex_.fail(cur_.pos, "less deeply nested expressions");
        auto left = unary();
        for (int chain = 0;; ++chain) {
            int prec = binary_prec();
            if (prec == 0 || prec <= min_prec) break;
            if (chain > kMaxChain) lex_.fail(cur_.pos, "a shorter chain of operators");
            Token op = cur_;
            advance();
            if (op.text == "is" || op.text == "as") {
                auto n = make(op.text == "is" ? NodeKind::is_type : NodeKind::as_type, op.pos);
                n->name = type_specifier();
                n->children.push_back(std::move(left));
                left = std::move(n);
                continue;
            }
            auto right = expression(prec);
            auto n = make(NodeKind::binary, op.pos);
            n->name = op.text;
            n->children.push_back(std::move(left));
            n->children.push_back(std::move(right));
            left = std::move(n);
        }
        --depth_;
        return left;
    }

    std::string type_specifier() {
        std::string name = identifier("a type name");
        while (is_op(".")) {
            advance();
            name += "." + identifier("a type name");
        }
        return name;
    }

    std::string identifier(const char* what) {
        if (cur_.kind != Tok::ident && cur_.kind != Tok::delimited) lex_.fail(cur_.pos, what);
        std::string s = cur_.text;
        advance();
        return s;
    }

    std::unique_ptr<Node> unary() {
        if (is_op("+") || is_op("-")) {
            Token op = cur_;
            advance();
            if (++depth_ > kMaxDepth) lex_.fail(cur_.pos, "less deeply nested expressions");
            auto operand = unary();
            --depth_;
            auto n = make(NodeKind::unary, op.pos);
            n->name = op.text;
            n->children.push_back(std::move(operand));
            return n;
        }
        return postfix(term());
    }

    std::unique_ptr<Node> postfix(std::unique_ptr<Node> left) {
        for (int chain = 0;; ++chain) {
            if (chain > kMaxChain) lex_.fail(cur_.pos, "a shorter path");
            if (is_op(".")) {
                advance();
                size_t pos = cur_.pos;
                std::string name = identifier("a name or function after '.'");
                if (is_op("(")) {
                    auto n = function_call(name, pos);
                    n->children.insert(n->children.begin(), std::move(left));
                    left = std::move(n);
                } else {
                    auto n = make(NodeKind::member, pos);
                    n->name = name;
                    n->children.push_back(std::move(left));
                    left = std::move(n);
                }
            } else if (is_op("[")) {
                size_t pos = cur_.pos;
                advance();
                auto idx = expression(0);
                expect("]");
                auto n = make(NodeKind::indexer, pos);
                n->children.push_back(std::move(left));
                n->children.push_back(std::move(idx));
                left = std::move(n);
            } else {
                return left;
            }
        }
    }

    std::unique_ptr<Node> function_call(const std::string& name, size_t pos) {
        auto n = make(NodeKind::function, pos);
        n->name = name;
        auto fn = functions().find(n->name);  // unknown: a run-time error when reached
        if (fn != functions().end()) n->function = &fn->second;
        n->children.push_back(nullptr);  // focus slot; replaced for a.f()
        expect("(");
        if (!is_op(")")) {
            n->args.push_back(expression(0));
            while (is_op(",")) {
                advance();
                n->args.push_back(expression(0));
            }
        }
        expect(")");
        return n;
    }

    static bool is_calendar_word(const std::string& w) {
        static const char* kWords[] = {"year",   "years",   "month",       "months",
                                       "week",   "weeks",   "day",         "days",
                                       "hour",   "hours",   "minute",      "minutes",
                                       "second", "seconds", "millisecond", "milliseconds"};
        for (const char* k : kWords)
            if (w == k) return true;
        return false;
    }

    std::unique_ptr<Node> term() {
        Token t = cur_;
        switch (t.kind) {
            case Tok::end:
                lex_.fail(t.pos, "an expression");
            case Tok::number: {
                advance();
                auto n = make(NodeKind::literal, t.pos);
                bool is_decimal = t.text.find('.') != std::string::npos;
                if (cur_.kind == Tok::string ||
                    (cur_.kind == Tok::ident && is_calendar_word(cur_.text))) {
                    auto d = Decimal::parse(t.text);
                    if (!d) lex_.fail(t.pos, "a number that fits 38 digits");
                    n->value = Value::quantity(Quantity{*d, cur_.text});
                    advance();
                    return n;
                }
                if (is_decimal) {
                    auto d = Decimal::parse(t.text);
                    if (!d) lex_.fail(t.pos, "a number that fits 38 digits");
                    n->value = Value::decimal(*d);
                } else {
                    errno = 0;
                    char* end = nullptr;
                    long long v = std::strtoll(t.text.c_str(), &end, 10);
                    if (errno == ERANGE) {
                        auto d = Decimal::parse(t.text);
                        if (!d) lex_.fail(t.pos, "a number that fits 38 digits");
                        n->value = Value::decimal(*d);
                    } else {
                        n->value = Value::integer(v);
                    }
                }
                return n;
            }
            case Tok::string: {
                advance();
                auto n = make(NodeKind::literal, t.pos);
                n->value = Value::string(t.text);
                return n;
            }
            case Tok::date:
            case Tok::datetime:
            case Tok::time: {
                advance();
                auto kind = t.kind == Tok::date       ? Temporal::Kind::date
                            : t.kind == Tok::datetime ? Temporal::Kind::datetime
                                                      : Temporal::Kind::time;
                auto v = Temporal::parse(t.text, kind);
                if (!v) lex_.fail(t.pos, "a valid date, dateTime or time literal");
                auto n = make(NodeKind::literal, t.pos);
                n->value = Value::temporal(*v);
                return n;
            }
            case Tok::external: {
                advance();
                auto n = make(NodeKind::external, t.pos);
                n->name = t.text;
                return n;
            }
            case Tok::special: {
                advance();
                return make(t.text == "this"    ? NodeKind::this_
                            : t.text == "index" ? NodeKind::index
                                                : NodeKind::total,
                            t.pos);
            }
            case Tok::delimited:
            case Tok::ident: {
                advance();
                if (t.kind == Tok::ident && (t.text == "true" || t.text == "false")) {
                    auto n = make(NodeKind::literal, t.pos);
                    n->value = Value::boolean(t.text == "true");
                    return n;
                }
                if (is_op("(")) return function_call(t.text, t.pos);
                auto n = make(NodeKind::identifier, t.pos);
                n->name = t.text;
                return n;
            }
            case Tok::op: {
                if (t.text == "(") {
                    advance();
                    auto n = expression(0);
                    expect(")");
                    return n;
                }
                if (t.text == "{") {
                    advance();
                    expect("}");
                    auto n = make(NodeKind::literal, t.pos);
                    n->empty_literal = true;
                    return n;
                }
                lex_.fail(t.pos, "an expression");
            }
        }
        lex_.fail(t.pos, "an expression");
    }

    Lexer lex_;
    std::string_view src_;
    Token cur_;
    int depth_ = 0;
};

}  // namespace

std::unique_ptr<Node> parse_expression(std::string_view text) {
    Parser p(text);
    return p.parse_all();
}

}  // namespace vft::fhirpath::detail
