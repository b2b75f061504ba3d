// The public registry site (`vft registry publish`): the files it writes, escaping of hostile
// vendor names, the signed registry.json against its schema, revocation, withdrawn suites and
// the statuses they give, and the keys a site must publish.
#include <rapidjson/document.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../support/sample_registry.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/reports/registry.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"
#include "vft/reports/site.hpp"

using namespace vft::reports;
using vft::auth::Key;
namespace fs = std::filesystem;

namespace {

struct SiteDir {
    fs::path path;
    SiteDir() {
        static int n = 0;
        path = fs::temp_directory_path() /
               ("vft-site-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~SiteDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
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

// data/registry.js is `vftRegistry(<registry.json>);`: the JSON inside.
std::string js_payload(const std::string& js, const std::string& fn) {
    REQUIRE(js.rfind(fn + "(", 0) == 0);
    const auto end = js.rfind(");");
    REQUIRE(end != std::string::npos);
    return js.substr(fn.size() + 1, end - fn.size() - 1);
}

const rapidjson::Value* record_by_id(const rapidjson::Document& d, int64_t id) {
    for (const auto& r : d["records"].GetArray())
        if (r["id"].GetInt64() == id) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE(
    "registry site: publish writes the site, a signed registry.json that meets its schema, and the "
    "reports",
    "[registry][site]") {
    SiteDir dir;
    const Key program = ed25519();
    auto reg = Registry::open({dir.path / "registry.sqlite"});
    REQUIRE(reg.ok());
    vft::test::SampleRecord a;
    const int64_t id1 = vft::test::add_sample_record(*reg, program, a);
    vft::test::SampleRecord b = a;
    b.vendor = "Annen Leverandør AS";
    b.product = "Trygg Alarm";
    b.modules = {"alarm"};
    b.with_report = false;
    const int64_t id2 = vft::test::add_sample_record(*reg, program, b);
    REQUIRE(id1 > 0);
    REQUIRE(id2 > 0);

    PublishOptions o;
    o.out = dir.path / "site";
    o.sign_key = &program;
    o.at = "2026-06-01T00:00:00Z";
    auto done = publish_site(*reg, o);
    REQUIRE(done.ok());
    CHECK(done->records == 2);
    CHECK(done->products == 2);
    CHECK(done->reports == 1);
    REQUIRE(done->key_fingerprints.size() == 1);
    CHECK(done->key_fingerprints[0] == program.thumbprint());

    for (const char* f :
         {"index.html", "registry.json", "registry.json.sig", "data/registry.js", "data/keys.js",
          "assets/site.css", "assets/site.js", "assets/verify.js", "keys/program.pub"})
        CHECK(fs::is_regular_file(o.out / f));
    CHECK(slurp(o.out / "keys" / (program.thumbprint() + ".pub")) == program.public_pem());
    const fs::path c1 = o.out / "c" / std::to_string(id1);
    for (const char* f : {"index.html", "data.js", "report.json", "report.json.sig", "report.html",
                          "certification.json", "certification.json.sig"})
        CHECK(fs::is_regular_file(c1 / f));
    const fs::path c2 = o.out / "c" / std::to_string(id2);
    CHECK(fs::is_regular_file(c2 / "certification.json"));
    CHECK_FALSE(fs::exists(c2 / "report.json"));

    // The published report is the exact signed bytes and verifies with the published key.
    CHECK(slurp(c1 / "report.json") == vft::test::sample_registry_report_json());
    auto pub = Key::load_pem(slurp(o.out / "keys" / "program.pub"));
    REQUIRE(pub.ok());
    CHECK(verify_signature(slurp(c1 / "report.json"), slurp(c1 / "report.json.sig"), *pub).ok());
    CHECK(verify_signature(slurp(c1 / "certification.json"), slurp(c1 / "certification.json.sig"),
                           *pub)
              .ok());

    // registry.json: signed by the program's key, valid against its schema, same as the pages'.
    const std::string rj = slurp(o.out / "registry.json");
    CHECK(verify_signature(rj, slurp(o.out / "registry.json.sig"), *pub).ok());
    CHECK(validate_registry_json(rj).ok());
    std::string changed = rj;
    changed[changed.find("valid")] = 'V';
    CHECK_FALSE(verify_signature(changed, slurp(o.out / "registry.json.sig"), *pub).ok());
    CHECK(js_payload(slurp(o.out / "data" / "registry.js"), "vftRegistry") + "\n" == rj);

    rapidjson::Document d;
    d.Parse(rj.c_str());
    REQUIRE(d.IsObject());
    CHECK(std::string(d["format"].GetString()) == "vft-registry/1");
    CHECK(std::string(d["keys"][0]["kid"].GetString()) == program.thumbprint());
    const auto* r1 = record_by_id(d, id1);
    REQUIRE(r1);
    CHECK(std::string((*r1)["vendor"].GetString()) == "Eksempel AS");
    CHECK(std::string((*r1)["status"].GetString()) == "valid");
    CHECK(std::string((*r1)["files"]["report_json"].GetString()) ==
          "c/" + std::to_string(id1) + "/report.json");
    const auto* r2 = record_by_id(d, id2);
    REQUIRE(r2);
    CHECK(std::string((*r2)["files"]["report_json"].GetString()).empty());
    // The product page named in the record exists.
    CHECK(fs::is_regular_file(o.out / (*r2)["product_page"].GetString()));

    // The per-certification data carries the exact bytes (base64) and the .sig text.
    rapidjson::Document cd;
    const std::string cjs = js_payload(slurp(c1 / "data.js"), "vftCertification");
    cd.Parse(cjs.c_str());
    REQUIRE(cd.IsObject());
    CHECK(std::string(cd["report_sig"].GetString()) == slurp(c1 / "report.json.sig"));
    CHECK(cd["report_b64"].GetStringLength() ==
          (vft::test::sample_registry_report_json().size() + 2) / 3 * 4);
}

TEST_CASE("registry site: a hostile vendor name is data, never markup", "[registry][site]") {
    SiteDir dir;
    const Key program = ed25519();
    auto reg = Registry::open({dir.path / "registry.sqlite"});
    REQUIRE(reg.ok());
    vft::test::SampleRecord s;
    s.vendor = "<script>alert(1)</script>\"'&";
    s.product = "</script><img src=x onerror=alert(2)>";
    const int64_t id = vft::test::add_sample_record(*reg, program, s);
    REQUIRE(id > 0);
    PublishOptions o;
    o.out = dir.path / "site";
    o.sign_key = &program;
    o.title = "Register <b>&</b>";
    REQUIRE(publish_site(*reg, o).ok());

    // The HTML files hold no record data; the title is escaped.
    std::vector<fs::path> pages = {o.out / "index.html",
                                   o.out / "c" / std::to_string(id) / "index.html"};
    for (const auto& e : fs::directory_iterator(o.out / "p"))
        pages.push_back(e.path());
    REQUIRE(pages.size() == 3);
    for (const auto& p : pages) {
        const std::string html = slurp(p);
        CHECK(html.find("alert(") == std::string::npos);
        CHECK(html.find("<b>") == std::string::npos);
        CHECK(html.find("Register &lt;b&gt;&amp;&lt;/b&gt;") != std::string::npos);
        CHECK(html.find("{{") == std::string::npos);  // every placeholder filled
    }
    // The data is a JSON string value, intact, in registry.json and the page data.
    rapidjson::Document d;
    const std::string rj = slurp(o.out / "registry.json");
    d.Parse(rj.c_str());
    REQUIRE(d.IsObject());
    CHECK(std::string(d["records"][0]["vendor"].GetString()) == s.vendor);
    CHECK(std::string(d["records"][0]["product"].GetString()) == s.product);
    CHECK(validate_registry_json(rj).ok());
    // The product page's file name is made of safe characters only.
    const std::string page = d["records"][0]["product_page"].GetString();
    CHECK(page.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-./") == std::string::npos);
}

TEST_CASE(
    "registry site: revocation, withdrawn suites, expiry and supersession give each record its "
    "status",
    "[registry][site]") {
    SiteDir dir;
    const Key program = ed25519();
    auto reg = Registry::open({dir.path / "registry.sqlite"});
    REQUIRE(reg.ok());
    vft::test::SampleRecord base;
    base.with_report = false;
    auto rec = [&](auto change) {
        vft::test::SampleRecord s = base;
        change(s);
        const int64_t id = vft::test::add_sample_record(*reg, program, s);
        REQUIRE(id > 0);
        return id;
    };
    const int64_t old_suite = rec([](auto& s) { s.suite_version = "1.0.0"; });
    const int64_t new_suite = rec([](auto& s) { s.suite_version = "1.10.0"; });
    const int64_t revoked = rec([](auto& s) { s.product = "Tilbakekalt"; });
    const int64_t withdrawn = rec([](auto& s) {
        s.product = "Gammel";
        s.suite = "jft";
        s.suite_version = "0.9";
    });
    const int64_t expired = rec([](auto& s) {
        s.product = "Utløpt";
        s.issued = "2020-01-01T00:00:00Z";
        s.validity_days = 30;
    });

    auto r =
        reg->revoke(revoked, "Leverandøren trakk produktet <etter feil>", "2026-03-01T00:00:00Z");
    REQUIRE(r.ok());
    REQUIRE(reg->withdraw_suite("jft", "0.9", "feil i suiten", "2026-02-01").ok());

    // Refusals: no such record, twice, no reason; a suite withdrawn twice.
    CHECK(reg->revoke(9999, "x").error().code == vft::errc::report_registry_refused);
    CHECK(reg->revoke(revoked, "again").error().code == vft::errc::report_registry_refused);
    CHECK(reg->revoke(old_suite, "  ").error().code == vft::errc::report_registry_refused);
    CHECK(reg->withdraw_suite("jft", "0.9", "again").error().code ==
          vft::errc::report_registry_refused);

    auto entries = reg->list();
    REQUIRE(entries.ok());
    auto withdrawn_list = reg->withdrawn_suites();
    REQUIRE(withdrawn_list.ok());
    REQUIRE(withdrawn_list->size() == 1);
    const auto states = record_states(*entries, *withdrawn_list, "2026-06-01T00:00:00Z");
    auto state_of = [&](int64_t id) {
        for (size_t i = 0; i < entries->size(); ++i)
            if ((*entries)[i].id == id) return states[i];
        FAIL("no record " << id);
        return RecordState{};
    };
    CHECK(state_of(new_suite).status == RecordStatus::valid);
    CHECK(state_of(old_suite).status == RecordStatus::superseded);
    CHECK(state_of(old_suite).superseded_by == new_suite);
    CHECK(state_of(revoked).status == RecordStatus::revoked);
    CHECK(state_of(revoked).reason == "Leverandøren trakk produktet <etter feil>");
    CHECK(state_of(withdrawn).status == RecordStatus::expired);
    CHECK(state_of(withdrawn).reason.find("withdrawn") != std::string::npos);
    CHECK(state_of(expired).status == RecordStatus::expired);
    // Before the revocation date the record was valid.
    const auto before = record_states(*entries, *withdrawn_list, "2026-01-15T00:00:00Z");
    for (size_t i = 0; i < entries->size(); ++i)
        if ((*entries)[i].id == revoked) CHECK(before[i].status == RecordStatus::valid);

    // check answers no, with the reason.
    auto no = reg->check({"Tilbakekalt", "4.2.1", "alarm", "vkp-r4", "2026-06-01"});
    REQUIRE(no.ok());
    CHECK_FALSE(no->certified);
    CHECK(no->reason.find("revoked") != std::string::npos);
    CHECK(no->reason.find("etter feil") != std::string::npos);
    auto gone = reg->check({"Gammel", "4.2.1", "alarm", "jft", "2026-06-01"});
    REQUIRE(gone.ok());
    CHECK_FALSE(gone->certified);
    CHECK(gone->reason.find("withdrawn") != std::string::npos);
    auto early = reg->check({"Gammel", "4.2.1", "alarm", "jft", "2026-01-15"});
    REQUIRE(early.ok());
    CHECK(early->certified);

    // The site shows the same statuses and the revocation reason.
    PublishOptions o;
    o.out = dir.path / "site";
    o.sign_key = &program;
    o.at = "2026-06-01T00:00:00Z";
    REQUIRE(publish_site(*reg, o).ok());
    rapidjson::Document d;
    const std::string rj = slurp(o.out / "registry.json");
    d.Parse(rj.c_str());
    REQUIRE(d.IsObject());
    CHECK(validate_registry_json(rj).ok());
    const auto* rv = record_by_id(d, revoked);
    REQUIRE(rv);
    CHECK(std::string((*rv)["status"].GetString()) == "revoked");
    CHECK(std::string((*rv)["status_reason"].GetString()) ==
          "Leverandøren trakk produktet <etter feil>");
    CHECK(std::string((*rv)["revoked"].GetString()) == "2026-03-01T00:00:00Z");
    CHECK(std::string((*record_by_id(d, old_suite))["status"].GetString()) == "superseded");
    CHECK((*record_by_id(d, old_suite))["superseded_by"].GetInt64() == new_suite);
    CHECK(std::string((*record_by_id(d, withdrawn))["status"].GetString()) == "expired");
    REQUIRE(d["withdrawn_suites"].Size() == 1);
    CHECK(std::string(d["withdrawn_suites"][0]["reason"].GetString()) == "feil i suiten");
}

TEST_CASE("registry site: publish needs the signing key and every record's key published",
          "[registry][site]") {
    SiteDir dir;
    const Key old_key = ed25519(), new_key = ed25519();
    auto reg = Registry::open({dir.path / "registry.sqlite"});
    REQUIRE(reg.ok());
    vft::test::SampleRecord s;
    REQUIRE(vft::test::add_sample_record(*reg, old_key, s) > 0);

    PublishOptions o;
    o.out = dir.path / "site";
    auto none = publish_site(*reg, o);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().code == vft::errc::report_publish);

    // After a key rotation: the old record's key must be published as well.
    o.sign_key = &new_key;
    auto missing = publish_site(*reg, o);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == vft::errc::report_publish);
    CHECK(missing.error().message.find(old_key.thumbprint()) != std::string::npos);
    o.public_keys = {old_key.public_pem()};
    auto both = publish_site(*reg, o);
    REQUIRE(both.ok());
    REQUIRE(both->key_fingerprints.size() == 2);
    CHECK(both->key_fingerprints[0] == new_key.thumbprint());  // signs registry.json
    CHECK(both->key_fingerprints[1] == old_key.thumbprint());
    auto pub = Key::load_pem(new_key.public_pem());
    CHECK(verify_signature(slurp(o.out / "registry.json"), slurp(o.out / "registry.json.sig"), *pub)
              .ok());
}

TEST_CASE("registry site: a report is stored only when it is the one its record names",
          "[registry][site]") {
    SiteDir dir;
    const Key program = ed25519(), other = ed25519();
    auto reg = Registry::open({dir.path / "registry.sqlite"});
    REQUIRE(reg.ok());
    vft::test::SampleRecord s;
    s.with_report = false;
    const int64_t id = vft::test::add_sample_record(*reg, program, s);
    REQUIRE(id > 0);
    const std::string rj = vft::test::sample_registry_report_json();
    // Signed by another key, a different report, no such record.
    CHECK(reg->add_report(id, rj, *sign_bytes(rj, other), "").error().code ==
          vft::errc::report_sig_invalid);
    const std::string different = rj + " ";
    CHECK(reg->add_report(id, different, *sign_bytes(different, program), "").error().code ==
          vft::errc::report_sig_invalid);
    CHECK(reg->add_report(id + 100, rj, *sign_bytes(rj, program), "").error().code ==
          vft::errc::report_registry_refused);
    REQUIRE(reg->add_report(id, rj, *sign_bytes(rj, program), "").ok());
    auto stored = reg->report(id);
    REQUIRE(stored.ok());
    CHECK(stored->report_json == rj);
}

TEST_CASE("registry site: suite versions compare part by part", "[registry][site]") {
    CHECK(compare_versions("1.10.0", "1.9.0") > 0);
    CHECK(compare_versions("1.0", "1.0.0") < 0);
    CHECK(compare_versions("2.0.0", "2.0.0") == 0);
    CHECK(compare_versions("1.0.0-rc1", "1.0.0-rc2") < 0);
}
