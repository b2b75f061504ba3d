// The mocks the pipeline tests run against, in this process on loopback ports they pick once
// and keep (a restart binds the same port, so a token-service key rotation and a receiver
// outage look to the client exactly as they would in production): vft::mocks::TokenService
// with a client registered for VKP, JFT and PMD, and vft::mocks::Receiver checking its tokens
// with a persistent journal.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/client/pipeline.hpp"
#include "vft/client/token_client.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/mocks/token_service.hpp"

namespace vft::test {

inline constexpr const char* kOrgnr = "312229544";

inline int port_of(const std::string& url) {
    return std::stoi(url.substr(url.rfind(':') + 1));
}

struct PipelineMocks {
    std::filesystem::path dir;
    std::string faults;
    bool dpop_nonce = false;  // the token service demands a DPoP nonce (RFC 9449 §8)
    auth::Key client_key = auth::Key::generate(auth::Algorithm::es256).value();
    std::unique_ptr<mocks::TokenService> tokens;
    std::unique_ptr<mocks::Receiver> receiver;
    std::string token_base, receiver_base;
    int token_port = 0, receiver_port = 0;
    int rotations = 0;

    // `faults`: the receiver's fault rules (docs/mocks.md, --faults); "" = none.
    explicit PipelineMocks(const std::string& name, std::string fault_rules = {})
        : dir(std::filesystem::temp_directory_path() /
              ("vft-pipeline-" + std::to_string(getpid()) + "-" + name)),
          faults(std::move(fault_rules)) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        start_tokens();
        start_receiver();
    }
    ~PipelineMocks() {
        if (receiver) receiver->stop();
        if (tokens) tokens->stop();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    // (Re)starts the token service on its port with a fresh signing key: a key rotation.
    void start_tokens() {
        if (tokens) tokens->stop();
        tokens.reset();
        mocks::TokenServiceOptions o;
        o.port = token_port;
        o.dpop_nonce_required = dpop_nonce;
        o.clients_json = R"({"clients":[{"client_id":"dispenser-platform","jwk":)" +
                         client_key.public_jwk_json() +
                         R"(,"scopes":["nhn:vkp/api/user/bundle.write",)"
                         R"("nhn:vkp/api/user/medicationdispense.write","nhn:jft/api"],)"
                         R"("vkp_id":"dispenser-test","orgnr_parent":"312229544"}]})";
        auto ts = mocks::TokenService::create(o);
        if (!ts) throw std::runtime_error(ts.error().to_string());
        tokens = std::move(ts).value();
        auto base = tokens->start();
        if (!base) throw std::runtime_error(base.error().to_string());
        token_base = *base;
        token_port = port_of(token_base);
        wait_serving(token_base, "/jwks");
    }
    // A key rotation as HelseID does it: a new signing key, the old one gone from the JWKS. The
    // receiver learns the new JWKS when it first sees a token signed with the new key (its kid
    // is unknown), here another client's; from then on tokens signed with the old key are 401.
    void rotate_token_key() {
        start_tokens();
        ++rotations;
        client::TokenClientOptions t;
        t.token_url = token_base + "/connect/token";
        t.client_id = "dispenser-platform";
        t.client_key = client_key;
        auto tc = client::TokenClient::create(t);
        if (!tc) throw std::runtime_error(tc.error().to_string());
        auto token = tc->token({"nhn:vkp/api/user/bundle.write"});
        if (!token) throw std::runtime_error(token.error().to_string());
        httplib::Client c(receiver_base);
        auto r =
            c.Post(std::string("/epj/r4/") + kOrgnr + "/bundle",
                   {{"Authorization", "Bearer " + token->value}}, "{}", "application/fhir+json");
        if (!r || r->status == 401) throw std::runtime_error("the receiver refused the new key");
    }

    void start_receiver() {
        mocks::ReceiverOptions o;
        o.port = receiver_port;
        o.db_path = (dir / "journal.db").string();
        o.auth_url = token_base;
        o.served_orgnrs = {kOrgnr};
        o.threads = 8;
        o.faults_json = faults;
        auto rx = mocks::Receiver::create(o);
        if (!rx) throw std::runtime_error(rx.error().to_string());
        receiver = std::move(rx).value();
        auto base = receiver->start();
        if (!base) throw std::runtime_error(base.error().to_string());
        receiver_base = *base;
        receiver_port = port_of(receiver_base);
        wait_serving(receiver_base, "/_admin/journal");
    }

    // Until the server answers (its accept loop runs, so a stop() right after cannot race it),
    // polled with a deadline.
    static void wait_serving(const std::string& base, const std::string& path) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        httplib::Client c(base);
        c.set_connection_timeout(std::chrono::seconds(1));
        while (std::chrono::steady_clock::now() < until)
            if (auto r = c.Get(path)) return;
        throw std::runtime_error("the mock at " + base + " does not answer");
    }
    // An outage: connections are refused until start_receiver().
    void stop_receiver() {
        receiver->stop();
        receiver.reset();
    }

    client::PipelineOptions pipeline_options(const std::string& outbox) const {
        client::PipelineOptions o;
        o.outbox_path = (dir / outbox).string();
        o.helseid.token_url = token_base + "/connect/token";
        o.helseid.client_id = "dispenser-platform";
        o.helseid.client_key = client_key;
        o.endpoints.vkp_base_url = receiver_base;
        o.endpoints.vkp_orgnr = kOrgnr;
        o.endpoints.jft_base_url = receiver_base;
        o.endpoints.pmd_base_url = receiver_base;
        o.endpoints.pmd_scopes = {"nhn:jft/api"};  // what the mock receiver asks for PMD
        o.retry.initial_backoff = std::chrono::milliseconds(100);
        o.retry.max_backoff = std::chrono::milliseconds(400);
        o.retry.jitter = 0;
        o.http.connect_timeout = std::chrono::milliseconds(2000);
        o.http.total_timeout = std::chrono::milliseconds(10000);
        return o;
    }

    // The journal as (identifier, count) rows in the receiver's order.
    struct Row {
        std::string api, identifier;
        int count = 0;
    };
    std::vector<Row> journal() const {
        httplib::Client c(receiver_base);
        auto r = c.Get("/_admin/journal");
        if (!r || r->status != 200) throw std::runtime_error("no journal");
        std::vector<Row> out;
        static const std::regex row(
            R"re(\{"api":"([a-z]+)","identifier":"([^"]*)","resource_type":"[^"]*","orgnr":"[^"]*","count":([0-9]+))re");
        for (std::sregex_iterator it(r->body.begin(), r->body.end(), row), end; it != end; ++it)
            out.push_back({(*it)[1], (*it)[2], std::stoi((*it)[3])});
        return out;
    }
};

}  // namespace vft::test
