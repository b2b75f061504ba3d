// The report tools as a user runs them: vft keys generate, vft report verify|render and
// vft registry add|list|check, on files written by write_report_files — exit codes and the
// one-line reasons of the CLI contract.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../support/sample_report.hpp"
#include "cli_run.hpp"
#include "vft/reports/output.hpp"

namespace fs = std::filesystem;
using vft::test::Run;
using vft::test::run_vft;
using vft::test::slurp;
using vft::test::TempDir;

namespace {

void spit(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}

}  // namespace

TEST_CASE("vft keys, report verify and render: exit codes and reasons", "[report-cli]") {
    TempDir dir("report-cli");
    const fs::path home = dir.path / "home";
    Run keys = run_vft({"keys", "generate", "--out", (dir.path / "issuer").string()}, home);
    INFO(keys.out);
    REQUIRE(keys.exit == 0);
    CHECK_THAT(keys.out, Catch::Contains("key id "));
    CHECK(keys.out.find("PRIVATE") == std::string::npos);
    struct stat st {};
    REQUIRE(::stat((dir.path / "issuer.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_THAT(slurp(dir.path / "issuer.key"), Catch::StartsWith("-----BEGIN PRIVATE KEY-----"));
    CHECK_THAT(slurp(dir.path / "issuer.pub"), Catch::StartsWith("-----BEGIN PUBLIC KEY-----"));
    // Never overwrites a key by accident.
    CHECK(run_vft({"keys", "generate", "--out", (dir.path / "issuer").string()}, home).exit == 2);
    REQUIRE(run_vft({"keys", "generate", "--out", (dir.path / "other").string()}, home).exit == 0);

    vft::reports::WriteOptions o;
    o.dir = dir.path / "run";
    o.sign_key = dir.path / "issuer.key";
    REQUIRE(vft::reports::write_report_files(vft::test::sample_report({}), o).ok());
    const std::string report = (o.dir / "report.json").string();
    const std::string pub = (dir.path / "issuer.pub").string();

    Run ok = run_vft({"report", "verify", report, "--key", pub}, home);
    INFO(ok.out);
    CHECK(ok.exit == 0);
    CHECK_THAT(ok.out, Catch::Contains("AUTHENTIC AND INTACT"));

    Run other =
        run_vft({"report", "verify", report, "--key", (dir.path / "other.pub").string()}, home);
    CHECK(other.exit == 1);
    CHECK_THAT(other.out, Catch::Contains("signed by another key"));

    Run nokey = run_vft({"report", "verify", report}, home);
    CHECK(nokey.exit == 1);
    CHECK_THAT(nokey.out, Catch::Contains("no trusted key given"));

    // One changed byte inside a captured body: refused, and the exchange is named.
    std::string json = slurp(o.dir / "report.json");
    const auto at = json.find("Bruker funnet");
    REQUIRE(at != std::string::npos);
    json[at] = 'b';
    spit(o.dir / "report.json", json);
    Run changed = run_vft({"report", "verify", report, "--key", pub}, home);
    INFO(changed.out);
    CHECK(changed.exit == 1);
    CHECK_THAT(changed.out, Catch::Contains("changed since it was signed"));
    CHECK_THAT(changed.out, Catch::Contains("exchanges[0].request_body"));

    CHECK(run_vft({"report", "verify", (dir.path / "missing.json").string(), "--key", pub}, home)
              .exit == 2);
    CHECK(run_vft({"report", "verify", report, "--key", (dir.path / "missing.pub").string()}, home)
              .exit == 2);
    CHECK(run_vft({"report", "verify", dir.path.string(), "--key", pub}, home).exit == 2);
    fs::remove(o.dir / "report.json.sig");
    Run unsigned_run = run_vft({"report", "verify", report, "--key", pub}, home);
    CHECK(unsigned_run.exit == 1);
    CHECK_THAT(unsigned_run.out, Catch::Contains("no signature file"));

    const std::string html = (dir.path / "again.html").string();
    const std::string junit = (dir.path / "again.xml").string();
    Run render = run_vft({"report", "render", report, "--html", html, "--junit", junit}, home);
    INFO(render.out);
    CHECK(render.exit == 0);
    CHECK_THAT(slurp(html), Catch::Contains("data-verdict=\"fail\""));
    CHECK_THAT(slurp(junit), Catch::Contains("<testsuites"));
    spit(dir.path / "broken.json", "{\"format\":\"vft-report/1\"}");
    Run broken =
        run_vft({"report", "render", (dir.path / "broken.json").string(), "--html", html}, home);
    CHECK(broken.exit == 2);
    CHECK_THAT(broken.out, Catch::Contains("VFT-REPORT-130"));
}

TEST_CASE("vft registry add, list and check answer offline with exit 0/1/2", "[report-cli]") {
    TempDir dir("registry-cli");
    const fs::path home = dir.path / "home";
    REQUIRE(run_vft({"keys", "generate", "--out", (dir.path / "issuer").string()}, home).exit == 0);
    REQUIRE(run_vft({"keys", "generate", "--out", (dir.path / "other").string()}, home).exit == 0);
    vft::test::SampleOptions passing;
    passing.failing = false;
    vft::reports::WriteOptions o;
    o.dir = dir.path / "run";
    o.sign_key = dir.path / "issuer.key";
    o.issued = "2026-01-01T00:00:00Z";
    o.certification_validity_days = 365;
    REQUIRE(vft::reports::write_report_files(vft::test::sample_report(passing), o).ok());
    const std::string record = (o.dir / "certification.json").string();
    const std::string pub = (dir.path / "issuer.pub").string();

    // Nothing added yet: list and check cannot run (no registry), never "not certified".
    CHECK(run_vft({"registry", "list"}, home).exit == 2);

    Run wrong =
        run_vft({"registry", "add", record, "--key", (dir.path / "other.pub").string()}, home);
    CHECK(wrong.exit == 1);
    CHECK_THAT(wrong.out, Catch::Contains("signed by another key"));
    const std::string copy = (dir.path / "copy.json").string();
    fs::copy_file(record, copy);
    Run unsigned_add = run_vft({"registry", "add", copy, "--key", pub}, home);
    CHECK(unsigned_add.exit == 1);
    CHECK_THAT(unsigned_add.out, Catch::Contains("only signed records are stored"));
    Run add = run_vft({"registry", "add", record, "--key", pub}, home);
    INFO(add.out);
    REQUIRE(add.exit == 0);
    CHECK_THAT(add.out, Catch::Contains("record #1"));
    CHECK(fs::is_regular_file(home / ".local/share/vft/registry.sqlite"));

    Run list = run_vft({"registry", "list"}, home);
    CHECK(list.exit == 0);
    CHECK_THAT(list.out,
               Catch::Contains("Omsorg EPJ 4.2.1 (Eksempel AS)  vkp-r4 1.0.0 receiver  pass"));
    Run json = run_vft({"registry", "list", "--format", "json"}, home);
    CHECK_THAT(json.out, Catch::Contains("\"modules_passed\":[\"alarm\",\"medication\""));

    auto check = [&](const std::string& module, const std::string& at) {
        return run_vft({"registry", "check", "--product", "Omsorg EPJ", "--version", "4.2.1",
                        "--module", module, "--suite", "vkp-r4", "--at", at},
                       home);
    };
    Run yes = check("alarm", "2026-06-01");
    INFO(yes.out);
    CHECK(yes.exit == 0);
    CHECK_THAT(yes.out, Catch::StartsWith("certified: "));
    CHECK(std::count(yes.out.begin(), yes.out.end(), '\n') == 1);
    Run dho = check("dho", "2026-06-01");
    CHECK(dho.exit == 1);
    CHECK_THAT(dho.out, Catch::StartsWith("not certified: ") && Catch::Contains("module dho"));
    Run expired = check("alarm", "2027-06-01");
    CHECK(expired.exit == 1);
    CHECK_THAT(expired.out, Catch::Contains("expired"));
    CHECK(check("alarm", "someday").exit == 2);
    CHECK(check("teleport", "2026-06-01").exit == 2);  // not a module
    Run elsewhere =
        run_vft({"registry", "check", "--product", "Omsorg EPJ", "--version", "4.2.1", "--module",
                 "alarm", "--suite", "vkp-r4", "--db", (dir.path / "none.sqlite").string()},
                home);
    CHECK(elsewhere.exit == 2);
    CHECK_THAT(elsewhere.out, Catch::Contains("no registry at"));
}
