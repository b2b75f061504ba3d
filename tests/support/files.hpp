// Test helpers: read a file whole; fixtures by path relative to the source tree.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace vft::test {

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A file of the source tree, e.g. source_file("fixtures/messages/valid/alarm/trygghetsalarm.json").
inline std::string source_file(const std::string& relative) {
    return slurp(std::filesystem::path(VFT_SOURCE_DIR) / relative);
}

}  // namespace vft::test
