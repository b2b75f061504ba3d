// KITH XML in the SDK: MsgHead 1.2 + Dialogmelding 1.1 and AppRec 1.0/1.1 build → validate →
// read back, the documented error codes, and the AppRec fixtures. Persons and organisations come
// from fixtures/persons/persons.json only.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "../support/files.hpp"
#include "../support/validator.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/time.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/validate/validator.hpp"

namespace fs = std::filesystem;
using namespace vft;
using namespace vft::kith;

using vft::test::slurp;

using vft::test::validator;

namespace {

const fs::path kKith = fs::path(VFT_SOURCE_DIR) / "fixtures" / "messages" / "valid" / "kith";

void require_valid(const std::string& xml) {
    const auto report = validator().validate(xml);
    INFO(xml);
    INFO(report.to_operation_outcome());
    CHECK(report.spec == "kith");
    CHECK(report.valid());
    CHECK(report.issues.empty());
}

Time at(const char* text) {
    return parse_fhir_time(text).value();
}

// persons.json: organisations 812345672/8143063, 921000006/8143061, 312229544/8143060;
// persons 24675198744 Åsmund Bjørk Ærlig, 29813531133 Jürgen Müller Hansen,
// 01686014416 Nina Fjeld, 52854812335 Piotr Kowalski (D-nummer).
Organisation response_centre() {
    return {"Responssenter Vest (response centre)", "812345672", "8143063", {}};
}
Organisation municipality() {
    return {"Testkommune Nord helse og omsorg", "921000006", "8143061",
            Department{"Synthetic test municipality (JFT test)", "8143060"}};
}

const std::string kNote =
    "Trygghetsalarm utløst kl. 02:14. Operatør fikk kontakt med Åsmund Bjørk Ærlig via toveis "
    "tale.\r\nNaboen Jürgen Müller Hansen låste opp døren; Olga Ødegård ble varslet.\n"
    "  Økt tilsyn <neste> døgn & \"ÆØÅ æøå ü\".  ";

DialogMessage note() {
    DialogMessage m;
    m.msg_id = "e6b769ef-d594-47b3-9f34-d5a59d60bcb4";
    m.conversation_ref_parent = "c8730be2-cbf3-4a99-8a92-42f5ae4467cf";
    m.conversation_ref_conversation = "c8730be2-cbf3-4a99-8a92-42f5ae4467cf";
    m.generated = at("2025-03-14T01:41:07Z");
    m.sender = response_centre();
    m.sender_professional = HealthcareProfessional{"Jürgen Müller Hansen", "", "", "29813531133"};
    m.receiver = municipality();
    m.patient = Patient{"24675198744", "Åsmund Bjørk Ærlig"};
    m.tema_code = "6";
    m.tema_text = "Trygghetsalarm – fall på badet";
    m.note_text = kNote;
    return m;
}

const std::regex kGuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

}  // namespace

TEST_CASE("a dialog note with Æ Ø Å and ü builds, validates and reads back unchanged", "[kith]") {
    const DialogMessage in = note();
    auto msg = build_dialog_message(in);
    REQUIRE(msg.ok());
    CHECK(msg->identifier == in.msg_id);
    CHECK(msg->resource_type == "MsgHead");
    CHECK(msg->media_type == vft::Message::kXml);
    require_valid(msg->body);

    // Exactly the fixture's element names, OIDs and display texts.
    const std::string& xml = msg->body;
    CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0) == 0);
    CHECK(xml.find("<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\">") !=
          std::string::npos);
    CHECK(xml.find("<MIGversion>v1.2 2006-05-24</MIGversion>") != std::string::npos);
    CHECK(xml.find("<GenDate>2025-03-14T01:41:07Z</GenDate>") != std::string::npos);
    CHECK(xml.find("<Ack V=\"J\"/>") != std::string::npos);
    CHECK(xml.find("<TypeId V=\"ENH\" S=\"2.16.578.1.12.4.1.1.9051\" DN=\"Organisasjonsnummeret i "
                   "Enhetsregisteret\"/>") != std::string::npos);
    CHECK(xml.find("<TypeId V=\"HER\" S=\"2.16.578.1.12.4.1.1.9051\" DN=\"HER-id\"/>") !=
          std::string::npos);
    CHECK(xml.find("<TypeId V=\"FNR\" S=\"2.16.578.1.12.4.1.1.8116\" DN=\"Fødselsnummer\"/>") !=
          std::string::npos);
    CHECK(xml.find("<FamilyName>Ærlig</FamilyName>") != std::string::npos);
    CHECK(xml.find("<GivenName>Åsmund Bjørk</GivenName>") != std::string::npos);
    CHECK(xml.find("<DateOfBirth>1951-02-24</DateOfBirth>") != std::string::npos);
    CHECK(xml.find("<Dialogmelding xmlns=\"http://www.kith.no/xmlstds/dialog/2013-01-23\">") !=
          std::string::npos);
    CHECK(
        xml.find(
            "<TemaKodet V=\"6\" S=\"2.16.578.1.12.4.1.1.7322\" DN=\"Henvendelse om pasient\"/>") !=
        std::string::npos);
    // Non-ASCII is written as UTF-8 bytes, not as character references.
    CHECK(xml.find("&#") == xml.find("&#13;"));  // only the CR of the note is a reference
    CHECK(xml.find("J\xC3\xBCrgen M\xC3\xBCller Hansen") != std::string::npos);

    auto back = read_dialog_message(xml);
    REQUIRE(back.ok());
    CHECK(*back == in);
    // Byte for byte, spelled out for the fields that carry non-ASCII.
    CHECK(back->patient.name == "\xC3\x85smund Bj\xC3\xB8rk \xC3\x86rlig");
    CHECK(back->note_text == kNote);
    CHECK(back->tema_text == in.tema_text);
    CHECK(back->sender_professional->name ==
          "J\xC3\xBCrgen M\xC3\xBC"
          "ller Hansen");
}

