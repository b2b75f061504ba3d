// Reads the spec packages (embedded or from a directory) and compiles them into detail::Spec.
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "json/json_util.hpp"
#include "validate/compiled_spec.hpp"
#include "validate/embedded_specs.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::detail {
namespace {

using Files = std::map<std::string, std::string>;  // path relative to specs/ -> content

Error spec_error(std::string_view code, std::string message, std::string location = {}) {
    return Error{std::string(code),
                 std::move(message),
                 std::move(location),
                 "the spec packages ship with vft; if you edited specs/, check the file named",
                 0,
                 false};
}

Result<Files> read_files(const ValidatorOptions& options) {
    Files files;
    if (options.specs_dir.empty()) {
        for (const EmbeddedFile* f = embedded_spec_files(); f->path; ++f)
            files.emplace(f->path, std::string(f->data, f->size));
        return files;
    }
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path root(options.specs_dir);
    if (!fs::is_directory(root, ec))
        return spec_error(errc::spec_not_found, "spec directory not found", options.specs_dir);
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        const auto ext = it->path().extension();
        if (ext != ".json" && ext != ".xsd") continue;
        const std::string rel = it->path().lexically_relative(root).generic_string();
        if (rel.rfind("upstream/", 0) == 0 && rel.rfind("upstream/kith-xsd/", 0) != 0)
            continue;  // the vendored published artifacts: compiler input, not loaded (the
                       // official KITH XSDs excepted: libxml2 compiles them as published)
        if (rel.find("/schemas/") != std::string::npos)
            continue;  // a package's JSON Schema of base R4: not read (the compiled R4 model
                       // judges structure)
        std::ifstream in(it->path(), std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        files.emplace(fs::relative(it->path(), root).generic_string(), ss.str());
    }
    return files;
}

Result<rapidjson::Document> parse(const std::string& path, const std::string& text) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
    if (d.HasParseError()) {
        int line = 0, col = 0;
        line_col(text, d.GetErrorOffset(), line, col);
        return spec_error(
            errc::spec_malformed,
            std::string("not valid JSON: ") + rapidjson::GetParseError_En(d.GetParseError()),
            path + ":" + std::to_string(line) + ":" + std::to_string(col));
    }
    return d;
}

Result<Severity> parse_severity(std::string_view s, const std::string& where) {
    if (s == "fatal") return Severity::fatal;
    if (s == "error") return Severity::error;
    if (s == "warning") return Severity::warning;
    if (s == "information") return Severity::information;
    return spec_error(errc::spec_rule_invalid, "unknown severity '" + std::string(s) + "'", where);
}

std::vector<std::string> strings(const JValue* v) {
    std::vector<std::string> out;
    if (v && v->IsArray())
        for (const auto& e : v->GetArray())
            if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
    return out;
}

