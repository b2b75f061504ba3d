// The reference receiver's core: what every API shares once a router has mapped an HTTP request
// to it. A write is parsed once (ParsedJson), read for what the journal keeps (identifier,
// resource type, the resources it brings), judged by the SDK validator on that same parse,
// journaled once per identifier and answered. The routers (routes_vkp.cpp, routes_jft_write.cpp,
// routes_jft_read.cpp, routes_pmd.cpp, routes_kith.cpp) map paths, parameters and answers of
// their API to it; receiver.cpp wires the hooks (Host, faults, tokens, errors) and the engine.
//
// Named defects (vft/mocks/defects.hpp) are `defects.has(Defect::…)` branches beside the rule
// each one breaks; the table in defects.cpp names the place.
//
// Thread safety: configured before serving; the handlers run on the engine's event loop or its
// workers at once (the journal and the validator are thread-safe, everything else is read-only).
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "epj_data.hpp"
#include "faults.hpp"
#include "http/server.hpp"
#include "journal.hpp"
#include "vft/core/time.hpp"
#include "vft/mocks/defects.hpp"
#include "vft/mocks/receiver.hpp"
#include "vft/validate/validator.hpp"
#include "write_pairs.hpp"

namespace vft {
class ParsedJson;
}

namespace vft::mocks::detail {

namespace http = ::vft::detail::http;
using JValue = rapidjson::Value;

inline constexpr const char* kFhirJson = "application/fhir+json; charset=utf-8";

// The fault rule that fired for the request this worker thread is handling: set by the fault
// hook at the start of every request (the hook, the handler and the post-routing handler run on
// one thread), read by the core ("duplicate") and after routing ("slow-body").
extern thread_local std::optional<FaultRule> t_fault;

// An OperationOutcome with one issue carrying a VKP error code (vkp-operation-outcome-v090).
[[nodiscard]] std::string vkp_outcome(std::string_view vkp_code, std::string_view display,
                                      std::string_view text,
                                      std::string_view issue_code = "invalid");
// The validator's OperationOutcome, led by VKP code 2.4 (ugyldig format) so VKP clients see the
// class.
[[nodiscard]] std::string invalid_outcome(const ValidationReport& report);
[[nodiscard]] std::string json_string(std::string_view s);  // a JSON string literal
[[nodiscard]] std::string to_json(const JValue& v);
[[nodiscard]] const JValue* member(const JValue& v, const char* k);
[[nodiscard]] std::string str(const JValue* v);
// application/x-www-form-urlencoded, as VKP's _search endpoints take (domain §3.1).
[[nodiscard]] std::multimap<std::string, std::string> form(const std::string& body);
// "urn:oid:2.16.578.1.12.4.1.4.1|<fnr>" or just "<fnr>".
[[nodiscard]] std::string person_param(const std::string& v);

void reply(http::Response& res, int status, const std::string& body, const char* type = kFhirJson);

// A FHIR write as its router hands it over: which API journals it, which spec judges it.
struct WriteTarget {
    std::string api;    // vkp | jft | pmd (the journal's namespace of identifiers)
    std::string spec;   // the validator's package: vkp-r4 | jft | pmd
    std::string orgnr;  // VKP's municipality; empty elsewhere
};

// What a write brings, read from the parsed document before the validator normalises it.
struct ReadWrite {
    std::string identifier;     // Bundle.identifier, else the first identifier, else sha256:…
    std::string resource_type;  // the document's resourceType
    std::string journaled;      // the body the journal keeps (the request body, or mangled)
};

class ReceiverCore {
  public:
    ReceiverCore(ReceiverOptions o, std::unique_ptr<Journal> j, Validator v)
        : options(std::move(o)), journal(std::move(j)), validator(std::move(v)) {}

    ReceiverOptions options;
    EpjData epj;
    std::unique_ptr<Journal> journal;
    Validator validator;
    Defects defects;
    std::string base_url;  // set by start() (or the socket-less router)
    // Writes are answered later (Response::later) from the journal's commit thread instead of
    // waiting for their group commit: set by start() when handlers run on the event loop.
    bool answer_later = false;

