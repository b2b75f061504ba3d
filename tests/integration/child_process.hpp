// A child process (fork + execv) whose stdout lines can be awaited with a deadline, and that
// can be SIGKILLed: the sender of the crash tests and the doc quick start run as one. And what
// the kill tests (outbox, pipeline, JFT reader) share: a scratch folder and the seeded kill
// points.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace vft::test {

// The sender as a child process whose stdout lines can be awaited with a deadline.
class Child {
  public:
    explicit Child(const std::vector<std::string>& argv) {
        int out[2];
        REQUIRE(pipe(out) == 0);
        pid_ = fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            dup2(out[1], STDOUT_FILENO);
            close(out[0]);
            close(out[1]);
            std::vector<char*> args;
            for (const auto& a : argv)
                args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
        close(out[1]);
        fd_ = out[0];
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) kill9();
        if (fd_ >= 0) close(fd_);
    }
    // Reads output until a line starting with `prefix` arrives; false at EOF or the deadline.
    bool wait_line(const std::string& prefix, std::chrono::steady_clock::duration within) {
        const auto until = std::chrono::steady_clock::now() + within;
        while (std::chrono::steady_clock::now() < until) {
            for (size_t nl; (nl = buf_.find('\n')) != std::string::npos;) {
                const std::string line = buf_.substr(0, nl);
                buf_.erase(0, nl + 1);
                lines_.push_back(line);
                if (line.rfind(prefix, 0) == 0) return true;
            }
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            char c[1024];
            const ssize_t n = read(fd_, c, sizeof c);
            if (n <= 0) return false;
            buf_.append(c, static_cast<size_t>(n));
        }
        return false;
    }
    // SIGKILL; true when the signal ended a running process (it had not exited on its own).
    bool kill9() {
        const int rc = kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return rc == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    }
    int wait_exit(std::chrono::steady_clock::duration within) {
        const auto until = std::chrono::steady_clock::now() + within;
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                drain();  // what it wrote before exiting, up to EOF
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            wait_line("\x01", std::chrono::milliseconds(20));
        }
        return -1;
    }
    const std::vector<std::string>& lines() const { return lines_; }
    // After kill9(): the lines it wrote before it died, up to EOF.
    void drain() { wait_line("\x01", std::chrono::seconds(5)); }

  private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string buf_;
    std::vector<std::string> lines_;
};

// A fresh folder "<temp>/vft-<name>-<pid>" for a kill test, removed when the scope ends.
struct KillDir {
    std::filesystem::path dir;
    explicit KillDir(const std::string& name)
        : dir(std::filesystem::temp_directory_path() /
              ("vft-" + name + "-" + std::to_string(getpid()))) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    KillDir(const KillDir&) = delete;
    KillDir& operator=(const KillDir&) = delete;
    ~KillDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

// The seed of a kill test's random kill points: VFT_KILL_SEED, else `fallback`; printed with the
// test's name so that a failing run can be repeated.
inline uint64_t kill_seed(const char* test, uint64_t fallback) {
    const char* env = std::getenv("VFT_KILL_SEED");
    const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : fallback;
    std::printf("%s: seed %llu (set VFT_KILL_SEED to repeat another run)\n", test,
                static_cast<unsigned long long>(seed));
    return seed;
}

}  // namespace vft::test