TEST_CASE("a minimal dialog note: generated MsgId, no conversation, Ack N, D-nummer", "[kith]") {
    DialogMessage in;
    in.ack_requested = false;
    in.generated = at("2025-07-01T10:00:00Z");
    in.sender = {"Trygghet AS (VFT vendor)", "", "8143062", {}};
    in.receiver = {"Testkommune Nord helse og omsorg", "921000006", "8143061", {}};
    in.patient = {"52854812335", "Piotr Kowalski"};
    in.tema_code = "9";
    in.note_text = "Dispenser: dose ikke tatt kl. 08:00.";
    auto msg = build_dialog_message(in);
    REQUIRE(msg.ok());
    CHECK(std::regex_match(msg->identifier, kGuidV4));
    require_valid(msg->body);
    CHECK(msg->body.find("<Ack V=\"N\"/>") != std::string::npos);
    CHECK(msg->body.find("ConversationRef") == std::string::npos);
    CHECK(msg->body.find("<TypeId V=\"DNR\" S=\"2.16.578.1.12.4.1.1.8116\" DN=\"D-nummer\"/>") !=
          std::string::npos);
    CHECK(msg->body.find("<DateOfBirth>1948-05-12</DateOfBirth>") != std::string::npos);

    auto back = read_dialog_message(msg->body);
    REQUIRE(back.ok());
    DialogMessage expected = in;
    expected.msg_id = msg->identifier;
    CHECK(*back == expected);
}

TEST_CASE("an epoch GenDate means now", "[kith]") {
    DialogMessage in = note();
    in.generated = {};
    const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto msg = build_dialog_message(in);
    REQUIRE(msg.ok());
    auto back = read_dialog_message(msg->body);
    REQUIRE(back.ok());
    CHECK(back->generated >= before);
    CHECK(back->generated <= before + std::chrono::minutes(1));
}

TEST_CASE("the MsgHead fixture reads into the values it holds", "[kith]") {
    auto m = read_dialog_message(slurp(kKith / "msghead-dialog-notat.xml"));
    REQUIRE(m.ok());
    CHECK(m->msg_id == "e6b769ef-d594-47b3-9f34-d5a59d60bcb4");
    CHECK(m->type == "DIALOG_NOTAT");
    CHECK(m->ack_requested);
    CHECK(m->generated == at("2025-03-14T01:41:07Z"));
    CHECK(m->conversation_ref_parent == "c8730be2-cbf3-4a99-8a92-42f5ae4467cf");
    CHECK(m->conversation_ref_conversation == "c8730be2-cbf3-4a99-8a92-42f5ae4467cf");
    CHECK(m->sender == Organisation{"Responssenter Vest", "812345672", "8143063", {}});
    CHECK(m->receiver ==
          Organisation{"Testkommune Nord helse og omsorg", "921000006", "8143061", {}});
    REQUIRE(m->sender_professional);
    CHECK(*m->sender_professional == HealthcareProfessional{"Nina Fjeld", "", "", "01686014416"});
    CHECK(m->patient == Patient{"24675198744", "Åsmund Bjørk Ærlig"});
    CHECK(m->tema_code == "6");
    CHECK(m->tema_text == "Trygghetsalarm – fall på badet");
    CHECK(m->note_text.find("Jürgen Müller Hansen") != std::string::npos);
}

