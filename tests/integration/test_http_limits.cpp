// The mock receiver's HTTP limits against a real process on loopback, spoken to over raw sockets
// where a well-behaved client library would not misbehave on purpose: body limit for chunked
// bodies, header count and size, ambiguous framing (RFC 9112 §6.3) and slow clients
// (docs/http-engine.md). Every refused request carries a valid bundle, so a missing limit shows
// as a journaled write.
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "../support/files.hpp"
#include "auth_support.hpp"
#include "process.hpp"

using vft::test::Process;

namespace {

constexpr const char* kPath = "/epj/r4/312229544/bundle";

// The receiver's peak memory bound for the 400 MiB upload (about 41 MB measured; 946 MB before
// the limit applied while reading). An ASan build of the same receiver needs more for shadow
// memory and its quarantine, still far below the upload.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kPeakBoundKb = 384 * 1024;
#else
constexpr long kPeakBoundKb = 96 * 1024;
#endif

int port_of(const std::string& url) {
    return std::atoi(url.c_str() + url.rfind(':') + 1);
}

// A connected TCP socket to the receiver, or -1.
int dial(const std::string& url) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_of(url)));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// The status code of the answer on `fd`; 0 when the connection closed without one, -1 when
// nothing came within `wait`.
int read_status(int fd, std::chrono::milliseconds wait = std::chrono::seconds(20)) {
    std::string got;
    const auto until = std::chrono::steady_clock::now() + wait;
    while (got.find("\r\n") == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return -1;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return 0;
        got.append(buf, static_cast<size_t>(n));
    }
    if (got.rfind("HTTP/1.", 0) != 0 || got.size() < 12) return 0;
    return std::atoi(got.c_str() + 9);
}

std::string bundle() {
    return vft::test::source_file("fixtures/messages/valid/alarm/trygghetsalarm.json");
}

std::string head(const std::string& extra) {
    return std::string("POST ") + kPath +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\n" + extra +
           "\r\n";
}

std::string chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + std::string(data) + "\r\n";
}

size_t journaled(const std::string& url) {
    httplib::Client c(url);
    auto r = c.Get("/_admin/journal");
    REQUIRE(r);
    size_t n = 0;
    for (size_t at = r->body.find("\"identifier\""); at != std::string::npos;
         at = r->body.find("\"identifier\"", at + 1))
        ++n;
    return n;
}

// Peak resident memory of a process, kB (VmHWM).
long peak_kb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

// Sends a chunked body of `total` bytes: the bundle after as much leading whitespace as makes up
// the size (still a valid bundle). Returns the bytes sent before the receiver stopped reading.
size_t send_chunked(int fd, size_t total, bool stop_on_answer) {
    const std::string b = bundle();
    const std::string pad = chunk(std::string(64u << 10, ' '));
    size_t sent = 0;
    while (sent + b.size() < total) {
        if (stop_on_answer) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 0) > 0) return sent;  // answered (or closed) early
        }
        if (!send_all(fd, pad)) return sent;
        sent += 64u << 10;
    }
    if (!send_all(fd, chunk(b) + "0\r\n\r\n")) return sent;
    return sent + b.size();
}

}  // namespace

TEST_CASE("http limits: a chunked body over --max-body is 413 and not journaled",
          "[integration][mocks][http-limits]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    // Control: a chunked body under the limit is taken.
    {
        const int fd = dial(p.url());
        REQUIRE(fd >= 0);
        REQUIRE(send_all(fd, head("Transfer-Encoding: chunked\r\n")));
        send_chunked(fd, 2u << 20, false);
        CHECK(read_status(fd) == 201);
        ::close(fd);
    }
    REQUIRE(journaled(p.url()) == 1);
    const std::string b = bundle();
    const std::string other = [&] {
        std::string s = b;
        const auto at = s.find("\"value\"");
        return s.insert(s.find('"', at + 8) + 1, "-2");  // another Bundle.identifier
    }();
    const int fd = dial(p.url());
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, head("Transfer-Encoding: chunked\r\n")));
    const std::string pad = chunk(std::string(64u << 10, ' '));
    for (size_t sent = 0; sent < (11u << 20); sent += 64u << 10)
        if (!send_all(fd, pad)) break;
    (void)send_all(fd, chunk(other) + "0\r\n\r\n");
    CHECK(read_status(fd) == 413);
    ::close(fd);
    CHECK(journaled(p.url()) == 1);
}

TEST_CASE("http limits: a 400 MiB chunked upload is cut early and memory stays bounded",
          "[integration][mocks][http-limits]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    const int fd = dial(p.url());
    REQUIRE(fd >= 0);
    REQUIRE(send_all(fd, head("Transfer-Encoding: chunked\r\n")));
    const size_t sent = send_chunked(fd, size_t{400} << 20, true);
    const int status = read_status(fd);
    ::close(fd);
    INFO("sent " << (sent >> 20) << " MiB before the receiver stopped reading");
    CHECK(sent < (size_t{64} << 20));
    CHECK((status == 413 || status == 0));
    CHECK(journaled(p.url()) == 0);
    // The receiver (validator, compiled specs, journal) peaks far below the 400 MiB it was sent.
    const long peak = peak_kb(p.pid());
    INFO("receiver VmHWM " << peak << " kB");
    CHECK(peak > 0);
    CHECK(peak < kPeakBoundKb);
}

