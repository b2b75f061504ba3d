// KITH Applikasjonskvittering (AppRec 1.0 and 1.1, domain §4): the receipt a receiver returns
// for a message that asked for one (MsgHead Ack V="J") — status from kodeverk 8258, error
// codes from kodeverk 8221 and a reference to the original message. Build, read, and derive one
// from the DialogMessage it answers.
//
// The built XML is UTF-8 and validates against specs/kith (vft::Validator, spec "kith").
// Thread safety: the types are plain values; the free functions are thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/model/types.hpp"

namespace vft::kith {

enum class AppRecVersion {
    v1_0,  // HIS 80415:2004, namespace http://www.kith.no/xmlstds/apprec/2004-11-21
    v1_1,  // HIS 80415:2012, namespace http://www.kith.no/xmlstds/apprec/2012-02-15
};

// Kodeverk 8258 "Status for mottak av melding". The numbers are the codes; never reorder
// (domain §6 item 9: some codebases swap 2 and 3).
enum class AppRecStatus {
    ok = 1,                // "OK"
    rejected = 2,          // "Avvist" — needs at least one error
    ok_error_in_part = 3,  // "OK, feil i delmelding"
};

// One AppRec/Error: V = code, S = the 8221 OID (written by the builder), DN = text, OT = detail.
struct AppRecError {
    std::string code;    // kodeverk 8221, e.g. "T02", "E35"
    std::string text;    // DN; the builder fills in the code list's text when empty
    std::string detail;  // OT, free text for a person; optional
    bool operator==(const AppRecError&) const = default;
};

struct AppRec {
    AppRecVersion version = AppRecVersion::v1_0;
    std::string id;         // AppRec/Id, a GUID; generated (random v4, lower case) when empty
    vft::Time generated{};  // GenDate in UTC with seconds; the epoch means "now" when building
    Organisation sender;    // the receiver of the original message
    Organisation receiver;  // the sender of the original message
    AppRecStatus status = AppRecStatus::ok;
    std::vector<AppRecError> errors;  // none for ok; at least one for rejected
    // OriginalMsgId: what is acknowledged.
    std::string original_msg_type = "DIALOG_NOTAT";  // its MsgInfo/Type (kodeverk 8279)
    vft::Time original_issue_date{};                 // its GenDate; required
    std::string original_msg_id;                     // its MsgInfo/MsgId; required
    bool operator==(const AppRec&) const = default;
};

// Builds the AppRec XML: vft::Message with identifier = AppRec Id, resource_type "AppRec", the
// XML text in `body` and `media_type` Message::kXml.
// Organisations are written as HCP/Inst with Id = HER-id (TypeId HER), the orgnr as an
// AdditionalId (Type ENH) and a department as Dept.
// The receiver (the party answered) is written as its message gave it: name, HER-id and orgnr
// may be empty or unchecked (AppRec's Inst/Name and Inst/Id are optional, and MsgHead allows an
// empty OrganisationName); only the sender (this system) must be complete.
// Errors: VFT-XML-0503 (missing: names, HER-id, original MsgId or issue date, the error of a
// rejected AppRec), VFT-XML-0504 (invalid: error code not in 8221, errors on status ok, status or
// version out of range, orgnr, HER-id, GUID, text that XML cannot carry).
[[nodiscard]] vft::Result<vft::Message> build_apprec(const AppRec& apprec);

// Reads an AppRec 1.0 or 1.1 (the version follows the namespace). A DOCTYPE is refused.
// An Error written with V and S swapped (domain §6 item 9) is read with the code from S.
// Errors: VFT-XML-0501 (not well-formed, DOCTYPE), VFT-XML-0505 (the root is not an AppRec
// 1.0/1.1), VFT-XML-0506 (Status missing or not 1/2/3; Id, GenDate or OriginalMsgId missing
// or invalid).
[[nodiscard]] vft::Result<AppRec> read_apprec(std::string_view xml);

// The AppRec that answers `original`: sender = original.receiver, receiver = original.sender,
// OriginalMsgId from its type, generated time and msg_id; a new id and generated = now.
// Pass the message as read or as sent (with msg_id and generated filled in): an empty msg_id or
// epoch time is copied as is and then refused by build_apprec.
[[nodiscard]] AppRec apprec_for(const DialogMessage& original, AppRecStatus status,
                                std::vector<AppRecError> errors = {},
                                AppRecVersion version = AppRecVersion::v1_0);

}  // namespace vft::kith
