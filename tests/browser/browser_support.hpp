// What the two headless-Chromium tests share: check() with a failure count, finding Chromium on
// PATH, running a process with a deadline, reading a file, and walking libxml2's HTML DOM.
#pragma once

#include <fcntl.h>
#include <libxml/tree.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace vft::test::browser {

inline int failures = 0;

inline void check(bool ok, const std::string& what) {
    std::cout << (ok ? "ok   " : "FAIL ") << what << "\n";
    if (!ok) ++failures;
}

inline std::string find_chromium() {
    const char* path = std::getenv("PATH");
    std::stringstream ss(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(ss, dir, ':'))
        for (const char* name : {"chromium", "chromium-browser"}) {
            const std::filesystem::path p = std::filesystem::path(dir) / name;
            if (::access(p.c_str(), X_OK) == 0) return p.string();
        }
    return {};
}

// Runs argv with stdout to `out` and stderr to `err`; waits at most `limit` (then kills it).
inline int run(const std::vector<std::string>& argv, const std::filesystem::path& out,
               const std::filesystem::path& err, std::chrono::seconds limit) {
    const pid_t pid = fork();
    if (pid == 0) {
        const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, STDOUT_FILENO);
        dup2(e, STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (true) {
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (std::chrono::steady_clock::now() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -2;
        }
        // Polling a child's exit with a deadline (no fixed sleep decides the outcome).
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
}

inline void walk(xmlNode* n, const std::function<void(xmlNode*)>& f) {
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) f(n);
        walk(n->children, f);
    }
}

}  // namespace vft::test::browser
