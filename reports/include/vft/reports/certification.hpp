// Certification records: a small signed JSON the national program publishes — which product and
// version passed which modules under which suite version, issued when, valid until when, and the
// SHA-256 of the full report (reports/schema/certification.schema.json). Signed like report.json
// (a detached certification.json.sig, see signature.hpp).
// Thread-safety: plain values and free functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"

namespace vft::reports {

struct Certification {
    std::string format = "vft-certification/1";
    std::string product;          // SUT name
    std::string vendor;           // SUT vendor
    std::string product_version;  // SUT version
    std::string suite;
    std::string suite_version;
    std::string role;
    std::vector<std::string> modules_passed;
    Verdict verdict = Verdict::incomplete;
    std::string issued;         // RFC 3339 UTC, seconds ("2026-11-28T10:00:00Z")
    std::string expires;        // issued + validity
    std::string report_sha256;  // hex SHA-256 of report.json's bytes
    std::string run_id;
    std::string tool_version;
    std::string issuer_key_id;  // RFC 7638 thumbprint of the key that signs the record
};

// The record of a report. Product, vendor and version come from the report's SUT file;
// `issued` empty → now; expires = issued + validity_days. Errors: VFT-REPORT-1314 (the SUT file
// names no product or version).
[[nodiscard]] Result<Certification> make_certification(const Report& report,
                                                       std::string_view report_json_bytes,
                                                       std::string_view issuer_key_id,
                                                       int validity_days,
                                                       std::string_view issued = {});

// certification.json text: fixed member order, 2-space indentation, trailing newline.
[[nodiscard]] std::string to_json(const Certification& record);
// Parses and schema-checks a record. Errors: VFT-REPORT-1301 (not JSON), VFT-REPORT-1310 (not
// per the schema), VFT-REPORT-1314 (expires before issued).
[[nodiscard]] Result<Certification> certification_from_json(std::string_view json);

}  // namespace vft::reports
