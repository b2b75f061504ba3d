// Support for the `vft run` integration tests: run a vft command to completion (exit code and
// output), a scratch folder, and a local "product" (mock receiver, optionally with the mock token
// service and token checks) with a SUT file that describes it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "../support/scratch.hpp"
#include "process.hpp"
#include "vft/auth/key.hpp"

namespace vft::test {

struct Ran {
    int exit = -1;
    std::string output;  // stdout and stderr
};

// Runs argv to completion (no shell), collecting stdout and stderr.
inline Ran run_cli(const std::vector<std::string>& argv) {
    Ran r;
    int out[2];
    if (pipe(out) != 0) return r;
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(out[1], STDERR_FILENO);
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
    char buf[4096];
    for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;)
        r.output.append(buf, static_cast<size_t>(n));
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

inline std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A receiver under test: the mock receiver (with `defects`), and with `helseid` also the mock
// token service (test tokens on) and token checks with the synthetic authorization register.
class Product {
  public:
    Product(const Scratch& scratch, bool helseid, const std::vector<std::string>& defects = {}) {
        std::vector<std::string> argv = {VFT_CLI_PATH, "mock", "receiver", "--listen",
                                         "127.0.0.1:0"};
        if (helseid) {
            auto key = auth::Key::generate(auth::Algorithm::eddsa);
            REQUIRE(key.ok());
            scratch.write("client.key", key->private_pem());
            scratch.write("client.pub.pem", key->public_pem());
            scratch.write(
                "clients.json",
                R"({"clients": [{"client_id": "vft-conformance", "public_key_pem": "client.pub.pem",
  "scopes": ["nhn:vkp/api/user/bundle.write", "nhn:vkp/api/user/composition.write",
             "nhn:vkp/api/user/medicationdispense.write", "nhn:vkp/api/user/patient.read",
             "nhn:vkp/api/user/episodeofcare.read", "nhn:vkp/api/user/careplan.read",
             "nhn:vkp/api/user/composition.read"],
  "vkp_id": "trygghet-test", "orgnr_parent": "312229544"}]})");
            token_service = std::make_unique<Process>(std::vector<std::string>{
                VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0", "--clients",
                (scratch.dir / "clients.json").string(), "--allow-test-tokens"});
            REQUIRE_FALSE(token_service->url().empty());
            argv.insert(argv.end(), {"--auth", token_service->url(), "--authz",
                                     std::string(VFT_SOURCE_DIR) + "/fixtures/auth/authz.json"});
        }
        for (const auto& d : defects)
            argv.insert(argv.end(), {"--defect", d});
        receiver = std::make_unique<Process>(argv);
        REQUIRE_FALSE(receiver->url().empty());
        // The example SUT files of fixtures/sut, pointed at these processes.
        std::string sut = read_text(std::string(VFT_SOURCE_DIR) +
                                    (helseid ? "/fixtures/sut/mock-receiver-helseid.json"
                                             : "/fixtures/sut/mock-receiver-auth-none.json"));
        replace(sut, "http://127.0.0.1:8080", receiver->url());
        if (helseid) {
            replace(sut, "http://127.0.0.1:8081", token_service->url());
            replace(sut, "http://127.0.0.1:8081", token_service->url());
            replace(sut, "conformance-client.key", "client.key");
        }
        sut_file = scratch.write("sut.json", sut);
    }

    std::unique_ptr<Process> token_service;
    std::unique_ptr<Process> receiver;
    std::filesystem::path sut_file;

  private:
    static void replace(std::string& s, const std::string& from, const std::string& to) {
        const auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        s.replace(at, from.size(), to);
    }
};

}  // namespace vft::test
