// A journal file in a directory of its own (per process and per scratch), removed afterwards.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

struct ScratchDb {
    std::filesystem::path dir;
    ScratchDb()
        : dir(std::filesystem::temp_directory_path() /
              ("vft-journal-" + std::to_string(getpid()) + "-" + std::to_string(next()))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~ScratchDb() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    [[nodiscard]] std::string path() const { return (dir / "journal.db").string(); }

  private:
    static int next() {
        static std::atomic<int> n{0};
        return ++n;
    }
};
