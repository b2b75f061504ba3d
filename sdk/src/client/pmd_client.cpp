// PmdClient: PMD batches and their per-entry results.
#include "vft/client/pmd_client.hpp"

#include "client/caller.hpp"
#include "client/client_util.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::client {

struct PmdClient::State {
    PmdClientOptions options;
    detail::Caller caller;
};

Result<PmdClient> PmdClient::create(PmdClientOptions options, Auth auth) {
    auto caller = detail::Caller::create(options.api, std::move(auth));
    if (!caller) return caller.error();
    return PmdClient(
        std::make_shared<const State>(State{std::move(options), std::move(caller).value()}));
}

namespace {

Result<detail::Called> post(const detail::Caller& caller, const std::vector<std::string>& scopes,
                            std::string body) {
    transport::HttpRequest r{
        "POST",
        caller.base() + "/pmd",
        {{"Content-Type", "application/fhir+json"}, {"Accept", "application/fhir+json"}},
        std::move(body)};
    auto called = caller.send(r, scopes, true);
    if (!called) return called.error();
    auto ok = detail::Caller::expect(*called, {200});
    if (!ok) return ok.error();
    return called;
}

}  // namespace

Result<Reply<std::vector<pmd::EntryResult>>> PmdClient::send_json(
    std::string_view bundle_json) const {
    auto called = post(impl_->caller, impl_->options.scopes, std::string(bundle_json));
    if (!called) return called.error();
    auto read = pmd::read_batch_response(called->response.body);
    if (!read) return read.error();
    return Reply<std::vector<pmd::EntryResult>>{std::move(read).value(), called->response.status,
                                                called->attempts};
}

Result<Reply<PmdSent>> PmdClient::send(const pmd::Batch& input) const {
    pmd::Batch batch = input;
    pmd::assign_missing_ids(batch);
    auto built = pmd::build_batch(batch);
    if (!built) return built.error();
    auto called = post(impl_->caller, impl_->options.scopes, std::move(built->body));
    if (!called) return called.error();
    auto read = pmd::read_batch_response(called->response.body, batch);
    if (!read) return read.error();
    PmdSent sent;
    sent.identifier = batch.identifier;
    for (const auto& m : batch.measurements)
        sent.measurement_ids.push_back(m.id);
    // Put each result at the position of its measurement (the answer may be in any order).
    sent.results.resize(batch.measurements.size());
    std::vector<bool> filled(batch.measurements.size(), false);
    for (auto& result : *read) {
        size_t i = 0;
        while (i < batch.measurements.size() && batch.measurements[i].id != result.measurement_id)
            ++i;
        if (i == batch.measurements.size() || filled[i])
            return detail::make_error(errc::read_invalid_value,
                                      "the PMD answer has a result for '" +
                                          detail::sanitize(result.measurement_id, 80) +
                                          "', which was not sent or was answered twice");
        filled[i] = true;
        sent.results[i] = std::move(result);
    }
    for (size_t i = 0; i < filled.size(); ++i)
        if (!filled[i]) {
            Error e = detail::make_error(
                errc::read_missing_element,
                "the PMD answer has no result for measurement " + batch.measurements[i].id);
            e.location = "Batch.measurements[" + std::to_string(i) + "]";
            return e;
        }
    return Reply<PmdSent>{std::move(sent), called->response.status, called->attempts};
}

}  // namespace vft::client
