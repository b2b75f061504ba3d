// new_uuid (sdk/src/core/uuid.cpp): random version 4 UUIDs from OpenSSL's CSPRNG, buffered per
// thread. Every byte is handed out once: no repeats within a thread, across threads, or between
// a forked child and its parent (the child drops the buffer it inherited).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "vft/core/uuid.hpp"

TEST_CASE("uuid: new_uuid is version 4 and never repeats, across threads too", "[uuid]") {
    const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    std::set<std::string> seen;
    std::mutex mu;
    bool all_v4 = true;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            std::vector<std::string> mine;
            for (int i = 0; i < 2000; ++i)  // many times the per-thread buffer
                mine.push_back(vft::new_uuid());
            std::lock_guard lock(mu);
            for (auto& u : mine) {
                all_v4 = all_v4 && std::regex_match(u, v4);
                seen.insert(u);
            }
        });
    for (auto& t : threads)
        t.join();
    CHECK(all_v4);
    CHECK(seen.size() == 8000);
    CHECK(vft::is_uuid_urn(vft::new_uuid_urn()));
}

TEST_CASE("uuid: a forked child does not repeat the UUIDs its parent goes on to make", "[uuid]") {
    (void)vft::new_uuid();  // the parent's buffer is filled, and inherited by the child
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        std::string out;
        for (int i = 0; i < 8; ++i)
            out += vft::new_uuid() + "\n";
        const bool ok = write(fds[1], out.data(), out.size()) == static_cast<ssize_t>(out.size());
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    std::set<std::string> parent;
    for (int i = 0; i < 8; ++i)
        parent.insert(vft::new_uuid());
    std::string got;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
        got.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    size_t lines = 0;
    for (size_t at = 0; at < got.size(); ++lines) {
        const size_t nl = got.find('\n', at);
        REQUIRE(nl != std::string::npos);
        CHECK(parent.count(got.substr(at, nl - at)) == 0);
        at = nl + 1;
    }
    CHECK(lines == 8);
}
