// KITH Dialogmelding over the Norsk Helsenett message exchange (domain §4): a Hodemelding
// (MsgHead 1.2) whose Document carries a Dialogmelding 1.1 Notat, from one organisation to
// another about one patient. Build it from plain values, or read the values back from XML.
//
// The built XML is UTF-8 and validates against specs/kith (vft::Validator, spec "kith").
// Thread safety: the types are plain values; the free functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "vft/core/result.hpp"
#include "vft/model/types.hpp"

namespace vft::kith {

// A sub-unit of an organisation with its own address in Adresseregisteret (e.g. a department or
// home-care zone): MsgHead's Organisation nested in Organisation, AppRec's Inst/Dept.
struct Department {
    std::string name;    // required
    std::string her_id;  // required; digits only
    bool operator==(const Department&) const = default;
};

// A sender or receiver. NHN routes by HER-id, so the builders require it; the
// organisasjonsnummer (Ident TypeId ENH) is optional and checked (mod 11) when given.
struct Organisation {
    std::string name;    // OrganisationName (MsgHead) / Inst/Name (AppRec); required
    std::string orgnr;   // 9 digits, Enhetsregisteret; optional
    std::string her_id;  // digits only; required by the builders
    std::optional<Department> department;
    bool operator==(const Organisation&) const = default;
};

// The person at the sender who wrote the note (MsgHead HealthcareProfessional). At least one
// identifier is required. `fnr` is there because the national fixtures and real traffic name
// operators without an HPR-nummer by fødselsnummer (vft::Practitioner does the same).
struct HealthcareProfessional {
    std::string name;    // full name; written as GivenName (all but the last word) + FamilyName
    std::string hpr;     // HPR-nummer (Ident TypeId HPR, kodeverk 8116); optional
    std::string her_id;  // personal HER-id (TypeId HER, kodeverk 8116); optional
    std::string fnr;     // fødselsnummer or D-nummer (TypeId FNR/DNR, kodeverk 8116); optional
    bool operator==(const HealthcareProfessional&) const = default;
};

struct DialogMessage {
    std::string msg_id;  // MsgInfo/MsgId, a GUID; generated (random v4, lower case) when empty
    // ConversationRef: both or neither (the element is left out when both are empty).
    std::string conversation_ref_parent;        // RefToParent: MsgId of the message answered
    std::string conversation_ref_conversation;  // RefToConversation: MsgId that began it
    bool ack_requested = true;                  // Ack V="J": the receiver returns an AppRec
    // MsgInfo/Type, kodeverk 8279: DIALOG_NOTAT, DIALOG_HELSEFAGLIG or DIALOG_SVAR (the content
    // is always a Notat, so DIALOG_FORESPORSEL is refused).
    std::string type = "DIALOG_NOTAT";
    // GenDate (and RefDoc/IssueDate), written in UTC with seconds ("2025-03-14T01:41:07Z").
    // The epoch (Time{}) means "now" when building. Readers convert any zone to UTC.
    vft::Time generated{};
    Organisation sender;
    std::optional<HealthcareProfessional> sender_professional;  // who wrote the note
    Organisation receiver;
    // The patient: id is a fødselsnummer (TypeId FNR) or D-nummer (DNR), as parse_person_id
    // says; name is split like HealthcareProfessional::name. DateOfBirth comes from the id.
    vft::Patient patient;
    std::string tema_code;  // TemaKodet, kodeverk 7322: "6", "7", "8" or "9"
    std::string tema_text;  // Tema, free text heading; optional
    std::string note_text;  // TekstNotatInnhold; required; kept byte for byte
    bool operator==(const DialogMessage&) const = default;
};

// Builds the MsgHead XML. The result is a vft::Message whose identifier is the MsgId,
// resource_type "MsgHead", `body` the XML text (UTF-8, with an XML declaration) and
// `media_type` Message::kXml.
// Errors: VFT-XML-0503 (a required value is missing), VFT-XML-0504 (a value is invalid: orgnr,
// person id, HER-id, HPR, tema code, type, GUID, text that XML cannot carry); `location` names
// the field, e.g. "DialogMessage.sender.orgnr".
[[nodiscard]] vft::Result<vft::Message> build_dialog_message(const DialogMessage& message);

// Reads a MsgHead 1.2 carrying a Dialogmelding 1.1 (or 1.0: the same Notat) Notat. Never loads
// DTDs or the network; a DOCTYPE is refused. Free text is returned verbatim; identifiers and
// codes are trimmed. Errors: VFT-XML-0501 (not well-formed, DOCTYPE), VFT-XML-0502 (not a
// MsgHead 1.2 or no Dialogmelding 1.0/1.1 in it), VFT-XML-0506 (a required element is missing or
// invalid).
[[nodiscard]] vft::Result<DialogMessage> read_dialog_message(std::string_view xml);

}  // namespace vft::kith
