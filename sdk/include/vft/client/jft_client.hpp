// vft::client::JftClient — Journalføringstjenesten (domain §3.2): submit a Bundle, Composition
// or MedicationDispense (POST /v1/{type} → 202 + status URL in Location), read its status
// (GET .../$status), acknowledge journaling (POST .../$journaling-acknowledged → 202), and
// search with _count and cursor paging (GET /v1/{type}, following the Bundle's next link).
// Scope `nhn:jft/api`; JFT requires DPoP (Auth::dpop), other Auth kinds are sent as configured.
//
// Thread-safety: every member may be called from any number of threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/client/api.hpp"
#include "vft/client/auth.hpp"
#include "vft/core/result.hpp"

namespace vft::client {

struct JftClientOptions {
    ApiOptions api;  // base_url is the root above /v1
    std::vector<std::string> scopes = {"nhn:jft/api"};
    std::string source_system;  // nhn-source-system header; empty = none
    int max_pages = 1000;       // search_all stops with an error after this
};

// The lifecycle of a submitted event (plain JSON, not FHIR). Each stage is its timestamp as
// sent, or empty while it has not happened (null).
struct JftStatus {
    std::string registered;
    std::string read;
    std::string journaled;  // also read from "journalingAcknowledged" (newer documentation)
    std::string failed;
};

struct JftSearch {
    int count = 0;                                            // _count; 0 = the server's default
    std::vector<std::pair<std::string, std::string>> params;  // e.g. {"_sort","-_lastUpdated"}
};

struct JftPage {
    std::vector<std::string> resources;  // each entry's resource as JSON text
    std::vector<std::string> full_urls;  // entry.fullUrl, same order
    std::string next;                    // the next link; empty on the last page
};

class JftClient {
  public:
    // Errors: VFT-BUILD-0704 (base_url), those of HttpClient::create.
    [[nodiscard]] static Result<JftClient> create(JftClientOptions options, Auth auth);

    // POST /v1/{type}; `type` is Bundle, Composition or MedicationDispense (else VFT-BUILD-0704).
    // Expects 202; the value is the status URL (Location); a 202 without one is VFT-READ-0802.
    [[nodiscard]] Result<Reply<std::string>> submit(std::string_view resource_type,
                                                    std::string_view json) const;
    // GET {status_url} (as returned by submit), or /v1/{type}/{id}/$status.
    [[nodiscard]] Result<Reply<JftStatus>> status(std::string_view status_url) const;
    [[nodiscard]] Result<Reply<JftStatus>> status(std::string_view resource_type,
                                                  std::string_view id) const;
    // POST /v1/{type}/{id}/$journaling-acknowledged; expects 202; value = the status URL.
    [[nodiscard]] Result<Reply<std::string>> acknowledge(std::string_view resource_type,
                                                         std::string_view id) const;
    // One page of GET /v1/{type}?_count=..&params.
    [[nodiscard]] Result<Reply<JftPage>> search(std::string_view resource_type,
                                                const JftSearch& query) const;
    // The page at a next link (must be on the base URL's server: tokens never go elsewhere).
    [[nodiscard]] Result<Reply<JftPage>> next(std::string_view next_url) const;
    // Every page to the end; the value holds all resources, `attempts` sums all requests.
    [[nodiscard]] Result<Reply<JftPage>> search_all(std::string_view resource_type,
                                                    const JftSearch& query) const;

    struct State;

  private:
    explicit JftClient(std::shared_ptr<const State> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<const State> impl_;
};

// The resource id in a JFT status URL (".../v1/{type}/{id}/$status") — "" when not one.
[[nodiscard]] std::string jft_id_from_status_url(std::string_view status_url);

}  // namespace vft::client
