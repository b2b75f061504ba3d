// AppRec 1.0 / 1.1 with libxml2's tree API. Element names, order, code system OIDs and display
// texts follow specs/kith/xsd/AppRec-v1_*.xsd and the valid AppRec fixtures in
// fixtures/messages/valid/kith/.
#include "vft/kith/apprec.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/core/uuid.hpp"

namespace vft::kith {
namespace {

// The libxml2 helpers below repeat those of dialog_message.cpp (anonymous namespace in both):
// the two files are the only users and the file list of this change is fixed.

constexpr const char* kAppRec10Ns = "http://www.kith.no/xmlstds/apprec/2004-11-21";
constexpr const char* kAppRec11Ns = "http://www.kith.no/xmlstds/apprec/2012-02-15";
constexpr const char* kOid8221 = "2.16.578.1.12.4.1.1.8221";  // Feil i applikasjonskvittering
constexpr size_t kMaxBytes = 64u << 20;                       // as ValidatorOptions::max_bytes

struct Code {
    const char* code;
    const char* display;
};
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

const char* display_of(const Code* begin, const Code* end, std::string_view code) {
    for (const Code* c = begin; c != end; ++c)
        if (code == c->code) return c->display;
    return nullptr;
}

// ---- errors ---------------------------------------------------------------------------------

Error make_error(std::string_view code, std::string location, std::string message,
                 std::string hint = {}) {
    Error e;
    e.code = std::string(code);
    e.location = std::move(location);
    e.message = std::move(message);
    e.hint = std::move(hint);
    return e;
}
Error missing(std::string location, std::string message, std::string hint = {}) {
    return make_error(errc::xml_build_missing, std::move(location), std::move(message),
                      std::move(hint));
}
Error invalid(std::string location, std::string message, std::string hint = {}) {
    return make_error(errc::xml_build_invalid, std::move(location), std::move(message),
                      std::move(hint));
}
Error read_invalid(std::string location, std::string message, std::string hint = {}) {
    return make_error(errc::xml_read_invalid, std::move(location), std::move(message),
                      std::move(hint));
}

// ---- values ---------------------------------------------------------------------------------

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// 8-4-4-4-12 hex digits, either case (GUIDs from other systems are often upper case).
bool is_guid(std::string_view s) {
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

// Well-formed UTF-8 holding only characters XML 1.0 allows (no C0 controls but tab, LF, CR).
bool xml_text_ok(std::string_view s) {
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = 0;
        uint32_t cp = 0;
        if (c < 0x80) {
            len = 1, cp = c;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (size_t k = 1; k < len; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3Fu);
        }
        if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        if (cp < 0x20 && cp != 0x9 && cp != 0xA && cp != 0xD) return false;
        if (cp == 0xFFFE || cp == 0xFFFF) return false;
        i += len;
    }
    return true;
}

Time now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// The EU summer-time switch Norway follows (since 1996): last Sunday of `m`, 01:00 UTC.
Time eu_switch(int y, unsigned m) {
    using namespace std::chrono;
    const sys_days last_day{year(y) / month(m) / std::chrono::last};
    const sys_days sunday = last_day - (weekday(last_day) - Sunday);
    return sunday + hours(1);
}

// xs:dateTime → UTC. A time without a zone (common in KITH traffic) is Norwegian local time.
Result<Time> parse_kith_time(const std::string& s) {
    if (auto t = parse_fhir_time(s)) return t;
    if (s.size() < 19 || s.find_first_of("Z+", 19) != std::string::npos ||
        s.find('-', 19) != std::string::npos)
        return parse_fhir_time(s);
    auto utc = parse_fhir_time(s + "Z");
    if (!utc) return utc;
    const int y = static_cast<int>(
        std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(*utc)).year());
    const Time summer = *utc - std::chrono::hours(2);
    if (summer >= eu_switch(y, 3) && summer < eu_switch(y, 10)) return summer;
    return *utc - std::chrono::hours(1);
}

// ---- libxml2 --------------------------------------------------------------------------------

void xml_init() {
    // xmlInitParser is idempotent but not safe to race on first use; a magic static orders it.
    static const bool done = (xmlInitParser(), true);
    (void)done;
}

struct DocFree {
    void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;
struct CtxtFree {
    void operator()(xmlParserCtxt* c) const noexcept { xmlFreeParserCtxt(c); }
};

const xmlChar* X(const char* s) {
    return reinterpret_cast<const xmlChar*>(s);
}

// Writing. Every helper accepts a null parent (libxml2 out of memory) and then does nothing;
// the serialiser reports the failure at the end.
xmlNodePtr el(xmlNodePtr parent, const char* name) {
    return parent ? xmlNewChild(parent, nullptr, X(name), nullptr) : nullptr;
}
xmlNodePtr el(xmlNodePtr parent, const char* name, const std::string& text) {
    // xmlNewTextChild escapes & and <; xmlNewChild would parse them as markup.
    return parent ? xmlNewTextChild(parent, nullptr, X(name), X(text.c_str())) : nullptr;
}
void set(xmlNodePtr n, const char* attr, const std::string& value) {
    if (n && !value.empty()) xmlNewProp(n, X(attr), X(value.c_str()));
}
xmlNodePtr coded(xmlNodePtr parent, const char* name, const std::string& v, const std::string& s,
                 const std::string& dn) {
    xmlNodePtr n = el(parent, name);
    set(n, "V", v);
    set(n, "S", s);
    set(n, "DN", dn);
    return n;
}
xmlNodePtr root_in(xmlDoc* doc, const char* name, const char* ns) {
    xmlNodePtr root = doc ? xmlNewDocNode(doc, nullptr, X(name), nullptr) : nullptr;
    if (!root) return nullptr;
    xmlDocSetRootElement(doc, root);
    xmlSetNs(root, xmlNewNs(root, X(ns), nullptr));
    return root;
}
Result<std::string> serialise(xmlDoc* doc, const char* what) {
    xmlChar* buf = nullptr;
    int size = 0;
    if (doc) xmlDocDumpFormatMemoryEnc(doc, &buf, &size, "UTF-8", 1);
    if (!buf || size <= 0) {
        if (buf) xmlFree(buf);
        return invalid(what, "libxml2 could not write the XML (out of memory)");
    }
    std::string out(reinterpret_cast<const char*>(buf), static_cast<size_t>(size));
    xmlFree(buf);
    return out;
}

// Reading. No DTD, no entity substitution, no network; libxml2 reports nothing itself.
Result<DocPtr> parse(std::string_view xml) {
    xml_init();
    if (xml.size() > kMaxBytes)
        return make_error(errc::xml_syntax, {}, "the XML is larger than 64 MiB",
                          "a KITH message is far smaller; check what is being read");
    if (xml.find("<!DOCTYPE") != std::string_view::npos ||
        xml.find("<!ENTITY") != std::string_view::npos)
        return make_error(errc::xml_syntax, {}, "DOCTYPE and ENTITY declarations are not allowed",
                          "KITH messages never need a DTD; remove the DOCTYPE");
    std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) return make_error(errc::xml_syntax, {}, "libxml2 could not create a parser");
    DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()),
                                 "message.xml", nullptr,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!doc || !ctxt->wellFormed) {
        const xmlError* e = xmlCtxtGetLastError(ctxt.get());
        std::string msg = e && e->message ? trim(e->message) : std::string("not well-formed");
        const int line = e ? e->line : 0;
        return make_error(errc::xml_syntax, line > 0 ? "line " + std::to_string(line) : "",
                          "not well-formed XML: " + msg);
    }
    if (doc->intSubset || doc->extSubset)
        return make_error(errc::xml_syntax, {}, "DOCTYPE declarations are not allowed",
                          "KITH messages never need a DTD; remove the DOCTYPE");
    if (!xmlDocGetRootElement(doc.get()))
        return make_error(errc::xml_syntax, {}, "the XML has no root element");
    return doc;
}

