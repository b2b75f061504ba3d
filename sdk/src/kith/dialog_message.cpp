// MsgHead 1.2 + Dialogmelding 1.1 Notat with libxml2's tree API. Element names, order, code
// system OIDs and display texts follow specs/upstream/kith-xsd and the valid fixture
// fixtures/messages/valid/kith/msghead-dialog-notat.xml.
#include "vft/kith/dialog_message.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "kith/xml_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft::kith {
using namespace detail;
namespace {

constexpr const char* kMsgHeadNs = "http://www.kith.no/xmlstds/msghead/2006-05-24";
constexpr const char* kDialog11Ns = "http://www.kith.no/xmlstds/dialog/2013-01-23";
constexpr const char* kDialog10Ns = "http://www.kith.no/xmlstds/dialog/2006-10-11";
constexpr const char* kMigVersion = "v1.2 2006-05-24";
constexpr const char* kOid9051 = "2.16.578.1.12.4.1.1.9051";  // ID-typer, organisations
constexpr const char* kOid8116 = "2.16.578.1.12.4.1.1.8116";  // ID-typer, persons
constexpr const char* kOid7322 = "2.16.578.1.12.4.1.1.7322";  // Tema for helsefaglig dialog

// Kodeverk 8279, the types whose content is a Notat (specs/kith/codesystems/kith-8279.json).
constexpr Code kTypes[] = {
    {"DIALOG_NOTAT", "Notat"},
    {"DIALOG_HELSEFAGLIG", "Helsefaglig dialog"},
    {"DIALOG_SVAR", "Svar på forespørsel"},
};
// Kodeverk 7322 (specs/kith/codesystems/kith-7322.json).
constexpr Code kTema[] = {
    {"6", "Henvendelse om pasient"},
    {"7", "Tilbakemelding på mottak av utskrivningsklar pasient"},
    {"8", "Forespørsel om helseopplysninger"},
    {"9", "Forespørsel om legemiddelopplysninger"},
};

// ---- values ---------------------------------------------------------------------------------

// Given names (all but the last word) and family name (the last word) of a trimmed full name.
std::pair<std::string, std::string> split_name(const std::string& full) {
    const std::string name = trim(full);
    const auto p = name.rfind(' ');
    if (p == std::string::npos) return {std::string(), name};
    return {name.substr(0, p), name.substr(p + 1)};
}

// ---- writing helpers ------------------------------------------------------------------------

void ident(xmlNodePtr parent, const std::string& id, const char* type, const char* oid,
           const char* dn) {
    xmlNodePtr n = el(parent, "Ident");
    el(n, "Id", id);
    coded(n, "TypeId", type, oid, dn);
}

// ---- checks ---------------------------------------------------------------------------------

// A person number that MsgHead can carry (TypeId FNR or DNR, kodeverk 8116).
Result<PersonIdKind> check_person(const std::string& location, const std::string& value,
                                  const char* who) {
    auto id = parse_person_id(value);
    if (!id)
        return invalid(location,
                       std::string(who) + " '" + mask_person_id(value) + "': " + id.error().message,
                       id.error().hint);
    if (id->kind != PersonIdKind::fnr && id->kind != PersonIdKind::dnr)
        return invalid(location,
                       std::string(who) + " '" + mask_person_id(value) +
                           "' is an H-nummer or felles hjelpenummer",
                       "MsgHead identifies persons by fødselsnummer (FNR) or D-nummer (DNR)");
    return id->kind;
}

struct Checked {
    std::string msg_id;
    const char* type_display = nullptr;
    const char* tema_display = nullptr;
    Time generated{};
    PersonId patient;
    std::string given, family;
    PersonIdKind professional_kind = PersonIdKind::fnr;
};

Result<Checked> check(const DialogMessage& m) {
    const std::string w = "DialogMessage";
    Checked c;
    c.msg_id = m.msg_id.empty() ? new_uuid() : m.msg_id;
    if (!is_guid(c.msg_id))
        return invalid(w + ".msg_id", "MsgId '" + m.msg_id + "' is not a GUID",
                       "leave msg_id empty and vft generates one, or give "
                       "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    if (m.type.empty())
        return missing(w + ".type", "the message type (kodeverk 8279) is missing",
                       "use DIALOG_NOTAT");
    c.type_display = display_of(std::begin(kTypes), std::end(kTypes), m.type);
    if (!c.type_display)
        return invalid(w + ".type",
                       "message type '" + m.type + "' cannot carry a Dialogmelding Notat",
                       "use DIALOG_NOTAT, DIALOG_HELSEFAGLIG or DIALOG_SVAR (kodeverk 8279)");
    if (m.conversation_ref_parent.empty() != m.conversation_ref_conversation.empty())
        return missing(w + (m.conversation_ref_parent.empty() ? ".conversation_ref_parent"
                                                              : ".conversation_ref_conversation"),
                       "ConversationRef needs both RefToParent and RefToConversation",
                       "give both, or leave both empty for a message outside a conversation");
    if (auto r = check_text(w + ".conversation_ref_parent", m.conversation_ref_parent); !r)
        return r.error();
    if (auto r = check_text(w + ".conversation_ref_conversation", m.conversation_ref_conversation);
        !r)
        return r.error();
    c.generated = m.generated == Time{} ? now() : m.generated;

    if (auto r = check_organisation(m.sender, w + ".sender"); !r) return r.error();
    if (auto r = check_organisation(m.receiver, w + ".receiver"); !r) return r.error();

    if (m.sender_professional) {
        const auto& p = *m.sender_professional;
        const std::string pw = w + ".sender_professional";
        if (trim(p.name).empty())
            return missing(pw + ".name", "the health professional's name is missing",
                           "give the name, or leave sender_professional out");
        if (auto r = check_text(pw + ".name", p.name); !r) return r.error();
        if (p.hpr.empty() && p.her_id.empty() && p.fnr.empty())
            return missing(pw, "the health professional has no identifier",
                           "give an HPR-nummer, a HER-id or a fødselsnummer");
        if (!p.hpr.empty()) {
            if (auto r = check_hpr(p.hpr); !r)
                return invalid(pw + ".hpr", "HPR-nummer '" + p.hpr + "': " + r.error().message,
                               r.error().hint);
        }
        if (auto r = check_her(pw + ".her_id", p.her_id, false); !r) return r.error();
        if (!p.fnr.empty()) {
            auto k = check_person(pw + ".fnr", p.fnr, "the health professional's person number");
            if (!k) return k.error();
            c.professional_kind = *k;
        }
    }

    if (m.patient.id.empty())
        return missing(w + ".patient.id", "the patient's fødselsnummer or D-nummer is missing");
    if (auto k = check_person(w + ".patient.id", m.patient.id, "patient id"); !k) return k.error();
    c.patient = parse_person_id(m.patient.id).value();
    if (trim(m.patient.name).empty())
        return missing(w + ".patient.name", "the patient's name is missing",
                       "the receiver matches the patient on id and name");
    if (auto r = check_text(w + ".patient.name", m.patient.name); !r) return r.error();
    std::tie(c.given, c.family) = split_name(m.patient.name);

    if (m.tema_code.empty())
        return missing(w + ".tema_code", "TemaKodet (kodeverk 7322) is missing",
                       "6 Henvendelse om pasient is the usual code for a VFT note");
    c.tema_display = display_of(std::begin(kTema), std::end(kTema), m.tema_code);
    if (!c.tema_display)
        return invalid(w + ".tema_code", "TemaKodet '" + m.tema_code + "' is not in kodeverk 7322",
                       "6 Henvendelse om pasient, 7 Tilbakemelding på mottak av utskrivningsklar "
                       "pasient, 8 Forespørsel om helseopplysninger, 9 Forespørsel om "
                       "legemiddelopplysninger");
    if (auto r = check_text(w + ".tema_text", m.tema_text); !r) return r.error();
    if (trim(m.note_text).empty())
        return missing(w + ".note_text", "the note text (TekstNotatInnhold) is missing");
    if (auto r = check_text(w + ".note_text", m.note_text); !r) return r.error();
    return c;
}

// ---- writing --------------------------------------------------------------------------------

void write_names(xmlNodePtr n, const std::string& full) {
    const auto [given, family] = split_name(full);
    if (!family.empty()) el(n, "FamilyName", family);
    if (!given.empty()) el(n, "GivenName", given);
}

void write_professional(xmlNodePtr org, const HealthcareProfessional& p, PersonIdKind kind) {
    xmlNodePtr n = el(org, "HealthcareProfessional");
    write_names(n, p.name);
    if (!p.hpr.empty()) ident(n, p.hpr, "HPR", kOid8116, "HPR-nummer");
    if (!p.fnr.empty()) {
        const bool dnr = kind == PersonIdKind::dnr;
        ident(n, p.fnr, dnr ? "DNR" : "FNR", kOid8116, dnr ? "D-nummer" : "Fødselsnummer");
    }
    if (!p.her_id.empty()) ident(n, p.her_id, "HER", kOid8116, "HER-id");
}

void write_organisation(xmlNodePtr party, const Organisation& o, const HealthcareProfessional* p,
                        PersonIdKind kind) {
    xmlNodePtr n = el(party, "Organisation");
    el(n, "OrganisationName", o.name);
    if (!o.orgnr.empty())
        ident(n, o.orgnr, "ENH", kOid9051, "Organisasjonsnummeret i Enhetsregisteret");
    ident(n, o.her_id, "HER", kOid9051, "HER-id");
    xmlNodePtr at = n;
    if (o.department) {
        at = el(n, "Organisation");
        el(at, "OrganisationName", o.department->name);
        ident(at, o.department->her_id, "HER", kOid9051, "HER-id");
    }
    // The professional works at the most specific unit given.
    if (p) write_professional(at, *p, kind);
}

std::string iso_date(const PersonId& id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", id.birth_year, id.birth_month, id.birth_day);
    return buf;
}

// ---- reading --------------------------------------------------------------------------------

std::string joined_name(const xmlNode* person) {
    std::string out;
    for (const char* part : {"GivenName", "MiddleName", "FamilyName"}) {
        const std::string s = content(child(person, part));
        if (s.empty()) continue;
        if (!out.empty()) out += ' ';
        out += s;
    }
    return out;
}

HealthcareProfessional read_professional(const xmlNode* n) {
    HealthcareProfessional p;
    p.name = joined_name(n);
    for (const xmlNode* id : children(n, "Ident")) {
        const std::string type = attr(child(id, "TypeId"), "V");
        const std::string value = token(child(id, "Id"));
        if (type == "HPR")
            p.hpr = value;
        else if (type == "HER")
            p.her_id = value;
        else if ((type == "FNR" || type == "DNR") && p.fnr.empty())
            p.fnr = value;
    }
    return p;
}

void read_org_idents(const xmlNode* org, std::string& orgnr, std::string& her) {
    for (const xmlNode* id : children(org, "Ident")) {
        const std::string type = attr(child(id, "TypeId"), "V");
        if (type == "ENH")
            orgnr = token(child(id, "Id"));
        else if (type == "HER")
            her = token(child(id, "Id"));
    }
}

Organisation read_organisation(const xmlNode* org,
                               std::optional<HealthcareProfessional>* professional) {
    Organisation o;
    o.name = content(child(org, "OrganisationName"));
    read_org_idents(org, o.orgnr, o.her_id);
    const xmlNode* hp = child(org, "HealthcareProfessional");
    if (const xmlNode* sub = child(org, "Organisation")) {
        Department d;
        d.name = content(child(sub, "OrganisationName"));
        std::string ignored_orgnr;
        read_org_idents(sub, ignored_orgnr, d.her_id);
        o.department = std::move(d);
        if (const xmlNode* inner = child(sub, "HealthcareProfessional")) hp = inner;
    }
    if (professional && hp) *professional = read_professional(hp);
    return o;
}

}  // namespace

Result<Message> build_dialog_message(const DialogMessage& m) {
    auto c = check(m);
    if (!c) return c.error();
    xml_init();
    DocPtr doc(xmlNewDoc(X("1.0")));
    xmlNodePtr root = root_in(doc.get(), "MsgHead", kMsgHeadNs);

    xmlNodePtr info = el(root, "MsgInfo");
    coded(info, "Type", m.type, {}, c->type_display);
    el(info, "MIGversion", kMigVersion);
    el(info, "GenDate", format_fhir_time(c->generated));
    el(info, "MsgId", c->msg_id);
    set(el(info, "Ack"), "V", m.ack_requested ? "J" : "N");
    if (!m.conversation_ref_parent.empty()) {
        xmlNodePtr conv = el(info, "ConversationRef");
        el(conv, "RefToParent", m.conversation_ref_parent);
        el(conv, "RefToConversation", m.conversation_ref_conversation);
    }
    write_organisation(el(info, "Sender"), m.sender,
                       m.sender_professional ? &*m.sender_professional : nullptr,
                       c->professional_kind);
    write_organisation(el(info, "Receiver"), m.receiver, nullptr, PersonIdKind::fnr);
    xmlNodePtr patient = el(info, "Patient");
    if (!c->family.empty()) el(patient, "FamilyName", c->family);
    if (!c->given.empty()) el(patient, "GivenName", c->given);
    el(patient, "DateOfBirth", iso_date(c->patient));
    const bool dnr = c->patient.kind == PersonIdKind::dnr;
    ident(patient, m.patient.id, dnr ? "DNR" : "FNR", kOid8116, dnr ? "D-nummer" : "Fødselsnummer");

    xmlNodePtr ref = el(el(root, "Document"), "RefDoc");
    set(el(ref, "IssueDate"), "V", format_fhir_time(c->generated));
    coded(ref, "MsgType", "XML", {}, "XML-instans");
    el(ref, "MimeType", "text/xml");
    xmlNodePtr dialog = el(el(ref, "Content"), "Dialogmelding");
    if (dialog) xmlSetNs(dialog, xmlNewNs(dialog, X(kDialog11Ns), nullptr));
    xmlNodePtr notat = el(dialog, "Notat");
    coded(notat, "TemaKodet", m.tema_code, kOid7322, c->tema_display);
    if (!m.tema_text.empty()) el(notat, "Tema", m.tema_text);
    el(notat, "TekstNotatInnhold", m.note_text);

    auto xml = serialise(notat ? doc.get() : nullptr, "DialogMessage");
    if (!xml) return xml.error();
    return Message{c->msg_id, "MsgHead", std::move(*xml), std::string(Message::kXml)};
}

Result<DialogMessage> read_dialog_message(std::string_view xml) {
    auto doc = parse(xml);
    if (!doc) return doc.error();
    const xmlNode* root = xmlDocGetRootElement(doc->get());
    if (!is(root, "MsgHead") || ns_of(root) != kMsgHeadNs)
        return make_error(
            errc::xml_unsupported, path_of(root),
            "the root element {" + ns_of(root) + "}" + reinterpret_cast<const char*>(root->name) +
                " is not a MsgHead 1.2",
            std::string("a Dialogmelding is sent in a MsgHead in namespace ") + kMsgHeadNs);
    const xmlNode* info = child(root, "MsgInfo");
    if (!info) return read_invalid("/MsgHead/MsgInfo", "MsgInfo is missing");

    DialogMessage m;
    m.type = attr(child(info, "Type"), "V");
    if (m.type.empty()) return read_invalid("/MsgHead/MsgInfo/Type", "MsgInfo/Type is missing");
    m.msg_id = token(child(info, "MsgId"));
    if (m.msg_id.empty()) return read_invalid("/MsgHead/MsgInfo/MsgId", "MsgId is missing");
    const std::string gen = token(child(info, "GenDate"));
    auto t = parse_kith_time(gen);
    if (!t)
        return read_invalid("/MsgHead/MsgInfo/GenDate",
                            "GenDate '" + gen + "' is not an xs:dateTime",
                            "e.g. 2025-03-14T02:41:07+01:00");
    m.generated = *t;
    m.ack_requested = attr(child(info, "Ack"), "V") == "J";
    if (const xmlNode* conv = child(info, "ConversationRef")) {
        m.conversation_ref_parent = token(child(conv, "RefToParent"));
        m.conversation_ref_conversation = token(child(conv, "RefToConversation"));
    }
    const xmlNode* sender = child(child(info, "Sender"), "Organisation");
    if (!sender) return read_invalid("/MsgHead/MsgInfo/Sender", "Sender/Organisation is missing");
    m.sender = read_organisation(sender, &m.sender_professional);
    const xmlNode* receiver = child(child(info, "Receiver"), "Organisation");
    if (!receiver)
        return read_invalid("/MsgHead/MsgInfo/Receiver", "Receiver/Organisation is missing");
    m.receiver = read_organisation(receiver, nullptr);
    if (const xmlNode* patient = child(info, "Patient")) {
        m.patient.name = joined_name(patient);
        for (const xmlNode* id : children(patient, "Ident")) {
            const std::string type = attr(child(id, "TypeId"), "V");
            if (type == "FNR" || type == "DNR") {
                m.patient.id = token(child(id, "Id"));
                break;
            }
        }
    }

    // Dialogmelding 1.1, or 1.0: both are published KITH standards
    // (specs/upstream/kith-xsd/dialogmelding-v1.*.xsd) with the same Notat.
    const xmlNode* dialog = nullptr;
    for (const xmlNode* d : children(root, "Document")) {
        const xmlNode* c = child(child(d, "RefDoc"), "Content");
        for (const xmlNode* e = c ? c->children : nullptr; e && !dialog; e = e->next) {
            if (!is(e, "Dialogmelding")) continue;
            if (ns_of(e) == kDialog11Ns || ns_of(e) == kDialog10Ns) dialog = e;
        }
        if (dialog) break;
    }
    if (!dialog)
        return make_error(errc::xml_unsupported, "/MsgHead/Document",
                          "the MsgHead carries no Dialogmelding 1.0 or 1.1",
                          "expected Document/RefDoc/Content/Dialogmelding in namespace " +
                              std::string(kDialog11Ns) + " (1.1) or " + std::string(kDialog10Ns) +
                              " (1.0)");
    const xmlNode* notat = child(dialog, "Notat");
    if (!notat)
        return read_invalid(path_of(dialog) + "/Notat", "the Dialogmelding has no Notat",
                            "a Forespørsel is not a note; this reader reads Notat only");
    m.tema_code = attr(child(notat, "TemaKodet"), "V");
    if (m.tema_code.empty())
        return read_invalid(path_of(notat) + "/TemaKodet", "TemaKodet (kodeverk 7322) is missing");
    m.tema_text = content(child(notat, "Tema"));
    m.note_text = content(child(notat, "TekstNotatInnhold"));
    return m;
}

}  // namespace vft::kith
