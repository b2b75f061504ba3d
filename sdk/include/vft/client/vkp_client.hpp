// vft::client::VkpClient — the VKP R4 API (domain §3.1) for one municipality: journaling a
// Bundle or a single resource (POST {base}/epj/r4/{orgnr}/{resource}) and the form-encoded
// searches (POST .../{resource}/_search with the ServiceCodes header), each with its HelseID
// scope `nhn:vkp/api/user/{resource}.{read|write}`. Results are typed values read with the SDK's
// readers (vft/messages/search.hpp); searches without a typed reader return the searchset JSON.
//
// Every call is idempotent (journaling resends the same Bundle.identifier; searches are safe),
// so transient failures are retried by the RetryPolicy. A non-success answer becomes a typed
// error (transport::error_from_response: VFT-VKP-XXYY from an OperationOutcome, else
// VFT-HTTP-0NNN).
//
// Thread-safety: every member may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/client/api.hpp"
#include "vft/client/auth.hpp"
#include "vft/core/result.hpp"
#include "vft/messages/search.hpp"
#include "vft/model/types.hpp"

namespace vft::client {

struct VkpClientOptions {
    ApiOptions api;                          // base_url is the root above /epj/r4
    std::string orgnr;                       // the receiving municipality (9 digits, mod 11)
    std::vector<std::string> service_codes;  // ServiceCodes header for searches, e.g. {"TA"}
};

// A search by patient; dates bound careplan and composition searches (date=ge.../date=le...).
struct VkpQuery {
    std::string patient;  // fødselsnummer / D-nummer; empty = all (a list)
    std::optional<std::chrono::year_month_day> from;  // date=geYYYY-MM-DD
    std::optional<std::chrono::year_month_day> to;    // date=leYYYY-MM-DD
    std::vector<std::string> service_codes;           // empty = the client's
};

// A searchset Bundle for which the SDK has no typed reader.
struct SearchSet {
    std::string json;  // the Bundle as received
    int total = 0;     // number of entries
};

class VkpClient {
  public:
    // Errors: VFT-ID-0404 (orgnr), VFT-BUILD-0704 (base_url), those of HttpClient::create.
    [[nodiscard]] static Result<VkpClient> create(VkpClientOptions options, Auth auth);

    // POST .../bundle (scope nhn:vkp/api/user/bundle.write); 2xx expected.
    [[nodiscard]] Result<Reply<Written>> journal(std::string_view bundle_json) const;
    // Single-resource writes: composition, medicationdispense, encounter (`{resource}.write`).
    [[nodiscard]] Result<Reply<Written>> write_composition(std::string_view json) const;
    [[nodiscard]] Result<Reply<Written>> write_medication_dispense(std::string_view json) const;
    [[nodiscard]] Result<Reply<Written>> write_encounter(std::string_view json) const;

    // patient/_search (identifier=<fnr>) and episodeofcare/_search (patient.identifier): the
    // patients with their municipal services.
    [[nodiscard]] Result<Reply<std::vector<PatientRecord>>> search_patients(
        const VkpQuery& query) const;
    [[nodiscard]] Result<Reply<std::vector<PatientRecord>>> search_episodes_of_care(
        const VkpQuery& query) const;
    // careplan/_search: visit plans, visits bounded by from/to.
    [[nodiscard]] Result<Reply<std::vector<VisitPlan>>> search_care_plans(
        const VkpQuery& query) const;
    // composition (date ge/le), condition, medicationstatement (patient.identifier) and
    // allergyintolerance (identifier): the searchset as received.
    [[nodiscard]] Result<Reply<SearchSet>> search_compositions(const VkpQuery& query) const;
    [[nodiscard]] Result<Reply<SearchSet>> search_conditions(const VkpQuery& query) const;
    [[nodiscard]] Result<Reply<SearchSet>> search_medication_statements(
        const VkpQuery& query) const;
    [[nodiscard]] Result<Reply<SearchSet>> search_allergy_intolerances(const VkpQuery& query) const;

    // The URL of a resource endpoint: {base}/epj/r4/{orgnr}/{resource}.
    [[nodiscard]] std::string url(std::string_view resource) const;

    struct State;

  private:
    explicit VkpClient(std::shared_ptr<const State> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const State> impl_;
};

}  // namespace vft::client
