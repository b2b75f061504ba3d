// A registry filled with signed certification records and their signed reports, for the registry
// site's unit, browser and bench tests. Each record is made the way `vft run --sign` makes one
// (make_certification over report.json's bytes, signed with the issuer's Ed25519 key), then its
// vendor, product, version, suite version and modules are set as the test needs.
#pragma once

#include <string>
#include <vector>

#include "sample_report.hpp"
#include "vft/auth/key.hpp"
#include "vft/reports/certification.hpp"
#include "vft/reports/html.hpp"
#include "vft/reports/registry.hpp"
#include "vft/reports/signature.hpp"

namespace vft::test {

struct SampleRecord {
    std::string vendor = "Eksempel AS";
    std::string product = "Omsorg EPJ";
    std::string version = "4.2.1";
    std::string suite = "vkp-r4";
    std::string suite_version = "1.0.0";
    std::string role = "receiver";
    std::vector<std::string> modules = {"alarm", "medication"};
    std::string issued = "2026-01-01T00:00:00Z";
    int validity_days = 730;
    bool with_report = true;
};

// The report every sample record carries (small: 2 tests, 1 exchange each), made once.
inline const std::string& sample_registry_report_json() {
    static const std::string json = [] {
        SampleOptions o;
        o.tests = 2;
        o.exchanges_per_test = 1;
        o.failing = false;
        return reports::to_json(sample_report(o));
    }();
    return json;
}

// Adds one record (and its report) to `reg`; returns the record id, or 0 on failure.
inline int64_t add_sample_record(reports::Registry& reg, const auth::Key& issuer,
                                 const SampleRecord& s) {
    const std::string& rj = sample_registry_report_json();
    static const auto parsed = reports::from_json(rj);
    if (!parsed) return 0;
    auto c =
        reports::make_certification(*parsed, rj, issuer.thumbprint(), s.validity_days, s.issued);
    if (!c) return 0;
    c->vendor = s.vendor;
    c->product = s.product;
    c->product_version = s.version;
    c->suite = s.suite;
    c->suite_version = s.suite_version;
    c->role = s.role;
    c->modules_passed = s.modules;
    c->verdict = reports::Verdict::pass;
    const std::string cj = reports::to_json(*c);
    auto sig = reports::sign_bytes(cj, issuer);
    if (!sig) return 0;
    auto id = reg.add(cj, *sig, issuer);
    if (!id) return 0;
    if (s.with_report) {
        auto rs = reports::sign_bytes(rj, issuer);
        static const std::string html = reports::render_html(*parsed);
        if (!rs || !reg.add_report(*id, rj, *rs, html).ok()) return 0;
    }
    return *id;
}

}  // namespace vft::test
