// The trigger command runner (command_runner.hpp).
#include "command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace vft::conformance::detail {

CommandResult run_command(const std::string& command, const std::filesystem::path& dir,
                          std::chrono::seconds timeout) {
    CommandResult r;
    int err[2], out[2];
    if (pipe(err) != 0) {
        r.error = "could not start: no pipe";
        return r;
    }
    if (pipe(out) != 0) {
        close(err[0]);
        close(err[1]);
        r.error = "could not start: no pipe";
        return r;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        for (int fd : {err[0], err[1], out[0], out[1]})
            close(fd);
        r.error = "could not start: fork failed";
        return r;
    }
    if (pid == 0) {
        setpgid(0, 0);  // its own process group, so a timeout ends everything it started
        dup2(err[1], STDERR_FILENO);
        dup2(out[1], STDOUT_FILENO);
        const int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        for (int fd : {err[0], err[1], out[0], out[1]})
            close(fd);
        if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    close(err[1]);
    close(out[1]);
    const auto until = t0 + timeout;
    bool open_pipe = true, open_out = true;
    auto read_out = [&] {
        char buf[4096];
        const ssize_t n = read(out[0], buf, sizeof buf);
        if (n <= 0) return false;
        const size_t room = kMaxStdout - std::min(kMaxStdout, r.stdout_text.size());
        r.stdout_text.append(buf, std::min(room, static_cast<size_t>(n)));
        r.stdout_cut = r.stdout_cut || static_cast<size_t>(n) > room;
        return true;
    };
    int status = 0;
    bool exited = false;
    while (true) {
        if (open_pipe || open_out) {
            pollfd p[2] = {{open_out ? out[0] : -1, POLLIN, 0},
                           {open_pipe ? err[0] : -1, POLLIN, 0}};
            if (poll(p, 2, 50) > 0) {
                if (p[0].revents != 0) open_out = read_out();
                if (p[1].revents != 0) {
                    char buf[4096];
                    const ssize_t n = read(err[0], buf, sizeof buf);
                    if (n <= 0) {
                        open_pipe = false;
                    } else {
                        r.stderr_tail.append(buf, static_cast<size_t>(n));
                        if (r.stderr_tail.size() > 8192)
                            r.stderr_tail.erase(0, r.stderr_tail.size() - 4096);
                    }
                }
            }
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        if (!open_pipe && !open_out) {
            pollfd none{-1, 0, 0};
            poll(&none, 0, 20);  // waiting for the child to be reaped; bounded by the deadline
        }
        if (std::chrono::steady_clock::now() >= until) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.error = "timed out after " + std::to_string(timeout.count()) + " s (killed)";
            break;
        }
    }
    // What is left in the pipe (the command has ended).
    char buf[4096];
    ssize_t n;
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    while ((n = read(err[0], buf, sizeof buf)) > 0)
        r.stderr_tail.append(buf, static_cast<size_t>(n));
    close(err[0]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    while (read_out()) {
    }
    close(out[0]);
    if (r.stderr_tail.size() > 4096) r.stderr_tail.erase(0, r.stderr_tail.size() - 4096);
    if (exited) {
        if (WIFEXITED(status))
            r.exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            r.error = "killed by signal " + std::to_string(WTERMSIG(status));
    }
    r.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    return r;
}

}  // namespace vft::conformance::detail
