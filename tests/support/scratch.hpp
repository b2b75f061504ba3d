// A scratch directory for one test (or one test process): created empty under the system's
// temporary directory, named after the test, the process and a random number (tests run in
// parallel), removed with everything in it when the Scratch goes.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <system_error>

namespace vft::test {

class Scratch {
  public:
    explicit Scratch(const std::string& name) {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() /
              ("vft-" + name + "-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    // Writes `text` to `name` in the directory; returns its path.
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return dir / name;
    }
    std::filesystem::path dir;
};

}  // namespace vft::test