std::string ns_of(const xmlNode* n) {
    return n && n->ns && n->ns->href ? reinterpret_cast<const char*>(n->ns->href) : "";
}
bool is(const xmlNode* n, const char* name) {
    return n && n->type == XML_ELEMENT_NODE &&
           std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}
// Child elements named `name` in the parent's namespace.
std::vector<const xmlNode*> children(const xmlNode* parent, const char* name) {
    std::vector<const xmlNode*> out;
    if (!parent) return out;
    const std::string ns = ns_of(parent);
    for (const xmlNode* c = parent->children; c; c = c->next)
        if (is(c, name) && ns_of(c) == ns) out.push_back(c);
    return out;
}
const xmlNode* child(const xmlNode* parent, const char* name) {
    auto all = children(parent, name);
    return all.empty() ? nullptr : all.front();
}
std::string content(const xmlNode* n) {  // verbatim
    if (!n) return {};
    xmlChar* v = xmlNodeGetContent(n);
    if (!v) return {};
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}
std::string token(const xmlNode* n) {
    return trim(content(n));
}
std::string attr_verbatim(const xmlNode* n, const char* name) {
    if (!n) return {};
    xmlChar* v = xmlGetNoNsProp(n, X(name));
    if (!v) return {};
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}
std::string attr(const xmlNode* n, const char* name) {
    return trim(attr_verbatim(n, name));
}
std::string path_of(const xmlNode* n) {
    std::string p;
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        p = "/" + std::string(reinterpret_cast<const char*>(n->name)) + p;
    return p;
}

