#include "vft/internal/glob.hpp"

#include <fnmatch.h>

#include <string>

namespace vft::internal {

bool glob_match(std::string_view pattern, std::string_view text) {
    // fnmatch stops at a NUL: a text or pattern with one never matches.
    if (pattern.find('\0') != std::string_view::npos || text.find('\0') != std::string_view::npos)
        return false;
    const std::string p(pattern), t(text);
    return fnmatch(p.c_str(), t.c_str(), 0) == 0;
}

}  // namespace vft::internal
