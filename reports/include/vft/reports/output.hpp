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
};

// Writes every file of the run. Errors: VFT-IO-0602 (cannot write), VFT-REPORT-13xx (signing).
[[nodiscard]] Result<void> write_report_files(const Report& report, const WriteOptions& options);

}  // namespace vft::reports
