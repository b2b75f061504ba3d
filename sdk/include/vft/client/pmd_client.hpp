// vft::client::PmdClient — Pasientens måledata (domain §2.8): POST a batch Bundle of vital signs
// to {base}/pmd and map PMD's batch-response back to the caller's measurements (result i is for
// batch.measurements[i]: status, location, OperationOutcome). PMD requires DPoP (Auth::dpop).
//
// The batch is resent unchanged on retry (same Bundle.identifier and fullUrls), so a retry never
// stores a measurement twice.
//
// Thread-safety: every member may be called from any number of threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vft/client/api.hpp"
#include "vft/client/auth.hpp"
#include "vft/core/result.hpp"
#include "vft/pmd/measurements.hpp"

namespace vft::client {

struct PmdClientOptions {
    ApiOptions api;  // base_url is the root above /pmd
    // The HelseID scope of the PMD API. The published PMD pages do not name one; vft's choice
    // (specs/DECISIONS.md) is the JFT scope, as PMD sits behind the JFT gateway — the mock
    // receiver and the conformance runner check the same. Set the one your client is registered
    // for when NHN says otherwise.
    std::vector<std::string> scopes = {"nhn:jft/api"};
};

struct PmdSent {
    std::string identifier;                    // Bundle.identifier as sent (keep it for resends)
    std::vector<std::string> measurement_ids;  // the ids sent, in the batch's order
    // results[i] is the answer for batch.measurements[i].
    std::vector<pmd::EntryResult> results;
    [[nodiscard]] bool all_ok() const {
        for (const auto& r : results)
            if (!r.ok()) return false;
        return true;
    }
};

class PmdClient {
  public:
    // Errors: VFT-BUILD-0704 (base_url), those of HttpClient::create.
    [[nodiscard]] static Result<PmdClient> create(PmdClientOptions options, Auth auth);

    // Builds the batch (pmd::build_batch, with any missing ids assigned first and returned in
    // PmdSent so a resend can reuse them) and sends it. Errors: the builder's VFT-BUILD-07xx;
    // a non-2xx answer as a typed error; the batch-response reader's VFT-READ-08xx (also when an
    // answer lacks a measurement or names one that was not sent).
    [[nodiscard]] Result<Reply<PmdSent>> send(const pmd::Batch& batch) const;

    // Sends a batch Bundle as given (e.g. one built elsewhere, or a conformance fixture) and
    // returns PMD's results in answer order, each with the fullUrl it names
    // (pmd::read_batch_response without a request).
    [[nodiscard]] Result<Reply<std::vector<pmd::EntryResult>>> send_json(
        std::string_view bundle_json) const;

    struct State;

  private:
    explicit PmdClient(std::shared_ptr<const State> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const State> impl_;
};

}  // namespace vft::client
