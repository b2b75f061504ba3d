// The table of named defects: one row per `Defect`, in enum (= name) order. The CLI's `vft mock
// defects` and the defect table of docs/mocks-defects.md are generated from it
// (scripts/defects-doc.sh; CTest docs.defects). Each row names its hook: the place in the mocks
// where the correct behaviour lives and the defect's branch sits beside it.
#include "vft/mocks/defects.hpp"

#include <algorithm>

#include "vft/core/error_codes.hpp"

namespace vft::mocks {

namespace {

using D = Defect;

const std::vector<DefectInfo> kTable = {
    {"accepts-expired-token", "auth", "accepts access tokens whose exp has passed",
     D::accepts_expired_token,
     "only `exp` is switched off: a token whose `exp` passed is judged as at its `exp`; "
     "signature, `nbf`, issuer, audience, scope still count",
     "a request with an expired token is answered instead of 401",
     "`auth_check.cpp`, the `exp` check"},
    {"accepts-invalid-bundles", "validation",
     "journals messages that fail validation instead of answering 400", D::accepts_invalid_bundles,
     "a message that fails validation is journaled and answered as accepted (VKP 201, JFT 202, "
     "PMD 200 with every entry 201). Malformed JSON (invalid UTF-8 included) is still 400: there "
     "is nothing to journal.",
     "the 2xx itself; the invalid resources are found by `…/_search`",
     "`receiver_core.cpp` `ReceiverCore::write` (the verdict); `routes_pmd.cpp` (per entry)"},
    {"accepts-wrong-content-type", "robustness",
     "accepts any Content-Type instead of answering 415", D::accepts_wrong_content_type,
     "any `Content-Type` is taken (FHIR and KITH endpoints) instead of 415",
     "the status; the message is journaled",
     "`receiver_core.cpp` `ReceiverCore::parse_fhir`; `routes_kith.cpp`"},
    {"apprec-wrong-original-msgid", "kith",
     "AppRec OriginalMsgId does not correlate with the received MsgHead MsgId",
     D::apprec_wrong_original_msgid,
     "the AppRec's `OriginalMsgId/Id` is a fresh GUID, not the MsgHead's `MsgId`",
     "the AppRec in the response", "`routes_kith.cpp`, building the AppRec"},
    {"apprec-wrong-status", "kith",
     "AppRec status 1 (OK) for rejected messages instead of 2 with the error code",
     D::apprec_wrong_status,
     "a message that should be rejected gets AppRec status 1 (OK) without errors",
     "the AppRec in the response", "`routes_kith.cpp`, building the AppRec"},
    {"careplan-ignores-date-range", "search",
     "careplan/_search returns visit plans outside the requested date range",
     D::careplan_ignores_date_range, "`careplan/_search` ignores `date=ge…`/`date=le…`",
     "visits outside the range", "`routes_vkp.cpp`, the careplan search"},
    {"dpop-replay-accepted", "auth", "accepts a DPoP proof whose jti was used before",
     D::dpop_replay_accepted, "only the proof `jti` replay check is switched off",
     "a replayed DPoP proof is accepted instead of 401", "`auth_check.cpp`, the DPoP proof check"},
    {"ignores-auth", "auth", "accepts requests without a valid access token", D::ignores_auth,
     "every token check is switched off (any request passes)",
     "a request without a token is answered instead of 401", "`auth_check.cpp` `check`"},
    {"ignores-orgnr-authorization", "auth",
     "lets a client write to an orgnr its vkp-id is not authorised for",
     D::ignores_orgnr_authorization,
     "only the organisation checks are switched off (vkp-id per orgnr, `orgnr_parent`)",
     "a write to an orgnr the client is not authorised for is answered instead of 403",
     "`auth_check.cpp`, the organisation checks"},
    {"ignores-scope", "auth", "does not check that the token's scopes cover the endpoint",
     D::ignores_scope, "only the scope check is switched off",
     "a token without the endpoint's scope is accepted instead of 403",
     "`auth_check.cpp`, the scope check"},
    {"invalid-fnr-accepted", "search",
     "searches with an invalid fødselsnummer return 200 instead of 400 code 2.1",
     D::invalid_fnr_accepted,
     "an identifier that is not a valid fødselsnummer/D-nummer is searched (200, nothing found) "
     "instead of 400 code 2.1",
     "200 where 400 with code 2.1 is due", "`receiver_core.cpp` `ReceiverCore::person_ok`"},
    {"jft-200-instead-of-202", "jft", "JFT submit answers 200 without a status Location",
     D::jft_200_instead_of_202,
     "JFT submit answers 200 without `Location` (the message is journaled)",
     "the status and the missing header", "`routes_jft_write.cpp`, the submit's answer"},
    {"jft-status-stuck", "jft",
     "$journaling-acknowledged is answered but $status never shows journaled", D::jft_status_stuck,
     "`$journaling-acknowledged` is answered 202 but never recorded: `$status` keeps "
     "`\"journaled\": null`",
     "`$status` after the acknowledgement", "`routes_jft_write.cpp`, `$journaling-acknowledged`"},
    {"journals-concurrent-duplicates", "duplicates",
     "the same identifier arriving twice at once is journaled twice (check-then-insert without "
     "an atomic claim)",
     D::journals_concurrent_duplicates,
     "the journal's claim of an identifier is a check-then-insert instead of one atomic step: an "
     "arrival looks the identifier up and, when absent, journals a new entry. The window between "
     "check and insert is held open deterministically: the first arrival of an identifier waits, "
     "before anything is looked up, until a second arrival of it comes (at most 1 s, so a lone "
     "write goes on and is claimed as usual); the identifier is then looked up once for all who "
     "came, and when absent each inserts — with its own answer (resource id, JFT status "
     "Location, KITH AppRec Id). Sequential resends are still journaled once, so "
     "`journals-duplicates`' tests pass.",
     "`…/_search` (or JFT `GET /v1/{type}`) returns the resource more than once after N "
     "simultaneous submissions; the answers differ",
     "`journal.cpp` `Journal::record_once` (`racy_claim`)"},
    {"journals-duplicates", "duplicates",
     "a resubmitted identifier is journaled again instead of once", D::journals_duplicates,
     "a resubmitted identifier is journaled again, as a new entry with its own resources (and, "
     "for JFT, a new status Location)",
     "`composition/_search` (or `detectedissue`, …, JFT `GET /v1/{type}`) returns the resource "
     "twice",
     "`receiver_core.cpp` `ReceiverCore::journal_write` (`record_once`'s `once`)"},
    {"lost-write-under-load", "journaling",
     "under concurrent writes some accepted messages are never journaled", D::lost_write_under_load,
     "writes are paired as they overlap: each write waits after its arrival (at most 1 s) for a "
     "second one, and the second of each pair is answered as accepted (201/202/200) and never "
     "journaled. Deterministic, no timing window decides: clients writing at once lose every "
     "second write; a write alone waits out the second and is kept, so one client writing in "
     "sequence loses none.",
     "fewer resources in `…/_search` than writes answered 2xx",
     "`receiver_core.cpp` `ReceiverCore::journal_write`; the pairing is `write_pairs.hpp`"},
    {"mangles-norwegian-characters", "journaling",
     "journals text with æøå re-encoded as Latin-1 (mojibake)", D::mangles_norwegian_characters,
     "journals the message with its UTF-8 read as Latin-1 and encoded again (\"Kåre\" → "
     "\"KÃ¥re\"); the answer to the write is unchanged",
     "the text in `…/_search` and JFT `GET /v1/{type}`",
     "`receiver_core.cpp` `ReceiverCore::read_write` (what is journaled)"},
    {"missing-service-code-allowed", "search",
     "searches without the ServiceCodes a patient needs are answered instead of 403 1.3",
     D::missing_service_code_allowed,
     "every search is answered whatever the `ServiceCodes` header says (no 403 1.3)",
     "200 where 403 with code 1.3 is due", "`receiver_core.cpp` `ReceiverCore::service_need`"},
    {"no-body-limit", "robustness", "accepts bodies over the size limit instead of 413",
     D::no_body_limit,
     "no request size limit (`--max-body` ignored) instead of 413; the mock itself still stops "
     "at 256 MiB",
     "the status", "`receiver.cpp`, the HTTP engine's body limit"},
    {"no-dpop-check", "auth", "JFT and PMD accept Bearer tokens without a DPoP proof",
     D::no_dpop_check,
     "everything about DPoP is switched off: JFT/PMD take `Bearer` without a proof, a bound "
     "token as Bearer is accepted",
     "a JFT or PMD request with a Bearer token is answered instead of 401",
     "`auth_check.cpp`, the DPoP checks"},
    {"no-operation-outcome", "validation", "rejections carry no OperationOutcome body",
     D::no_operation_outcome,
     "every response with status ≥ 400 has an empty body (no OperationOutcome) — also 404, 413, "
     "415",
     "the body", "`receiver.cpp`, the error and post-routing hooks"},
    {"pmd-all-or-nothing", "pmd",
     "one invalid entry rejects the whole PMD batch instead of a result per entry",
     D::pmd_all_or_nothing,
     "one invalid entry rejects the whole batch with 400 (nothing stored) instead of a "
     "batch-response with a result per entry",
     "the status; `/pmd/Observation/_search` finds none of the good entries",
     "`routes_pmd.cpp`, the batch verdict"},
    {"search-ignores-identifier", "search",
     "patient/_search ignores the identifier and returns every patient",
     D::search_ignores_identifier,
     "`patient/_search` answers with every patient the ServiceCodes allow, whatever the "
     "identifier",
     "more than one Patient for one fødselsnummer", "`routes_vkp.cpp`, the patient search"},
    {"server-error-on-invalid", "validation", "invalid messages get 500 instead of 400",
     D::server_error_on_invalid,
     "invalid messages (validation failures, malformed JSON, a PMD batch-level error) get 500 "
     "instead of 400; still not journaled",
     "the status", "`receiver_core.cpp` `ReceiverCore::invalid_status`"},
};

}  // namespace

const std::vector<DefectInfo>& all_defects() {
    return kTable;
}

const DefectInfo& defect_info(Defect d) {
    return kTable[static_cast<size_t>(d)];
}

Result<Defects> Defects::parse(const std::vector<std::string>& names) {
    Defects d;
    for (const auto& n : names) {
        const auto& all = all_defects();
        const auto it =
            std::find_if(all.begin(), all.end(), [&](const DefectInfo& i) { return i.name == n; });
        if (it == all.end()) {
            std::string list;
            for (const auto& i : all)
                list += (list.empty() ? "" : ", ") + std::string(i.name);
            return Error{std::string(errc::mock_defect), "unknown defect '" + n + "'", "--defect",
                         "known defects: " + list};
        }
        d.on_.set(static_cast<size_t>(it->id));
        d.names_.insert(n);
    }
    return d;
}

}  // namespace vft::mocks