Result<Rule> parse_rule(const JValue& r, const std::string& where) {
    Rule rule;
    rule.id = std::string(str_member(r, "id"));
    rule.kind = std::string(str_member(r, "kind"));
    const std::string loc = where + " rule " + rule.id;
    if (rule.id.empty() || rule.kind.empty())
        return spec_error(errc::spec_rule_invalid, "a rule needs an id and a kind", where);
    static const std::set<std::string> kinds{"cardinality", "binding",        "fixed", "identifier",
                                             "pattern",     "reference-type", "check", "builtin"};
    if (!kinds.count(rule.kind))
        return spec_error(errc::spec_rule_invalid, "unknown rule kind '" + rule.kind + "'", loc);
    if (const JValue* sev = member(r, "severity")) {
        if (sev->IsString()) {
            auto s = parse_severity(str(sev), loc);
            if (!s) return s.error();
            rule.strict = rule.lenient = *s;
        } else if (sev->IsObject()) {
            auto s1 = parse_severity(str_member(*sev, "strict"), loc);
            auto s2 = parse_severity(str_member(*sev, "lenient"), loc);
            if (!s1) return s1.error();
            if (!s2) return s2.error();
            rule.strict = *s1;
            rule.lenient = *s2;
        }
    }
    rule.message = std::string(str_member(r, "message"));
    rule.hint = std::string(str_member(r, "hint"));
    rule.source = std::string(str_member(r, "source"));
    rule.resource_type = std::string(str_member(r, "resourceType"));
    rule.context = parse_rule_path(str_member(r, "context"));
    rule.path_text = std::string(str_member(r, "path"));
    rule.path = parse_rule_path(rule.path_text);
    if (const JValue* v = member(r, "min"); v && v->IsInt()) rule.min = v->GetInt();
    if (const JValue* v = member(r, "max"); v && v->IsInt()) rule.max = v->GetInt();
    rule.system = std::string(str_member(r, "system"));
    // The ValueSet URL some published profiles fix as Coding.system, e.g.
    // http://ehelse.no/fhir/ValueSet/vkp-severity-level-v090 for the CodeSystem of the same name:
    // such codings count for the binding; CODE-003 warns about the system.
    if (const auto at = rule.system.find("/fhir/CodeSystem/"); at != std::string::npos)
        rule.system_alias = rule.system.substr(0, at) + "/fhir/ValueSet/" +
                            rule.system.substr(at + std::string_view("/fhir/CodeSystem/").size());
    rule.strength = std::string(str_member(r, "strength"));
    rule.value = std::string(str_member(r, "value"));
    if (rule.value.empty()) rule.value = std::string(str_member(r, "code"));
    for (const char* key : {"systems", "types", "values", "allowed"})
        for (auto& s : strings(member(r, key)))
            rule.values.push_back(std::move(s));
    rule.tolerated = strings(member(r, "tolerated"));
    rule.check = std::string(str_member(r, "check"));
    if (const JValue* w = member(r, "when"); w && w->IsObject()) {
        rule.when_path = parse_rule_path(str_member(*w, "path"));
        rule.when_in = strings(member(*w, "in"));
        rule.when_not_in = strings(member(*w, "notIn"));
    }
    if (rule.kind == "pattern") {
        try {
            rule.regex = std::make_shared<std::regex>(std::string(str_member(r, "regex")));
            if (!literal_alternatives(str_member(r, "regex"), rule.regex_words))
                rule.regex_words.clear();
            if (rule.regex_words.empty() &&
                !fixed_length_regex(str_member(r, "regex"), rule.regex_fixed))
                rule.regex_fixed.clear();
        } catch (const std::regex_error& e) {
            return spec_error(errc::spec_rule_invalid, std::string("bad regex: ") + e.what(), loc);
        }
    }
    const bool needs_path = rule.kind != "check" && rule.kind != "builtin";
    if (needs_path && rule.path.empty())
        return spec_error(errc::spec_rule_invalid, "rule kind '" + rule.kind + "' needs a path",
                          loc);
    if (rule.kind == "binding" && rule.system.empty())
        return spec_error(errc::spec_rule_invalid, "a binding needs a system", loc);
    if (rule.kind == "check" && rule.check.empty())
        return spec_error(errc::spec_rule_invalid, "a check rule needs a 'check' name", loc);
    return rule;
}

