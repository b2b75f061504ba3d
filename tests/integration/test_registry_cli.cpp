// vft registry publish, revoke, withdraw-suite and vft keys fingerprint as a user runs them: the
// real vft binary on files write_report_files wrote (docs/registry.md). The site's report verifies
// offline with the key the site publishes; revocation and withdrawal show in list and check.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

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

TEST_CASE("vft registry publish, revoke, withdraw-suite and keys fingerprint", "[registry-cli]") {
    TempDir dir("registry-publish");
    const fs::path home = dir.path / "home";
    Run gen = run_vft({"keys", "generate", "--out", (dir.path / "program").string()}, home);
    REQUIRE(gen.exit == 0);
    REQUIRE(run_vft({"keys", "generate", "--out", (dir.path / "next").string()}, home).exit == 0);
    // The fingerprint is the key id keys generate printed, for the public and the private file.
    Run fp = run_vft({"keys", "fingerprint", (dir.path / "program.pub").string()}, home);
    REQUIRE(fp.exit == 0);
    REQUIRE(fp.out.size() == 44);
    const std::string kid = fp.out.substr(0, 43);
    CHECK_THAT(gen.out, Catch::Contains("key id " + kid));
    CHECK(run_vft({"keys", "fingerprint", (dir.path / "program.key").string()}, home).out ==
          fp.out);
    CHECK(run_vft({"keys", "fingerprint", (dir.path / "nothing.pub").string()}, home).exit == 2);

    vft::test::SampleOptions passing;
    passing.failing = false;
    vft::reports::WriteOptions o;
    o.dir = dir.path / "run";
    o.sign_key = dir.path / "program.key";
    o.issued = "2026-01-01T00:00:00Z";
    REQUIRE(vft::reports::write_report_files(vft::test::sample_report(passing), o).ok());
    const std::string pub = (dir.path / "program.pub").string();

    Run add =
        run_vft({"registry", "add", (o.dir / "certification.json").string(), "--key", pub}, home);
    INFO(add.out);
    REQUIRE(add.exit == 0);
    CHECK_THAT(add.out, Catch::Contains("stored its report"));

    const fs::path site = dir.path / "site";
    Run publish = run_vft({"registry", "publish", "--out", site.string(), "--sign-key",
                           (dir.path / "program.key").string(), "--title", "Testregister"},
                          home);
    INFO(publish.out);
    REQUIRE(publish.exit == 0);
    CHECK_THAT(publish.out, Catch::Contains("published 1 certification(s) of 1 product(s), 1 with "
                                            "the full report"));
    CHECK_THAT(publish.out, Catch::Contains("published key " + kid));
    CHECK(slurp(site / "c" / "1" / "report.json") == slurp(o.dir / "report.json"));
    CHECK(slurp(site / "c" / "1" / "report.html") == slurp(o.dir / "report.html"));
    // A municipality checks the site's report offline with the key the site publishes.
    Run verify = run_vft({"report", "verify", (site / "c" / "1" / "report.json").string(), "--key",
                          (site / "keys" / "program.pub").string()},
                         home);
    CHECK(verify.exit == 0);

    // A procurement system checks registry.json with the program's key.
    Run index =
        run_vft({"registry", "verify", (site / "registry.json").string(), "--key", pub}, home);
    CHECK(index.exit == 0);
    CHECK_THAT(index.out, Catch::Contains("verified: "));
    {
        std::string changed = slurp(site / "registry.json");
        changed[changed.find("Omsorg EPJ")] = 'o';
        std::ofstream(dir.path / "registry.json", std::ios::binary) << changed;
        fs::copy_file(site / "registry.json.sig", dir.path / "registry.json.sig");
        Run bad = run_vft(
            {"registry", "verify", (dir.path / "registry.json").string(), "--key", pub}, home);
        CHECK(bad.exit == 1);
        CHECK_THAT(bad.out, Catch::Contains("NOT VERIFIED"));
        CHECK_THAT(bad.out, Catch::Contains("changed since it was signed"));
    }

    // A key rotation: signing with the next key needs the old one published too.
    Run rotated = run_vft({"registry", "publish", "--out", (dir.path / "site2").string(),
                           "--sign-key", (dir.path / "next.key").string()},
                          home);
    CHECK(rotated.exit == 1);
    CHECK_THAT(rotated.out, Catch::Contains("--key OLD.pub"));
    CHECK(run_vft({"registry", "publish", "--out", (dir.path / "site2").string(), "--sign-key",
                   (dir.path / "next.key").string(), "--key", pub},
                  home)
              .exit == 0);

    // Revocation.
    Run revoke = run_vft({"registry", "revoke", "1", "--reason", "Feil i journalføring"}, home);
    CHECK(revoke.exit == 0);
    CHECK(run_vft({"registry", "revoke", "1", "--reason", "igjen"}, home).exit == 1);
    Run missing = run_vft({"registry", "revoke", "99", "--reason", "x"}, home);
    CHECK(missing.exit == 1);
    CHECK_THAT(missing.out, Catch::Contains("VFT-REPORT-1318"));
    Run list = run_vft({"registry", "list"}, home);
    CHECK_THAT(list.out, Catch::Contains("revoked (Feil i journalføring)"));
    Run check = run_vft({"registry", "check", "--product", "Omsorg EPJ", "--version", "4.2.1",
                         "--module", "alarm", "--suite", "vkp-r4"},
                        home);
    CHECK(check.exit == 1);
    CHECK_THAT(check.out, Catch::Contains("revoked"));
    CHECK_THAT(check.out, Catch::Contains("Feil i journalføring"));

    // Withdrawal of the suite version.
    CHECK(run_vft({"registry", "withdraw-suite", "vkp-r4", "1.0.0", "--reason", "feil i suiten"},
                  home)
              .exit == 0);
    CHECK(run_vft({"registry", "withdraw-suite", "vkp-r4", "1.0.0", "--reason", "igjen"}, home)
              .exit == 1);
    Run again = run_vft({"registry", "publish", "--out", site.string(), "--sign-key",
                         (dir.path / "program.key").string()},
                        home);
    CHECK(again.exit == 0);
    CHECK_THAT(slurp(site / "registry.json"), Catch::Contains("\"status\":\"revoked\""));
    CHECK_THAT(slurp(site / "registry.json"), Catch::Contains("feil i suiten"));
}
