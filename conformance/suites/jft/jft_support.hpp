// What the tests of the jft suite share (every role): the API's scope and references, messages
// built with the SDK builders and fresh identifiers from the context, and talking to the JFT
// API (submit, $status, searches paged along their next links). Suite-private.
// Thread-safety: free functions; each test uses its own TestContext from one thread.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../common/receiver_support.hpp"
#include "suites.hpp"
#include "vft/core/time.hpp"
#include "vft/messages/journal_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/model/types.hpp"

namespace vft::conformance::suites::jft_suite {

inline const std::vector<std::string> kScopes{"nhn:jft/api"};
inline constexpr const char* kJson = "application/json";  // as in the JFT examples (domain §3.2)

inline constexpr const char* kRefSubmit = "JFT WriteAPI submit, domain §3.2";
inline constexpr const char* kRefStatus = "JFT $status / $journaling-acknowledged, domain §3.2";
inline constexpr const char* kRefSearch = "JFT ReadAPI search, domain §3.2";
inline constexpr const char* kRefValidation =
    "JFT validation on submit, domain §3.2; DESIGN.md strict";
inline constexpr const char* kRefDuplicates =
    "DESIGN.md duplicates (Bundle.identifier idempotency)";
inline constexpr const char* kRefDuplicatesConcurrent =
    "DESIGN.md duplicates; specs/DECISIONS.md duplicates (also when resends arrive at once)";
inline constexpr const char* kRefAuth =
    "JFT auth: HelseID scope nhn:jft/api + DPoP, domain §3.2/§3.3";

// ---- the messages -----------------------------------------------------------------------------

// A journal note by the operator at `t` with one section of `text`.
[[nodiscard]] JournalNote note(Time t, std::string text);
// A DHO note as a JFT document Bundle / a single Composition.
[[nodiscard]] Result<Message> dho_document(
    TestContext& ctx, std::string text = "Blodtrykket er høyere enn vanlig; ringte brukeren.");
[[nodiscard]] Result<Message> dho_composition(TestContext& ctx);
[[nodiscard]] Result<Message> alarm_document(TestContext& ctx);
[[nodiscard]] Result<Message> supervision_document(TestContext& ctx);
[[nodiscard]] MedicationDispensed dispensed(TestContext& ctx);
[[nodiscard]] Result<Message> medication_transaction(TestContext& ctx);
[[nodiscard]] Result<Message> medication_dispense(TestContext& ctx);

// ---- talking to the API -----------------------------------------------------------------------

// {base_url}/v1/{type}
[[nodiscard]] std::string v1(TestContext& ctx, std::string_view type);
// `url` made absolute against base_url.
[[nodiscard]] std::string absolute(TestContext& ctx, const std::string& url);
// POST {type} / GET `url` with the SUT's auth (DPoP); a transport failure is in `out`.
[[nodiscard]] std::optional<HttpResponse> post(TestContext& ctx, Outcome& out,
                                               std::string_view type, std::string body,
                                               std::string note, const char* spec_ref = kRefSubmit,
                                               std::string content_type = kJson);
[[nodiscard]] std::optional<HttpResponse> get(TestContext& ctx, Outcome& out,
                                              const std::string& url, std::string note,
                                              const char* spec_ref);

// Submits and expects 202 with a Location naming /v1/{type}/{id}/$status. Returns the status URL.
[[nodiscard]] std::optional<std::string> submit_accepted(TestContext& ctx, Outcome& out,
                                                         std::string_view type, const Message& m,
                                                         const std::string& what);

struct Lifecycle {
    bool present = false;
    std::string registered, read, journaled;
};
// GET $status: 200 with plain JSON {"registered","read","journaled"|"journalingAcknowledged"}.
[[nodiscard]] std::optional<Lifecycle> status_of(TestContext& ctx, Outcome& out,
                                                 const std::string& url, const std::string& note);

struct Entry {
    std::string full_url;
    std::string resource;  // normalised JSON text
};
// Pages a search from `first_url` along the `next` links. Stops after the last page, when
// `enough` says so, or fails after `max_pages` or on a repeated link.
[[nodiscard]] std::optional<std::vector<Entry>> search_pages(
    TestContext& ctx, Outcome& out, std::string first_url, const std::string& note,
    size_t max_pages, const std::function<bool(const std::vector<Entry>&)>& enough = {});
// How many entries contain `needle`.
[[nodiscard]] size_t count_with(const std::vector<Entry>& entries, const std::string& needle);
// _lastUpdated lower bound well before this test (the SUT's clock may differ a little).
[[nodiscard]] std::string since(TestContext& ctx);
// Newest first until the resource with `needle` shows up.
[[nodiscard]] std::optional<std::vector<Entry>> find_newest(TestContext& ctx, Outcome& out,
                                                            std::string_view type,
                                                            const std::string& needle,
                                                            const std::string& note);

}  // namespace vft::conformance::suites::jft_suite