TEST_CASE("a GenDate without a zone is Norwegian local time", "[kith]") {
    std::string xml = slurp(kKith / "msghead-dialog-notat.xml");
    const std::string winter = "2025-03-14T02:41:07+01:00";
    xml.replace(xml.find(winter), winter.size(), "2025-07-14T02:41:07");
    auto m = read_dialog_message(xml);
    REQUIRE(m.ok());
    CHECK(m->generated == at("2025-07-14T00:41:07Z"));  // CEST, UTC+2
}

TEST_CASE("invalid dialog input is refused with the documented code", "[kith]") {
    auto code_of = [](const DialogMessage& m) {
        auto r = build_dialog_message(m);
        REQUIRE_FALSE(r.ok());
        CHECK_FALSE(r.error().message.empty());
        CHECK_FALSE(r.error().location.empty());
        return r.error().code;
    };
    DialogMessage m = note();
    m.sender.orgnr = "314159265";
    CHECK(code_of(m) == errc::xml_build_invalid);
    CHECK(build_dialog_message(m).error().location == "DialogMessage.sender.orgnr");
    CHECK_FALSE(build_dialog_message(m).error().hint.empty());

    m = note();
    m.patient.id = "12854812342";
    CHECK(code_of(m) == errc::xml_build_invalid);
    m.patient.id = "";
    CHECK(code_of(m) == errc::xml_build_missing);

    m = note();
    m.tema_code = "99";
    CHECK(code_of(m) == errc::xml_build_invalid);
    m.tema_code = "";
    CHECK(code_of(m) == errc::xml_build_missing);

    m = note();
    m.sender.name = "";
    CHECK(code_of(m) == errc::xml_build_missing);
    CHECK(build_dialog_message(m).error().location == "DialogMessage.sender.name");

    m = note();
    m.patient.name = " ";
    CHECK(code_of(m) == errc::xml_build_missing);

    m = note();
    m.receiver.her_id = "";
    CHECK(code_of(m) == errc::xml_build_missing);
    m.receiver.her_id = "81430-61";
    CHECK(code_of(m) == errc::xml_build_invalid);

    m = note();
    m.receiver.department->her_id = "HER8143060";
    CHECK(code_of(m) == errc::xml_build_invalid);

    m = note();
    m.sender_professional->fnr = "12854812342";
    CHECK(code_of(m) == errc::xml_build_invalid);
    m.sender_professional->fnr = "";
    CHECK(code_of(m) == errc::xml_build_missing);
    m.sender_professional->hpr = "0123";
    CHECK(code_of(m) == errc::xml_build_invalid);

    m = note();
    m.msg_id = "not-a-guid";
    CHECK(code_of(m) == errc::xml_build_invalid);

    m = note();
    m.type = "DIALOG_FORESPORSEL";
    CHECK(code_of(m) == errc::xml_build_invalid);

    m = note();
    m.conversation_ref_conversation = "";
    CHECK(code_of(m) == errc::xml_build_missing);

    m = note();
    m.note_text = "";
    CHECK(code_of(m) == errc::xml_build_missing);
    m.note_text = "bell \x07";
    CHECK(code_of(m) == errc::xml_build_invalid);
    m.note_text = "latin-1 \xE6";
    CHECK(code_of(m) == errc::xml_build_invalid);
}

TEST_CASE("read_dialog_message refuses what it cannot read", "[kith]") {
    CHECK(read_dialog_message("<MsgHead").error().code == errc::xml_syntax);
    CHECK(read_dialog_message("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>")
              .error()
              .code == errc::xml_syntax);
    CHECK(read_dialog_message(slurp(kKith / "apprec-ok-v1_0.xml")).error().code ==
          errc::xml_unsupported);

    std::string xml = slurp(kKith / "msghead-dialog-notat.xml");
    std::string old10 = xml;
    const std::string ns11 = "http://www.kith.no/xmlstds/dialog/2013-01-23";
    old10.replace(old10.find(ns11), ns11.size(), "http://www.kith.no/xmlstds/dialog/2006-10-11");
    // Dialogmelding 1.0 (dialogmelding-v1.0.xsd) has the same Notat: read like 1.1.
    auto r = read_dialog_message(old10);
    REQUIRE(r.ok());
    CHECK(*r == read_dialog_message(xml).value());
    std::string other = xml;
    other.replace(other.find(ns11), ns11.size(), "http://www.kith.no/xmlstds/dialog/2099-01-01");
    auto u = read_dialog_message(other);
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().code == errc::xml_unsupported);
    CHECK(u.error().hint.find("(1.0)") != std::string::npos);

    std::string no_id = xml;
    const std::string id = "<MsgId>e6b769ef-d594-47b3-9f34-d5a59d60bcb4</MsgId>";
    no_id.replace(no_id.find(id), id.size(), "");
    CHECK(read_dialog_message(no_id).error().code == errc::xml_read_invalid);
}

