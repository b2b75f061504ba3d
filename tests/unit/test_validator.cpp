// The validator's behaviour beyond the fixtures: robustness against hostile input, paths with
// indices, levels, OperationOutcome output, spec loading errors.
#include <rapidjson/document.h>
#include <catch2/catch.hpp>

#include <string>

#include "vft/validate/validator.hpp"

using namespace vft;

namespace {
const Validator& validator() {
    static Validator v = Validator::create().value();
    return v;
}
bool has_rule(const ValidationReport& r, const std::string& rule) {
    for (const auto& i : r.issues)
        if (i.rule == rule) return true;
    return false;
}
const Issue* find_rule(const ValidationReport& r, const std::string& rule) {
    for (const auto& i : r.issues)
        if (i.rule == rule) return &i;
    return nullptr;
}
const char* kComposition = R"({"resourceType":"Composition","status":"final",
  "type":{"coding":[{"system":"http://loinc.org","code":"34133-9"}]},
  "category":[{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-composition-category-v090","code":"1"}]}],
  "subject":{"identifier":{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"12854812341"},"display":"Kåre Nordmann Testesen"},
  "date":"2026-03-12T08:15:00+01:00","author":[{"display":"Operatør"}],"title":"Journalnotat for respons på hendelse"})";
}  // namespace

TEST_CASE("the embedded spec packages load and name their versions", "[validator]") {
    const auto specs = validator().specs();
    REQUIRE(specs.size() == 4);
    CHECK(specs[0].id == "jft");
    bool vkp = false;
    for (const auto& s : specs)
        vkp = vkp || (s.id == "vkp-r4" && s.version == "0.9.0");
    CHECK(vkp);
}

TEST_CASE("a minimal valid Composition passes strict", "[validator]") {
    const auto r = validator().validate(kComposition);
    INFO(r.to_operation_outcome());
    CHECK(r.valid());
    CHECK(r.spec == "vkp-r4");
    CHECK(r.resource_type == "Composition");
}

TEST_CASE("issues carry element paths with indices", "[validator]") {
    std::string doc = kComposition;
    doc.replace(doc.find("\"code\":\"1\""), 10, "\"code\":\"9\"");
    const auto r = validator().validate(doc);
    // The published vkp-Composition binds category (required): its check reports the coding,
    // and the hand-written VKP-CMP-002 for the same place defers to it (report.deferred).
    const Issue* p = find_rule(r, "FHIR-PRF-003");
    REQUIRE(p);
    CHECK(p->path == "Composition.category[0].coding");
    CHECK(p->severity == Severity::error);
    CHECK(p->source.rfind("specs/upstream/vkp-r4/StructureDefinition/vkp-Composition-v090", 0) ==
          0);
    CHECK(find_rule(r, "VKP-CMP-002") == nullptr);
    const Issue* i = nullptr;
    for (const auto& d : r.deferred)
        if (d.rule == "VKP-CMP-002") i = &d;
    REQUIRE(i);
    CHECK(i->path == "Composition.category[0]");
    const Issue* c = find_rule(r, "CODE-001");
    REQUIRE(c);
    CHECK(c->path == "Composition.category[0].coding[0].code");
}

TEST_CASE("levels: IG fixed values are errors in strict and warnings in lenient", "[validator]") {
    std::string doc = kComposition;
    doc.replace(doc.find("\"final\""), 7, "\"preliminary\"");
    const auto strict = validator().validate(doc, {Level::strict, ""});
    const auto lenient = validator().validate(doc, {Level::lenient, ""});
    REQUIRE(find_rule(strict, "VKP-CMP-006"));
    CHECK(find_rule(strict, "VKP-CMP-006")->severity == Severity::error);
    REQUIRE(find_rule(lenient, "VKP-CMP-006"));
    CHECK(find_rule(lenient, "VKP-CMP-006")->severity == Severity::warning);
    CHECK(lenient.valid());
    CHECK_FALSE(strict.valid());
}