// ---- checks ---------------------------------------------------------------------------------

Result<void> check_text(const std::string& location, const std::string& value) {
    if (!xml_text_ok(value))
        return invalid(location,
                       "the text is not valid UTF-8 or holds a character XML 1.0 cannot carry",
                       "remove control characters; send UTF-8");
    return {};
}

Result<void> check_her(const std::string& location, const std::string& her, bool required) {
    if (her.empty()) {
        if (!required) return {};
        return missing(location, "the HER-id is missing",
                       "NHN routes KITH messages by HER-id; look it up in Adresseregisteret");
    }
    if (!all_digits(her))
        return invalid(location, "HER-id '" + her + "' is not digits only",
                       "a HER-id is the integer from Adresseregisteret, e.g. 8143061");
    return {};
}

Result<void> check_organisation(const Organisation& o, const std::string& where) {
    if (trim(o.name).empty())
        return missing(where + ".name", "the organisation name is missing",
                       "give the name as registered in Adresseregisteret");
    if (auto r = check_text(where + ".name", o.name); !r) return r;
    if (auto r = check_her(where + ".her_id", o.her_id, true); !r) return r;
    if (!o.orgnr.empty()) {
        if (auto r = check_orgnr(o.orgnr); !r)
            return invalid(where + ".orgnr",
                           "organisasjonsnummer '" + o.orgnr + "': " + r.error().message,
                           r.error().hint);
    }
    if (o.department) {
        if (trim(o.department->name).empty())
            return missing(where + ".department.name", "the department name is missing",
                           "give the sub-unit's name, or leave the department out");
        if (auto r = check_text(where + ".department.name", o.department->name); !r) return r;
        if (auto r = check_her(where + ".department.her_id", o.department->her_id, true); !r)
            return r;
    }
    return {};
}

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
    if (auto r = check_organisation(a.receiver, w + ".receiver"); !r) return r;
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
    el(inst, "Name", o.name);
    el(inst, "Id", o.her_id);
    coded(inst, "TypeId", "HER", {}, "HER-id");
    if (o.department) {
        xmlNodePtr dept = el(inst, "Dept");
        el(dept, "Name", o.department->name);
        el(dept, "Id", o.department->her_id);
        coded(dept, "TypeId", "HER", {}, "HER-id");
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
    return Message{id, "AppRec", std::move(*xml)};
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
