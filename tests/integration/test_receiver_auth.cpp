// `vft mock receiver --auth URL --authz FILE` against `vft mock token-service`, both real
// processes: tokens fetched over HTTP with assertions and DPoP proofs signed here, then VKP
// writes with Bearer (201), JFT submits with DPoP (202), KITH with its scope, and every refusal
// with its status, WWW-Authenticate and OperationOutcome — nothing refused is journaled.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "../support/closed_port.hpp"
#include "auth_support.hpp"
#include "process.hpp"
#include "vft/auth/dpop.hpp"
#include "vft/auth/jwt.hpp"
#include "vft/outbox/outbox.hpp"

using namespace vft;
using namespace vft::test;

namespace {

const char* kJson = "application/fhir+json";
const char* kAlarm = "fixtures/messages/valid/alarm/trygghetsalarm.json";

struct Mocks {
    TestClients clients;
    Process ts{{VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0", "--clients",
                clients.file.string(), "--allow-test-tokens"}};
    Process rx{{VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", ts.url(),
                "--authz", std::string(VFT_SOURCE_DIR) + "/fixtures/auth/authz.json"}};

    std::string token(const std::string& client, const std::string& scope,
                      const auth::Key* dpop = nullptr) {
        TokenRequest r(client, client == "trygghet-jft" ? &clients.jwk_key : &clients.pem_key,
                       scope);
        r.dpop = dpop;
        auto t = request_token(ts.url(), r);
        INFO(t.body);
        REQUIRE(t.status == 200);
        return t.access_token;
    }

