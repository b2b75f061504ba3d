// PMD (domain §2.8) mapped to the receiver core: a batch of Observations, each entry answered
// on its own (201, or 400 with its issues), and the read-back of the accepted Observations.
#include <cstdio>

#include "receiver_core.hpp"
#include "vft/internal/parsed_json.hpp"

namespace vft::mocks::detail {

namespace {

constexpr const char* kEntryIdExtension =
    "http://hl7.no/fhir/vkpobservation/StructureDefinition/PmdBundleResponseEntryIdExtension";

void batch(ReceiverCore& core, const http::Request& req, http::Response& res) {
    ParsedJson parsed(req.body);
    if (!core.parse_fhir(req, res, parsed)) return;
    // Read before judging: the validator normalises the document in place.
    const rapidjson::Document& d = parsed.doc();
    const ReadWrite what = core.read_write(req, d);
    auto records = core.entry_records(d);
    const JValue* entry = member(d, "entry");
    const bool entries_array = entry && entry->IsArray();
    std::vector<std::string> full_urls;
    if (entries_array)
        for (const auto& e : entry->GetArray())
            full_urls.push_back(str(member(e, "fullUrl")));
    const auto report = core.judge(parsed, "pmd");
    // Issues inside entry i fail entry i only; any other error fails the whole batch.
    std::map<size_t, std::vector<const Issue*>> by_entry;
    bool batch_error = false;
    for (const auto& i : report.issues) {
        if (i.severity != Severity::error && i.severity != Severity::fatal) continue;
        size_t n = 0;
        if (std::sscanf(i.path.c_str(), "Bundle.entry[%zu]", &n) == 1 &&
            i.path.find(".resource") != std::string::npos)
            by_entry[n].push_back(&i);
        else
            batch_error = true;
    }
    if (core.defects.has(Defect::accepts_invalid_bundles)) {
        by_entry.clear();
        batch_error = false;
    }
    // pmd-all-or-nothing: one failed entry fails the batch.
    if (batch_error || !entries_array ||
        (!by_entry.empty() && core.defects.has(Defect::pmd_all_or_nothing)))
        return reply(res, core.invalid_status(), invalid_outcome(report));
    // The batch is journaled (once per Bundle.identifier) even when some entries failed; only
    // the entries answered 201 become readable Observations.
    std::vector<Record> accepted;
    for (auto& [at, r] : records)
        if (!by_entry.count(at)) accepted.push_back(std::move(r));
    core.journal_write(
        {"pmd", "pmd", ""}, what, accepted,
        [&](const std::string&) {
            std::string out = R"({"resourceType":"Bundle","type":"batch-response","entry":[)";
            for (size_t i = 0; i < full_urls.size(); ++i) {
                const std::string& full_url = full_urls[i];
                out += (i ? "," : "") + std::string(R"({"fullUrl":)") + json_string(full_url) +
                       R"(,"response":{"extension":[{"url":")" + kEntryIdExtension +
                       R"(","valueUri":)" + json_string(full_url) + "}],";
                auto bad = by_entry.find(i);
                if (bad == by_entry.end()) {
                    out += R"("status":"201 Created","location":"Observation/)" +
                           full_url.substr(full_url.rfind(':') + 1) + "\"}}";
                } else {
                    ValidationReport part;
                    for (const Issue* issue : bad->second)
                        part.issues.push_back(*issue);
                    out += R"("status":"400 Bad Request","outcome":)" +
                           part.to_operation_outcome() + "}}";
                }
            }
            return StoredOutcome{200, out + "]}", {}, kFhirJson, 1};
        },
        res);
}

}  // namespace

void add_pmd_routes(http::Router& router, ReceiverCore& core) {
    router.Post("/pmd",
                [&core](const http::Request& req, http::Response& res) { batch(core, req, res); });
    router.Post("/pmd/Observation/_search", [&core](const http::Request& req, http::Response& res) {
        core.journaled_search(req, res, true, "", "Observation");
    });
}

}  // namespace vft::mocks::detail
