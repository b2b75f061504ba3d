// JSON string escaping for the CLI's --format json output (the SDK keeps its own internal one).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace vft::cli {

inline std::string esc(std::string_view s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c == '\n') {
            o += "\\n";
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += static_cast<char>(c);
        }
    }
    return o;
}

}  // namespace vft::cli
