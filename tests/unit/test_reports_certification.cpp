// Certification records and the local registry: records made from a report, signed, stored only
// when their signature verifies, and `check` answering yes only for pass + module + validity.
// Also write_report_files end to end on a real folder.
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../support/sample_report.hpp"
#include "vft/auth/key.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/reports/certification.hpp"
#include "vft/reports/output.hpp"
#include "vft/reports/registry.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"
#include "vft/reports/verify.hpp"

using namespace vft::reports;
using vft::auth::Key;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("vft-reports-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Key ed25519() {
    auto k = Key::generate(vft::auth::Algorithm::eddsa);
    REQUIRE(k.ok());
    return *k;
}

struct Signed {
    std::string json, sig;
};

Signed record_for(const Report& r, const Key& key, const std::string& issued, int days = 730) {
    const std::string report_json = to_json(r);
    auto c = make_certification(r, report_json, key.thumbprint(), days, issued);
    REQUIRE(c.ok());
    Signed s;
    s.json = to_json(*c);
    s.sig = *sign_bytes(s.json, key);
    return s;
}

Report passing(const std::string& version = "4.2.1") {
    vft::test::SampleOptions o;
    o.failing = false;
    Report r = vft::test::sample_report(o);
    const auto at = r.sut_json.find("4.2.1");
    r.sut_json.replace(at, 5, version);
    return r;
}

}  // namespace

TEST_CASE("a certification record carries product, suite, modules and the report hash",
          "[reports][certification]") {
    const Key key = ed25519();
    const Report r = vft::test::sample_report({});
    const std::string report_json = to_json(r);
    auto c = make_certification(r, report_json, key.thumbprint(), 365, "2026-11-28T10:05:00Z");
    REQUIRE(c.ok());
    CHECK(c->product == "Omsorg EPJ");
    CHECK(c->vendor == "Eksempel AS");
    CHECK(c->product_version == "4.2.1");
    CHECK(c->suite == "vkp-r4");
    CHECK(c->suite_version == "1.0.0");
    CHECK(c->role == "receiver");
    CHECK(c->verdict == Verdict::fail);
    CHECK(c->modules_passed == r.modules_passed);
    CHECK(c->issued == "2026-11-28T10:05:00Z");
    CHECK(c->expires == "2027-11-28T10:05:00Z");
    CHECK(c->report_sha256 == sha256_hex(report_json));
    const std::string json = to_json(*c);
    CHECK(validate_certification_json(json).ok());
    auto back = certification_from_json(json);
    REQUIRE(back.ok());
    CHECK(to_json(*back) == json);

    Report anonymous = r;
    anonymous.sut_json = R"({"vendor":"x"})";
    auto none = make_certification(anonymous, report_json, key.thumbprint(), 365, {});
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code == vft::errc::report_cert_malformed);

    std::string backwards = json;
    backwards.replace(backwards.find("2027-11-28"), 10, "2025-01-01");
    auto bad = certification_from_json(backwards);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().location == "expires");
    auto schema = certification_from_json(R"({"format":"vft-certification/1"})");
    REQUIRE_FALSE(schema.ok());
    CHECK(schema.error().code == vft::errc::report_schema);
}

TEST_CASE("the registry stores verified records and answers check with a reason",
          "[reports][registry]") {
    TempDir dir;
    const Key issuer = ed25519(), stranger = ed25519();
    auto reg = Registry::open({dir.path / "sub" / "registry.sqlite"});
    REQUIRE(reg.ok());

    const Signed pass = record_for(passing(), issuer, "2026-01-01T00:00:00Z", 365);
    const Signed fail = record_for(vft::test::sample_report({}), issuer, "2026-02-01T00:00:00Z");
    auto id = reg->add(pass.json, pass.sig, issuer);
    REQUIRE(id.ok());
    auto again = reg->add(pass.json, pass.sig, issuer);
    REQUIRE(again.ok());
    CHECK(*again == *id);  // idempotent
    REQUIRE(reg->add(fail.json, fail.sig, issuer).ok());

    // Refused: another key, a changed record, a record naming another issuer.
    auto other = reg->add(pass.json, pass.sig, stranger);
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code == vft::errc::report_sig_invalid);
    std::string changed = pass.json;
    changed.replace(changed.find("\"auth\""), 6, "\"dho\"");
    CHECK(reg->add(changed, pass.sig, issuer).error().code == vft::errc::report_sig_invalid);
    {
        const Report r = passing("9.9.9");
        const std::string rj = to_json(r);
        auto c = make_certification(r, rj, stranger.thumbprint(), 30, "2026-01-01T00:00:00Z");
        const std::string cj = to_json(*c);
        auto mismatch = reg->add(cj, *sign_bytes(cj, issuer), issuer);
        REQUIRE_FALSE(mismatch.ok());
        CHECK(mismatch.error().location == "issuer_key_id");
    }

    auto all = reg->list();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK((*all)[0].record.verdict == Verdict::pass);

    auto ask = [&](std::string product, std::string version, std::string module, std::string suite,
                   std::string at) {
        auto a = reg->check({std::move(product), std::move(version), std::move(module),
                             std::move(suite), std::move(at)});
        REQUIRE(a.ok());
        return *a;
    };
    CheckAnswer a = ask("Omsorg EPJ", "4.2.1", "alarm", "vkp-r4", "2026-06-01");
    CHECK(a.certified);
    CHECK_THAT(a.reason, Catch::StartsWith("certified: Omsorg EPJ 4.2.1 passed module alarm"));
    a = ask("Omsorg EPJ", "4.2.1", "dho", "vkp-r4", "2026-06-01");
    CHECK_FALSE(a.certified);
    CHECK_THAT(a.reason, Catch::Contains("does not include module dho"));
    a = ask("Omsorg EPJ", "4.2.1", "alarm", "vkp-r4", "2027-01-01");
    CHECK_FALSE(a.certified);
    CHECK_THAT(a.reason, Catch::Contains("expired 2027-01-01T00:00:00Z"));
    a = ask("Omsorg EPJ", "4.2.1", "alarm", "vkp-r4", "2025-12-31T23:59:59+00:00");
    CHECK_FALSE(a.certified);
    CHECK_THAT(a.reason, Catch::Contains("was issued 2026-01-01T00:00:00Z"));
    a = ask("Omsorg EPJ", "4.3.0", "alarm", "vkp-r4", "2026-06-01");
    CHECK_FALSE(a.certified);
    CHECK_THAT(a.reason, Catch::Contains("no record for Omsorg EPJ version 4.3.0"));
    CHECK_THAT(a.reason, Catch::Contains("records exist for version 4.2.1"));
    a = ask("Omsorg EPJ", "4.2.1", "alarm", "jft", "2026-06-01");
    CHECK_FALSE(a.certified);
    auto bad_date = reg->check({"Omsorg EPJ", "4.2.1", "alarm", "vkp-r4", "next tuesday"});
    REQUIRE_FALSE(bad_date.ok());
    CHECK(bad_date.error().location == "--at");

    // A record edited in the file behind vft's back no longer answers yes.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((dir.path / "sub" / "registry.sqlite").c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db,
                             "UPDATE records SET record_json = replace(record_json, '2027-01-01', "
                             "'2099-01-01')",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    a = ask("Omsorg EPJ", "4.2.1", "alarm", "vkp-r4", "2026-06-01");
    CHECK_FALSE(a.certified);
    CHECK_THAT(a.reason, Catch::Contains("no longer verifies"));
}

