// AppRec 1.0 / 1.1 with libxml2's tree API. Element names, order, code system OIDs and display
// texts follow the official specs/upstream/kith-xsd/apprec-v1.*.xsd and the valid AppRec
// fixtures in fixtures/messages/valid/kith/.
#include "vft/kith/apprec.hpp"

#include <string>
#include <utility>
#include <vector>

#include "kith/xml_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft::kith {
using namespace detail;
namespace {

constexpr const char* kAppRec10Ns = "http://www.kith.no/xmlstds/apprec/2004-11-21";
constexpr const char* kAppRec11Ns = "http://www.kith.no/xmlstds/apprec/2012-02-15";
constexpr const char* kOid8221 = "2.16.578.1.12.4.1.1.8221";  // Feil i applikasjonskvittering

// Kodeverk 8221, complete; the same values as specs/kith/codesystems/kith-8221.json.
constexpr Code k8221[] = {
    {"E10", "Ugyldig meldingsidentifikator"},
    {"E20", "Lege finnes ikke"},
    {"E21", "Mottaker finnes ikke"},
    {"E30", "Pasientens fødselsnummer mangler"},
    {"E31", "Pasientens fødselsnummer er feil"},
    {"E32", "Pasientens navn mangler"},
    {"E35", "Pasienten finnes ikke i mottakersystemet"},
    {"E36", "Pasientopplysninger er utilstrekkelige"},
    {"E53", "FNR/D-nr finnes ikke i Folkeregisteret"},
    {"E54", "FNR ikke registrert i mottakersystemet"},
    {"S01", "Feil på signatur"},
    {"S02", "Ugyldig sertifikat"},
    {"S03", "Tilbaketrukket sertifikat"},
    {"T01", "Ikke XML / ikke well-formed / uleselig"},
    {"T02", "XML validerer ikke"},
    {"T10", "Støtter ikke meldingsformatet"},
    {"T99", "Annen feil på format"},
    {"X99", "Annen feil"},
};
// Kodeverk 8258 (specs/kith/codesystems/kith-8258.json), index = code - 1.
constexpr const char* k8258[] = {"OK", "Avvist", "OK, feil i delmelding"};
// Kodeverk 8279 displays for OriginalMsgId/MsgType, where vft knows them (a fragment).
constexpr Code k8279[] = {
    {"DIALOG_NOTAT", "Notat"},
    {"DIALOG_FORESPORSEL", "Forespørsel"},
    {"DIALOG_SVAR", "Svar på forespørsel"},
    {"DIALOG_HELSEFAGLIG", "Helsefaglig dialog"},
    {"APPREC", "Applikasjonskvittering"},
};

// ---- AppRec ---------------------------------------------------------------------------------

Result<void> check(const AppRec& a, std::string& id, const char*& status_display) {
    const std::string w = "AppRec";
    if (a.version != AppRecVersion::v1_0 && a.version != AppRecVersion::v1_1)
        return invalid(w + ".version", "unknown AppRec version", "use AppRecVersion::v1_0 or v1_1");
    id = a.id.empty() ? new_uuid() : a.id;
    if (!is_guid(id))
        return invalid(w + ".id", "AppRec Id '" + a.id + "' is not a GUID",
                       "leave id empty and vft generates one");
    const int s = static_cast<int>(a.status);
    if (s < 1 || s > 3)
        return invalid(w + ".status", "status " + std::to_string(s) + " is not in kodeverk 8258",
                       "1 OK, 2 Avvist, 3 OK, feil i delmelding");
    status_display = k8258[s - 1];
    if (auto r = check_organisation(a.sender, w + ".sender"); !r) return r;
    // The party answered is described as its message described itself; the AppRec XSD makes
    // Inst/Name and Inst/Id optional, so an empty name or HER-id does not stop the receipt.
    if (auto r = check_organisation(a.receiver, w + ".receiver", false); !r) return r;
    if (a.status == AppRecStatus::rejected && a.errors.empty())
        return missing(w + ".errors",
                       "a rejected AppRec (status 2 Avvist) must give at least one error",
                       "add an AppRecError from kodeverk 8221, e.g. T02 XML validerer ikke");
    if (a.status == AppRecStatus::ok && !a.errors.empty())
        return invalid(w + ".errors", "an AppRec with status 1 (OK) lists no errors",
                       "use status 3 (OK, feil i delmelding) when part of the message failed");
    for (size_t i = 0; i < a.errors.size(); ++i) {
        const auto& e = a.errors[i];
        const std::string ew = w + ".errors[" + std::to_string(i) + "]";
        if (e.code.empty())
            return missing(ew + ".code", "the error code (kodeverk 8221) is missing");
        if (e.code == kOid8221)
            return invalid(ew + ".code", "the error code is the OID of kodeverk 8221, not a code",
                           "code is the code (e.g. T02); vft writes the OID into S itself");
        if (!display_of(std::begin(k8221), std::end(k8221), e.code))
            return invalid(ew + ".code", "error code '" + e.code + "' is not in kodeverk 8221",
                           "e.g. E10, E21, E35, T01, T02, T10, X99");
        if (auto r = check_text(ew + ".text", e.text); !r) return r;
        if (auto r = check_text(ew + ".detail", e.detail); !r) return r;
    }
    if (a.original_msg_type.empty())
        return missing(w + ".original_msg_type", "the type of the original message is missing",
                       "its MsgInfo/Type, e.g. DIALOG_NOTAT");
    if (auto r = check_text(w + ".original_msg_type", a.original_msg_type); !r) return r;
    if (a.original_msg_id.empty())
        return missing(w + ".original_msg_id", "the MsgId of the original message is missing");
    if (auto r = check_text(w + ".original_msg_id", a.original_msg_id); !r) return r;
    if (a.original_issue_date == Time{})
        return missing(w + ".original_issue_date",
                       "the GenDate of the original message is missing");
    return {};
}

void write_party(xmlNodePtr party, const Organisation& o) {
    xmlNodePtr inst = el(el(party, "HCP"), "Inst");
    // Name, Id and TypeId are optional in Inst and Dept (AppRec 1.0/1.1 XSD): left out when
    // unknown rather than written empty.
    if (!o.name.empty()) el(inst, "Name", o.name);
    if (!o.her_id.empty()) {
        el(inst, "Id", o.her_id);
        coded(inst, "TypeId", "HER", {}, "HER-id");
    }
    if (o.department) {
        xmlNodePtr dept = el(inst, "Dept");
        if (!o.department->name.empty()) el(dept, "Name", o.department->name);
        if (!o.department->her_id.empty()) {
            el(dept, "Id", o.department->her_id);
            coded(dept, "TypeId", "HER", {}, "HER-id");
        }
    }
    if (!o.orgnr.empty()) {
        xmlNodePtr add = el(inst, "AdditionalId");
        el(add, "Id", o.orgnr);
        coded(add, "Type", "ENH", {}, "Organisasjonsnummeret i Enhetsregisteret");
    }
}

void assign_id(Organisation& o, const std::string& type, const std::string& value) {
    if (type == "HER" && o.her_id.empty())
        o.her_id = value;
    else if (type == "ENH" && o.orgnr.empty())
        o.orgnr = value;
}

Organisation read_party(const xmlNode* party) {
    Organisation o;
    const xmlNode* hcp = child(party, "HCP");
    const xmlNode* inst = child(hcp, "Inst");
    if (!inst) inst = child(hcp, "HCProf");
    if (!inst) return o;
    o.name = content(child(inst, "Name"));
    assign_id(o, attr(child(inst, "TypeId"), "V"), token(child(inst, "Id")));
    for (const xmlNode* add : children(inst, "AdditionalId"))
        assign_id(o, attr(child(add, "Type"), "V"), token(child(add, "Id")));
    if (const xmlNode* dept = child(inst, "Dept")) {
        Department d;
        d.name = content(child(dept, "Name"));
        if (attr(child(dept, "TypeId"), "V") == "HER") d.her_id = token(child(dept, "Id"));
        o.department = std::move(d);
    }
    return o;
}

Result<Time> read_time(const xmlNode* parent, const char* name) {
    const xmlNode* n = child(parent, name);
    const std::string location = path_of(parent) + "/" + name;
    if (!n) return read_invalid(location, std::string(name) + " is missing");
    const std::string text = token(n);
    auto t = parse_kith_time(text);
    if (!t)
        return read_invalid(location, std::string(name) + " '" + text + "' is not an xs:dateTime",
                            "e.g. 2025-03-14T02:41:30+01:00");
    return *t;
}

}  // namespace

