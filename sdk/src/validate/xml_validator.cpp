// KITH XML validation (domain §4): well-formedness (no DOCTYPE, no network, depth limit) →
// XSD with libxml2 → the code lists and identifiers XSD cannot check.
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kith/xml_util.hpp"
#include "validate/checks.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::detail {
namespace {

constexpr const char* kMsgHead = "http://www.kith.no/xmlstds/msghead/2006-05-24";
constexpr const char* kAppRec10 = "http://www.kith.no/xmlstds/apprec/2004-11-21";
constexpr const char* kAppRec11 = "http://www.kith.no/xmlstds/apprec/2012-02-15";
constexpr const char* kDialog11 = "http://www.kith.no/xmlstds/dialog/2013-01-23";
constexpr const char* kDialog10 = "http://www.kith.no/xmlstds/dialog/2006-10-11";

constexpr const char* kOid8258 = "urn:oid:2.16.578.1.12.4.1.1.8258";
constexpr const char* kOid8221 = "urn:oid:2.16.578.1.12.4.1.1.8221";
constexpr const char* kOid8279 = "urn:oid:2.16.578.1.12.4.1.1.8279";
constexpr const char* kOid9051 = "urn:oid:2.16.578.1.12.4.1.1.9051";
constexpr const char* kOid8116 = "urn:oid:2.16.578.1.12.4.1.1.8116";
constexpr const char* kOid7322 = "urn:oid:2.16.578.1.12.4.1.1.7322";

using kith::detail::DocPtr;
using kith::detail::is;
using kith::detail::ns_of;
using kith::detail::path_of;
using kith::detail::token;

struct ErrorList {
    struct Item {
        std::string message;
        int line;
        std::string path;
        std::string ns;  // namespace of the element the error is about
    };
    std::vector<Item> items;
    static void collect(void* ctx, xmlErrorPtr err) {
        auto* self = static_cast<ErrorList*>(ctx);
        if (!err || self->items.size() >= 50) return;
        std::string msg = err->message ? err->message : "XML error";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
            msg.pop_back();
        const auto* node = static_cast<const xmlNode*>(err->node);
        const bool element = node && node->type == XML_ELEMENT_NODE;
        self->items.push_back(
            {std::move(msg), err->line, path_of(node), element ? ns_of(node) : std::string()});
    }
};

std::string attr(const xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    if (!v) return {};
    std::string out(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return out;
}

const xmlNode* child(const xmlNode* n, const char* name) {
    for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
        if (is(c, name)) return c;
    return nullptr;
}

size_t depth(const xmlNode* n) {
    size_t best = 0;
    for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) best = std::max(best, depth(c));
    return best + 1;
}

class KithChecker {
  public:
    KithChecker(const Spec& spec, IssueSink& sink) : spec_(spec), sink_(sink) {}

    void add(const char* rule, const xmlNode* n, std::string message) {
        sink_.add(rule, path_of(n), std::move(message), {},
                  n ? static_cast<int>(xmlGetLineNo(n)) : 0, 0);
    }

    bool in_code_system(const char* url, const std::string& code) const {
        auto it = spec_.codesystems.find(url);
        return it == spec_.codesystems.end() || it->second.displays.count(code) > 0;
    }

    // Validates the document against the official XSD set (one pass: a MsgHead's RefDoc/Content
    // is a strict wildcard, so an embedded Dialogmelding or AppRec is validated with it). An
    // error inside RefDoc/Content is KITH-MSG-005 (the embedded document), any other
    // KITH-XSD-001. Each names the schema of the element's namespace.
    void xsd(const xmlNode* root, xmlDoc* doc) {
        if (!spec_.kith_xsd) return;
        ErrorList errors;
        xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(spec_.kith_xsd.get());
        if (!v) {
            sink_.add("KITH-XSD-001", path_of(root), "out of memory creating the XSD validator");
            return;
        }
        xmlSchemaSetValidStructuredErrors(v, &ErrorList::collect, &errors);
        const int rc = xmlSchemaValidateDoc(v, doc);
        xmlSchemaFreeValidCtxt(v);
        const std::string root_ns = ns_of(root);
        for (const auto& e : errors.items) {
            const bool embedded = e.path.find("/RefDoc/Content/") != std::string::npos;
            const std::string ns = e.ns.empty() ? root_ns : e.ns;
            auto name = spec_.xsd_names.find(embedded ? ns : root_ns);
            const std::string schema =
                name != spec_.xsd_names.end() ? name->second : "the KITH XSDs";
            sink_.add(embedded ? "KITH-MSG-005" : "KITH-XSD-001",
                      e.path.empty() ? path_of(root) : e.path,
                      "does not validate against " + schema + ": " + e.message, {}, e.line, 0);
        }
        if (rc != 0 && errors.items.empty())
            sink_.add("KITH-XSD-001", path_of(root),
                      "does not validate against " + spec_.xsd_names.at(root_ns));
    }

