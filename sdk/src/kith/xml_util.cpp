// The helpers of xml_util.hpp: one copy for every KITH builder, reader and the validator.
#include "kith/xml_util.hpp"

#include <libxml/parser.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <utility>

#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/core/time.hpp"
#include "vft/internal/error.hpp"

namespace vft::kith::detail {
namespace {

constexpr size_t kMaxBytes = 64u << 20;  // as ValidatorOptions::max_bytes

struct CtxtFree {
    void operator()(xmlParserCtxt* c) const noexcept { xmlFreeParserCtxt(c); }
};

// The EU summer-time switch Norway follows (since 1996): last Sunday of `m`, 01:00 UTC.
Time eu_switch(int y, unsigned m) {
    using namespace std::chrono;
    const sys_days last_day{year(y) / month(m) / std::chrono::last};
    const sys_days sunday = last_day - (weekday(last_day) - Sunday);
    return sunday + hours(1);
}

}  // namespace

const char* display_of(const Code* begin, const Code* end, std::string_view code) {
    for (const Code* c = begin; c != end; ++c)
        if (code == c->code) return c->display;
    return nullptr;
}

// ---- errors ---------------------------------------------------------------------------------

Error make_error(std::string_view code, std::string location, std::string message,
                 std::string hint) {
    return internal::make_error(code, std::move(message), std::move(location), std::move(hint));
}
Error missing(std::string location, std::string message, std::string hint) {
    return make_error(errc::xml_build_missing, std::move(location), std::move(message),
                      std::move(hint));
}
Error invalid(std::string location, std::string message, std::string hint) {
    return make_error(errc::xml_build_invalid, std::move(location), std::move(message),
                      std::move(hint));
}
Error read_invalid(std::string location, std::string message, std::string hint) {
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

namespace {
char dtd_marker;  // its address in xmlParserCtxt::_private: the parser met a DTD

void stop_at_dtd(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    ctxt->_private = &dtd_marker;
    xmlStopParser(ctxt);
}
}  // namespace

void refuse_dtd(xmlParserCtxtPtr ctxt) {
    if (!ctxt || !ctxt->sax) return;
    ctxt->sax->internalSubset = stop_at_dtd;
    ctxt->sax->externalSubset = stop_at_dtd;
}

bool dtd_refused(const xmlParserCtxt* ctxt) {
    return ctxt && ctxt->_private == &dtd_marker;
}

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

Result<DocPtr> parse(std::string_view xml) {
    xml_init();
    if (xml.size() > kMaxBytes)
        return make_error(errc::xml_syntax, {}, "the XML is larger than 64 MiB",
                          "a KITH message is far smaller; check what is being read");
    std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
    if (!ctxt) return make_error(errc::xml_syntax, {}, "libxml2 could not create a parser");
    refuse_dtd(ctxt.get());
    DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()),
                                 "message.xml", nullptr,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (dtd_refused(ctxt.get()))
        return make_error(errc::xml_syntax, {}, "DOCTYPE declarations are not allowed",
                          "KITH messages never need a DTD; remove the DOCTYPE");
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
std::string content(const xmlNode* n) {
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

Result<void> check_organisation(const Organisation& o, const std::string& where,
                                bool identity_required) {
    if (!identity_required) {
        // Copied from a message the XSD accepted: only what XML could not carry is refused.
        for (const auto& [field, value] :
             {std::pair<const char*, const std::string*>{".name", &o.name},
              {".her_id", &o.her_id},
              {".orgnr", &o.orgnr},
              {".department.name", o.department ? &o.department->name : nullptr},
              {".department.her_id", o.department ? &o.department->her_id : nullptr}})
            if (value)
                if (auto r = check_text(where + field, *value); !r) return r;
        return {};
    }
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

}  // namespace vft::kith::detail