TEST_CASE("AppRec 1.0 and 1.1 with status 1, 2 and 3 build, validate and read back", "[kith]") {
    const auto version = GENERATE(AppRecVersion::v1_0, AppRecVersion::v1_1);
    const auto status =
        GENERATE(AppRecStatus::ok, AppRecStatus::rejected, AppRecStatus::ok_error_in_part);
    AppRec in;
    in.version = version;
    in.id = "17a731bc-80a2-4dae-8f4b-25f30695d41f";
    in.generated = at("2025-03-14T01:41:30Z");
    in.sender = municipality();
    in.receiver = response_centre();
    in.status = status;
    if (status == AppRecStatus::rejected) in.errors = {{"T02", "XML validerer ikke", ""}};
    if (status == AppRecStatus::ok_error_in_part)
        in.errors = {{"E35", "Pasienten finnes ikke i mottakersystemet",
                      "Pasient Åsmund Bjørk Ærlig er ikke registrert hos Testkommune Nord"},
                     {"X99", "Annen feil", "Jürgen Müller Hansen: \"ukjent\" <rolle> & mer\n"}};
    in.original_msg_type = "DIALOG_NOTAT";
    in.original_issue_date = at("2025-03-14T01:41:07Z");
    in.original_msg_id = "e6b769ef-d594-47b3-9f34-d5a59d60bcb4";

    auto msg = build_apprec(in);
    REQUIRE(msg.ok());
    CHECK(msg->identifier == in.id);
    CHECK(msg->resource_type == "AppRec");
    CHECK(msg->media_type == vft::Message::kXml);
    require_valid(msg->body);
    const bool v11 = version == AppRecVersion::v1_1;
    CHECK(msg->body.find(v11 ? "xmlns=\"http://www.kith.no/xmlstds/apprec/2012-02-15\""
                             : "xmlns=\"http://www.kith.no/xmlstds/apprec/2004-11-21\"") !=
          std::string::npos);
    CHECK(msg->body.find(v11 ? "<MIGversion>v1.1 2012-02-15</MIGversion>"
                             : "<MIGversion>v1.0 2004-11-21</MIGversion>") != std::string::npos);
    CHECK(msg->body.find("<Status V=\"" + std::to_string(static_cast<int>(status)) + "\"") !=
          std::string::npos);
    if (status == AppRecStatus::rejected) {
        CHECK(msg->body.find("<Status V=\"2\" DN=\"Avvist\"/>") != std::string::npos);
        CHECK(msg->body.find(
                  "<Error V=\"T02\" S=\"2.16.578.1.12.4.1.1.8221\" DN=\"XML validerer ikke\"/>") !=
              std::string::npos);
    }
    if (status == AppRecStatus::ok_error_in_part)
        CHECK(msg->body.find("<Status V=\"3\" DN=\"OK, feil i delmelding\"/>") !=
              std::string::npos);

    auto back = read_apprec(msg->body);
    REQUIRE(back.ok());
    CHECK(*back == in);
}

TEST_CASE("an AppRec error without text gets the DN of kodeverk 8221", "[kith]") {
    AppRec in = apprec_for(note(), AppRecStatus::rejected, {{"E31", "", ""}});
    auto msg = build_apprec(in);
    REQUIRE(msg.ok());
    require_valid(msg->body);
    auto back = read_apprec(msg->body);
    REQUIRE(back.ok());
    REQUIRE(back->errors.size() == 1);
    CHECK(back->errors[0].text == "Pasientens fødselsnummer er feil");
}