TEST_CASE("strict and lenient judge every R4 invariant of severity error, on every type",
          "[validator]") {
    // A Composition whose event period ends before it starts: R4's per-1 (Period), an error at
    // every level — the national levels include all of base R4's errors (docs/validation.md).
    std::string doc = kComposition;
    doc.insert(
        doc.rfind('}'),
        R"(,"event":[{"code":[{"coding":[{"system":"http://ehelse.no/fhir/CodeSystem/vkp-composition-event-v090","code":"0"}]}],"period":{"start":"2026-03-12T08:15:00+01:00","end":"2026-03-12T08:00:00+01:00"}}])");
    for (const Level level : {Level::strict, Level::lenient}) {
        const auto r = validator().validate(doc, {level, ""});
        INFO(r.to_operation_outcome());
        const Issue* i = find_rule(r, "FHIR-INV-001");
        REQUIRE(i);
        CHECK(i->severity == Severity::error);
        CHECK(i->source == "fhir-r4:per-1");
        CHECK(i->path == "Composition.event[0].period");
        CHECK_FALSE(r.valid());
    }
    // The same period the right way round: no invariant issue, and no dom-6 guideline warning
    // (the Composition has no narrative; `--spec r4` reports that one).
    std::string ok = doc;
    ok.replace(ok.find("08:00:00+01:00"), 14, "08:30:00+01:00");
    const auto fine = validator().validate(ok, {Level::strict, ""});
    INFO(fine.to_operation_outcome());
    CHECK_FALSE(has_rule(fine, "FHIR-INV-001"));
    const auto r4 = validator().validate(ok, {Level::strict, "r4"});
    REQUIRE(find_rule(r4, "FHIR-INV-001"));
    CHECK(find_rule(r4, "FHIR-INV-001")->source == "fhir-r4:dom-6");
}

TEST_CASE("malformed JSON gives one fatal issue with line and column", "[validator][robustness]") {
    const auto r =
        validator().validate("{\n  \"resourceType\": \"Patient\",\n  \"active\": tru\n}");
    REQUIRE(r.issues.size() == 1);
    CHECK(r.issues[0].severity == Severity::fatal);
    CHECK(r.issues[0].rule == "FHIR-JSON-001");
    CHECK(r.issues[0].line == 3);
    CHECK(r.issues[0].column > 1);
}

TEST_CASE("hostile input never crashes or hangs", "[validator][robustness]") {
    CHECK(has_rule(validator().validate(std::string(200000, '[') + std::string(200000, ']')),
                   "FHIR-JSON-003"));
    CHECK(has_rule(
        validator().validate("{\"resourceType\":\"Patient\",\"name\":[{\"text\":\"\xC3\x28\"}]}"),
        "FHIR-JSON-002"));
    CHECK(has_rule(validator().validate("[1,2,3]"), "FHIR-JSON-004"));
    CHECK(has_rule(validator().validate(""), "FHIR-JSON-001"));
    CHECK(has_rule(validator().validate(std::string("\0\0\0", 3)), "FHIR-JSON-001"));
    CHECK(has_rule(validator().validate(
                       "{\"resourceType\":\"Patient\",\"gender\":\"male\",\"gender\":\"female\"}"),
                   "FHIR-JSON-005"));
    // A 50 MB document is read and judged, not refused, and the long strings do not overflow
    // std::regex (valijson's pattern engine) — this crashed before the long-string guard.
    std::string big =
        R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:2.16.578.1.12.4.1.4.1","value":"12854812341"}],"photo":[{"contentType":"image/png","data":")";
    big += std::string(50u << 20, 'A');
    big += R"("}]})";
    const auto r = validator().validate(big);
    INFO(r.to_operation_outcome());
    CHECK(r.valid());
    std::string bad_uri =
        R"({"resourceType":"Patient","implicitRules":")" + std::string(100000, 'x') + " y\"}";
    CHECK(has_rule(validator().validate(bad_uri), "FHIR-STR-004"));
}

TEST_CASE("documents over the size limit are refused without being parsed",
          "[validator][robustness]") {
    ValidatorOptions o;
    o.max_bytes = 100;
    auto small = Validator::create(o);
    REQUIRE(small.ok());
    CHECK(has_rule(small->validate(kComposition), "FHIR-JSON-006"));
    // A document that, once read, is malformed JSON: under the default limit it is read and
    // judged (FHIR-JSON-001); over the limit the size finding is the only one, so it was not read.
    const std::string broken = std::string(kComposition) + "}{ not json";
    REQUIRE(has_rule(validator().validate(broken), "FHIR-JSON-001"));
    const auto refused = small->validate(broken);
    INFO(refused.to_operation_outcome());
    REQUIRE(refused.issues.size() == 1);
    CHECK(refused.issues[0].rule == "FHIR-JSON-006");
    CHECK_FALSE(refused.valid());
    // The same for KITH XML: not well-formed (KITH-XML-001 with a parser message) when read; over
    // the limit only the size finding.
    const std::string xml = "<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\">" +
                            std::string(200, ' ') + "<unclosed>";
    const auto read_xml = validator().validate(xml);
    INFO(read_xml.to_operation_outcome());
    REQUIRE_FALSE(read_xml.valid());
    REQUIRE_FALSE(read_xml.issues.empty());
    CHECK(read_xml.issues[0].message.find("larger than the limit") == std::string::npos);
    const auto refused_xml = small->validate(xml);
    INFO(refused_xml.to_operation_outcome());
    REQUIRE(refused_xml.issues.size() == 1);
    CHECK(refused_xml.issues[0].message.find("larger than the limit") != std::string::npos);
}

