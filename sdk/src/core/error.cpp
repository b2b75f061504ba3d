#include "vft/core/error.hpp"

namespace vft {

std::string Error::to_string() const {
    std::string out = code;
    if (!location.empty()) out += " at " + location;
    out += ": " + message;
    if (!hint.empty()) out += " (hint: " + hint + ")";
    return out;
}

}  // namespace vft