TEST_CASE("apprec_for answers the sender and names the original message", "[kith]") {
    const DialogMessage original = note();
    const AppRec a = apprec_for(original, AppRecStatus::ok, {}, AppRecVersion::v1_1);
    CHECK(a.sender == original.receiver);
    CHECK(a.receiver == original.sender);
    CHECK(a.original_msg_id == original.msg_id);
    CHECK(a.original_msg_type == "DIALOG_NOTAT");
    CHECK(a.original_issue_date == original.generated);
    CHECK(a.version == AppRecVersion::v1_1);
    CHECK(a.status == AppRecStatus::ok);
    CHECK(std::regex_match(a.id, kGuidV4));
    CHECK(a.generated != Time{});

    // From the message as read off the wire, too.
    auto wire = read_dialog_message(slurp(kKith / "msghead-dialog-notat.xml"));
    REQUIRE(wire.ok());
    auto msg = build_apprec(apprec_for(*wire, AppRecStatus::ok));
    REQUIRE(msg.ok());
    require_valid(msg->body);
    auto back = read_apprec(msg->body);
    REQUIRE(back.ok());
    CHECK(back->original_msg_id == "e6b769ef-d594-47b3-9f34-d5a59d60bcb4");
    CHECK(back->receiver.her_id == "8143063");
    CHECK(back->sender.her_id == "8143061");
}

TEST_CASE("invalid AppRec input is refused with the documented code", "[kith]") {
    const AppRec base = apprec_for(note(), AppRecStatus::ok);
    AppRec a = base;
    a.status = AppRecStatus::rejected;
    auto r = build_apprec(a);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::xml_build_missing);
    CHECK(r.error().location == "AppRec.errors");

    a.errors = {{"E99", "", ""}};
    r = build_apprec(a);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == errc::xml_build_invalid);
    CHECK(r.error().location == "AppRec.errors[0].code");

    a.errors = {{"2.16.578.1.12.4.1.1.8221", "", ""}};  // V and S swapped
    CHECK(build_apprec(a).error().code == errc::xml_build_invalid);

    a = base;
    a.errors = {{"T02", "", ""}};  // errors on status 1
    CHECK(build_apprec(a).error().code == errc::xml_build_invalid);

    a = base;
    a.status = static_cast<AppRecStatus>(4);
    CHECK(build_apprec(a).error().code == errc::xml_build_invalid);

    a = base;
    a.sender.name = "";
    CHECK(build_apprec(a).error().code == errc::xml_build_missing);

    a = base;
    a.sender.orgnr = "314159265";  // ours is checked; the receiver's is copied (test below)
    CHECK(build_apprec(a).error().code == errc::xml_build_invalid);

    a = base;
    a.original_msg_id = "";
    CHECK(build_apprec(a).error().code == errc::xml_build_missing);

    a = base;
    a.original_issue_date = {};
    CHECK(build_apprec(a).error().code == errc::xml_build_missing);

    a = base;
    a.id = "17A731BC";
    CHECK(build_apprec(a).error().code == errc::xml_build_invalid);
}

// Issue 13 item 5: MsgHead declares OrganisationName as xs:string (the official
// MsgHead-v1_2.xsd in specs/upstream/kith-xsd), so <OrganisationName/> is valid; the validator said
// so while the AppRec for it could not be built (the mock answered 500). The party an AppRec
// answers is now written as its message gave it (AppRec's Inst/Name and Inst/Id are optional).
TEST_CASE("an empty sender OrganisationName is valid and gets an AppRec", "[kith][apprec]") {
    std::string xml = slurp(kKith / "msghead-dialog-notat.xml");
    const std::string name = "<OrganisationName>Responssenter Vest</OrganisationName>";
    const auto at = xml.find(name);
    REQUIRE(at != std::string::npos);
    xml.replace(at, name.size(), "<OrganisationName/>");
    require_valid(xml);
    auto read = read_dialog_message(xml);
    REQUIRE(read.ok());
    CHECK(read->sender.name.empty());
    auto msg = build_apprec(apprec_for(*read, AppRecStatus::ok));
    INFO((msg ? std::string() : msg.error().to_string()));
    REQUIRE(msg.ok());
    require_valid(msg->body);
    CHECK(msg->body.find("<Name></Name>") == std::string::npos);
    auto back = read_apprec(msg->body);
    REQUIRE(back.ok());
    CHECK(back->receiver.name.empty());
    CHECK(back->receiver.her_id == read->sender.her_id);

    // The other party fields of the answered sender are copied as given, too.
    AppRec a = apprec_for(*read, AppRecStatus::ok);
    a.receiver.her_id = "";
    a.receiver.orgnr = "314159265";
    auto copied = build_apprec(a);
    REQUIRE(copied.ok());
    require_valid(copied->body);
    a.receiver.name = "bad \x01 text";  // what XML cannot carry is still refused
    CHECK(build_apprec(a).error().code == errc::xml_build_invalid);
}