Result<std::vector<Rule>> parse_rules(const JValue* arr, const std::string& where) {
    std::vector<Rule> out;
    if (!arr || !arr->IsArray())
        return spec_error(errc::spec_rule_invalid, "expected an array 'rules'", where);
    for (const auto& r : arr->GetArray()) {
        auto rule = parse_rule(r, where);
        if (!rule) return rule.error();
        out.push_back(std::move(rule).value());
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> codings(const JValue* arr) {
    std::vector<std::pair<std::string, std::string>> out;
    if (arr && arr->IsArray())
        for (const auto& c : arr->GetArray())
            out.emplace_back(str_member(c, "system"), str_member(c, "code"));
    return out;
}

VitalSignValue parse_vs_value(const JValue* v) {
    VitalSignValue out;
    if (!v || !v->IsObject()) return out;
    out.types = strings(member(*v, "types"));
    if (auto t = str_member(*v, "type"); !t.empty()) out.types.emplace_back(t);
    out.units = codings(member(*v, "units"));
    out.answers = codings(member(*v, "answers"));
    if (const JValue* r = member(*v, "range"); r && r->IsObject()) {
        const JValue* mn = member(*r, "min");
        const JValue* mx = member(*r, "max");
        if (mn && mn->IsNumber() && mx && mx->IsNumber()) {
            out.has_range = true;
            out.min = mn->GetDouble();
            out.max = mx->GetDouble();
        }
    }
    return out;
}

void collect_concepts(const JValue* concepts, CodeSystem& cs) {
    if (!concepts || !concepts->IsArray()) return;
    for (const auto& c : concepts->GetArray()) {
        cs.displays.emplace(std::string(str_member(c, "code")),
                            std::string(str_member(c, "display")));
        collect_concepts(member(c, "concept"), cs);
    }
}

struct XmlErrors {
    std::string text;
    static void collect(void* ctx, xmlErrorPtr err) {
        auto* self = static_cast<XmlErrors*>(ctx);
        if (err && err->message && self->text.size() < 2000) self->text += err->message;
    }
};

// ---- KITH XSDs ------------------------------------------------------------------------------
// The official KITH schemas import each other by relative schemaLocation (MsgHead imports
// xmldsig and kith-base64, Dialogmelding imports kith.xsd and felleskomponent1). libxml2 2.9
// resolves imports only through its process-wide external entity loader, so while the set
// compiles, a loader is installed that serves files of `root` from the spec files by name and
// refuses every other URL: nothing is read from the disk outside the specs and nothing from the
// network. Other threads parsing at the same moment fall through to the previous loader.

struct XsdServe {
    const Files* files = nullptr;
    std::string root;
    std::string missing;  // the first URL that could not be served
};
thread_local XsdServe* t_xsd_serve = nullptr;
xmlExternalEntityLoader g_previous_loader = nullptr;
std::mutex g_loader_mutex;

xmlParserInputPtr serve_xsd(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
    XsdServe* serve = t_xsd_serve;
    if (!serve) return g_previous_loader ? g_previous_loader(url, id, ctxt) : nullptr;
    std::string name = url ? url : "";
    if (auto slash = name.find_last_of('/'); slash != std::string::npos)
        name = name.substr(slash + 1);
    auto it = serve->files->find(serve->root + "/" + name);
    if (name.empty() || it == serve->files->end()) {
        if (serve->missing.empty()) serve->missing = url ? url : "(no URL)";
        return nullptr;
    }
    xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem(
        it->second.data(), static_cast<int>(it->second.size()), XML_CHAR_ENCODING_NONE);
    if (!buf) return nullptr;
    xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
    if (!in) {
        xmlFreeParserInputBuffer(buf);
        return nullptr;
    }
    // The name is the base its own relative imports resolve against.
    in->filename =
        reinterpret_cast<char*>(xmlStrdup(reinterpret_cast<const xmlChar*>(name.c_str())));
    return in;
}

Result<xmlSchema*> compile_kith_xsd(const Files& files, const std::string& root,
                                    const std::vector<std::pair<std::string, std::string>>& roots) {
    // One wrapper schema importing every root schema: a MsgHead's RefDoc/Content is a strict
    // wildcard, so the embedded Dialogmelding or AppRec must be declared in the same set.
    std::string wrapper =
        "<?xml version=\"1.0\"?>\n<schema xmlns=\"http://www.w3.org/2001/XMLSchema\" "
        "targetNamespace=\"urn:vft:kith-schema-set\">\n";
    for (const auto& [ns, name] : roots)
        wrapper += "<import namespace=\"" + ns + "\" schemaLocation=\"" + name + "\"/>\n";
    wrapper += "</schema>\n";
    XsdServe serve{&files, root, {}};
    XmlErrors errors;
    xmlSchemaPtr schema = nullptr;
    {
        std::lock_guard<std::mutex> lock(g_loader_mutex);
        g_previous_loader = xmlGetExternalEntityLoader();
        xmlSetExternalEntityLoader(&serve_xsd);
        t_xsd_serve = &serve;
        xmlSchemaParserCtxtPtr pctxt =
            xmlSchemaNewMemParserCtxt(wrapper.data(), static_cast<int>(wrapper.size()));
        xmlSchemaSetParserStructuredErrors(pctxt, &XmlErrors::collect, &errors);
        schema = xmlSchemaParse(pctxt);
        xmlSchemaFreeParserCtxt(pctxt);
        t_xsd_serve = nullptr;
        xmlSetExternalEntityLoader(g_previous_loader);
    }
    if (!serve.missing.empty()) {
        if (schema) xmlSchemaFree(schema);
        return spec_error(errc::spec_not_found, "XSD import not among the spec files",
                          root + "/" + serve.missing);
    }
    if (!schema)
        return spec_error(errc::spec_xsd_invalid, "XSD does not compile: " + errors.text, root);
    return schema;
}

}  // namespace

RulePath parse_rule_path(std::string_view text) {
    RulePath out;
    size_t i = 0;
    while (i < text.size()) {
        PathSegment seg;
        size_t j = i;
        while (j < text.size() && text[j] != '.' && text[j] != '(')
            ++j;
        seg.name = std::string(text.substr(i, j - i));
        if (seg.name.size() > 3 && seg.name.compare(seg.name.size() - 3, 3, "[x]") == 0) {
            seg.choice = true;
            seg.name.resize(seg.name.size() - 3);
        }
        if (j < text.size() && text[j] == '(') {
            // name(key='value') — the value may contain dots; it ends at the closing quote.
            const size_t eq = text.find('=', j);
            const size_t q1 = text.find('\'', eq);
            const size_t q2 = text.find('\'', q1 + 1);
            if (eq == std::string_view::npos || q1 == std::string_view::npos ||
                q2 == std::string_view::npos)
                break;
            seg.filter_key = std::string(text.substr(j + 1, eq - j - 1));
            seg.filter_value = std::string(text.substr(q1 + 1, q2 - q1 - 1));
            j = text.find(')', q2);
            if (j == std::string_view::npos)
                j = text.size();
            else
                ++j;
        }
        out.push_back(std::move(seg));
        i = j < text.size() && text[j] == '.' ? j + 1 : j;
    }
    return out;
}

const Rule* Spec::builtin(std::string_view id) const {
    auto it = builtins.find(std::string(id));
    return it == builtins.end() ? nullptr : &it->second;
}

Result<std::shared_ptr<const Spec>> compile_spec(const ValidatorOptions& options) {
    // libxml2 wants its globals set up once before threads use it; idempotent, so the user never
    // has to call a global init of ours.
    xmlInitParser();
    auto files_r = read_files(options);
    if (!files_r) return files_r.error();
    const Files& files = *files_r;
    auto spec = std::make_shared<Spec>();

    auto pkg_of = [](const std::string& path) { return path.substr(0, path.find('/')); };
    auto in_dir = [](const std::string& path, std::string_view dir) {
        const size_t slash = path.find('/');
        return slash != std::string::npos && path.compare(slash + 1, dir.size(), dir) == 0;
    };

    // Manifests first, so every other file knows its package.
    std::map<std::string, rapidjson::Document> manifests;
    for (const auto& [path, text] : files) {
        if (path.find('/') == std::string::npos ||
            path.substr(path.find('/') + 1) != "package.json")
            continue;
        auto d = parse(path, text);
        if (!d) return d.error();
        Package p;
        p.id = std::string(str_member(*d, "id"));
        p.version = std::string(str_member(*d, "version"));
        p.title = std::string(str_member(*d, "title"));
        p.extends = std::string(str_member(*d, "extends"));
        if (const JValue* dp = member(*d, "defaultProfiles"); dp && dp->IsObject())
            for (const auto& m : dp->GetObject())
                p.default_profiles[m.name.GetString()] = std::string(str(&m.value));
        if (p.id != pkg_of(path))
            return spec_error(errc::spec_malformed, "package id must equal its folder name", path);
        spec->packages.emplace(p.id, std::move(p));
        manifests.emplace(pkg_of(path), std::move(d).value());
    }
    if (spec->packages.empty())
        return spec_error(errc::spec_not_found, "no spec package found (package.json)");

    std::map<std::string, std::vector<Rule>> own_rules;
    std::map<std::string, std::vector<std::string>> own_profiles;
    for (const auto& [path, text] : files) {
        if (path.size() < 5 || path.compare(path.size() - 5, 5, ".json") != 0) continue;
        const std::string pkg = pkg_of(path);
        if (in_dir(path, "codesystems/")) {
            auto d = parse(path, text);
            if (!d) return d.error();
            CodeSystem cs;
            cs.url = std::string(str_member(*d, "url"));
            cs.id = std::string(str_member(*d, "id"));
            cs.complete = str_member(*d, "content") == "complete";
            collect_concepts(member(*d, "concept"), cs);
            if (cs.url.empty())
                return spec_error(errc::spec_malformed, "CodeSystem without url", path);
            spec->codesystems[cs.url] = std::move(cs);
        } else if (in_dir(path, "profiles/")) {
            auto d = parse(path, text);
            if (!d) return d.error();
            Profile prof;
            prof.url = std::string(str_member(*d, "url"));
            prof.id = std::string(str_member(*d, "id"));
            prof.resource_type = std::string(str_member(*d, "resourceType"));
            auto rules = parse_rules(member(*d, "rules"), path);
            if (!rules) return rules.error();
            prof.rules = std::move(rules).value();
            if (prof.url.empty() || prof.resource_type.empty())
                return spec_error(errc::spec_malformed, "a profile needs url and resourceType",
                                  path);
            own_profiles[pkg].push_back(prof.url);
            spec->profiles[prof.url] = std::move(prof);
        } else if (in_dir(path, "rules/")) {
            auto d = parse(path, text);
            if (!d) return d.error();
            auto rules = parse_rules(member(*d, "rules"), path);
            if (!rules) return rules.error();
            for (auto& r : *rules) {
                if (r.kind == "builtin")
                    spec->builtins[r.id] = std::move(r);
                else
                    own_rules[pkg].push_back(std::move(r));
            }
        }
    }

    // Inheritance: a package sees its ancestors' rules and profiles first, then its own.
    for (auto& [id, pkg] : spec->packages) {
        std::vector<std::string> chain;
        for (std::string cur = id; !cur.empty();) {
            if (std::find(chain.begin(), chain.end(), cur) != chain.end())
                return spec_error(errc::spec_malformed, "package inheritance loop", id);
            chain.insert(chain.begin(), cur);
            auto it = spec->packages.find(cur);
            if (it == spec->packages.end())
                return spec_error(errc::spec_malformed,
                                  "package extends unknown package '" + cur + "'", id);
            cur = it->second.extends;
        }
        for (const auto& anc : chain) {
            for (const auto& r : own_rules[anc])
                pkg.document_rules.push_back(r);
            for (const auto& u : own_profiles[anc])
                pkg.profile_urls.push_back(u);
            if (anc != id)
                for (const auto& [rt, url] : spec->packages[anc].default_profiles)
                    pkg.default_profiles.emplace(rt, url);
        }
    }

    // A Coding.system a published profile fixes to another URL than its CodeSystem's (the
    // severity-level extension fixes the ValueSet URL, domain §6 item 4): the package's
    // "codingSystemAliases" maps it to the CodeSystem, whose codes and displays it then has.
    for (const auto& [pkg, manifest] : manifests) {
        const JValue* aliases = member(manifest, "codingSystemAliases");
        if (!aliases || !aliases->IsObject()) continue;
        for (const auto& a : aliases->GetObject()) {
            auto target = spec->codesystems.find(std::string(str(&a.value)));
            if (target == spec->codesystems.end())
                return spec_error(errc::spec_malformed,
                                  "codingSystemAliases names an unknown CodeSystem '" +
                                      std::string(str(&a.value)) + "'",
                                  pkg + "/package.json");
            CodeSystem alias = target->second;
            alias.url = a.name.GetString();
            spec->codesystems[alias.url] = std::move(alias);
        }
    }

    // PMD vital signs.
    if (auto it = files.find("pmd/vital-signs.json"); it != files.end()) {
        auto d = parse(it->first, it->second);
        if (!d) return d.error();
        const std::string base(str_member(*d, "profileBase"));
        if (const JValue* arr = member(*d, "vitalSigns"); arr && arr->IsArray()) {
            for (const auto& v : arr->GetArray()) {
                VitalSign vs;
                vs.id = std::string(str_member(v, "id"));
                vs.name = std::string(str_member(v, "name"));
                vs.profile_url = base + vs.id;
                vs.codes = codings(member(v, "codes"));
                vs.value = parse_vs_value(member(v, "value"));
                if (const JValue* r4 = member(v, "r4VitalSign"); r4 && r4->IsBool())
                    vs.r4_vital = r4->GetBool();
                if (const JValue* comps = member(v, "components"); comps && comps->IsArray())
                    for (const auto& c : comps->GetArray())
                        vs.components.push_back({std::string(str_member(c, "name")),
                                                 codings(member(c, "codes")),
                                                 parse_vs_value(member(c, "value"))});
                spec->vital_signs.push_back(std::move(vs));
            }
        }
    }

    // KITH XSDs: the manifest maps each namespace to its official schema file (in `xsdRoot`,
    // specs/upstream/kith-xsd). They import one another, so they are compiled together as one
    // schema set (compile_kith_xsd), every import served from the spec files.
    if (auto m = manifests.find("kith"); m != manifests.end()) {
        if (const JValue* xsd = member(m->second, "xsd"); xsd && xsd->IsObject()) {
            std::string root(str_member(m->second, "xsdRoot"));
            if (root.empty()) root = "kith";
            std::vector<std::pair<std::string, std::string>> roots;  // namespace, file name
            for (const auto& entry : xsd->GetObject()) {
                const std::string ns = entry.name.GetString();
                const std::string name(str(&entry.value));
                if (files.find(root + "/" + name) == files.end())
                    return spec_error(errc::spec_not_found, "XSD file missing", root + "/" + name);
                roots.emplace_back(ns, name);
                spec->xsd_names[ns] = name;
            }
            auto schema = compile_kith_xsd(files, root, roots);
            if (!schema) return schema.error();
            spec->kith_xsd.reset(*schema);
        }
    }
    resolve_rule_codesystems(*spec);
    return std::shared_ptr<const Spec>(std::move(spec));
}

}  // namespace vft::detail
