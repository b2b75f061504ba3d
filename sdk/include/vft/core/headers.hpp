// The one HTTP header list of vft: the SDK's requests and responses, the runner's exchanges and
// the mocks' checks all use it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace vft {

// Name/value pairs in wire order, names as sent; compare names ASCII case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

}  // namespace vft