    void idents(const xmlNode* n) {
        for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE) continue;
            if (is(c, "Ident")) ident(c, n);
            idents(c);
        }
    }

    void ident(const xmlNode* id, const xmlNode* owner) {
        const xmlNode* type = child(id, "TypeId");
        const std::string v = type ? attr(type, "V") : std::string();
        const std::string value = token(child(id, "Id"));
        const bool person = is(owner, "Patient") || is(owner, "HealthcareProfessional") ||
                            is(owner, "HCPerson") || is(owner, "HCProf");
        const char* list = person ? kOid8116 : kOid9051;
        if (type && !in_code_system(list, v))
            add("KITH-MSG-002", type,
                "Ident TypeId '" + v + "' is not in kodeverk " +
                    (person ? "8116 (persons)" : "9051 (organisations)"));
        if (person && (v == "FNR" || v == "DNR")) {
            if (auto r = check_identifier(v == "FNR" ? oid::fnr : oid::dnr, value); !r)
                add("KITH-MSG-003", child(id, "Id"), "patient " + v + ": " + r.error().message);
        }
        if (!person && v == "ENH") {
            if (auto r = check_orgnr(value); !r)
                add("KITH-MSG-004", child(id, "Id"), "ENH: " + r.error().message);
        }
    }

    void dialog(const xmlNode* root) {
        for (const xmlNode* notat = root->children; notat; notat = notat->next) {
            if (!is(notat, "Notat")) continue;
            // TemaKodet is a kith:CV: S names its code system. Only a code of 7322 is checked
            // against vft's list of 7322; another system (or none) is not vft's to judge.
            if (const xmlNode* tk = child(notat, "TemaKodet")) {
                const std::string v = attr(tk, "V");
                const std::string s = attr(tk, "S");
                if (s == std::string(kOid7322).substr(8) && !in_code_system(kOid7322, v))
                    add("KITH-DLG-001", tk,
                        "TemaKodet '" + v +
                            "' is not among the codes of kodeverk 7322 vft knows (6, 7, 8, 9)");
            }
        }
    }

    void msghead(const xmlNode* root) {
        const xmlNode* info = child(root, "MsgInfo");
        if (const xmlNode* type = child(info, "Type")) {
            const std::string v = attr(type, "V");
            if (!in_code_system(kOid8279, v))
                add("KITH-MSG-001", type,
                    "MsgInfo/Type '" + v + "' is not among the codes of kodeverk 8279 vft knows");
        }
        if (const xmlNode* mig = child(info, "MIGversion"); mig && token(mig) != "v1.2 2006-05-24")
            add("KITH-MSG-006", mig,
                "MIGversion is '" + token(mig) + "', expected 'v1.2 2006-05-24'");
        idents(info);
        // Embedded content (validated by the XSD pass with the MsgHead): a Dialogmelding's
        // code lists.
        for (const xmlNode* doc = root->children; doc; doc = doc->next) {
            if (!is(doc, "Document")) continue;
            const xmlNode* content = child(child(doc, "RefDoc"), "Content");
            for (const xmlNode* c = content ? content->children : nullptr; c; c = c->next) {
                if (c->type != XML_ELEMENT_NODE) continue;
                const std::string ns = ns_of(c);
                if ((ns == kDialog11 || ns == kDialog10) && is(c, "Dialogmelding")) dialog(c);
            }
        }
    }

    void apprec(const xmlNode* root) {
        const xmlNode* status = child(root, "Status");
        const std::string sv = status ? attr(status, "V") : std::string();
        if (status && !in_code_system(kOid8258, sv))
            add("KITH-APR-001", status,
                "Status '" + sv +
                    "' is not in kodeverk 8258 (1 OK, 2 Avvist, 3 OK, feil i delmelding)");
        bool any_error = false;
        for (const xmlNode* e = root->children; e; e = e->next) {
            if (!is(e, "Error")) continue;
            any_error = true;
            const std::string v = attr(e, "V");
            const std::string s = attr(e, "S");
            const std::string oid8221 = std::string(kOid8221).substr(8);
            if (v == oid8221 ||
                (v.find('.') != std::string::npos && s.find('.') == std::string::npos)) {
                add("KITH-APR-003", e,
                    "Error has V and S swapped: V='" + v + "' S='" + s +
                        "' (V is the code, S the OID)");
            } else if ((s.empty() || s == oid8221) && !in_code_system(kOid8221, v)) {
                add("KITH-APR-002", e, "Error code '" + v + "' is not in kodeverk 8221");
            }
        }
        if (sv == "2" && !any_error)
            add("KITH-APR-004", status, "status 2 (Avvist) must say why in at least one Error");
    }

  private:
    const Spec& spec_;
    IssueSink& sink_;
};

}  // namespace