TEST_CASE("a failing run's record never certifies", "[reports][registry]") {
    TempDir dir;
    const Key issuer = ed25519();
    auto reg = Registry::open({dir.path / "r.sqlite"});
    REQUIRE(reg.ok());
    const Signed fail = record_for(vft::test::sample_report({}), issuer, "2026-02-01T00:00:00Z");
    REQUIRE(reg->add(fail.json, fail.sig, issuer).ok());
    auto a = reg->check({"Omsorg EPJ", "4.2.1", "alarm", "vkp-r4", "2026-06-01"});
    REQUIRE(a.ok());
    CHECK_FALSE(a->certified);
    CHECK_THAT(a->reason, Catch::Contains("has verdict fail, not pass"));
}

TEST_CASE("write_report_files writes the renderings, the signature and the record",
          "[reports][output]") {
    TempDir dir;
    const Key key = ed25519();
    { std::ofstream(dir.path / "issuer.key") << key.private_pem(); }
    const Report r = vft::test::sample_report({});
    WriteOptions o;
    o.dir = dir.path / "out";
    o.sign_key = dir.path / "issuer.key";
    o.issued = "2026-11-28T10:05:00Z";
    auto ok = write_report_files(r, o);
    INFO((ok ? std::string() : ok.error().to_string()));
    REQUIRE(ok.ok());
    for (const char* f : {"report.json", "report.json.sig", "junit.xml", "report.html",
                          "certification.json", "certification.json.sig"})
        CHECK(fs::is_regular_file(o.dir / f));
    CHECK_FALSE(fs::exists(o.dir / "report.json.tmp"));
    const std::string json = slurp(o.dir / "report.json");
    CHECK(json == to_json(r));
    auto pub = Key::load_pem(key.public_pem());
    REQUIRE(pub.ok());
    CHECK(verify_report(json, slurp(o.dir / "report.json.sig"), *pub).ok());
    const std::string cert = slurp(o.dir / "certification.json");
    CHECK(verify_signature(cert, slurp(o.dir / "certification.json.sig"), *pub).ok());
    auto c = certification_from_json(cert);
    REQUIRE(c.ok());
    CHECK(c->report_sha256 == sha256_hex(json));
    CHECK(c->issuer_key_id == key.thumbprint());
    CHECK_THAT(slurp(o.dir / "report.html"), Catch::Contains(key.thumbprint()));
    CHECK(slurp(o.dir / "report.html").find("PRIVATE KEY") == std::string::npos);

    // Unsigned: three files only. A key that is not Ed25519: refused before anything is signed.
    WriteOptions plain;
    plain.dir = dir.path / "plain";
    REQUIRE(write_report_files(r, plain).ok());
    CHECK_FALSE(fs::exists(plain.dir / "report.json.sig"));
    CHECK(fs::is_regular_file(plain.dir / "report.html"));
    auto es = Key::generate(vft::auth::Algorithm::es256);
    std::ofstream(dir.path / "es.key") << es->private_pem();
    WriteOptions wrong = plain;
    wrong.sign_key = dir.path / "es.key";
    auto refused = write_report_files(r, wrong);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == vft::errc::report_key_type);
    WriteOptions unwritable = plain;
    unwritable.dir = dir.path / "report.html-is-a-file";
    std::ofstream(unwritable.dir) << "x";
    auto io = write_report_files(r, unwritable);
    REQUIRE_FALSE(io.ok());
    CHECK(io.error().code == vft::errc::io_write);
}
