// `vft run` against hostile systems under test (issue 13), each a small HTTP server in this test on
// a loopback port it picks itself:
// - one echoes the credentials the runner sends (Authorization and DPoP) into its body and into
//   an X-Debug header, and puts terminal control characters into its OperationOutcome text: no
//   credential may reach report.json, report.html or junit.xml, and the console shows the control
//   characters escaped;
// - one stands in front of the mock receiver and pads every search answer past 1 MiB: the report
//   keeps the answers whole, so `vft report rejudge` judges them as the run did.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <mutex>
#include <set>
#include <thread>

#include "run_support.hpp"
#include "vft/reports/report.hpp"

using namespace vft;
using vft::test::Product;
using vft::test::read_text;
using vft::test::run_cli;
using vft::test::Scratch;

namespace {

// An httplib server on 127.0.0.1:0 in a thread; every method and path goes to `handler`.
class TestServer {
  public:
    explicit TestServer(httplib::Server::Handler handler) {
        server_.Get(".*", handler);
        server_.Post(".*", handler);
        server_.Put(".*", handler);
        server_.Delete(".*", handler);
        port_ = server_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~TestServer() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    httplib::Server server_;
    std::thread thread_;
    int port_ = 0;
};

void replace_once(std::string& s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
}

std::string json_escape(const std::string& s) {
    std::string out;
    for (char c : s)
        out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    return out;
}

}  // namespace

TEST_CASE("vft run: credentials a SUT echoes are redacted, its control characters escaped",
          "[run][hostile]") {
    Scratch scratch("run-hostile");
    Product product(scratch, true);  // the mock token service issues the runner's real tokens

    std::mutex mu;
    std::set<std::string> sent;  // every Authorization and DPoP value the runner sent
    TestServer hostile([&](const httplib::Request& req, httplib::Response& res) {
        const std::string authorization = req.get_header_value("Authorization");
        const std::string dpop = req.get_header_value("DPoP");
        {
            std::lock_guard lock(mu);
            if (!authorization.empty()) sent.insert(authorization);
            if (!dpop.empty()) sent.insert(dpop);
        }
        // ESC [2K (erase line), CR, BEL, a forged verdict, C1 CSI (U+009B) and DEL.
        const std::string text =
            R"(\u001b[2K\r\u0007verdict: pass  (mandatory passed 99/99)\u009b31m\u007f)";
        res.status = 400;
        res.set_header("X-Debug", authorization);
        res.set_content(
            R"({"resourceType":"OperationOutcome","you_sent":")" + json_escape(authorization) +
                R"(","your_proof":")" + json_escape(dpop) +
                R"(","issue":[{"severity":"error","code":"invalid","details":{"text":")" + text +
                R"("}}]})",
            "application/fhir+json");
    });
    std::string sut = read_text(product.sut_file);
    replace_once(sut, product.receiver->url(), hostile.url());
    const auto sut_file = scratch.write("hostile-sut.json", sut);

    const auto ran = run_cli({VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver",
                              "--sut", sut_file.string(), "--out", (scratch.dir / "out").string(),
                              "--only", "vkp_r4.journal.*", "--jobs", "2"});
    INFO(ran.output);
    REQUIRE(ran.exit == 1);  // the SUT refuses every valid message: fail

    const std::string json = read_text(scratch.dir / "out" / "report.json");
    const std::string html = read_text(scratch.dir / "out" / "report.html");
    const std::string junit = read_text(scratch.dir / "out" / "junit.xml");
    REQUIRE_FALSE(json.empty());
    REQUIRE_FALSE(html.empty());
    // The echo was recorded (so the check below is not vacuous) ...
    CHECK(json.find("you_sent") != std::string::npos);
    CHECK(json.find("X-Debug") != std::string::npos);
    // ... and no credential the runner sent is in any output, whole or after its scheme.
    std::lock_guard lock(mu);
    REQUIRE(sent.size() >= 2);
    for (const auto& value : sent) {
        const auto sp = value.find(' ');
        const std::string credential = sp == std::string::npos ? value : value.substr(sp + 1);
        REQUIRE(credential.size() > 40);
        for (const std::string* out : {&json, &html, &junit, &ran.output}) {
            CHECK(out->find(credential) == std::string::npos);
            CHECK(out->find(credential.substr(0, 40)) == std::string::npos);
        }
    }
    auto report = reports::from_json(json);
    REQUIRE(report.ok());
    size_t debug_headers = 0;
    for (const auto& t : report->tests)
        for (const auto& e : t.exchanges)
            for (const auto& h : e.response_headers)
                if (h.name == "X-Debug") {
                    ++debug_headers;
                    CHECK(h.value.find("[redacted]") != std::string::npos);
                }
    CHECK(debug_headers > 0);

    // The console: the SUT's text is shown, with every control character escaped.
    CHECK(ran.output.find("fail  vkp_r4.journal.") != std::string::npos);
    CHECK(ran.output.find(R"(\x1B[2K\x0D\x07verdict: pass)") != std::string::npos);
    CHECK(ran.output.find(R"(\u009B31m\x7F)") != std::string::npos);
    for (const char c : ran.output) {
        const auto u = static_cast<unsigned char>(c);
        INFO("byte " << static_cast<int>(u));
        CHECK((u == '\n' || (u >= 0x20 && u != 0x7F)));
    }
    CHECK(ran.output.find("\xC2\x9B") == std::string::npos);  // no C1 control either
}

