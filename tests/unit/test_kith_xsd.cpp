// KITH validation against the official XSDs (specs/upstream/kith-xsd, issue 20 item 7): every
// standard they define is accepted, imports resolve from the spec files only, errors inside an
// embedded document are KITH-MSG-005, and the code lists vft holds in part only warn.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "vft/validate/validator.hpp"

using namespace vft;

namespace {
const std::filesystem::path kValid =
    std::filesystem::path(VFT_SOURCE_DIR) / "fixtures/messages/valid/kith";
const char* kNs10 = "http://www.kith.no/xmlstds/dialog/2006-10-11";
const char* kNs11 = "http://www.kith.no/xmlstds/dialog/2013-01-23";

const Validator& validator() {
    static Validator v = Validator::create().value();
    return v;
}
std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}
const Issue* find_rule(const ValidationReport& r, const std::string& rule) {
    for (const auto& i : r.issues)
        if (i.rule == rule) return &i;
    return nullptr;
}
std::string rules_of(const ValidationReport& r) {
    std::string out;
    for (const auto& i : r.issues)
        out += i.rule + " " + i.path + ": " + i.message + "\n";
    return out;
}
// The valid MsgHead's embedded Dialogmelding, as a document of its own.
std::string dialogmelding(const std::string& ns) {
    const std::string msg = slurp(kValid / "msghead-dialog-notat.xml");
    const auto from = msg.find("<Dialogmelding");
    const std::string end = "</Dialogmelding>";
    const auto to = msg.find(end) + end.size();
    return replaced("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + msg.substr(from, to - from),
                    kNs11, ns);
}
}  // namespace

TEST_CASE("KITH: Dialogmelding 1.0 and 1.1 validate against the official XSDs", "[kith][xsd]") {
    for (const char* ns : {kNs10, kNs11}) {
        INFO(ns);
        const auto alone = validator().validate(dialogmelding(ns));
        INFO(rules_of(alone));
        CHECK(alone.kind == "kith-xml");
        CHECK(alone.resource_type == "Dialogmelding");
        CHECK(alone.issues.empty());
        // Embedded in a MsgHead (RefDoc/Content is a strict wildcard: validated with it).
        const auto embedded =
            validator().validate(replaced(slurp(kValid / "msghead-dialog-notat.xml"), kNs11, ns));
        INFO(rules_of(embedded));
        CHECK(embedded.issues.empty());
    }
}

TEST_CASE("KITH: an error inside an embedded Dialogmelding is KITH-MSG-005 naming its schema",
          "[kith][xsd]") {
    for (const char* ns : {kNs10, kNs11}) {
        INFO(ns);
        std::string msg = replaced(slurp(kValid / "msghead-dialog-notat.xml"), kNs11, ns);
        msg =
            replaced(msg, "<DatoNotat>2025-03-14</DatoNotat>", "<DatoNotat>14.03.2025</DatoNotat>");
        const auto r = validator().validate(msg);
        INFO(rules_of(r));
        const Issue* i = find_rule(r, "KITH-MSG-005");
        REQUIRE(i);
        CHECK(i->path.find("/MsgHead/Document/RefDoc/Content/Dialogmelding/Notat") == 0);
        CHECK(i->message.find(std::string(ns) == kNs10
                                  ? "dialogmelding-v1.0.xsd"
                                  : "dialogmelding-v1.1.xsd") != std::string::npos);
        CHECK_FALSE(find_rule(r, "KITH-XSD-001"));
        CHECK_FALSE(r.valid());
    }
    // Content the schema set does not declare (strict wildcard) is an error of the content too.
    const auto r = validator().validate(replaced(slurp(kValid / "msghead-dialog-notat.xml"), kNs11,
                                                 "urn:example:not-a-kith-standard"));
    INFO(rules_of(r));
    CHECK(find_rule(r, "KITH-MSG-005"));
    CHECK_FALSE(find_rule(r, "KITH-XSD-001"));
}

