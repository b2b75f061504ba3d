// The public registry site (`vft registry publish`): a static folder built from the registry's
// certification records and the signed reports stored with them. Works from file:// and any
// static host, makes no request outside itself, needs no server code. Layout and the format of
// registry.json: docs/registry.md; schema: reports/schema/registry.schema.json.
// Thread-safety: free functions; publish_site writes only under options.out.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "vft/auth/key.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/registry.hpp"

namespace vft::reports {

struct PublishOptions {
    std::filesystem::path out;  // created when missing; files vft wrote before are replaced
    std::string title;          // empty = "Sertifiserte produkter – velferdsteknologi"
    const auth::Key* sign_key = nullptr;  // Ed25519 private key: signs registry.json (required)
    // Further public keys (PEM) to publish, e.g. the previous key during a rotation. The signing
    // key's public half is always published. Every record must be signed by a published key.
    std::vector<std::string> public_keys;
    std::string at;  // the date statuses are computed for (RFC 3339); empty = now
};

struct PublishSummary {
    size_t records = 0;                         // certification records on the site (verdict pass)
    size_t products = 0;                        // product pages
    size_t reports = 0;                         // records published with their full report
    std::vector<std::string> key_fingerprints;  // RFC 7638 thumbprints of the published keys
};

// Writes the site. Errors: VFT-REPORT-1319 (no Ed25519 signing key; a record signed by a key
// that is not published), VFT-IO-0602 (cannot write), VFT-REPORT-1315 (registry).
[[nodiscard]] Result<PublishSummary> publish_site(const Registry& registry,
                                                  const PublishOptions& options);

}  // namespace vft::reports
