// Suite vkp-r4, role receiver (receiver.cpp): the robustness group: malformed JSON, a wrong
// Content-Type, an oversized body and a slow client.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "receiver_groups.hpp"
#include "vkp_r4_support.hpp"

namespace vft::conformance::vkp_r4 {

namespace {

// Opens a TCP connection to base_url's host and port (http only). -1 when it cannot.
int connect_to(const std::string& base_url, std::string& host_header) {
    if (base_url.rfind("http://", 0) != 0) return -1;
    std::string rest = base_url.substr(7);
    rest = rest.substr(0, rest.find('/'));
    host_header = rest;
    std::string host = rest, port = "80";
    if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* ai = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &ai) != 0 || !ai) return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
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

}  // namespace

void add_robustness(RoleTests& s) {
    s.add({.id = "vkp_r4.robustness.malformed_json_rejected",
           .title = "A body that is not JSON is refused with 400 and an OperationOutcome",
           .spec_ref = "domain §3.2 validation (1) format check; RFC 8259",
           .rules = {"FHIR-JSON-001"}},
          [](TestContext& ctx, Outcome& o) {
              auto res = post_fhir(ctx, "bundle", R"({"resourceType": "Bundle", "type": "docu)",
                                   "a truncated JSON body");
              if (!o.expect(res && res->status == 400 && is_operation_outcome(res->body),
                            "expected HTTP 400 with an OperationOutcome for malformed JSON, got " +
                                describe(res) + " [" + kApiRef + "]"))
                  return;
              o.pass();
          });
    s.add({.id = "vkp_r4.robustness.wrong_content_type_rejected",
           .title = "A FHIR body sent as text/plain is refused with 415",
           .spec_ref = "RFC 9110 §15.5.16; FHIR R4 http.html#mime-type"},
          [](TestContext& ctx, Outcome& o) {
              auto p = journal_patient(ctx);
              auto msg = build_message(ctx, UseCase::alarm, p);
              if (!msg) return o.error(msg.error().to_string());
              auto res =
                  post_fhir(ctx, msg->path, msg->body, "a valid alarm bundle labelled text/plain",
                            TokenKind::valid, "text/plain");
              if (!o.expect(res && res->status == 415,
                            "expected HTTP 415 for Content-Type text/plain, got " + describe(res) +
                                " [RFC 9110 §15.5.16]"))
                  return;
              o.pass();
          });
    s.add({.id = "vkp_r4.robustness.oversized_body_rejected",
           .title = "A body over 10 MiB is refused with 413",
           .spec_ref = "DESIGN.md (bodies over 10 MiB → 413)"},
          [](TestContext& ctx, Outcome& o) {
              std::string body = R"({"resourceType":"Bundle","type":"document","pad":")";
              body.append((10u << 20) + 1024, 'x');
              body += "\"}";
              auto res = post_fhir(ctx, "bundle", body, "a body of 10 MiB + 1 KiB");
              if (!o.expect(res && res->status == 413,
                            "expected HTTP 413 for a body of " + std::to_string(body.size()) +
                                " bytes, got " + describe(res) + " [DESIGN.md]"))
                  return;
              o.pass();
          });
    s.add({.id = "vkp_r4.robustness.slow_client_does_not_block",
           .title = "A client whose body trickles in does not block other clients",
           .spec_ref = "RFC 9112 §9 (connection management); DESIGN.md robustness"},
          [](TestContext& ctx, Outcome& o) {
              int fd = -1;
              if (ctx.live()) {
                  std::string host;
                  fd = connect_to(ctx.sut().base_url, host);
                  if (fd < 0)
                      return o.skip(
                          "the slow-client check needs a plain http base_url it can "
                          "connect to");
                  const std::string path = "/epj/r4/" + ctx.sut().orgnr + "/bundle";
                  const std::string head = "POST " + path + " HTTP/1.1\r\nHost: " + host +
                                           "\r\nContent-Type: application/fhir+json\r\n"
                                           "Content-Length: 64\r\n\r\n{\"resourceType\":";
                  if (!send_all(fd, head)) {
                      close(fd);
                      return o.skip("could not open the slow connection");
                  }
                  o.note(
                      "a second connection sent its headers and 16 of 64 body bytes, then "
                      "paused");
              }
              auto p = journal_patient(ctx);
              auto msg = build_message(ctx, UseCase::alarm, p);
              if (!msg) {
                  if (fd >= 0) close(fd);
                  return o.error(msg.error().to_string());
              }
              auto res = post_fhir(ctx, msg->path, msg->body,
                                   "a normal request while another client's body trickles in");
              if (fd >= 0) {
                  // The slow client finishes (or the server gave up on it); either is fine.
                  (void)send_all(fd, std::string(48, ' '));
                  pollfd pf{fd, POLLIN, 0};
                  (void)poll(&pf, 1, 2000);
                  close(fd);
              }
              if (!o.expect(success(res),
                            "expected the normal request to be answered (HTTP 2xx) while another "
                            "client trickled its body, got " +
                                describe(res) + " [RFC 9112 §9]"))
                  return;
              o.note("the normal request completed in " + std::to_string(res->elapsed.count()) +
                     " ms while the slow body was pending");
              o.pass();
          });
}

}  // namespace vft::conformance::vkp_r4
