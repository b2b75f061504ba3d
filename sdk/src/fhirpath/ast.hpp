// The FHIRPath syntax tree: built once by the parser, read by the evaluator.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fhirpath/value.hpp"

namespace vft::fhirpath::detail {

enum class NodeKind {
    literal,     // value (a single item) or the empty collection {}
    identifier,  // name, evaluated on the focus (member access or type name at the root)
    member,      // children[0].name
    function,    // children[0] is the focus (null for a bare call); args follow in `args`
    this_,       // $this
    index,       // $index
    total,       // $total
    external,    // %name
    unary,       // op children[0]
    binary,      // children[0] op children[1]
    indexer,     // children[0][children[1]]
    is_type,     // children[0] is type_name
    as_type,     // children[0] as type_name
};

struct Node {
    NodeKind kind = NodeKind::literal;
    std::string name;  // identifier, member, function, external name; operator; type name
    std::vector<std::unique_ptr<Node>> children;
    std::vector<std::unique_ptr<Node>> args;
    bool empty_literal = false;
    const void* function = nullptr;  // function: its FunctionDef, resolved when parsed
    Value value;                     // literal
    int line = 1;                    // where the node starts (for messages)
    int column = 1;
};

}  // namespace vft::fhirpath::detail
