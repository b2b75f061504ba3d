// Starts a vft command as a child process and waits for its "listening on URL" line (with a
// deadline, never a sleep), so integration tests use real processes on ports they did not pick.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace vft::test {

class Process {
  public:
    Process(const std::vector<std::string>& argv,
            std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
        int out[2];
        if (pipe(out) != 0) return;
        pid_ = fork();
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
        const auto until = std::chrono::steady_clock::now() + deadline;
        std::string buf;
        while (std::chrono::steady_clock::now() < until) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 100) <= 0) continue;
            char c[256];
            const ssize_t n = read(fd_, c, sizeof c);
            if (n <= 0) break;
            buf.append(c, static_cast<size_t>(n));
            const auto at = buf.find("listening on ");
            const auto nl = buf.find('\n', at);
            if (at != std::string::npos && nl != std::string::npos) {
                url_ = buf.substr(at + 13, nl - at - 13);
                break;
            }
        }
    }
    ~Process() { stop(); }
    const std::string& url() const { return url_; }
    pid_t pid() const { return pid_; }
    // SIGTERM and wait; returns the exit status (or -1).
    int stop() {
        if (pid_ <= 0) return -1;
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

  private:
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string url_;
};

}  // namespace vft::test
