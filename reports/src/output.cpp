// write_report_files (output.hpp): report.json first (the source), then its renderings, then the
// signatures and the certification record.
#include "vft/reports/output.hpp"

#include <fstream>

#include "reports_util.hpp"
#include "vft/auth/key.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/reports/certification.hpp"
#include "vft/reports/html.hpp"
#include "vft/reports/junit.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"

namespace vft::reports {
namespace {

Result<void> write_file(const std::filesystem::path& path, std::string_view bytes) {
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out)
            return detail::report_error(errc::io_write, "cannot write the file", path.string(),
                                        "check the folder exists, is writable and has space");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec)
        return detail::report_error(errc::io_write, "cannot rename into place: " + ec.message(),
                                    path.string());
    return {};
}

}  // namespace

Result<void> write_report_files(const Report& report, const WriteOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec)
        return detail::report_error(errc::io_write, "cannot create the folder: " + ec.message(),
                                    options.dir.string());
    std::optional<auth::Key> key;
    if (!options.sign_key.empty()) {
        auto k = auth::Key::load_file(options.sign_key);
        if (!k) return k.error();
        if (k->algorithm() != auth::Algorithm::eddsa || !k->has_private())
            return detail::report_error(
                errc::report_key_type, "reports are signed with an Ed25519 private key only",
                options.sign_key.string(), "make one with `vft keys generate --out PREFIX`");
        key = std::move(*k);
    }
    const std::string json = to_json(report);
    if (auto ok = write_file(options.dir / "report.json", json); !ok) return ok;
    if (auto ok = write_file(options.dir / "junit.xml", render_junit(report)); !ok) return ok;
    HtmlOptions html;
    if (key)
        html.signature_note = "Signed (Ed25519, key id " + key->thumbprint() +
                              ") in report.json.sig. Check offline: vft report verify "
                              "report.json --key ISSUER.pub";
    if (auto ok = write_file(options.dir / "report.html", render_html(report, html)); !ok)
        return ok;
    if (!key) return {};

    if (auto schema = validate_report_json(json); !schema) {
        Error e = schema.error();
        e.message = "not signed: " + e.message;
        return e;
    }
    auto sig = sign_report(json, *key);
    if (!sig) return sig.error();
    if (auto ok = write_file(options.dir / "report.json.sig", *sig); !ok) return ok;
    auto record = make_certification(report, json, key->thumbprint(),
                                     options.certification_validity_days, options.issued);
    if (!record) return record.error();
    const std::string record_json = to_json(*record);
    auto record_sig = sign_bytes(record_json, *key);
    if (!record_sig) return record_sig.error();
    if (auto ok = write_file(options.dir / "certification.json", record_json); !ok) return ok;
    return write_file(options.dir / "certification.json.sig", *record_sig);
}

}  // namespace vft::reports
