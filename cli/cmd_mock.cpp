// vft mock receiver --listen HOST:PORT [--db FILE] [--level strict|lenient] [--orgnr N]...
//                   [--auth none|URL] [--authz FILE] [--defect NAME]... [--public-url URL]
// vft mock token-service --listen HOST:PORT --clients FILE [--key PEM] [--issuer URL] ...
// Each prints "listening on URL" once it accepts connections, serves until SIGINT or SIGTERM.
// vft mock defects — the named defects, one per line: name<TAB>group<TAB>description, sorted.
// vft mock defects --markdown — the same table as docs/mocks-defects.md has it (generated from
// it by scripts/defects-doc.sh).
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "terminal.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/mocks/token_service.hpp"

namespace vft::cli {
namespace {

struct MockArgs {
    std::string listen = "127.0.0.1:0";
    std::string db;
    std::string level = "strict";
    std::string auth = "none";
    std::string authz;
    std::vector<std::string> orgnrs;
    std::string faults;
    size_t max_body = 10u << 20;
    size_t threads = 0;
    mocks::HttpLimits http;
    std::vector<std::string> defects;
    std::string public_url;
};

bool read_text(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

// --auth and --authz: token checks against a token service (docs/mocks.md).
bool receiver_auth(const MockArgs& a, mocks::ReceiverOptions& o) {
    if (a.auth == "none") {
        if (!a.authz.empty()) {
            std::cerr << "vft mock receiver: --authz needs --auth TOKEN_SERVICE_URL\n";
            return false;
        }
        std::cerr << "WARNING: --auth none: this receiver accepts requests without any token. "
                     "For local development only.\n";
        return true;
    }
    if (a.auth.rfind("http://", 0) != 0 && a.auth.rfind("https://", 0) != 0) {
        std::cerr << "vft mock receiver: --auth wants none or the token service URL "
                     "(http://HOST:PORT), got '"
                  << a.auth << "'\n";
        return false;
    }
    o.auth_url = a.auth;
    if (!a.authz.empty()) {
        if (!read_text(a.authz, o.authz_json)) {
            std::cerr << "vft mock receiver: cannot read --authz file '" << a.authz << "'\n";
            return false;
        }
        o.authz_label = a.authz;
        std::cerr << "token checks: tokens from " << a.auth << ", authorization register "
                  << a.authz << "\n";
    } else {
        std::cerr << "token checks: tokens from " << a.auth
                  << "; no --authz: every vkp-id is allowed for every served orgnr\n";
    }
    return true;
}

int run_receiver(const MockArgs& a) {
    mocks::ReceiverOptions o;
    const auto colon = a.listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "vft mock receiver: --listen wants HOST:PORT\n";
        return kExitCannotRun;
    }
    o.host = a.listen.substr(0, colon);
    o.port = std::atoi(a.listen.c_str() + colon + 1);
    o.db_path = a.db;
    o.level = a.level == "lenient" ? Level::lenient : Level::strict;
    o.served_orgnrs = a.orgnrs;
    o.max_body_bytes = a.max_body;
    o.threads = a.threads;
    o.http = a.http;
    o.defects = a.defects;
    if (auto known = mocks::Defects::parse(a.defects); !known) {
        std::cerr << "vft mock receiver: " << known.error().to_string() << "\n";
        return kExitCannotRun;
    }
    for (const auto& d : a.defects)
        std::cerr << "WARNING: defect '" << d << "' is on: this receiver violates the spec on "
                  << "purpose (vft mock defects).\n";
    if (!a.faults.empty()) {
        std::ifstream in(a.faults);
        if (!in) {
            std::cerr << "vft mock receiver: cannot read --faults file '" << a.faults << "'\n";
            return kExitCannotRun;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        o.faults_json = ss.str();
    }
    if (!a.public_url.empty()) {
        const bool scheme =
            a.public_url.rfind("http://", 0) == 0 || a.public_url.rfind("https://", 0) == 0;
        if (!scheme || a.public_url.find_first_of("?# \t\r\n") != std::string::npos) {
            std::cerr << "vft mock receiver: --public-url wants http(s)://HOST[:PORT][/PATH] "
                         "without query or fragment, got '"
                      << a.public_url << "'\n";
            return kExitCannotRun;
        }
        o.public_url = a.public_url;
    }
    if (!receiver_auth(a, o)) return kExitCannotRun;
    // Block the stop signals before any thread starts, so only sigwait below sees them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto receiver = mocks::Receiver::create(o);
    if (!receiver) {
        std::cerr << "vft mock receiver: " << receiver.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto url = (*receiver)->start();
    if (!url) {
        std::cerr << "vft mock receiver: " << url.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::cout << "listening on " << *url << std::endl;
    int sig = 0;
    sigwait(&stop, &sig);
    (*receiver)->stop();
    return kExitOk;
}

struct TokenServiceArgs {
    std::string listen = "127.0.0.1:0";
    std::string clients;
    std::string key;
    std::string issuer;
    int lifetime = 300;
    std::string dpop_nonce = "off";
    bool allow_test_tokens = false;
};

int run_token_service(const TokenServiceArgs& a) {
    mocks::TokenServiceOptions o;
    const auto colon = a.listen.rfind(':');
    if (colon == std::string::npos) {
        std::cerr << "vft mock token-service: --listen wants HOST:PORT\n";
        return kExitCannotRun;
    }
    o.host = a.listen.substr(0, colon);
    o.port = std::atoi(a.listen.c_str() + colon + 1);
    o.clients_file = a.clients;
    if (!a.key.empty() && !read_text(a.key, o.key_pem)) {
        std::cerr << "vft mock token-service: cannot read --key file '" << a.key << "'\n";
        return kExitCannotRun;
    }
    o.issuer = a.issuer;
    o.token_lifetime_s = a.lifetime;
    o.dpop_nonce_required = a.dpop_nonce == "required";
    o.allow_test_tokens = a.allow_test_tokens;
    // Log lines quote what clients sent (client_id, scopes): control characters escaped.
    o.log = [](const transport::LogRecord& r) { std::cerr << printable(r.message) << "\n"; };
    if (a.allow_test_tokens)
        std::cerr << "WARNING: --allow-test-tokens: POST /_admin/issue mints tokens with any "
                     "claims. For conformance tests only.\n";
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    auto service = mocks::TokenService::create(o);
    if (!service) {
        std::cerr << "vft mock token-service: " << service.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto url = (*service)->start();
    if (!url) {
        std::cerr << "vft mock token-service: " << url.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::cout << "listening on " << *url << std::endl;
    int sig = 0;
    sigwait(&stop, &sig);
    (*service)->stop();
    return kExitOk;
}

void add_token_service(CLI::App* mock, int& exit_code) {
    auto args = std::make_shared<TokenServiceArgs>();
    CLI::App* ts = mock->add_subcommand(
        "token-service", "A HelseID-like token service: client_credentials, private_key_jwt, DPoP");
    ts->add_option("--listen", args->listen, "HOST:PORT (port 0 picks a free one)");
    ts->add_option("--clients", args->clients, "Clients file (JSON; see docs/mocks.md)")
        ->required();
    ts->add_option("--key", args->key, "Signing key (PEM, private); default a fresh ES256 key");
    ts->add_option("--issuer", args->issuer, "Issuer URL; default the listening URL");
    ts->add_option("--token-lifetime", args->lifetime, "Access token lifetime, seconds (300)");
    ts->add_option("--dpop-nonce", args->dpop_nonce, "required or off (RFC 9449 §8)")
        ->check(CLI::IsMember({"required", "off"}));
    ts->add_flag("--allow-test-tokens", args->allow_test_tokens,
                 "Serve POST /_admin/issue (tokens with chosen claims, for conformance tests)");
    ts->callback([args, &exit_code] { exit_code = run_token_service(*args); });
}

}  // namespace

void add_mock(CLI::App& app, int& exit_code) {
    CLI::App* mock = app.add_subcommand("mock", "Run a mock counterpart")->require_subcommand(1);
    auto args = std::make_shared<MockArgs>();
    CLI::App* recv =
        mock->add_subcommand("receiver", "The reference receiver: VKP R4, JFT and PMD write APIs");
    recv->add_option("--listen", args->listen, "HOST:PORT (port 0 picks a free one)");
    recv->add_option("--db", args->db, "Journal file (SQLite); default in memory");
    recv->add_option("--level", args->level, "strict or lenient")
        ->check(CLI::IsMember({"strict", "lenient"}));
    recv->add_option("--auth", args->auth, "none, or the token service URL");
    recv->add_option("--authz", args->authz,
                     "Authorization register (JSON: vkp_id → orgnrs); default all allowed");
    recv->add_option("--orgnr", args->orgnrs,
                     "Municipality served (repeatable; default: any valid orgnr)");
    recv->add_option("--public-url", args->public_url,
                     "The URL clients and the token service are given for this receiver; DPoP "
                     "htu is checked against it (default: the URL it listens on)");
    recv->add_option("--faults", args->faults, "Fault rules (JSON; see mocks/src/faults.hpp)");
    recv->add_option("--max-body", args->max_body, "Largest body accepted, bytes (default 10 MiB)");
    recv->add_option("--threads", args->threads,
                     "Run handlers on this many worker threads (default: on the event threads "
                     "when no handler can wait, else 2 × cores workers); open or slow "
                     "connections hold none")
        ->check(CLI::Range(1, 4096));
    // HTTP limits (docs/http-engine.md).
    recv->add_option("--max-connections", args->http.max_connections,
                     "Open connections at most (default 4096)")
        ->check(CLI::Range(1, 1000000));
    recv->add_option("--request-timeout", args->http.request_timeout_s,
                     "Seconds a request may take to arrive whole (default 30; 0 = no limit)");
    recv->add_option("--idle-timeout", args->http.idle_timeout_s,
                     "Seconds a silent connection stays open (default 10)");
    recv->add_option("--max-header-bytes", args->http.max_header_bytes,
                     "Request line + header fields, bytes (default 16384; more gets 431)")
        ->check(CLI::Range(size_t{256}, size_t{1} << 20));
    recv->add_option("--max-headers", args->http.max_headers,
                     "Request header fields at most (default 100; more gets 431)")
        ->check(CLI::Range(size_t{1}, size_t{10000}));
    recv->callback([args, &exit_code] { exit_code = run_receiver(*args); });

    // Named defects: --defect NAME (repeatable) and `vft mock defects`.
    recv->add_option("--defect", args->defects,
                     "Enable a named defect (repeatable; `vft mock defects` lists them)");
    CLI::App* defects = mock->add_subcommand(
        "defects", "List the named defects: name<TAB>group<TAB>description, one per line");
    auto markdown = std::make_shared<bool>(false);
    defects->add_flag("--markdown", *markdown,
                      "The table of docs/mocks-defects.md instead (scripts/defects-doc.sh)");
    defects->callback([&exit_code, markdown] {
        if (*markdown) {
            std::cout << "| Defect | Group | What the mock does wrong | Observable through | "
                         "Where (mocks/src) |\n|---|---|---|---|---|\n";
            for (const auto& d : mocks::all_defects())
                std::cout << "| `" << d.name << "` | " << d.group << " | " << d.details << " | "
                          << d.observable << " | " << d.hook << " |\n";
        } else {
            for (const auto& d : mocks::all_defects())
                std::cout << d.name << '\t' << d.group << '\t' << d.description << '\n';
        }
        exit_code = kExitOk;
    });
    add_token_service(mock, exit_code);
}

}  // namespace vft::cli