TEST_CASE("KITH: the MsgHead's own schema errors are KITH-XSD-001 naming MsgHead-v1_2.xsd",
          "[kith][xsd]") {
    const auto r = validator().validate(replaced(slurp(kValid / "msghead-dialog-notat.xml"),
                                                 "<MsgType V=\"XML\"", "<MsgTyp V=\"XML\""));
    INFO(rules_of(r));
    const Issue* i = find_rule(r, "KITH-XSD-001");
    REQUIRE(i);
    CHECK(i->message.find("MsgHead-v1_2.xsd") != std::string::npos);
    CHECK_FALSE(find_rule(r, "KITH-MSG-005"));
}

TEST_CASE("KITH: TemaKodet is checked against 7322 only when its S names 7322, as a warning",
          "[kith]") {
    const std::string tk = "<TemaKodet V=\"6\" S=\"2.16.578.1.12.4.1.1.7322\"";
    const std::string msg = slurp(kValid / "msghead-dialog-notat.xml");
    // Another code system (here Volven 9069) is not vft's to judge.
    const auto other = validator().validate(
        replaced(msg, tk, "<TemaKodet V=\"99\" S=\"2.16.578.1.12.4.1.1.9069\""));
    INFO(rules_of(other));
    CHECK(other.issues.empty());
    // 7322 with a code vft does not hold: a warning, the message stays valid.
    const auto unknown = validator().validate(
        replaced(msg, tk, "<TemaKodet V=\"99\" S=\"2.16.578.1.12.4.1.1.7322\""));
    INFO(rules_of(unknown));
    const Issue* i = find_rule(unknown, "KITH-DLG-001");
    REQUIRE(i);
    CHECK(i->severity == Severity::warning);
    CHECK(unknown.valid());
}

TEST_CASE("KITH: a message type outside vft's part of 8279 warns, a known one is silent",
          "[kith]") {
    const std::string msg = slurp(kValid / "msghead-dialog-notat.xml");
    CHECK_FALSE(find_rule(validator().validate(msg), "KITH-MSG-001"));
    const auto r = validator().validate(
        replaced(msg, "<Type V=\"DIALOG_NOTAT\"", "<Type V=\"DIALOG_INNBYGGER_EKONTAKT\""));
    const Issue* i = find_rule(r, "KITH-MSG-001");
    REQUIRE(i);
    CHECK(i->severity == Severity::warning);
    CHECK(r.valid());
}

TEST_CASE("KITH: XSD imports resolve from the spec files only, never the disk or network",
          "[kith][xsd]") {
    namespace fs = std::filesystem;
    const fs::path src = fs::path(VFT_SOURCE_DIR) / "specs";
    const fs::path dir = fs::temp_directory_path() / "vft-kith-xsd-test";
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const char* sub : {"jft", "kith", "pmd", "vkp-r4", "compiled", "http-auth"})
        if (fs::exists(src / sub)) fs::copy(src / sub, dir / sub, fs::copy_options::recursive);
    fs::create_directories(dir / "upstream/kith-xsd");
    for (const auto& f : fs::directory_iterator(src / "upstream/kith-xsd"))
        if (f.path().filename() != "kith.xsd") fs::copy(f.path(), dir / "upstream/kith-xsd");
    // kith.xsd (imported by AppRec 1.1, Dialogmelding, felleskomponent1) is missing: loading
    // fails naming it. A copy beside the working directory is not used.
    ValidatorOptions o;
    o.specs_dir = dir.string();
    auto v = Validator::create(o);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code == "VFT-SPEC-0201");
    CHECK(v.error().location.find("kith.xsd") != std::string::npos);
    // With it, the same directory loads and validates like the embedded copy.
    fs::copy(src / "upstream/kith-xsd/kith.xsd", dir / "upstream/kith-xsd");
    auto ok = Validator::create(o);
    REQUIRE(ok.ok());
    CHECK(ok->validate(slurp(kValid / "apprec-partly-ok-v1_1.xml")).issues.empty());
    fs::remove_all(dir);
}
