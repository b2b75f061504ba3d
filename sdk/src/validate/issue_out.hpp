// Appending one issue to a walker's output: the one place the validator's walkers (base R4,
// extensions, national profiles) build an Issue from its parts.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vft/validate/issue.hpp"

namespace vft::detail {

inline void push_issue(std::vector<Issue>& out, Severity severity, const char* rule,
                       std::string path, std::string message, std::string hint,
                       std::string source) {
    Issue i;
    i.severity = severity;
    i.rule = rule;
    i.path = std::move(path);
    i.message = std::move(message);
    i.hint = std::move(hint);
    i.source = std::move(source);
    out.push_back(std::move(i));
}

}  // namespace vft::detail
