// The registry of vft error codes. A code is never reused or renumbered; add new ones at the end
// of their family and document them in docs/error-codes.md.
// Families: JSON 01xx, SPEC 02xx, VAL 03xx, ID 04xx, XML 05xx, IO 06xx, BUILD 07xx, READ 08xx,
// AUTH 09xx, NET 10xx, OUTBOX 11xx; HTTP uses the status itself (VFT-HTTP-0429); VKP uses the
// VKP error code of the OperationOutcome (2.1 -> VFT-VKP-0201).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace vft::errc {

// Parsing JSON input.
inline constexpr std::string_view json_syntax = "VFT-JSON-0101";
inline constexpr std::string_view json_encoding = "VFT-JSON-0102";
inline constexpr std::string_view json_too_deep = "VFT-JSON-0103";
inline constexpr std::string_view json_not_resource = "VFT-JSON-0104";
inline constexpr std::string_view json_too_large = "VFT-JSON-0105";

// Loading and compiling spec packages.
inline constexpr std::string_view spec_not_found = "VFT-SPEC-0201";
inline constexpr std::string_view spec_malformed = "VFT-SPEC-0202";
inline constexpr std::string_view spec_schema_invalid = "VFT-SPEC-0203";
inline constexpr std::string_view spec_rule_invalid = "VFT-SPEC-0204";
inline constexpr std::string_view spec_xsd_invalid = "VFT-SPEC-0205";

// Validation outcome (a message that is not valid).
inline constexpr std::string_view validation_failed = "VFT-VAL-0301";

// Identifiers.
inline constexpr std::string_view id_fnr_invalid = "VFT-ID-0401";
inline constexpr std::string_view id_dnr_invalid = "VFT-ID-0402";
inline constexpr std::string_view id_fhn_invalid = "VFT-ID-0403";
inline constexpr std::string_view id_orgnr_invalid = "VFT-ID-0404";
inline constexpr std::string_view id_hpr_invalid = "VFT-ID-0405";

// XML input.
inline constexpr std::string_view xml_syntax = "VFT-XML-0501";
inline constexpr std::string_view xml_unsupported = "VFT-XML-0502";
inline constexpr std::string_view xml_build_missing =
    "VFT-XML-0503";  // KITH builder: required value missing
inline constexpr std::string_view xml_build_invalid =
    "VFT-XML-0504";                                                 // KITH builder: value invalid
inline constexpr std::string_view xml_not_apprec = "VFT-XML-0505";  // reader: not an AppRec 1.0/1.1
inline constexpr std::string_view xml_read_invalid =
    "VFT-XML-0506";  // reader: required element missing/invalid

// Builders: the input cannot make a valid national message.
inline constexpr std::string_view build_missing_field = "VFT-BUILD-0701";
inline constexpr std::string_view build_invalid_patient = "VFT-BUILD-0702";
inline constexpr std::string_view build_invalid_code = "VFT-BUILD-0703";
inline constexpr std::string_view build_invalid_value = "VFT-BUILD-0704";
inline constexpr std::string_view build_invalid_identifier = "VFT-BUILD-0705";
inline constexpr std::string_view build_invalid_time = "VFT-BUILD-0706";

// Readers: the message is not the one asked for, or lacks what the typed value needs.
inline constexpr std::string_view read_wrong_message = "VFT-READ-0801";
inline constexpr std::string_view read_missing_element = "VFT-READ-0802";
inline constexpr std::string_view read_invalid_value = "VFT-READ-0803";

// Auth: keys, JWTs, client assertions, tokens, DPoP.
inline constexpr std::string_view auth_key_invalid =
    "VFT-AUTH-0901";  // key file unreadable / wrong type
inline constexpr std::string_view auth_sign_failed = "VFT-AUTH-0902";
inline constexpr std::string_view auth_token_request =
    "VFT-AUTH-0903";  // token endpoint refused / unreachable
inline constexpr std::string_view auth_token_response =
    "VFT-AUTH-0904";  // token response not usable