TEST_CASE("the AppRec fixtures read with the right status and OriginalMsgId", "[kith]") {
    struct Case {
        const char* file;
        AppRecVersion version;
        AppRecStatus status;
        const char* error;
    };
    const Case cases[] = {
        {"apprec-ok-v1_0.xml", AppRecVersion::v1_0, AppRecStatus::ok, nullptr},
        {"apprec-rejected-v1_0.xml", AppRecVersion::v1_0, AppRecStatus::rejected, "T02"},
        {"apprec-partly-ok-v1_1.xml", AppRecVersion::v1_1, AppRecStatus::ok_error_in_part, "E35"},
    };
    for (const auto& c : cases) {
        INFO(c.file);
        auto a = read_apprec(slurp(kKith / c.file));
        REQUIRE(a.ok());
        CHECK(a->version == c.version);
        CHECK(a->status == c.status);
        CHECK(a->original_msg_id == "e6b769ef-d594-47b3-9f34-d5a59d60bcb4");
        CHECK(a->original_msg_type == "DIALOG_NOTAT");
        CHECK(a->original_issue_date == at("2025-03-14T01:41:07Z"));
        CHECK(a->generated == at("2025-03-14T01:41:30Z"));
        CHECK(a->sender == Organisation{"Testkommune Nord helse og omsorg", "", "8143061", {}});
        CHECK(a->receiver == Organisation{"Responssenter Vest", "", "8143063", {}});
        if (c.error) {
            REQUIRE(a->errors.size() == 1);
            CHECK(a->errors[0].code == c.error);
        } else {
            CHECK(a->errors.empty());
        }
    }
    auto partly = read_apprec(slurp(kKith / "apprec-partly-ok-v1_1.xml"));
    REQUIRE(partly.ok());
    CHECK(partly->errors[0].text == "Pasienten finnes ikke i mottakersystemet");
    CHECK(partly->errors[0].detail ==
          "Pasient med fødselsnummer 24675198744 er ikke registrert hos Testkommune Nord helse og "
          "omsorg");
}

TEST_CASE("read_apprec refuses what is not an AppRec", "[kith]") {
    CHECK(read_apprec(slurp(kKith / "msghead-dialog-notat.xml")).error().code ==
          errc::xml_not_apprec);
    CHECK(read_apprec("<AppRec xmlns=\"urn:other\"/>").error().code == errc::xml_not_apprec);
    CHECK(read_apprec("not xml").error().code == errc::xml_syntax);
    CHECK(read_apprec("<!DOCTYPE AppRec SYSTEM \"http://example.invalid/x.dtd\"><AppRec/>")
              .error()
              .code == errc::xml_syntax);
    // The same in UTF-16 (issue 13 item 9): refused by the parser, not by a byte scan.
    std::string utf16 = "\xFF\xFE";
    for (char c : std::string("<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE AppRec "
                              "[<!ENTITY a \"x\">]><AppRec>&a;</AppRec>"))
        utf16 += std::string{c, '\0'};
    auto refused = read_apprec(utf16);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == errc::xml_syntax);
    CHECK(refused.error().message.find("DOCTYPE") != std::string::npos);

    const std::string ok = slurp(kKith / "apprec-ok-v1_0.xml");
    const std::string status = "<Status V=\"1\" DN=\"OK\"/>";
    std::string bad = ok;
    bad.replace(bad.find(status), status.size(), "<Status V=\"4\" DN=\"Ukjent\"/>");
    CHECK(read_apprec(bad).error().code == errc::xml_read_invalid);
    bad = ok;
    bad.replace(bad.find(status), status.size(), "");
    CHECK(read_apprec(bad).error().code == errc::xml_read_invalid);
}

TEST_CASE("read_apprec takes the code from S when V and S are swapped", "[kith]") {
    std::string xml = slurp(kKith / "apprec-rejected-v1_0.xml");
    const std::string right = "V=\"T02\" S=\"2.16.578.1.12.4.1.1.8221\"";
    xml.replace(xml.find(right), right.size(), "V=\"2.16.578.1.12.4.1.1.8221\" S=\"T02\"");
    auto a = read_apprec(xml);
    REQUIRE(a.ok());
    REQUIRE(a->errors.size() == 1);
    CHECK(a->errors[0].code == "T02");
}