    // --- writes ---
    // The gate of every FHIR write: the Content-Type (415), then the one parse of the body. When
    // it is not a JSON object the answer (the validator's report on the text) is sent and false
    // returned.
    bool parse_fhir(const http::Request& req, http::Response& res, ParsedJson& parsed) const;
    // Judges the parsed document (normalising it in place: read it first).
    [[nodiscard]] ValidationReport judge(ParsedJson& parsed, const std::string& spec) const;
    // 400 for a message that does not conform; the server-error-on-invalid defect says 500.
    [[nodiscard]] int invalid_status() const;
    // What the journal keeps of a write (identifier, type, body), from the parsed document.
    [[nodiscard]] ReadWrite read_write(const http::Request& req,
                                       const rapidjson::Document& d) const;
    // The resources a journaled message brings into the EPJ: the resource itself, or each
    // readable entry of a bundle.
    [[nodiscard]] std::vector<Record> records_of(const rapidjson::Document& d) const;
    // The same for a bundle, each with the index of its entry.
    [[nodiscard]] std::vector<std::pair<size_t, Record>> entry_records(
        const rapidjson::Document& d) const;

    // A whole write for a single verdict (VKP, JFT): parse, read, judge, journal once, answer.
    // `accepted` builds the outcome of the first submission from the new resource id.
    void write(
        const WriteTarget& target, const http::Request& req, http::Response& res,
        const std::function<StoredOutcome(const std::string&, const ValidationReport&)>& accepted);
    // Journals a judged message once per identifier with its records, and answers with the
    // outcome of its first submission.
    void journal_write(const WriteTarget& target, const ReadWrite& what,
                       const std::vector<Record>& records,
                       const std::function<StoredOutcome(const std::string&)>& accepted,
                       http::Response& res);

    // --- the checks searches and writes share ---
    // A valid orgnr this receiver serves, else 400 2.2 and false.
    bool orgnr_ok(const std::string& orgnr, http::Response& res) const;
    // The person a search is about; false (and a 400 2.1) when it is not a valid fødselsnummer
    // or D-nummer.
    bool person_ok(const std::string& ident, http::Response& res) const;
    // The "tjenstlig behov" gate (domain §3.1): the ServiceCodes header must name a service the
    // patient has in this municipality.
    [[nodiscard]] bool service_need(const http::Request& req, const EpjPatient& p) const;
    static void missing_service(const http::Request& req, http::Response& res);
    // The form body and the query together.
    [[nodiscard]] static std::multimap<std::string, std::string> search_params(
        const http::Request& req);
    // date=geYYYY-MM-DD and date=leYYYY-MM-DD (or full dateTimes); a date alone means the whole
    // day. Returns false when a reply was sent.
    static bool date_range(const std::multimap<std::string, std::string>& params,
                           http::Response& res, std::optional<Time>& from, std::optional<Time>& to);
    // Read-back of journaled resources for VKP (`orgnr`, `type`) and PMD (`pmd`): a searchset.
    void journaled_search(const http::Request& req, http::Response& res, bool pmd,
                          const std::string& orgnr, const std::string& type);

  private:
    // The answer to a journaled write: its stored outcome, or 500 when the commit failed.
    static void answer(const Result<StoredOutcome>& stored, http::Response& res);
    WritePairs write_pairs_{std::chrono::seconds(1)};  // lost-write-under-load
};

// One per API: maps its paths to the core.
void add_vkp_routes(http::Router& router, ReceiverCore& core);
void add_jft_write_routes(http::Router& router, ReceiverCore& core);
void add_jft_read_routes(http::Router& router, ReceiverCore& core);
void add_pmd_routes(http::Router& router, ReceiverCore& core);
void add_kith_routes(http::Router& router, ReceiverCore& core);

}  // namespace vft::mocks::detail