    // A token from POST /_admin/issue (JSON body: client_id, scope, claims, key).
    std::string test_token(const std::string& body) {
        httplib::Client c(ts.url());
        auto r = c.Post("/_admin/issue", body, "application/json");
        REQUIRE(r);
        INFO(r->body);
        REQUIRE(r->status == 200);
        return *auth::json_string_member(r->body, "access_token");
    }
};

std::string identifier_of(const std::string& bundle) {
    return bundle.substr(bundle.find("urn:uuid:", bundle.find("\"identifier\"")), 45);
}

int journaled(httplib::Client& c, const std::string& identifier) {
    auto r = c.Get("/_admin/journal");  // no token: /_admin is outside the token checks
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const auto at = r->body.find("\"identifier\":\"" + identifier + "\"");
    if (at == std::string::npos) return 0;
    return std::atoi(r->body.c_str() + r->body.find("\"count\":", at) + 8);
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A refusal: status, WWW-Authenticate, an OperationOutcome of the issue code, never the token.
void refused(const httplib::Result& r, int status, const std::string& issue_code,
             const std::string& www_part, const std::string& token) {
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == status);
    CHECK(has(r->get_header_value("WWW-Authenticate"), www_part));
    CHECK(has(r->body, R"("resourceType":"OperationOutcome")"));
    CHECK(has(r->body, "\"code\":\"" + issue_code + "\""));
    if (!token.empty()) {
        CHECK_FALSE(has(r->body, token));
        CHECK_FALSE(has(r->get_header_value("WWW-Authenticate"), token));
    }
}

std::pair<int, std::string> run(const std::string& command) {
    std::string out;
    FILE* f = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(f != nullptr);
    char buf[512];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    const int status = pclose(f);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("receiver auth: a VKP bundle with a Bearer token is 201, without one 401",
          "[integration][receiver_auth]") {
    Mocks m;
    REQUIRE_FALSE(m.rx.url().empty());
    httplib::Client c(m.rx.url());
    const std::string bundle = vft::test::source_file(kAlarm);
    const std::string id = identifier_of(bundle);

    refused(c.Post("/epj/r4/312229544/bundle", bundle, kJson), 401, "login", R"(Bearer realm=)",
            "");
    CHECK(journaled(c, id) == 0);

    const std::string token = m.token("trygghet-alarm", "nhn:vkp/api/user/bundle.write");
    auto ok =
        c.Post("/epj/r4/312229544/bundle", {{"Authorization", "Bearer " + token}}, bundle, kJson);
    REQUIRE(ok);
    INFO(ok->body);
    CHECK(ok->status == 201);
    CHECK(journaled(c, id) == 1);

    refused(c.Post("/epj/r4/312229544/bundle", {{"Authorization", "Bearer " + token + "x"}}, bundle,
                   kJson),
            401, "login", R"(Bearer error="invalid_token")", token);
    // A malformed orgnr is still 400 2.2 for an authenticated client.
    auto bad_org =
        c.Post("/epj/r4/123/bundle", {{"Authorization", "Bearer " + token}}, bundle, kJson);
    REQUIRE(bad_org);
    CHECK(bad_org->status == 400);
    CHECK(has(bad_org->body, R"("code":"2.2")"));
    CHECK(journaled(c, id) == 1);
}

TEST_CASE("receiver auth: expired, foreign-key and wrong-aud tokens are 401, scope and orgnr 403",
          "[integration][receiver_auth]") {
    Mocks m;
    REQUIRE_FALSE(m.rx.url().empty());
    httplib::Client c(m.rx.url());
    const std::string bundle = vft::test::source_file(kAlarm);
    auto post = [&](const std::string& token, const std::string& orgnr = "312229544") {
        return c.Post(("/epj/r4/" + orgnr + "/bundle").c_str(),
                      {{"Authorization", "Bearer " + token}}, bundle, kJson);
    };

    const std::string expired =
        m.test_token(R"({"client_id":"trygghet-alarm","claims":{"exp":1000}})");
    refused(post(expired), 401, "expired", R"(error="invalid_token")", expired);
    const std::string forged = m.test_token(R"({"client_id":"trygghet-alarm","key":"unknown"})");
    refused(post(forged), 401, "login", R"(error="invalid_token")", forged);
    const std::string other_kid =
        m.test_token(R"({"client_id":"trygghet-alarm","key":"unknown","kid":"rotated"})");
    refused(post(other_kid), 401, "login", R"(error="invalid_token")", other_kid);
    const std::string wrong_aud =
        m.test_token(R"({"client_id":"trygghet-alarm","claims":{"aud":"nhn:jft"}})");
    refused(post(wrong_aud), 401, "login", R"(error="invalid_token")", wrong_aud);
    const std::string no_amr =
        m.test_token(R"({"client_id":"trygghet-alarm","claims":{"client_amr":null}})");
    refused(post(no_amr), 401, "login", R"(error="invalid_token")", no_amr);

    // Read scope on a write: 403 with VKP code 1.4 and insufficient_scope.
    const std::string read = m.token("responssenter-read", "nhn:vkp/api/user/bundle.read");
    auto r = post(read, "921000006");
    refused(r, 403, "forbidden", R"(error="insufficient_scope")", read);
    CHECK(has(r->body, R"("code":"1.4")"));
    // A vkp-id not authorised for the orgnr: 403 with VKP code 1.2; its own orgnr is fine.
    const std::string all = m.token("vft-test-all", "nhn:vkp/api/*.*");
    auto other = post(all, "312229544");
    REQUIRE(other);
    CHECK(other->status == 403);
    CHECK(has(other->body, R"("code":"1.2")"));
    CHECK(has(other->body, R"("code":"forbidden")"));
    auto own = post(all, "921000006");
    REQUIRE(own);
    CHECK(own->status == 201);
    CHECK(journaled(c, identifier_of(bundle)) == 1);
}

TEST_CASE("receiver auth: JFT submit with a DPoP-bound token and proof is 202",
          "[integration][receiver_auth]") {
    Mocks m;
    REQUIRE_FALSE(m.rx.url().empty());
    httplib::Client c(m.rx.url());
    const auth::Key dpop = fresh_key(auth::Algorithm::es256);
    const std::string token = m.token("trygghet-jft", "nhn:jft/api", &dpop);
    const std::string note =
        vft::test::source_file("fixtures/messages/valid/jft/document-dho-note.json");
    auto proof = [&](const std::string& method, const std::string& path, const auth::Key& with) {
        auto p = auth::make_dpop_proof(with, {method, m.rx.url() + path, token, "", 0});
        REQUIRE(p.ok());
        return *p;
    };

    const std::string first = proof("POST", "/v1/Bundle", dpop);
    auto ok = c.Post("/v1/Bundle", {{"Authorization", "DPoP " + token}, {"DPoP", first}}, note,
                     "application/json");
    REQUIRE(ok);
    INFO(ok->body);
    CHECK(ok->status == 202);
    const std::string status_path = ok->get_header_value("Location").substr(m.rx.url().size());
    auto status = c.Get(status_path.c_str(), {{"Authorization", "DPoP " + token},
                                              {"DPoP", proof("GET", status_path, dpop)}});
    REQUIRE(status);
    CHECK(status->status == 200);

    const httplib::Headers replay{{"Authorization", "DPoP " + token}, {"DPoP", first}};
    refused(c.Post("/v1/Bundle", replay, note, "application/json"), 401, "login",
            R"(DPoP error="invalid_dpop_proof")", token);
    refused(c.Post("/v1/Bundle", {{"Authorization", "Bearer " + token}}, note, "application/json"),
            401, "login", R"(DPoP error="invalid_token")", token);
    refused(c.Post("/v1/Bundle", {{"Authorization", "DPoP " + token}}, note, "application/json"),
            401, "login", R"(DPoP error="invalid_dpop_proof")", token);
    refused(c.Post("/v1/Bundle",
                   {{"Authorization", "DPoP " + token},
                    {"DPoP", proof("POST", "/v1/Composition", dpop)}},
                   note, "application/json"),
            401, "login", R"(error="invalid_dpop_proof")", token);
    const auth::Key thief = fresh_key(auth::Algorithm::es256);
    refused(
        c.Post("/v1/Bundle",
               {{"Authorization", "DPoP " + token}, {"DPoP", proof("POST", "/v1/Bundle", thief)}},
               note, "application/json"),
        401, "login", R"(error="invalid_dpop_proof")", token);
    // A bound token as Bearer on VKP is refused as well.
    refused(c.Post("/epj/r4/312229544/bundle", {{"Authorization", "Bearer " + token}},
                   vft::test::source_file(kAlarm), kJson),
            401, "login", R"(Bearer error="invalid_token")", token);
}

TEST_CASE("receiver auth: KITH needs a Bearer token with scope nhn:kith/api",
          "[integration][receiver_auth]") {
    Mocks m;
    REQUIRE_FALSE(m.rx.url().empty());
    httplib::Client c(m.rx.url());
    const std::string note =
        vft::test::source_file("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    const std::string kith = m.token("trygghet-alarm", "nhn:kith/api");
    auto ok =
        c.Post("/kith/messages", {{"Authorization", "Bearer " + kith}}, note, "application/xml");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(has(ok->body, "AppRec"));
    const std::string vkp = m.token("trygghet-alarm", "nhn:vkp/api/user/bundle.write");
    auto wrong =
        c.Post("/kith/messages", {{"Authorization", "Bearer " + vkp}}, note, "application/xml");
    refused(wrong, 401, "login", R"(error="invalid_token")", vkp);  // aud nhn:vkp, not nhn:kith
}

TEST_CASE("receiver auth: bad --auth and --authz arguments fail at start",
          "[integration][receiver_auth]") {
    const std::string vft = VFT_CLI_PATH;
    auto not_url = run(vft + " mock receiver --listen 127.0.0.1:0 --auth localhost:1234");
    CHECK(not_url.first == 2);
    CHECK(has(not_url.second, "--auth wants none or the token service URL"));
    auto authz_alone = run(vft + " mock receiver --listen 127.0.0.1:0 --authz x.json");
    CHECK(authz_alone.first == 2);
    const auto bad = auth_scratch() / "bad-authz.json";
    write_file(bad, R"({"authorizations":[{"vkp_id":"a","orgnrs":["1"]}]})");
    const vft::test::ClosedPort closed;  // a token service URL where nothing answers
    auto invalid = run(vft + " mock receiver --listen 127.0.0.1:0 --auth " + closed.url() +
                       " --authz " + bad.string());
    CHECK(invalid.first == 2);
    CHECK(has(invalid.second, "VFT-MOCK-1206"));
    CHECK(has(invalid.second, "bad-authz.json: authorizations[0].orgnrs[0]"));
}

TEST_CASE("vft outbox deliver --token-url: Bearer for VKP and KITH, DPoP for JFT, each once",
          "[integration][receiver_auth]") {
    Mocks m;
    REQUIRE_FALSE(m.rx.url().empty());
    const auto dir = auth_scratch() / ("deliver-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    write_file(dir / "client.key", m.clients.pem_key.private_pem());
    const std::string bundle = vft::test::source_file(kAlarm);
    const std::string composition =
        vft::test::source_file("fixtures/messages/valid/jft/composition-single.json");
    const std::string note =
        vft::test::source_file("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    auto fill = [&](const std::filesystem::path& db) {
        auto box = Outbox::open(OutboxOptions{db.string()});
        REQUIRE(box.ok());
        REQUIRE(box->enqueue({identifier_of(bundle), "p1", "vkp:bundle", kJson, bundle}).ok());
        REQUIRE(box->enqueue({"composition-1", "p1", "jft:Composition", kJson, composition}).ok());
        REQUIRE(box->enqueue({"note-1", "p2", "kith:messages", "application/xml", note}).ok());
    };
    const std::string base = std::string(VFT_CLI_PATH) + " outbox deliver --url " + m.rx.url() +
                             " --orgnr 312229544 --db ";

    // Without tokens the receiver answers 401: retried (not dead), still pending at the end.
    fill(dir / "plain.db");
    const auto [plain_rc, plain_out] = run(base + (dir / "plain.db").string() + " --for 0");
    INFO(plain_out);
    CHECK(plain_rc == 1);
    CHECK(has(plain_out, "VFT-HTTP-0401"));
    httplib::Client c(m.rx.url());
    CHECK(journaled(c, identifier_of(bundle)) == 0);

    fill(dir / "outbox.db");
    const auto [rc, out] = run(base + (dir / "outbox.db").string() + " --token-url " + m.ts.url() +
                               "/connect/token --client-id trygghet-alarm --client-key " +
                               (dir / "client.key").string() + " --for 20");
    INFO(out);
    CHECK(rc == 0);
    CHECK(has(out, "delivered 3,"));
    CHECK_FALSE(has(out, "eyJ"));  // no token or proof is printed
    CHECK(journaled(c, identifier_of(bundle)) == 1);
    auto journal = c.Get("/_admin/journal");
    REQUIRE(journal);
    CHECK(has(journal->body, "\"api\":\"jft\""));
    CHECK(has(journal->body, "\"api\":\"kith\""));

    // Credentials that do not work are refused at the token endpoint: retried, nothing sent.
    write_file(dir / "other.key", fresh_key(auth::Algorithm::es256).private_pem());
    fill(dir / "other.db");
    const auto [bad_rc, bad_out] =
        run(base + (dir / "other.db").string() + " --token-url " + m.ts.url() +
            "/connect/token --client-id trygghet-alarm --client-key " +
            (dir / "other.key").string() + " --for 0");
    INFO(bad_out);
    CHECK(bad_rc == 1);
    CHECK(has(bad_out, "VFT-AUTH-0903"));
    // Usage: a token URL without the client is refused before anything is read.
    CHECK(run(base + (dir / "other.db").string() + " --token-url " + m.ts.url()).first == 2);
}

// Issue 13 item 2: the receiver took the endpoint (so the required scope) and the DPoP htu from
// Host + path. A patient.read-only token journaled a bundle with
// "Host: 127.0.0.1:P/epj/r4/312229544/patient/_search", and a proof made for another host passed
// when Host named that host. Now Host is checked for its syntax only; the scope comes from the
// path and htu from the receiver's own (configured) URL.
TEST_CASE("receiver auth: Host can neither widen a scope nor make a foreign DPoP proof fit",
          "[integration][receiver_auth][host]") {
    Mocks m;
    REQUIRE_FALSE(m.rx.url().empty());
    httplib::Client c(m.rx.url());
    const std::string bundle = vft::test::source_file(kAlarm);
    const std::string id = identifier_of(bundle);
    const std::string hostport = m.rx.url().substr(std::string("http://").size());
    const std::string read_only = m.token("trygghet-alarm", "nhn:vkp/api/user/patient.read");

    auto crafted = c.Post("/epj/r4/312229544/bundle",
                          {{"Authorization", "Bearer " + read_only},
                           {"Host", hostport + "/epj/r4/312229544/patient/_search"}},
                          bundle, kJson);
    REQUIRE(crafted);
    INFO(crafted->body);
    CHECK(crafted->status == 400);
    CHECK(has(crafted->body, "Host"));
    CHECK(journaled(c, id) == 0);
    // With a well-formed Host the path decides: a bundle write needs bundle.write.
    auto plain = c.Post("/epj/r4/312229544/bundle", {{"Authorization", "Bearer " + read_only}},
                        bundle, kJson);
    refused(plain, 403, "forbidden", R"(error="insufficient_scope")", read_only);
    CHECK(journaled(c, id) == 0);
    // The read it is granted still works.
    auto search = c.Post("/epj/r4/312229544/patient/_search",
                         {{"Authorization", "Bearer " + read_only}, {"ServiceCodes", "TA"}},
                         "identifier=urn:oid:2.16.578.1.12.4.1.4.1|12854812341",
                         "application/x-www-form-urlencoded");
    REQUIRE(search);
    CHECK(search->status != 401);
    CHECK(search->status != 403);

    // DPoP: a proof for another host, with Host claiming that host, is refused.
    const auth::Key dpop = fresh_key(auth::Algorithm::es256);
    const std::string token = m.token("trygghet-jft", "nhn:jft/api", &dpop);
    const std::string note =
        vft::test::source_file("fixtures/messages/valid/jft/document-dho-note.json");
    auto proof_for = [&](const std::string& url) {
        auto p = auth::make_dpop_proof(dpop, {"POST", url, token, "", 0});
        REQUIRE(p.ok());
        return *p;
    };
    refused(c.Post("/v1/Bundle",
                   {{"Authorization", "DPoP " + token},
                    {"DPoP", proof_for("http://other.example:8080/v1/Bundle")},
                    {"Host", "other.example:8080"}},
                   note, "application/json"),
            401, "login", R"(error="invalid_dpop_proof")", token);
    auto own = c.Post("/v1/Bundle",
                      {{"Authorization", "DPoP " + token},
                       {"DPoP", proof_for(m.rx.url() + "/v1/Bundle")},
                       {"Host", "other.example:8080"}},
                      note, "application/json");
    REQUIRE(own);
    INFO(own->body);
    CHECK(own->status == 202);  // Host is not consulted: the proof names this receiver's URL

    // Host missing or malformed: 400 on any path, before the token is looked at.
    for (const char* bad : {"a b", "x@y", "[::1", "127.0.0.1:99999"}) {
        auto r = c.Get("/_admin/journal", {{"Host", bad}});
        REQUIRE(r);
        CHECK(r->status == 400);
    }
}

// --public-url: behind another name (a proxy, TLS terminator), proofs name the public URL.
TEST_CASE("receiver auth: --public-url is the URL DPoP proofs must name",
          "[integration][receiver_auth][host]") {
    TestClients clients;
    Process ts{{VFT_CLI_PATH, "mock", "token-service", "--listen", "127.0.0.1:0", "--clients",
                clients.file.string()}};
    REQUIRE_FALSE(ts.url().empty());
    Process rx{{VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", ts.url(),
                "--public-url", "https://epj.kommune.example/api"}};
    REQUIRE_FALSE(rx.url().empty());
    const auth::Key dpop = fresh_key(auth::Algorithm::es256);
    TokenRequest tr("trygghet-jft", &clients.jwk_key, "nhn:jft/api");
    tr.dpop = &dpop;
    const auto t = request_token(ts.url(), tr);
    REQUIRE(t.status == 200);
    const std::string note =
        vft::test::source_file("fixtures/messages/valid/jft/document-dho-note.json");
    httplib::Client c(rx.url());
    auto send = [&](const std::string& htu) {
        auto p = auth::make_dpop_proof(dpop, {"POST", htu, t.access_token, "", 0});
        REQUIRE(p.ok());
        return c.Post("/v1/Bundle", {{"Authorization", "DPoP " + t.access_token}, {"DPoP", *p}},
                      note, "application/json");
    };
    refused(send(rx.url() + "/v1/Bundle"), 401, "login", R"(error="invalid_dpop_proof")",
            t.access_token);
    auto ok = send("https://epj.kommune.example/api/v1/Bundle");
    REQUIRE(ok);
    INFO(ok->body);
    CHECK(ok->status == 202);

    const auto [rc, out] = run(std::string(VFT_CLI_PATH) +
                               " mock receiver --listen 127.0.0.1:0 --public-url 'ftp://x/?a'");
    CHECK(rc == 2);
    CHECK(has(out, "--public-url"));
}
