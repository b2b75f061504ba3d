// vft::mocks::Receiver — the reference receiver vendors develop against and the conformance
// suite tests senders with: the VKP R4, JFT and PMD write APIs over real HTTP, every message
// judged by the SDK validator, a persistent SQLite journal that records each message identifier
// once, and GET /_admin/journal for tests (DESIGN.md, "Endpoints").
//
// Thread safety: start() and stop() from one thread; requests are served concurrently.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/mocks/http_limits.hpp"
#include "vft/validate/validator.hpp"

namespace vft::mocks {

struct ReceiverOptions {
    std::string host = "127.0.0.1";          // address to listen on
    int port = 0;                            // 0 = pick a free port
    std::string db_path;                     // journal file; empty = in memory (lost at exit)
    Level level = Level::strict;             // validation level for every write
    size_t max_body_bytes = 10u << 20;       // larger bodies get 413
    std::vector<std::string> served_orgnrs;  // municipalities served; empty = any valid orgnr
    // Handler worker threads. 0: handlers run on the event threads when none can wait (no
    // faults, token checks or waiting defects; docs/http-engine.md), else on 2 × cores workers.
    size_t threads = 0;
    HttpLimits http;          // header, connection and time limits
    std::string faults_json;  // fault rules (see mocks/src/faults.hpp); empty = none
    // Token checks (docs/mocks.md, "Token checks"): the token service whose JWKS signs accepted
    // tokens; empty = no checks (--auth none).
    std::string auth_url;
    // The URL clients and the token service are given for this receiver (DPoP htu is checked
    // against it + the path); empty = the URL it listens on. Set it when clients reach the
    // receiver through another name, a proxy or TLS terminator. Never taken from a request.
    std::string public_url;
    std::string authz_json;               // authorization register; empty = all vkp-ids allowed
    std::string authz_label = "--authz";  // the register's file, named in errors
    std::vector<std::string> defects;     // named defects (defects.hpp); Defects::parse names
};

class Receiver {
  public:
    // Opens the journal and compiles the validator. Errors: VFT-SPEC-*, VFT-MOCK-12xx
    // (VFT-MOCK-1205 for an unknown defect name).
    [[nodiscard]] static Result<std::unique_ptr<Receiver>> create(ReceiverOptions options);
    // Binds and serves in a background thread; returns the base URL ("http://127.0.0.1:PORT").
    [[nodiscard]] Result<std::string> start();
    void stop();
    ~Receiver();

    struct Impl;

  private:
    friend class ReceiverRouter;  // the routes without sockets (fuzzing; mocks/src)
    explicit Receiver(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace vft::mocks
