// One validator for all tests of a binary: compiling the specs once keeps the suite fast.
#pragma once

#include "vft/validate/validator.hpp"

namespace vft::test {

inline const Validator& validator() {
    static const Validator v = Validator::create().value();
    return v;
}

}  // namespace vft::test
