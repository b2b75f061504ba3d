// Writing a run's files (DESIGN.md "vft run"): DIR/report.json, DIR/junit.xml, DIR/report.html,
// and when a signing key is given DIR/report.json.sig and DIR/certification.json(.sig).
#pragma once

#include <filesystem>
#include <string>

#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"

namespace vft::reports {

struct WriteOptions {
    std::filesystem::path dir;              // created when missing
    std::filesystem::path sign_key;         // Ed25519 private key (PEM); empty = unsigned
    int certification_validity_days = 730;  // expires = issued + this
    std::string issued;                     // certification issue time (RFC 3339); empty = now
};

// Writes every file of the run. report.json, junit.xml and report.html are always written; with a
// key, report.json.sig, certification.json and certification.json.sig too — a record for any
// verdict (`vft registry check` answers yes only for pass). A report that does not meet its
// JSON Schema is written but never signed (VFT-REPORT-1310: a bug in the runner). Each file is
// written to a temporary name and renamed, so a reader never sees half a file.
// Errors: VFT-IO-0602 (cannot write), VFT-AUTH-0901 (key file), VFT-REPORT-13xx (signing).
[[nodiscard]] Result<void> write_report_files(const Report& report, const WriteOptions& options);

}  // namespace vft::reports
