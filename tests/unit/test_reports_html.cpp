// The HTML report: self-contained, every test ID present, verdict worded, failures first, bodies
// escaped (a hostile body renders as text), fødselsnummer masked, long bodies cut with the size.
// The structure is checked by parsing the page with libxml2's HTML parser, not by substrings only.
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "../support/sample_report.hpp"
#include "vft/reports/html.hpp"

using namespace vft::reports;

namespace {

using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

Doc parse_html(const std::string& html) {
    return Doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), "report.html", "UTF-8",
                              HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING),
               &xmlFreeDoc);
}

std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
}

void walk(xmlNode* n, const std::function<void(xmlNode*)>& f) {
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) f(n);
        walk(n->children, f);
    }
}

struct Page {
    std::map<std::string, int> elements;    // tag name -> count
    std::map<std::string, xmlNode*> by_id;  // id -> element
    std::vector<std::string> test_order;    // data-test-id in document order
    std::vector<std::string> srcs;          // every src/href value
};

Page inspect(xmlDoc* doc) {
    Page p;
    walk(xmlDocGetRootElement(doc), [&p](xmlNode* n) {
        p.elements[reinterpret_cast<const char*>(n->name)]++;
        if (auto id = attr(n, "id"); !id.empty()) p.by_id[id] = n;
        if (auto t = attr(n, "data-test-id"); !t.empty()) p.test_order.push_back(t);
        for (const char* a : {"src", "href"})
            if (auto v = attr(n, a); !v.empty()) p.srcs.push_back(v);
    });
    return p;
}

std::string text(xmlNode* n) {
    xmlChar* v = xmlNodeGetContent(n);
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
}

}  // namespace

TEST_CASE("the HTML report shows the verdict, the product and every test ID", "[reports][html]") {
    const Report r = vft::test::sample_report({});
    const std::string html = render_html(r, {"Signed (Ed25519, key id abc)", 16 * 1024});
    Doc doc = parse_html(html);
    REQUIRE(doc);
    Page p = inspect(doc.get());
    REQUIRE(p.by_id.count("verdict"));
    CHECK(attr(p.by_id["verdict"], "data-verdict") == "fail");
    CHECK_THAT(text(p.by_id["verdict"]), Catch::Contains("FAIL"));
    CHECK_THAT(text(p.by_id["verdict"]), Catch::Contains("1 mandatory test(s) failed"));
    const std::string facts = text(p.by_id["facts"]);
    for (const char* s : {"Omsorg EPJ", "Eksempel AS", "4.2.1", "vkp-r4", "1.0.0", "receiver",
                          "2026-11-28T10:00:00.000Z", "Signed (Ed25519, key id abc)"})
        CHECK_THAT(facts, Catch::Contains(s));
    for (const auto& t : r.tests) {
        INFO(t.id);
        REQUIRE(p.by_id.count(t.id) == 1);
        CHECK(attr(p.by_id[t.id], "data-test-id") == t.id);
    }
    // Self-contained: no script, no external resource, no link to anything but the page itself.
    CHECK(p.elements["script"] == 0);
    CHECK(p.elements["link"] == 0);
    CHECK(p.elements["img"] == 0);
    CHECK(p.elements["style"] == 1);
    for (const auto& s : p.srcs)
        CHECK_THAT(s, Catch::StartsWith("#"));
    // Coverage per rule family and a row per module.
    for (const char* fam : {"family-VKP", "family-JFT", "family-KITH", "family-AUTH", "family-DUP"})
        CHECK(p.by_id.count(fam) == 1);
    for (const char* m : {"module-journaling/alarm", "module-journaling/medication",
                          "module-search", "module-auth", "module-duplicates", "module-robustness"})
        CHECK(p.by_id.count(m) == 1);
    CHECK_THAT(text(p.by_id["module-journaling/medication"]), Catch::Contains("fail"));
}

