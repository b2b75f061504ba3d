// JFT WriteAPI (domain §3.2) mapped to the receiver core: a submit is answered 202 with the
// Location of its $status, and $journaling-acknowledged records that the EPJ journaled it.
#include "receiver_core.hpp"

namespace vft::mocks::detail {

void add_jft_write_routes(http::Router& router, ReceiverCore& core) {
    router.Post(R"(/v1/(Bundle|Composition|MedicationDispense))", [&core](const http::Request& req,
                                                                          http::Response& res) {
        const std::string type = req.matches[1];
        core.write(
            {"jft", "jft", ""}, req, res, [&](const std::string& id, const ValidationReport&) {
                // jft-200-instead-of-202: no status Location either.
                if (core.defects.has(Defect::jft_200_instead_of_202))
                    return StoredOutcome{200, {}, {}, kFhirJson, 1};
                return StoredOutcome{
                    202, {}, core.base_url + "/v1/" + type + "/" + id + "/$status", kFhirJson, 1};
            });
    });
    router.Post(
        R"(/v1/(Bundle|Composition|MedicationDispense)/([0-9a-f-]+)/\$journaling-acknowledged)",
        [&core](const http::Request& req, http::Response& res) {
            // jft-status-stuck: the acknowledgement is answered but never recorded.
            auto ok = core.journal->mark(
                req.matches[1], req.matches[2],
                core.defects.has(Defect::jft_status_stuck) ? "read_at" : "journaled_at");
            if (!ok || !*ok)
                return reply(res, 404,
                             vkp_outcome("3", "annen feil", "no such resource", "not-found"));
            (void)core.journal->mark(req.matches[1], req.matches[2], "read_at");
            res.status = 202;
            res.set_header("Location", core.base_url + "/v1/" + std::string(req.matches[1]) + "/" +
                                           std::string(req.matches[2]) + "/$status");
        });
}

}  // namespace vft::mocks::detail