TEST_CASE("http limits: too many or too large header fields are 431, not journaled",
          "[integration][mocks][http-limits]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    const std::string b = bundle();
    auto ask = [&](const std::string& extra) {
        const int fd = dial(p.url());
        REQUIRE(fd >= 0);
        (void)send_all(fd,
                       head(extra + "Content-Length: " + std::to_string(b.size()) + "\r\n") + b);
        const int status = read_status(fd);
        ::close(fd);
        return status;
    };
    std::string many;
    for (int i = 0; i < 20000; ++i)
        many += "X-H" + std::to_string(i) + ": v\r\n";
    CHECK(ask(many) == 431);
    std::string hundred_one;  // small, but one more field than --max-headers (default 100)
    for (int i = 0; i < 101; ++i)
        hundred_one += "X-H" + std::to_string(i) + ": v\r\n";
    CHECK(ask(hundred_one) == 431);
    CHECK(ask("X-Big: " + std::string(17000, 'a') + "\r\n") == 431);
    CHECK(journaled(p.url()) == 0);
    CHECK(ask("X-Few: v\r\n") == 201);  // the same request within the limits is taken
    CHECK(journaled(p.url()) == 1);
}

TEST_CASE("http limits: two Content-Length, or Content-Length with Transfer-Encoding, are 400",
          "[integration][mocks][http-limits]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    const std::string b = bundle();
    const std::string length = "Content-Length: " + std::to_string(b.size()) + "\r\n";
    auto ask = [&](const std::string& request) {
        const int fd = dial(p.url());
        REQUIRE(fd >= 0);
        (void)send_all(fd, request);
        const int status = read_status(fd);
        ::close(fd);
        return status;
    };
    CHECK(ask(head(length + length) + b) == 400);
    CHECK(ask(head(length + "Content-Length: 2\r\n") + b) == 400);
    CHECK(ask(head(length + "Transfer-Encoding: chunked\r\n") + chunk(b) + "0\r\n\r\n") == 400);
    CHECK(ask(head("Transfer-Encoding: chunked\r\n" + length) + chunk(b) + "0\r\n\r\n") == 400);
    // A transfer coding other than chunked leaves the length unknown (§6.3): 400, not a wait.
    CHECK(ask(head("Transfer-Encoding: gzip\r\n") + b) == 400);
    CHECK(ask(head("Transfer-Encoding: gzip, chunked\r\n") + chunk(b) + "0\r\n\r\n") == 400);
    CHECK(journaled(p.url()) == 0);
    CHECK(ask(head(length) + b) == 201);
}

TEST_CASE("http limits: 300 slow clients hold no worker and are cut at the request deadline",
          "[integration][mocks][http-limits]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--request-timeout",
               "3", "--idle-timeout", "60"});
    REQUIRE_FALSE(p.url().empty());
    const std::string b = bundle();
    std::vector<int> slow;
    for (int i = 0; i < 300; ++i) {
        const int fd = dial(p.url());
        REQUIRE(fd >= 0);
        // Most trickle a body, some their headers.
        const std::string start =
            i % 5 == 0 ? std::string("POST ") + kPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                       : head("Content-Length: " + std::to_string(b.size()) + "\r\n") + "{";
        REQUIRE(send_all(fd, start));
        slow.push_back(fd);
    }
    // A normal client is answered while all 300 are open (5 s is a liveness bound, not a timing).
    {
        httplib::Client c(p.url());
        c.set_connection_timeout(5);
        c.set_read_timeout(5);
        auto r = c.Post(kPath, b, "application/fhir+json");
        REQUIRE(r);
        CHECK(r->status == 201);
    }
    // They go on trickling, a byte a second; the request deadline (3 s) closes every one.
    size_t open = slow.size();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::vector<bool> closed(slow.size(), false);
    while (open > 0 && std::chrono::steady_clock::now() < until) {
        for (size_t i = 0; i < slow.size(); ++i) {
            if (closed[i]) continue;
            pollfd q{slow[i], POLLIN, 0};
            char buf[512];
            if ((::poll(&q, 1, 0) > 0 && ::recv(slow[i], buf, sizeof buf, 0) <= 0) ||
                !send_all(slow[i], " ")) {
                closed[i] = true;
                --open;
            }
        }
        ::poll(nullptr, 0, 1000);
    }
    for (int fd : slow)
        ::close(fd);
    CHECK(open == 0);
    CHECK(journaled(p.url()) == 1);
}

TEST_CASE("http limits: the token service refuses a large body, many headers, ambiguous framing",
          "[integration][token_service][http-limits]") {
    vft::test::TestClients clients;
    Process ts({VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0", "--clients",
                clients.file.string()});
    REQUIRE_FALSE(ts.url().empty());
    auto ask = [&](const std::string& request) {
        const int fd = dial(ts.url());
        REQUIRE(fd >= 0);
        (void)send_all(fd, request);
        const int status = read_status(fd);
        ::close(fd);
        return status;
    };
    const std::string form = "grant_type=client_credentials&client_id=trygghet-alarm";
    auto post = [&](const std::string& extra, const std::string& body) {
        return "POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               "application/x-www-form-urlencoded\r\n" +
               extra + "\r\n" + body;
    };
    const std::string big = form + "&pad=" + std::string(100000, 'a');
    CHECK(ask(post("Content-Length: " + std::to_string(big.size()) + "\r\n", big)) == 413);
    std::string many;
    for (int i = 0; i < 101; ++i)
        many += "X-H" + std::to_string(i) + ": v\r\n";
    const std::string length = "Content-Length: " + std::to_string(form.size()) + "\r\n";
    CHECK(ask(post(many + length, form)) == 431);
    // On the discovery document, which answers 200 to any GET, so only the framing refuses.
    const std::string discovery = "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n";
    CHECK(ask(discovery + "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}") == 400);
    CHECK(ask(discovery + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("{}") +
              "0\r\n\r\n") == 400);
    CHECK(ask(discovery + "Content-Length: 2\r\n\r\n{}") == 200);
    // Within the limits the service answers.
    CHECK(ask("GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
              many.substr(0, 200) + "\r\n") == 200);
}