inline constexpr std::string_view auth_jwt_malformed = "VFT-AUTH-0905";
inline constexpr std::string_view auth_signature_invalid = "VFT-AUTH-0906";
inline constexpr std::string_view auth_expired = "VFT-AUTH-0907";  // exp/iat/nbf outside the window
inline constexpr std::string_view auth_claim_mismatch =
    "VFT-AUTH-0908";  // iss/sub/aud/htm/htu/ath/scope
inline constexpr std::string_view auth_dpop_invalid = "VFT-AUTH-0909";
inline constexpr std::string_view auth_replay = "VFT-AUTH-0910";  // jti seen before

// Network (no HTTP response): retry may help.
inline constexpr std::string_view net_connect = "VFT-NET-1001";
inline constexpr std::string_view net_timeout = "VFT-NET-1002";
inline constexpr std::string_view net_tls = "VFT-NET-1003";
inline constexpr std::string_view net_resolve = "VFT-NET-1004";
inline constexpr std::string_view net_reset = "VFT-NET-1005";  // connection dropped mid-exchange
inline constexpr std::string_view net_deadline =
    "VFT-NET-1006";  // the call's overall deadline passed
inline constexpr std::string_view net_too_large =
    "VFT-NET-1007";  // response over max_response_bytes
inline constexpr std::string_view net_protocol = "VFT-NET-1008";  // the reply is not valid HTTP
inline constexpr std::string_view net_unsendable =
    "VFT-NET-1009";  // request cannot be sent as given

// The outbox (durable store-and-forward queue).
inline constexpr std::string_view outbox_open = "VFT-OUTBOX-1101";             // cannot open/create
inline constexpr std::string_view outbox_storage = "VFT-OUTBOX-1102";          // read/write failed
inline constexpr std::string_view outbox_unknown_message = "VFT-OUTBOX-1103";  // no such seq
inline constexpr std::string_view outbox_invalid_entry = "VFT-OUTBOX-1104";    // no identifier
inline constexpr std::string_view outbox_not_pending = "VFT-OUTBOX-1105";      // delivered or dead
inline constexpr std::string_view outbox_unknown_endpoint =
    "VFT-OUTBOX-1106";  // entry names no known endpoint
inline constexpr std::string_view outbox_delivery_config =
    "VFT-OUTBOX-1107";  // Deliverer options invalid / already started

// The mocks (receiver, token service) and the conformance runner.
inline constexpr std::string_view mock_journal = "VFT-MOCK-1201";   // journal file unusable
inline constexpr std::string_view mock_listen = "VFT-MOCK-1202";    // cannot bind / serve
inline constexpr std::string_view mock_epj_data = "VFT-MOCK-1203";  // EPJ fixture data unusable
inline constexpr std::string_view mock_faults = "VFT-MOCK-1204";    // fault rules invalid
inline constexpr std::string_view mock_defect = "VFT-MOCK-1205";    // unknown defect name
inline constexpr std::string_view mock_config = "VFT-MOCK-1206";    // clients/authz file invalid

// Reading a report.json (the evidence bundle).
inline constexpr std::string_view report_syntax = "VFT-REPORT-1301";  // not JSON / not UTF-8
inline constexpr std::string_view report_member =
    "VFT-REPORT-1302";  // member missing or of the wrong type
inline constexpr std::string_view report_value =
    "VFT-REPORT-1303";  // unknown format, status, verdict, direction

// The conformance runner and the SUT file.
inline constexpr std::string_view conf_sut_unreadable = "VFT-CONF-1401";  // SUT file: read / JSON
inline constexpr std::string_view conf_sut_invalid =
    "VFT-CONF-1402";  // SUT file: member missing, wrong type or invalid value
inline constexpr std::string_view conf_unknown_suite = "VFT-CONF-1403";
inline constexpr std::string_view conf_unknown_role = "VFT-CONF-1404";  // suite lacks the role
inline constexpr std::string_view conf_bad_glob = "VFT-CONF-1405";      // --only selects nothing
inline constexpr std::string_view conf_registry =
    "VFT-CONF-1406";  // test id malformed/duplicate, mandatory id unknown
