// The trigger command runner (command_runner.hpp).
#include "command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vft::conformance::detail {

CommandResult run_command(const std::string& command, const std::filesystem::path& dir,
                          std::chrono::seconds timeout) {
    CommandResult r;
    int err[2];
    if (pipe(err) != 0) {
        r.error = "could not start: no pipe";
        return r;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        close(err[0]);
        close(err[1]);
        r.error = "could not start: fork failed";
        return r;
    }
    if (pid == 0) {
        setpgid(0, 0);  // its own process group, so a timeout ends everything it started
        dup2(err[1], STDERR_FILENO);
        const int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, STDIN_FILENO);
            dup2(devnull, STDOUT_FILENO);
        }
        close(err[0]);
        close(err[1]);
        if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    close(err[1]);
    const auto until = t0 + timeout;
    bool open_pipe = true;
    int status = 0;
    bool exited = false;
    while (true) {
        if (open_pipe) {
            pollfd p{err[0], POLLIN, 0};
            if (poll(&p, 1, 50) > 0) {
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
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        if (!open_pipe) {
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
