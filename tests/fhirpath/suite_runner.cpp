// Runs the official FHIRPath R4 test suite (specs/upstream/fhirpath/tests-fhir-r4.xml) through
// vft::fhirpath and compares with the checked-in expected-failures list (VK-GL-CTS style): the
// run fails on a test that fails unexpectedly AND on a listed test that now passes.
//
//   vft_fhirpath_suite SUITE_DIR EXPECTED_FAILURES [--verbose] [--only NAME]
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "vft/fhirpath/fhirpath.hpp"

namespace fp = vft::fhirpath;

namespace {

struct Output {
    std::string type;
    std::string value;
};

struct Case {
    std::string name;
    std::string group;
    std::string input;  // JSON file name ("" = empty Parameters)
    std::string expression;
    std::string invalid;  // "", syntax, semantic, execution, true
    bool predicate = false;
    bool strict = false;  // mode="strict": static errors the spec calls semantic
    bool ordered = true;
    std::vector<Output> outputs;
};

std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    if (!v) return "";
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
}

std::string text(xmlNode* n) {
    xmlChar* v = xmlNodeGetContent(n);
    if (!v) return "";
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
}

bool is(xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::vector<Case> load(const std::string& file) {
    std::vector<Case> cases;
    xmlDoc* doc = xmlReadFile(file.c_str(), nullptr, XML_PARSE_NONET);
    if (!doc) return cases;
    xmlNode* root = xmlDocGetRootElement(doc);
    for (xmlNode* g = root->children; g; g = g->next) {
        if (!is(g, "group")) continue;
        for (xmlNode* t = g->children; t; t = t->next) {
            if (!is(t, "test")) continue;
            Case c;
            c.name = attr(t, "name");
            c.group = attr(g, "name");
            c.input = attr(t, "inputfile");
            if (c.input.size() > 4 && c.input.substr(c.input.size() - 4) == ".xml")
                c.input = c.input.substr(0, c.input.size() - 4) + ".json";
            c.predicate = attr(t, "predicate") == "true";
            c.strict = attr(t, "mode") == "strict";
            c.ordered = attr(t, "ordered") != "false";
            for (xmlNode* e = t->children; e; e = e->next) {
                if (is(e, "expression")) {
                    c.expression = text(e);
                    c.invalid = attr(e, "invalid");
                } else if (is(e, "output")) {
                    c.outputs.push_back({attr(e, "type"), text(e)});
                }
            }
            cases.push_back(std::move(c));
        }
    }
    xmlFreeDoc(doc);
    return cases;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The item's value as the suite writes it: "@" before dates and times.
std::string rendered(const fp::Item& item) {
    std::string t = item.type();
    std::string s = item.text();
    if (t == "Date" || t == "DateTime" || t == "date" || t == "dateTime" || t == "instant")
        return "@" + s;
    if (t == "Time" || t == "time") return "@T" + s;
    return s;
}

bool type_matches(const fp::Item& item, const std::string& expected) {
    if (expected.empty()) return true;  // the Boundary/Precision groups give no type
    std::string t = item.type();
    static const std::map<std::string, std::string> kSystem = {
        {"boolean", "Boolean"}, {"integer", "Integer"},  {"decimal", "Decimal"},
        {"string", "String"},   {"date", "Date"},        {"dateTime", "DateTime"},
        {"time", "Time"},       {"Quantity", "Quantity"}};
    if (!item.is_node()) {
        auto it = kSystem.find(expected);
        if (it != kSystem.end()) return it->second == t;
        return (expected == "code" || expected == "id" || expected == "uri") && t == "String";
    }
    if (t == expected) return true;
    // A node whose type the JSON alone cannot tell ("string" for any JSON string).
    static const std::set<std::string> kStringLike = {
        "string", "code", "id",   "uri",      "url",  "canonical", "markdown",
        "oid",    "uuid", "date", "dateTime", "time", "instant",   "base64Binary"};
    return t == "string" && kStringLike.count(expected) > 0;
}

bool value_matches(const fp::Item& item, const Output& o) {
    std::string got = rendered(item);
    if (got == o.value) return true;
    if (o.type == "decimal" || o.type == "integer") {
        try {
            return std::stod(got) == std::stod(o.value);
        } catch (...) {
            return false;
        }
    }
    return false;
}

// "" when the case passes, else what went wrong.
std::string run(const Case& c, const std::string& dir) {
    std::string json =
        c.input.empty() ? R"({"resourceType":"Parameters"})" : read_file(dir + "/input/" + c.input);
    if (json.empty()) return "input file missing: " + c.input;
    auto doc = fp::Document::parse(json);
    if (!doc) return "input does not parse: " + doc.error().to_string();
    auto expr = fp::compile(c.expression);
    if (!expr) {
        if (!c.invalid.empty()) return "";
        return "compile error: " + expr.error().to_string();
    }
    fp::Environment env;
    env.strict = c.strict;
    auto result = fp::evaluate(*expr, *doc, env);
    if (!result) {
        if (!c.invalid.empty()) return "";
        return "run-time error: " + result.error().to_string();
    }
    if (!c.invalid.empty()) return "expected an error (" + c.invalid + "), got " + result->json();
    fp::Collection got = *result;
    std::vector<std::pair<std::string, bool>> items;  // rendered, used
    if (c.predicate) {
        bool b = !got.empty();
        if (got.size() == 1 && got[0].boolean()) b = *got[0].boolean();
        if (c.outputs.size() != 1 || c.outputs[0].value != (b ? "true" : "false"))
            return "predicate gave " + std::string(b ? "true" : "false");
        return "";
    }
    if (got.size() != c.outputs.size())
        return "expected " + std::to_string(c.outputs.size()) + " items, got " + got.json();
    std::vector<bool> used(got.size(), false);
    for (size_t i = 0; i < c.outputs.size(); ++i) {
        const Output& o = c.outputs[i];
        bool found = false;
        for (size_t j = 0; j < got.size(); ++j) {
            if (c.ordered && j != i) continue;
            if (used[j]) continue;
            if (value_matches(got[j], o) && type_matches(got[j], o.type)) {
                used[j] = true;
                found = true;
                break;
            }
        }
        if (!found)
            return "output " + std::to_string(i) + " expected " + o.type + " " + o.value +
                   ", got " + got.json() + " (type " + (i < got.size() ? got[i].type() : "-") + ")";
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr
            << "usage: vft_fhirpath_suite SUITE_DIR EXPECTED_FAILURES [--verbose] [--only NAME]\n";
        return 2;
    }
    std::string dir = argv[1];
    bool verbose = false;
    std::string only;
    for (int i = 3; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--verbose") verbose = true;
        if (a == "--only" && i + 1 < argc) only = argv[++i];
    }
    std::map<std::string, std::string> expected;  // name -> reason
    {
        std::ifstream in(argv[2]);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            size_t sp = line.find_first_of(" \t");
            expected[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
        }
    }
    auto cases = load(dir + "/tests-fhir-r4.xml");
    if (cases.empty()) {
        std::cerr << "no tests read from " << dir << "/tests-fhir-r4.xml\n";
        return 2;
    }
    int passed = 0, unexpected_fail = 0, unexpected_pass = 0;
    std::set<std::string> seen;
    for (const auto& c : cases) {
        if (!only.empty() && c.name != only) continue;
        seen.insert(c.name);
        std::string why = run(c, dir);
        bool listed = expected.count(c.name) > 0;
        if (why.empty()) {
            ++passed;
            if (listed) {
                ++unexpected_pass;
                std::cout << "UNEXPECTED PASS " << c.name
                          << " (remove it from the expected failures)\n";
            }
        } else if (!listed) {
            ++unexpected_fail;
            std::cout << "FAIL " << c.name << ": " << c.expression << "\n    " << why << "\n";
        } else if (verbose) {
            std::cout << "expected failure " << c.name << ": " << c.expression << "\n    " << why
                      << "\n";
        }
    }
    for (const auto& [name, reason] : expected)
        if (!seen.count(name) && only.empty()) {
            ++unexpected_pass;
            std::cout << "UNKNOWN expected failure " << name << " (no such test)\n";
        }
    size_t total = only.empty() ? cases.size() : seen.size();
    std::printf(
        "FHIRPath R4 suite: %d of %zu tests pass (%.1f%%); %d unexpected failures, %d unexpected "
        "passes\n",
        passed, total, total ? 100.0 * passed / static_cast<double>(total) : 0.0, unexpected_fail,
        unexpected_pass);
    return unexpected_fail == 0 && unexpected_pass == 0 ? 0 : 1;
}