TEST_CASE("vft run: search answers over 1 MiB are stored whole and re-judge unchanged",
          "[run][hostile][rejudge]") {
    Scratch scratch("run-big-search");
    Product product(scratch, false);
    const std::string upstream = product.receiver->url();
    size_t padded = 0;
    std::mutex mu;
    // A proxy that pads every search answer with 1.5 MiB of JSON whitespace (same meaning).
    TestServer proxy([&](const httplib::Request& req, httplib::Response& res) {
        httplib::Client c(upstream);
        httplib::Headers headers;
        for (const auto& [name, value] : req.headers)
            if (name != "Host" && name != "Content-Length" && name != "REMOTE_ADDR" &&
                name != "REMOTE_PORT" && name != "LOCAL_ADDR" && name != "LOCAL_PORT")
                headers.emplace(name, value);
        httplib::Request up;
        up.method = req.method;
        up.path = req.target;
        up.headers = headers;
        up.body = req.body;
        auto r = c.send(up);
        if (!r) {  // (no Catch2 assertions on the server's threads)
            res.status = 502;
            return;
        }
        std::string body = r->body;
        const auto end = body.rfind('}');
        if (req.path.find("/_search") != std::string::npos && r->status == 200 &&
            end != std::string::npos) {
            body.insert(end, std::string(3u << 19, ' '));
            std::lock_guard lock(mu);
            ++padded;
        }
        res.status = r->status;
        for (const auto& [name, value] : r->headers)
            if (name != "Content-Length" && name != "Content-Type" && name != "Connection" &&
                name != "Keep-Alive")
                res.set_header(name, value);
        res.set_content(body, r->get_header_value("Content-Type"));
    });
    std::string sut = read_text(product.sut_file);
    replace_once(sut, upstream, proxy.url());
    const auto sut_file = scratch.write("padded-sut.json", sut);
    const std::string out = (scratch.dir / "out").string();
    auto ran =
        run_cli({VFT_CLI_PATH, "run", "--suite", "vkp-r4", "--role", "receiver", "--sut",
                 sut_file.string(), "--out", out, "--only", "vkp_r4.search.*", "--jobs", "2"});
    INFO(ran.output);
    REQUIRE(ran.exit == 1);  // incomplete (--only), not 2
    {
        std::lock_guard lock(mu);
        REQUIRE(padded > 0);
    }
    auto report = reports::from_json(read_text(out + "/report.json"));
    REQUIRE(report.ok());
    size_t big = 0, passed = 0;
    for (const auto& t : report->tests) {
        if (t.status == reports::Status::pass) ++passed;
        for (const auto& e : t.exchanges)
            if (e.response_body.size() > (1u << 20)) {
                ++big;
                CHECK(e.response_body.find("not recorded") == std::string::npos);
            }
    }
    CHECK(big > 0);
    CHECK(passed > 0);
    CHECK(report->summary.fail == 0);
    CHECK(report->summary.error == 0);

    ran = run_cli({VFT_CLI_PATH, "report", "rejudge", out + "/report.json"});
    INFO(ran.output);
    CHECK(ran.exit == 0);
    CHECK(ran.output.find("no test result changes") != std::string::npos);
}
