#include "vft/mocks/defects.hpp"

#include <algorithm>

#include "vft/core/error_codes.hpp"

namespace vft::mocks {

const std::vector<DefectInfo>& all_defects() {
    static const std::vector<DefectInfo> list = [] {
        std::vector<DefectInfo> v = {
            {"accepts-expired-token", "auth", "accepts access tokens whose exp has passed"},
            {"accepts-invalid-bundles", "validation",
             "journals messages that fail validation instead of answering 400"},
            {"accepts-wrong-content-type", "robustness",
             "accepts any Content-Type instead of answering 415"},
            {"apprec-wrong-original-msgid", "kith",
             "AppRec OriginalMsgId does not correlate with the received MsgHead MsgId"},
            {"apprec-wrong-status", "kith",
             "AppRec status 1 (OK) for rejected messages instead of 2 with the error code"},
            {"careplan-ignores-date-range", "search",
             "careplan/_search returns visit plans outside the requested date range"},
            {"dpop-replay-accepted", "auth", "accepts a DPoP proof whose jti was used before"},
            {"ignores-auth", "auth", "accepts requests without a valid access token"},
            {"ignores-orgnr-authorization", "auth",
             "lets a client write to an orgnr its vkp-id is not authorised for"},
            {"ignores-scope", "auth", "does not check that the token's scopes cover the endpoint"},
            {"invalid-fnr-accepted", "search",
             "searches with an invalid fødselsnummer return 200 instead of 400 code 2.1"},
            {"jft-200-instead-of-202", "jft", "JFT submit answers 200 without a status Location"},
            {"jft-status-stuck", "jft",
             "$journaling-acknowledged is answered but $status never shows journaled"},
            {"journals-concurrent-duplicates", "duplicates",
             "the same identifier arriving twice at once is journaled twice (check-then-insert "
             "without an atomic claim)"},
            {"journals-duplicates", "duplicates",
             "a resubmitted identifier is journaled again instead of once"},
            {"lost-write-under-load", "journaling",
             "under concurrent writes some accepted messages are never journaled"},
            {"missing-service-code-allowed", "search",
             "searches without the ServiceCodes a patient needs are answered instead of 403 1.3"},
            {"mangles-norwegian-characters", "journaling",
             "journals text with æøå re-encoded as Latin-1 (mojibake)"},
            {"no-body-limit", "robustness", "accepts bodies over the size limit instead of 413"},
            {"no-dpop-check", "auth", "JFT and PMD accept Bearer tokens without a DPoP proof"},
            {"no-operation-outcome", "validation", "rejections carry no OperationOutcome body"},
            {"pmd-all-or-nothing", "pmd",
             "one invalid entry rejects the whole PMD batch instead of a result per entry"},
            {"search-ignores-identifier", "search",
             "patient/_search ignores the identifier and returns every patient"},
            {"server-error-on-invalid", "validation", "invalid messages get 500 instead of 400"},
        };
        std::sort(v.begin(), v.end(),
                  [](const DefectInfo& a, const DefectInfo& b) { return a.name < b.name; });
        return v;
    }();
    return list;
}

Result<Defects> Defects::parse(const std::vector<std::string>& names) {
    Defects d;
    for (const auto& n : names) {
        const auto& all = all_defects();
        const bool known =
            std::any_of(all.begin(), all.end(), [&](const DefectInfo& i) { return i.name == n; });
        if (!known) {
            std::string list;
            for (const auto& i : all)
                list += (list.empty() ? "" : ", ") + std::string(i.name);
            return Error{std::string(errc::mock_defect), "unknown defect '" + n + "'", "--defect",
                         "known defects: " + list};
        }
        d.on_.insert(n);
    }
    return d;
}

}  // namespace vft::mocks
