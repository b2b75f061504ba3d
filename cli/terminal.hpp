// Text from a system under test (or from a report it shaped) on the operator's terminal: every
// byte that could move the cursor, erase a line, ring the bell or switch the terminal's mode is
// shown as an escape instead, so a SUT cannot forge "verdict: pass" lines (issue 13).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/identifiers.hpp"

namespace vft::cli {

// C0 controls (including TAB, CR and LF), DEL and every byte that is not part of valid UTF-8
// become \xNN; C1 controls (U+0080-U+009F) and the invisible direction and line controls
// (U+200E/F, U+2028/9, U+202A-E, U+2066-9) become \uNNNN. Everything else (printable ASCII,
// other UTF-8) is kept; a backslash stays one (messages quote regular expressions), so a SUT can
// write the text "\x1B", never the byte.
inline std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [&](const char* prefix, unsigned v, int digits) {
        char buf[12];
        std::snprintf(buf, sizeof buf, "%s%0*X", prefix, digits, v);
        out += buf;
    };
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F)
                hex("\\x", c, 2);
            else
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        const size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= s.size();
        unsigned cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            ok = (cc >> 6) == 2;
            cp = (cp << 6) | (cc & 0x3F);
        }
        // Overlong forms, surrogates and values above U+10FFFF are not UTF-8.
        ok = ok && !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
             !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (!ok) {
            hex("\\x", c, 2);
            ++i;
            continue;
        }
        const bool invisible = (cp >= 0x80 && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
                               cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
                               (cp >= 0x2066 && cp <= 0x2069);
        if (invisible)
            hex("\\u", cp, 4);
        else
            out.append(s.substr(i, len));
        i += len;
    }
    return out;
}

// The message that decided a failed, errored or skipped test (conformance::Outcome puts it
// first), for the console: fødselsnummer masked, control characters escaped, one console line
// per line of the message with continuation lines indented, trailing white space dropped (a
// trigger's stderr ends with newlines), so no blank lines follow.
inline std::string deciding_message(const std::vector<std::string>& messages) {
    if (messages.empty()) return {};
    std::string_view m = messages.front();
    while (!m.empty() &&
           (m.back() == '\n' || m.back() == '\r' || m.back() == ' ' || m.back() == '\t'))
        m.remove_suffix(1);
    std::string out;
    size_t start = 0;
    for (;;) {
        const size_t nl = m.find('\n', start);
        std::string_view line =
            m.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (start > 0) out += "\n    ";
        out += printable(mask_person_ids(line));
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return out;
}

}  // namespace vft::cli
