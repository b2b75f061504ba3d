// JUnit XML from a report: one testcase per test, statuses mapped, and well-formed XML whatever
// the report holds (checked by parsing it with libxml2).
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

#include "../support/sample_report.hpp"
#include "vft/reports/junit.hpp"

using namespace vft::reports;

namespace {

using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

Doc parse(const std::string& xml) {
    return Doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
               &xmlFreeDoc);
}

std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
}

std::string text(xmlNode* n) {
    xmlChar* v = xmlNodeGetContent(n);
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
}

bool is(xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE &&
           xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>(name));
}

struct Case {
    std::string classname, child, message, body;
};

// testcase name -> what it says.
std::map<std::string, Case> cases(xmlDoc* doc) {
    std::map<std::string, Case> out;
    xmlNode* root = xmlDocGetRootElement(doc);
    for (xmlNode* suite = root->children; suite; suite = suite->next) {
        if (!is(suite, "testsuite")) continue;
        for (xmlNode* tc = suite->children; tc; tc = tc->next) {
            if (!is(tc, "testcase")) continue;
            Case c;
            c.classname = attr(tc, "classname");
            for (xmlNode* ch = tc->children; ch; ch = ch->next)
                if (ch->type == XML_ELEMENT_NODE) {
                    c.child = reinterpret_cast<const char*>(ch->name);
                    c.message = attr(ch, "message");
                    c.body = text(ch);
                }
            out[attr(tc, "name")] = c;
        }
    }
    return out;
}

}  // namespace

TEST_CASE("JUnit has one testcase per test with statuses mapped", "[reports][junit]") {
    Report r = vft::test::sample_report({});
    r.tests[2].status = Status::error;
    r.tests[2].messages = {"harness: the mock token service did not start"};
    r.tests[3].status = Status::skip;
    r.tests[3].messages = {"the SUT file gives no test_patients"};
    vft::test::refresh(r);
    const std::string xml = render_junit(r);
    Doc doc = parse(xml);
    REQUIRE(doc);
    const auto got = cases(doc.get());
    REQUIRE(got.size() == r.tests.size());
    xmlNode* root = xmlDocGetRootElement(doc.get());
    CHECK(attr(root, "tests") == std::to_string(r.tests.size()));
    CHECK(attr(root, "failures") == "1");
    CHECK(attr(root, "errors") == "1");
    for (const auto& t : r.tests) {
        INFO(t.id);
        REQUIRE(got.count(t.id) == 1);
        const Case& c = got.at(t.id);
        CHECK(c.classname == t.group);
        switch (t.status) {
            case Status::pass:
                CHECK(c.child.empty());
                break;
            case Status::fail:
                CHECK(c.child == "failure");
                CHECK(c.message == t.messages.front());
                CHECK_THAT(c.body, Catch::Contains(t.messages.back()));
                CHECK_THAT(c.body, Catch::Contains(t.requirements.front()));
                break;
            case Status::error:
                CHECK(c.child == "error");
                CHECK(c.message == t.messages.front());
                break;
            case Status::skip:
            case Status::omit:
                CHECK(c.child == "skipped");
                CHECK_THAT(c.message, Catch::StartsWith(std::string(to_string(t.status))));
                break;
        }
    }
}

TEST_CASE("JUnit stays well-formed XML whatever the messages hold", "[reports][junit]") {
    Report r = vft::test::sample_report({});
    const std::string hostile =
        "]]></failure><evil a=\"1\"/>&amp; & < > \" ' \x01\x02\x1b"
        "\xff\xfe bad UTF-8 \xc3\x28 ok: bl\xc3\xa5"
        "b\xc3\xa6r";
    r.tests[1].messages = {hostile, "second line\nwith newline"};
    r.tests[1].group = "grp<&>\"'";
    r.tests[0].id = "vkp_r4.x.y";
    r.suite = "suite\"<x>";
    const std::string xml = render_junit(r);
    Doc doc = parse(xml);
    REQUIRE(doc);
    const auto got = cases(doc.get());
    const Case& c = got.at(r.tests[1].id);
    CHECK(c.classname == "grp<&>\"'");
    CHECK(c.child == "failure");
    // The markup arrives as text; bytes XML cannot carry became U+FFFD; valid UTF-8 is kept.
    CHECK_THAT(c.message, Catch::StartsWith("]]></failure><evil a=\"1\"/>&amp; & < > \" ' "));
    CHECK_THAT(c.message, Catch::Contains("\xEF\xBF\xBD"));
    CHECK_THAT(c.message, Catch::EndsWith("bl\xc3\xa5"
                                          "b\xc3\xa6r"));
    CHECK(xml.find("<evil") == std::string::npos);
}

TEST_CASE("JUnit masks raw person numbers", "[reports][junit]") {
    Report r = vft::test::sample_report({});
    r.tests[1].messages = {"patient 01017012345 unknown"};
    const std::string xml = render_junit(r);
    CHECK(xml.find("01017012345") == std::string::npos);
}