TEST_CASE("failures come first, with message, rules, spec and exchanges", "[reports][html]") {
    const Report r = vft::test::sample_report({});
    const TestResult& failed = r.tests[1];
    REQUIRE(failed.status == Status::fail);
    Doc doc = parse_html(render_html(r));
    Page p = inspect(doc.get());
    REQUIRE(!p.test_order.empty());
    CHECK(p.test_order.front() == failed.id);  // the failures section precedes every test
    xmlNode* f = p.by_id.at("fail-" + failed.id);
    CHECK(xmlHasProp(f, reinterpret_cast<const xmlChar*>("open")) != nullptr);
    const std::string t = text(f);
    CHECK_THAT(t, Catch::Contains(failed.messages.front()));
    CHECK_THAT(t, Catch::Contains(failed.requirements.front()));
    CHECK_THAT(t, Catch::Contains(failed.spec_ref));
    CHECK_THAT(t, Catch::Contains("HTTP 500"));
    CHECK_THAT(t, Catch::Contains("\"resourceType\": \"Bundle\""));  // pretty-printed
    CHECK_THAT(t, Catch::Contains("Content-Type:"));
}

TEST_CASE("a hostile body renders as text, never as markup", "[reports][html]") {
    Report r = vft::test::sample_report({});
    const std::string evil =
        "</script><img src=x onerror=alert(1)><script>alert(2)</script>"
        "</pre></details><a href=\"http://evil.example/\">x</a>";
    r.tests[1].exchanges[0].response_body = evil;
    r.tests[1].messages[0] = "<b>bold</b> & \"quoted\"";
    r.tests[0].title = "<style>body{display:none}</style>";
    vft::test::refresh(r);
    const std::string html = render_html(r);
    Doc doc = parse_html(html);
    Page p = inspect(doc.get());
    CHECK(p.elements["img"] == 0);
    CHECK(p.elements["script"] == 0);
    CHECK(p.elements["a"] == static_cast<int>(p.srcs.size()));  // only the page's own anchors
    for (const auto& s : p.srcs)
        CHECK_THAT(s, Catch::StartsWith("#"));
    CHECK(p.elements["style"] == 1);
    CHECK(html.find("<b>bold</b>") == std::string::npos);
    CHECK(html.find("<style>body") == std::string::npos);
    CHECK_THAT(text(p.by_id.at("fail-" + r.tests[1].id)), Catch::Contains(evil));
    CHECK_THAT(text(p.by_id.at("fail-" + r.tests[1].id)),
               Catch::Contains("<b>bold</b> & \"quoted\""));
    CHECK(html.find("<img") == std::string::npos);
    CHECK(html.find("onerror=alert(1)>") == std::string::npos);
}

TEST_CASE("fødselsnummer are masked and long bodies are cut with their size", "[reports][html]") {
    Report r = vft::test::sample_report({});
    const size_t baseline = render_html(r, {"", 4096}).size();
    r.tests[1].exchanges[0].request_body =
        std::string(R"({"note":")") + std::string(100000, 'x') + R"(","raw":"01017012345"})";
    r.tests[1].messages.push_back("raw number 01017012345 slipped through");
    vft::test::refresh(r);
    const std::string html = render_html(r, {"", 4096});
    CHECK(html.find("FNR#") == std::string::npos);
    CHECK(html.find("3fa9c0d2b17e") == std::string::npos);
    CHECK(html.find("fnr \xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2"
                    "3fa9") != std::string::npos);
    CHECK(html.find("01017012345") == std::string::npos);
    CHECK_THAT(html, Catch::Contains("Cut: showing the first"));
    CHECK_THAT(html, Catch::Contains("of 100,031 bytes"));
    CHECK_THAT(html, Catch::Contains("tests[1].exchanges[0].request_body"));
    // The 100 KB body adds about 4 KB in each of its two places (failures, all tests).
    CHECK(html.size() < baseline + 2 * 4096 + 4096);
}

TEST_CASE("each verdict is worded and coloured", "[reports][html]") {
    vft::test::SampleOptions o;
    o.failing = false;
    Report pass = vft::test::sample_report(o);
    REQUIRE(pass.verdict == Verdict::pass);
    CHECK_THAT(render_html(pass), Catch::Contains("class=\"verdict v-pass\""));
    CHECK_THAT(render_html(pass), Catch::Contains("PASS &#8212; conforms"));
    Report inc = pass;
    inc.tests[0].status = Status::skip;
    inc.tests[0].messages = {"no test patients in the SUT file"};
    vft::test::refresh(inc);
    REQUIRE(inc.verdict == Verdict::incomplete);
    const std::string html = render_html(inc);
    CHECK_THAT(html, Catch::Contains("class=\"verdict v-incomplete\""));
    CHECK_THAT(html, Catch::Contains("INCOMPLETE"));
    CHECK_THAT(html, Catch::Contains("Not signed"));
}
