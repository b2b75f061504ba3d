// Shell-style globs (fnmatch(3) without FNM_PATHNAME: '*' also matches '/'; '?' one character;
// '[...]' a class; '\' escapes).
#pragma once

#include <string_view>

namespace vft::internal {

[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace vft::internal
