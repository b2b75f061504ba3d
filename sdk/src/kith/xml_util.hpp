// Internal helpers shared by the KITH builders and readers (dialog_message.cpp, apprec.cpp) and,
// for the plain tree helpers, the KITH validator: the libxml2 parser set up safely (no DTD, no
// entities, no network), tree reading and writing, value and identifier checks, and the local
// time KITH traffic uses. Never included by a public header: libxml2 types stay in here.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/model/types.hpp"

namespace vft::kith::detail {

// One entry of a KITH code list (kodeverk) as the builders know it.
struct Code {
    const char* code;
    const char* display;
};
// The display of `code` in [begin, end), or nullptr when the list does not hold it.
const char* display_of(const Code* begin, const Code* end, std::string_view code);

// ---- errors ---------------------------------------------------------------------------------

Error make_error(std::string_view code, std::string location, std::string message,
                 std::string hint = {});
// errc::xml_build_missing / xml_build_invalid: the builder's input lacks or breaks a value.
Error missing(std::string location, std::string message, std::string hint = {});
Error invalid(std::string location, std::string message, std::string hint = {});
// errc::xml_read_invalid: well-formed XML that is not the message the reader expects.
Error read_invalid(std::string location, std::string message, std::string hint = {});

// ---- values ---------------------------------------------------------------------------------

std::string trim(std::string_view s);  // drops leading and trailing space, tab, CR and LF
bool all_digits(std::string_view s);   // non-empty and ASCII digits only
// 8-4-4-4-12 hex digits, either case (GUIDs from other systems are often upper case).
bool is_guid(std::string_view s);
// Well-formed UTF-8 holding only characters XML 1.0 allows (no C0 controls but tab, LF, CR).
bool xml_text_ok(std::string_view s);

Time now();  // the system clock to the second, as the builders write GenDate
// xs:dateTime → UTC. A time without a zone (common in KITH traffic) is Norwegian local time.
Result<Time> parse_kith_time(const std::string& s);

// ---- libxml2 --------------------------------------------------------------------------------

// xmlInitParser once per process, race-free; call before any other libxml2 use.
void xml_init();

// DTDs are refused at the parser: `ctxt` stops at a document type declaration (internal or
// external subset) before reading any of it, whatever the document's encoding (the check sees
// the decoded declaration, not bytes); dtd_refused() says afterwards whether that happened.
void refuse_dtd(xmlParserCtxtPtr ctxt);
[[nodiscard]] bool dtd_refused(const xmlParserCtxt* ctxt);

struct DocFree {
    void operator()(xmlDoc* d) const noexcept { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

inline const xmlChar* X(const char* s) {
    return reinterpret_cast<const xmlChar*>(s);
}

// Writing. Every helper accepts a null parent (libxml2 out of memory) and then does nothing;
// the serialiser reports the failure at the end.
xmlNodePtr el(xmlNodePtr parent, const char* name);
xmlNodePtr el(xmlNodePtr parent, const char* name, const std::string& text);
void set(xmlNodePtr n, const char* attr, const std::string& value);  // left out when empty
// A KITH coded value: <name V="v" S="s" DN="dn"/>, each attribute left out when empty.
xmlNodePtr coded(xmlNodePtr parent, const char* name, const std::string& v, const std::string& s,
                 const std::string& dn);
// Creates the root element `name` in default namespace `ns`; nullptr when `doc` is null.
xmlNodePtr root_in(xmlDoc* doc, const char* name, const char* ns);
// The document as indented UTF-8; an error naming `what` when libxml2 could not write it.
Result<std::string> serialise(xmlDoc* doc, const char* what);

// Reading. No DTD, no entity substitution, no network, at most 64 MiB; libxml2 reports nothing
// itself. The document returned has a root element.
Result<DocPtr> parse(std::string_view xml);

std::string ns_of(const xmlNode* n);          // the namespace URI, "" when none
bool is(const xmlNode* n, const char* name);  // an element with this local name
// Child elements named `name` in the parent's namespace.
std::vector<const xmlNode*> children(const xmlNode* parent, const char* name);
const xmlNode* child(const xmlNode* parent, const char* name);  // the first of children()
std::string content(const xmlNode* n);                          // text content, verbatim
std::string token(const xmlNode* n);                            // text content, trimmed
// The un-namespaced attribute `name`, verbatim / trimmed; "" when absent.
std::string attr_verbatim(const xmlNode* n, const char* name);
std::string attr(const xmlNode* n, const char* name);
std::string path_of(const xmlNode* n);  // "/MsgHead/MsgInfo/Type"

// ---- checks ---------------------------------------------------------------------------------

Result<void> check_text(const std::string& location, const std::string& value);
Result<void> check_her(const std::string& location, const std::string& her, bool required);
// Name, HER-id, optional organisasjonsnummer and department of a sender or receiver.
// `identity_required` = false: the party an AppRec answers, copied from its message as the XSD
// accepted it (MsgHead declares OrganisationName and Ident/Id as xs:string, so
// <OrganisationName/> is valid; AppRec makes Inst/Name and Inst/Id optional): every field may be
// empty or free text; only text XML cannot carry is refused.
Result<void> check_organisation(const Organisation& o, const std::string& where,
                                bool identity_required = true);

}  // namespace vft::kith::detail