inline constexpr std::string_view conf_token =
    "VFT-CONF-1407";  // no token for the SUT (key, token endpoint)
inline constexpr std::string_view conf_test_token =
    "VFT-CONF-1408";  // no test-token endpoint, or it refused
inline constexpr std::string_view conf_replay =
    "VFT-CONF-1409";  // re-judge: no recorded exchange for this request
inline constexpr std::string_view conf_requirements =
    "VFT-CONF-1410";  // requirements catalogue / test list inconsistent (mandatory without SHALL)
inline constexpr std::string_view conf_dpop_fault_unsupported =
    "VFT-CONF-1490";  // a test context cannot send a broken DPoP proof

// The conformance runner, role sender (the trigger protocol and the runner's endpoint).
inline constexpr std::string_view conf_sender_endpoint =
    "VFT-CONF-1451";  // the runner's receiver/token service/proxy could not start
inline constexpr std::string_view conf_sender_send =
    "VFT-CONF-1452";  // a sender-role test asked to send (a suite bug)
inline constexpr std::string_view conf_trigger =
    "VFT-CONF-1453";  // the trigger command failed, timed out or could not start
inline constexpr std::string_view conf_instruction =
    "VFT-CONF-1454";  // a test's instruction is not a JSON object (a suite bug)
inline constexpr std::string_view conf_sender_key =
    "VFT-CONF-1455";  // SUT auth.private_key unreadable: no client can be registered

// Files and streams.
inline constexpr std::string_view io_read = "VFT-IO-0601";
inline constexpr std::string_view io_write = "VFT-IO-0602";  // a file cannot be written

// Reports: 1301-1309 parsing report.json; 1310+ schema, signatures, certification, registry.
inline constexpr std::string_view report_schema = "VFT-REPORT-1310";  // not per its JSON Schema
inline constexpr std::string_view report_sig_malformed = "VFT-REPORT-1311";   // .sig unreadable
inline constexpr std::string_view report_sig_invalid = "VFT-REPORT-1312";     // wrong key/bytes
inline constexpr std::string_view report_inconsistent = "VFT-REPORT-1313";    // internal hashes
inline constexpr std::string_view report_cert_malformed = "VFT-REPORT-1314";  // certification
inline constexpr std::string_view report_registry = "VFT-REPORT-1315";        // registry file
inline constexpr std::string_view report_key_type = "VFT-REPORT-1316";  // signing key not Ed25519
inline constexpr std::string_view report_unsigned = "VFT-REPORT-1317";  // no signature file
inline constexpr std::string_view report_registry_refused =
    "VFT-REPORT-1318";  // registry action refused: no such record, already revoked/withdrawn
inline constexpr std::string_view report_publish =
    "VFT-REPORT-1319";  // the registry site cannot be published (no key, key mismatch, files)

// FHIRPath (vft::fhirpath): 15xx.
inline constexpr std::string_view fhirpath_syntax =
    "VFT-FHIRPATH-1501";  // expression does not parse
inline constexpr std::string_view fhirpath_runtime = "VFT-FHIRPATH-1502";  // run-time error (spec)

// The JFT reader's state file (vft::client::JftReader): 17xx.
inline constexpr std::string_view reader_open = "VFT-READER-1701";     // cannot open/create
inline constexpr std::string_view reader_storage = "VFT-READER-1702";  // read/write failed
// The two computed families: an HTTP status ("VFT-HTTP-0429", 0 when out of range) and a VKP
// error code of an OperationOutcome ("VFT-VKP-0201" for 2.1).
[[nodiscard]] inline std::string http_status_code(int status) {
    char code[24];
    std::snprintf(code, sizeof code, "VFT-HTTP-%04d", status >= 0 && status <= 9999 ? status : 0);
    return code;
}
[[nodiscard]] inline std::string vkp_code(int major, int minor) {
    char code[32];
    std::snprintf(code, sizeof code, "VFT-VKP-%02d%02d", major, minor);
    return code;
}

}  // namespace vft::errc
