// The FHIRPath parser: expression text -> syntax tree (throws SyntaxError inside the engine;
// compile() turns it into a vft::Error).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "fhirpath/ast.hpp"

namespace vft::fhirpath::detail {

struct SyntaxError {
    int line;
    int column;
    std::string message;
};

std::unique_ptr<Node> parse_expression(std::string_view text);

}  // namespace vft::fhirpath::detail