Result<Message> build_apprec(const AppRec& a) {
    std::string id;
    const char* status_display = nullptr;
    if (auto r = check(a, id, status_display); !r) return r.error();
    const bool v11 = a.version == AppRecVersion::v1_1;
    xml_init();
    DocPtr doc(xmlNewDoc(X("1.0")));
    xmlNodePtr root = root_in(doc.get(), "AppRec", v11 ? kAppRec11Ns : kAppRec10Ns);
    coded(root, "MsgType", "APPREC", {}, "Applikasjonskvittering");
    el(root, "MIGversion", v11 ? "v1.1 2012-02-15" : "v1.0 2004-11-21");
    el(root, "GenDate", format_fhir_time(a.generated == Time{} ? now() : a.generated));
    el(root, "Id", id);
    write_party(el(root, "Sender"), a.sender);
    write_party(el(root, "Receiver"), a.receiver);
    coded(root, "Status", std::to_string(static_cast<int>(a.status)), {}, status_display);
    for (const auto& e : a.errors) {
        // V = code, S = OID: never the other way round (domain §6 item 9).
        xmlNodePtr n =
            coded(root, "Error", e.code, kOid8221,
                  e.text.empty() ? display_of(std::begin(k8221), std::end(k8221), e.code) : e.text);
        set(n, "OT", e.detail);
    }
    xmlNodePtr orig = el(root, "OriginalMsgId");
    const char* type_display = display_of(std::begin(k8279), std::end(k8279), a.original_msg_type);
    coded(orig, "MsgType", a.original_msg_type, {}, type_display ? type_display : "");
    el(orig, "IssueDate", format_fhir_time(a.original_issue_date));
    el(orig, "Id", a.original_msg_id);

    auto xml = serialise(orig ? doc.get() : nullptr, "AppRec");
    if (!xml) return xml.error();
    return Message{id, "AppRec", std::move(*xml), std::string(Message::kXml)};
}