void validate_xml(const Spec& spec, const ValidatorOptions& vopts, std::string_view text_in,
                  const ValidateOptions& opts, ValidationReport& report) {
    IssueSink sink(spec, opts.level, report.issues);
    report.kind = "kith-xml";
    report.spec = "kith";
    if (text_in.size() > vopts.max_bytes) {
        sink.add(
            "KITH-XML-001", {},
            "document is larger than the limit of " + std::to_string(vopts.max_bytes) + " bytes");
        return;
    }
    // Entities are an attack surface (billion laughs, external entities) and KITH messages never
    // need them: the parser stops at any DOCTYPE before reading it, in whatever encoding the
    // document is written (kith::detail::refuse_dtd), and a parsed document with a DTD is refused.
    ErrorList errors;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        sink.add("KITH-XML-001", {}, "out of memory creating the XML parser");
        return;
    }
    kith::detail::refuse_dtd(ctxt);
    xmlSetStructuredErrorFunc(&errors, &ErrorList::collect);
    DocPtr doc(xmlCtxtReadMemory(ctxt, text_in.data(), static_cast<int>(text_in.size()),
                                 "message.xml", nullptr, XML_PARSE_NONET | XML_PARSE_NOCDATA));
    xmlSetStructuredErrorFunc(nullptr, nullptr);
    const bool dtd = kith::detail::dtd_refused(ctxt) || (doc && (doc->intSubset || doc->extSubset));
    xmlFreeParserCtxt(ctxt);
    if (dtd) {
        sink.add("KITH-XML-001", {},
                 "DOCTYPE and ENTITY declarations are not allowed in KITH messages");
        return;
    }
    if (!doc || !errors.items.empty()) {
        const auto& first = errors.items.empty() ? ErrorList::Item{"not well-formed XML", 0, {}, {}}
                                                 : errors.items.front();
        sink.add("KITH-XML-001", {}, "not well-formed XML: " + first.message, {}, first.line, 0);
        return;
    }
    const xmlNode* root = xmlDocGetRootElement(doc.get());
    if (!root) {
        sink.add("KITH-XML-001", {}, "the document has no root element");
        return;
    }
    report.resource_type = reinterpret_cast<const char*>(root->name);
    if (depth(root) > vopts.max_depth) {
        sink.add("KITH-XML-001", {},
                 "XML nesting is deeper than " + std::to_string(vopts.max_depth) + " levels");
        return;
    }
    const std::string ns = ns_of(root);
    KithChecker k(spec, sink);
    const bool known = (ns == kMsgHead && is(root, "MsgHead")) ||
                       ((ns == kAppRec10 || ns == kAppRec11) && is(root, "AppRec")) ||
                       ((ns == kDialog11 || ns == kDialog10) && is(root, "Dialogmelding"));
    if (!known) {
        sink.add("KITH-XML-002", "/" + report.resource_type,
                 "root element {" + ns + "}" + report.resource_type +
                     " is not a supported KITH standard",
                 "supported: MsgHead 1.2, Dialogmelding 1.0 and 1.1, AppRec 1.0 and 1.1");
        return;
    }
    k.xsd(root, doc.get());
    if (ns == kMsgHead)
        k.msghead(root);
    else if (ns == kDialog11 || ns == kDialog10)
        k.dialog(root);
    else
        k.apprec(root);
}

}  // namespace vft::detail