TEST_CASE("the report converts to a FHIR OperationOutcome that itself validates", "[validator]") {
    std::string doc = kComposition;
    doc.replace(doc.find("\"final\""), 7, "\"preliminary\"");
    const auto r = validator().validate(doc);
    const std::string oo = r.to_operation_outcome();
    rapidjson::Document d;
    d.Parse(oo.c_str());
    REQUIRE_FALSE(d.HasParseError());
    CHECK(std::string(d["resourceType"].GetString()) == "OperationOutcome");
    CHECK(d["issue"].Size() == r.issues.size());
    CHECK(std::string(d["issue"][0]["details"]["coding"][0]["code"].GetString()) == "VKP-CMP-006");
    const auto self = validator().validate(oo);
    INFO(self.to_operation_outcome());
    CHECK(self.valid());
}

TEST_CASE("spec loading errors name the file at fault", "[validator]") {
    ValidatorOptions o;
    o.specs_dir = "/nonexistent/specs";
    auto v = Validator::create(o);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == "VFT-SPEC-0201");
    // Loading from the source tree gives the same verdicts as the embedded copy.
    o.specs_dir = VFT_SOURCE_DIR "/specs";
    auto disk = Validator::create(o);
    REQUIRE(disk.ok());
    CHECK(disk->validate(kComposition).valid());
}

TEST_CASE("KITH: DOCTYPE is refused before parsing; unknown namespaces are named",
          "[validator][kith]") {
    const auto r = validator().validate(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>");
    REQUIRE(r.issues.size() == 1);
    CHECK(r.issues[0].rule == "KITH-XML-001");
    // Issue 13 item 9: in UTF-16 "<!DOCTYPE" is not those bytes, and a byte scan let libxml2
    // parse the DTD. The parser itself refuses it now, in any encoding, before reading it.
    auto utf16 = [](const std::string& ascii, bool little) {
        std::string out = little ? "\xFF\xFE" : "\xFE\xFF";
        for (char c : ascii) {
            out += little ? std::string{c, '\0'} : std::string{'\0', c};
        }
        return out;
    };
    const std::string with_dtd =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
        "<!DOCTYPE MsgHead [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
        "<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\">&b;</MsgHead>";
    for (bool little : {true, false}) {
        const std::string doc = utf16(with_dtd, little);
        REQUIRE(doc.find("<!DOCTYPE") == std::string::npos);  // no byte scan can see it
        CHECK(validator()
                  .validate(doc, {Level::strict, "kith"})
                  .issues.at(0)
                  .message.find("DOCTYPE") != std::string::npos);
        const auto u = validator().validate(doc);  // detected as XML by its byte order mark
        REQUIRE(u.issues.size() == 1);
        CHECK(u.issues[0].rule == "KITH-XML-001");
        CHECK(u.issues[0].message.find("DOCTYPE") != std::string::npos);
        // An external subset (SYSTEM) is refused the same way, and nothing is fetched.
        const auto ext = validator().validate(
            utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE MsgHead SYSTEM "
                  "\"file:///etc/passwd\"><MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/"
                  "2006-05-24\"/>",
                  little));
        REQUIRE(ext.issues.size() == 1);
        CHECK(ext.issues[0].message.find("DOCTYPE") != std::string::npos);
    }
    // The same document without the DTD is read as UTF-16 (so the refusal is not an encoding
    // failure): it gets to the schema checks.
    const auto plain =
        validator().validate(utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?><MsgHead "
                                   "xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\"/>",
                                   true));
    REQUIRE_FALSE(plain.issues.empty());
    CHECK(plain.issues[0].rule != "KITH-XML-001");
    CHECK(plain.resource_type == "MsgHead");

    // Dialogmelding 1.0 is a KITH standard (dialogmelding-v1.0.xsd): judged, not refused.
    const auto v10 = validator().validate(
        "<Dialogmelding xmlns=\"http://www.kith.no/xmlstds/dialog/2006-10-11\"/>");
    CHECK_FALSE(find_rule(v10, "KITH-XML-002"));
    const auto ns = validator().validate(
        "<Dialogmelding xmlns=\"http://www.kith.no/xmlstds/dialog/2099-01-01\"/>");
    REQUIRE(find_rule(ns, "KITH-XML-002"));
    CHECK(find_rule(ns, "KITH-XML-002")->hint.find("Dialogmelding 1.0 and 1.1") !=
          std::string::npos);
}