Result<AppRec> read_apprec(std::string_view xml) {
    auto doc = parse(xml);
    if (!doc) return doc.error();
    const xmlNode* root = xmlDocGetRootElement(doc->get());
    const std::string ns = ns_of(root);
    if (!is(root, "AppRec") || (ns != kAppRec10Ns && ns != kAppRec11Ns))
        return make_error(errc::xml_not_apprec, path_of(root),
                          "the root element {" + ns + "}" +
                              reinterpret_cast<const char*>(root->name) +
                              " is not an AppRec 1.0 or 1.1",
                          std::string("an AppRec has root AppRec in namespace ") + kAppRec10Ns +
                              " (1.0) or " + kAppRec11Ns + " (1.1)");
    AppRec a;
    a.version = ns == kAppRec11Ns ? AppRecVersion::v1_1 : AppRecVersion::v1_0;
    a.id = token(child(root, "Id"));
    if (a.id.empty()) return read_invalid("/AppRec/Id", "Id is missing");
    auto gen = read_time(root, "GenDate");
    if (!gen) return gen.error();
    a.generated = *gen;
    a.sender = read_party(child(root, "Sender"));
    a.receiver = read_party(child(root, "Receiver"));

    const xmlNode* status = child(root, "Status");
    if (!status)
        return read_invalid("/AppRec/Status", "Status is missing",
                            "1 OK, 2 Avvist, 3 OK, feil i delmelding");
    const std::string sv = attr(status, "V");
    if (sv == "1")
        a.status = AppRecStatus::ok;
    else if (sv == "2")
        a.status = AppRecStatus::rejected;
    else if (sv == "3")
        a.status = AppRecStatus::ok_error_in_part;
    else
        return read_invalid("/AppRec/Status", "Status '" + sv + "' is not in kodeverk 8258",
                            "1 OK, 2 Avvist, 3 OK, feil i delmelding");

    for (const xmlNode* e : children(root, "Error")) {
        AppRecError err;
        err.code = attr(e, "V");
        const std::string s = attr(e, "S");
        // Some senders swap V and S (domain §6 item 9); the code is the one without dots.
        if (err.code.find('.') != std::string::npos && !s.empty() &&
            s.find('.') == std::string::npos)
            err.code = s;
        err.text = attr_verbatim(e, "DN");
        err.detail = attr_verbatim(e, "OT");
        a.errors.push_back(std::move(err));
    }

    const xmlNode* orig = child(root, "OriginalMsgId");
    if (!orig) return read_invalid("/AppRec/OriginalMsgId", "OriginalMsgId is missing");
    a.original_msg_type = attr(child(orig, "MsgType"), "V");
    auto issued = read_time(orig, "IssueDate");
    if (!issued) return issued.error();
    a.original_issue_date = *issued;
    a.original_msg_id = token(child(orig, "Id"));
    if (a.original_msg_id.empty())
        return read_invalid("/AppRec/OriginalMsgId/Id",
                            "the MsgId of the original message is missing");
    return a;
}

AppRec apprec_for(const DialogMessage& original, AppRecStatus status,
                  std::vector<AppRecError> errors, AppRecVersion version) {
    AppRec a;
    a.version = version;
    a.id = new_uuid();
    a.generated = now();
    a.sender = original.receiver;
    a.receiver = original.sender;
    a.status = status;
    a.errors = std::move(errors);
    a.original_msg_type = original.type;
    a.original_issue_date = original.generated;
    a.original_msg_id = original.msg_id;
    return a;
}

}  // namespace vft::kith
