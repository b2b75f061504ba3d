// The conformance runner's rules: SUT file errors, test-ID and mandatory-list checks, the --only
// glob, redaction and fødselsnummer hashing, and re-judging (replay) of a real run against the
// in-process mock receiver.
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>
#include <set>

#include "../../conformance/src/conformance_detail.hpp"
#include "vft/conformance/runner.hpp"
#include "vft/mocks/receiver.hpp"

using namespace vft;
using namespace vft::conformance;

namespace {

std::string code_of(std::string_view json) {
    auto s = Sut::parse(json, "/tmp");
    return s.ok() ? "ok" : s.error().code + " " + s.error().location;
}

const char* kGood = R"({"name":"EPJ","base_url":"http://127.0.0.1:1/api/","orgnr":"312229544",
  "service_codes":["ta","MD"],"modules":["alarm","search"],
  "auth":{"type":"helseid","token_url":"https://sts.example/connect/token","client_id":"c",
          "private_key":"keys/client.pem","test_token_url":"https://sts.example/_admin/issue"},
  "test_patients":[{"fnr":"12854812341","name":"Kåre","service_codes":["TA"]}]})";

}  // namespace

TEST_CASE("SUT file: a good file parses, paths resolve, secrets are redacted",
          "[conformance][sut]") {
    auto s = Sut::parse(kGood, "/etc/vft");
    REQUIRE(s.ok());
    CHECK(s->base_url == "http://127.0.0.1:1/api");  // trailing slash dropped
    CHECK(s->service_codes == std::vector<std::string>{"TA", "MD"});
    CHECK(s->auth.private_key == "/etc/vft/keys/client.pem");
    CHECK(s->claims("alarm"));
    CHECK_FALSE(s->claims("auth"));
    const std::string red = s->redacted_json();
    CHECK(red.find("keys/client.pem") == std::string::npos);
    CHECK(red.find("\"private_key\":\"[redacted]\"") != std::string::npos);
    CHECK(red.find("https://sts.example/connect/token") != std::string::npos);  // URLs stay
}

TEST_CASE("SUT file: every mistake names its member", "[conformance][sut]") {
    CHECK(code_of("{").rfind("VFT-CONF-1401", 0) == 0);
    CHECK(code_of("[]").rfind("VFT-CONF-1401", 0) == 0);
    CHECK(code_of(R"({"base_url":"http://x","orgnr":"312229544"})") == "VFT-CONF-1402 name");
    CHECK(code_of(R"({"name":"x","base_url":"ftp://x","orgnr":"312229544"})") ==
          "VFT-CONF-1402 base_url");
    CHECK(code_of(R"({"name":"x","base_url":"http://x","orgnr":"314159265"})") ==
          "VFT-CONF-1402 orgnr");  // the NHN sample orgnr fails mod-11
    CHECK(
        code_of(
            R"({"name":"x","base_url":"http://x","orgnr":"312229544","modules":["alarm","fax"]})") ==
        "VFT-CONF-1402 modules[1]");
    CHECK(code_of(
              R"({"name":"x","base_url":"http://x","orgnr":"312229544","service_codes":["XX"]})") ==
          "VFT-CONF-1402 service_codes[0]");
    CHECK(
        code_of(
            R"({"name":"x","base_url":"http://x","orgnr":"312229544","auth":{"type":"helseid","client_id":"c","private_key":"k"}})") ==
        "VFT-CONF-1402 auth.token_url");
    CHECK(
        code_of(
            R"({"name":"x","base_url":"http://x","orgnr":"312229544","auth":{"type":"basic"}})") ==
        "VFT-CONF-1402 auth.type");
    CHECK(code_of(R"({"name":"x","base_url":"http://x","orgnr":"312229544","modules":["auth"]})") ==
          "VFT-CONF-1402 modules");  // auth claimed without a token service
    CHECK(
        code_of(
            R"({"name":"x","base_url":"http://x","orgnr":"312229544","test_patients":[{"fnr":"12854812342"}]})") ==
        "VFT-CONF-1402 test_patients[0].fnr");
    CHECK(
        code_of(
            R"({"name":"x","base_url":"http://x","orgnr":"312229544","auth":{"type":"none","dpop":"yes"}})") ==
        "VFT-CONF-1402 auth.dpop");
    auto missing = Sut::load("/does/not/exist.json");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == "VFT-CONF-1401");
}

TEST_CASE("test IDs and mandatory lists are checked", "[conformance][registry]") {
    using detail::check_test_id;
    CHECK(check_test_id("vkp_r4.journal.alarm.valid_bundle_accepted", "vkp-r4").ok());
    CHECK_FALSE(check_test_id("vkp_r4", "vkp-r4").ok());            // no dot
    CHECK_FALSE(check_test_id("vkp_r4.Journal.x", "vkp-r4").ok());  // upper case
    CHECK_FALSE(check_test_id("vkp_r4..x", "vkp-r4").ok());         // empty segment
    CHECK_FALSE(check_test_id("jft.journal.x", "vkp-r4").ok());     // other suite
    CHECK(check_test_id("jft.journal.x", "vkp-r4").error().code == "VFT-CONF-1406");
    auto list = detail::parse_mandatory("# comment\n\nvkp_r4.a.b  # why\n  vkp_r4.c.d\n", "m.txt");
    REQUIRE(list.ok());
    CHECK(*list == std::vector<std::string>{"vkp_r4.a.b", "vkp_r4.c.d"});
    auto dup = detail::parse_mandatory("vkp_r4.a.b\nvkp_r4.a.b\n", "m.txt");
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().location == "m.txt:2");
    CHECK_FALSE(detail::parse_mandatory("not an id\n", "m.txt").ok());

    // The registry itself: every suite's IDs unique and prefixed, every mandatory ID a test.
    auto suites = all_suites();
    REQUIRE(suites.ok());
    const Suite* vkp = find_suite(**suites, "vkp-r4");
    REQUIRE(vkp != nullptr);
    CHECK(vkp->version == "1.1.0");
    // 1.1.0: only tests resting on a published SHALL are mandatory (docs/conformance.md,
    // "Suite 1.1.0"); the seven the issue named among the optional ones.
    CHECK(vkp->mandatory.size() == 35);
    for (const char* id :
         {"vkp_r4.validation.id_hpr_rejected", "vkp_r4.validation.id_org_rejected",
          "vkp_r4.validation.id_uuid_rejected", "vkp_r4.search.visit_plans_in_date_range",
          "vkp_r4.search.visit_plans_outside_range_empty"})
        CHECK(std::find(vkp->mandatory.begin(), vkp->mandatory.end(), id) == vkp->mandatory.end());
    std::set<std::string> groups;
    for (const auto& t : vkp->tests)
        if (t.role == "receiver") groups.insert(t.group);
    CHECK(groups == std::set<std::string>{"auth", "duplicates", "journaling", "robustness",
                                          "search", "validation"});
}

TEST_CASE("globs of --only select test IDs", "[conformance][glob]") {
    using detail::glob_match;
    CHECK(glob_match("*", "vkp_r4.auth.no_token_rejected"));
    CHECK(glob_match("vkp_r4.auth.*", "vkp_r4.auth.no_token_rejected"));
    CHECK(glob_match("*.journal.*accepted", "vkp_r4.journal.alarm.valid_bundle_accepted"));
    CHECK(glob_match("vkp_r4.search.?nknown_patient_empty", "vkp_r4.search.unknown_patient_empty"));
    CHECK_FALSE(glob_match("vkp_r4.auth.*", "vkp_r4.journal.alarm.valid_bundle_accepted"));
    CHECK_FALSE(glob_match("vkp_r4.auth", "vkp_r4.auth.no_token_rejected"));
    CHECK_FALSE(glob_match("", "x"));
}

TEST_CASE("privacy: secrets redacted, valid person numbers hashed with the salt",
          "[conformance][privacy]") {
    detail::Privacy p("00112233445566778899aabbccddeeff");
    const std::string h = p.hash("12854812341");
    CHECK(std::regex_match(h, std::regex("FNR#[0-9a-f]{12}")));
    CHECK(h ==
          "FNR#" + detail::sha256_hex("00112233445566778899aabbccddeeff12854812341").substr(0, 12));
    CHECK(detail::Privacy("other-salt").hash("12854812341") != h);
    // Valid fnr and D-number hashed; invalid check digits, longer runs and orgnr kept.
    const std::string text = p.text(
        "identifier=12854812341&d=52854812335&bad=12854812342&long=128548123410&org=312229544");
    CHECK(text == "identifier=" + h + "&d=" + p.hash("52854812335") +
                      "&bad=12854812342&long=128548123410&org=312229544");
    // Issue 13 item 9: written with a space, a dot or a hyphen between the 6 and the 5 digits.
    CHECK(p.text("Pasient 128548 12341 funnet.") == "Pasient " + h + " funnet.");
    CHECK(p.text("fnr 128548.12341.") == "fnr " + h + ".");
    CHECK(p.text("128548-12341") == h);
    CHECK(p.text("128548 12342 / 1128548 12341 / 128548 123410") ==
          "128548 12342 / 1128548 12341 / 128548 123410");
    // A UUID whose last group holds 11 digits that pass the fnr check stays whole (it is a
    // message identifier); the same digits standing alone are still hashed.
    CHECK(p.text(R"({"value":"urn:uuid:1e95db62-a7ea-43bf-b0a8-c31037641491"})") ==
          R"({"value":"urn:uuid:1e95db62-a7ea-43bf-b0a8-c31037641491"})");
    CHECK(p.text("x 31037641491 y") == "x " + p.hash("31037641491") + " y");
    auto hs = p.headers({{"Authorization", "Bearer eyJabc"},
                         {"DPoP", "eyJproof"},
                         {"X-Api-Key", "k"},
                         {"Set-Cookie", "s=1"},
                         {"x-refresh-token", "t"},
                         {"Location", "/patient/12854812341"},
                         {"Content-Type", "application/fhir+json"}});
    REQUIRE(hs.size() == 7);
    for (size_t i = 0; i < 5; ++i)
        CHECK(hs[i].value == "[redacted]");
    CHECK(hs[5].value == "/patient/" + h);
    CHECK(hs[6].value == "application/fhir+json");
    // Bodies: invalid UTF-8 replaced, long bodies cut with a note.
    CHECK(p.body("a\xff"
                 "b") ==
          "a\xEF\xBF\xBD"
          "b");
    const std::string cut = p.body(std::string(100, 'x'), 10);
    CHECK(cut.rfind(std::string(10, 'x'), 0) == 0);
    CHECK(cut.find("90 more bytes not recorded") != std::string::npos);
    REQUIRE(detail::truncation_of(cut));
    CHECK(*detail::truncation_of(cut) == "100 bytes in all, 90 not recorded");
    CHECK_FALSE(detail::truncation_of(std::string(100, 'x')));
    CHECK_FALSE(detail::truncation_of("[vft: x more bytes not recorded; 100 bytes in all]"));
    // Bodies are kept whole up to 16 MiB (issue 13 item 9: a 1 MiB cut broke re-judging).
    const std::string two_mib(2u << 20, 'y');
    CHECK(p.body(two_mib) == two_mib);
}

// Issue 13 item 6: what the runner sent as a credential never reaches the evidence, wherever a
// SUT echoes it; JWT-shaped credentials after Bearer/DPoP are redacted even when unknown.
TEST_CASE("privacy: credentials the runner sent are scrubbed everywhere",
          "[conformance][privacy]") {
    detail::Secrets secrets;
    const std::string token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz";
    const std::string proof = "eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJodG0iOiJQT1NUIn0.cHJvb2Y";
    secrets.add("Bearer " + token);
    secrets.add(proof);
    secrets.add("short");  // too short to be a credential: never redacts ordinary text
    detail::Privacy p("00112233445566778899aabbccddeeff", &secrets);
    const std::string echoed =
        p.body(R"({"you_sent":")" + token + R"(","proof":")" + proof + R"(","x":"short"})");
    CHECK(echoed == R"({"you_sent":"[redacted]","proof":"[redacted]","x":"short"})");
    // Inside other text: a JWT anywhere; any secret where a token run starts.
    CHECK(p.text("x" + token + "y|" + proof + "z") == "x[redacted]y|[redacted]z");
    CHECK(p.text("=" + token) == "=[redacted]");
    CHECK(p.text(token.substr(0, 30)) == token.substr(0, 30));  // a part is not the secret
    // An opaque (non-JWT) credential, echoed in a query or a path.
    secrets.add("Bearer 0paque-reference-token-000111222333");
    CHECK(p.text("/x?t=0paque-reference-token-000111222333&u=/0paque-reference-token-"
                 "000111222333") == "/x?t=[redacted]&u=/[redacted]");
    auto hs = p.headers({{"X-Debug", "Bearer " + token}, {"X-Other", "DPoP " + proof}});
    CHECK(hs[0].value == "Bearer [redacted]");
    CHECK(hs[1].value == "DPoP [redacted]");
    // Unknown JWTs after a scheme; other text after "Bearer " stays.
    CHECK(detail::redact_jwt_credentials("auth: bearer aaa.bbb.ccc; DPoP x-y.z_w. end") ==
          "auth: bearer [redacted]; DPoP [redacted] end");
    CHECK(detail::redact_jwt_credentials(R"(Bearer realm="vkp", Bearer a.b, Bearer ..x)") ==
          R"(Bearer realm="vkp", Bearer a.b, Bearer ..x)");
}

TEST_CASE("identifiers and clock text are deterministic", "[conformance][replay]") {
    const auto a = detail::derived_uuid(42, "vkp_r4.a.b", 0);
    CHECK(a == detail::derived_uuid(42, "vkp_r4.a.b", 0));
    CHECK(a != detail::derived_uuid(42, "vkp_r4.a.b", 1));
    CHECK(a != detail::derived_uuid(43, "vkp_r4.a.b", 0));
    CHECK(std::regex_match(
        a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764324000123));
    const std::string s = detail::rfc3339_ms(t);
    CHECK(s == "2025-11-28T10:00:00.123Z");
    CHECK(detail::parse_rfc3339_ms(s) == 1764324000123);
}

TEST_CASE("a run re-judges to the same results; an altered exchange changes the judgement",
          "[conformance][replay]") {
    mocks::ReceiverOptions ro;
    auto receiver = mocks::Receiver::create(ro);
    REQUIRE(receiver.ok());
    auto url = (*receiver)->start();
    REQUIRE(url.ok());
    std::string sut_json = R"({"name":"mock","base_url":")" + *url +
                           R"(","orgnr":"312229544","modules":["alarm","search"],
        "test_patients":[{"fnr":"12854812341","name":"Kåre Nordmann Testesen","service_codes":["TA","MD","RT"]}]})";
    auto sut = Sut::parse(sut_json, ".");
    REQUIRE(sut.ok());
    RunOptions o;
    o.suite = "vkp-r4";
    o.role = "receiver";
    o.only = "*";
    o.seed = 7;
    o.jobs = 2;
    auto rep = run(*sut, o);
    REQUIRE(rep.ok());
    CHECK(rep->verdict == reports::Verdict::pass);
    CHECK(rep->seed == 7);

    reports::Report again;
    auto changes = rejudge(*rep, &again);
    REQUIRE(changes.ok());
    for (const auto& c : *changes)
        FAIL_CHECK(c.test_id << ": " << reports::to_string(c.before) << " -> "
                             << reports::to_string(c.after)
                             << (c.messages.empty() ? "" : " " + c.messages.front()));
    CHECK(again.verdict == reports::Verdict::pass);

    // The same seed generates the same identifiers in a new run.
    auto rep2 = run(*sut, o);
    REQUIRE(rep2.ok());
    auto ids_of = [](const reports::Report& r) {
        std::vector<std::string> ids;
        static const std::regex urn("urn:uuid:[0-9a-f-]{36}");
        for (const auto& t : r.tests)
            for (const auto& e : t.exchanges)
                for (std::sregex_iterator it(e.request_body.begin(), e.request_body.end(), urn),
                     end;
                     it != end; ++it)
                    ids.push_back(it->str());
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    CHECK_FALSE(ids_of(*rep).empty());
    CHECK(ids_of(*rep) == ids_of(*rep2));

    // A stored answer changed after the fact: the re-judge fails that test and says so.
    reports::Report altered = *rep;
    for (auto& t : altered.tests)
        if (t.id == "vkp_r4.search.invalid_fnr_rejected") t.exchanges.at(0).status = 200;
    auto changed = rejudge(altered);
    REQUIRE(changed.ok());
    REQUIRE(changed->size() == 1);
    CHECK(changed->front().test_id == "vkp_r4.search.invalid_fnr_rejected");
    CHECK(changed->front().after == reports::Status::fail);

    // Issue 13 item 9: a stored answer that was cut when recorded (over the 16 MiB bound) is
    // never judged: the test becomes `error` with the reason, not `fail`.
    reports::Report cut = *rep;
    const detail::Privacy privacy(rep->fnr_salt);
    std::string cut_id;
    for (auto& t : cut.tests)
        if (cut_id.empty() && t.id.rfind("vkp_r4.search.", 0) == 0 && !t.exchanges.empty() &&
            t.exchanges.front().status == 200) {
            auto& e = t.exchanges.front();
            e.response_body = privacy.body(e.response_body, e.response_body.size() / 2);
            cut_id = t.id;
        }
    REQUIRE_FALSE(cut_id.empty());
    reports::Report cut_again;
    auto cut_changes = rejudge(cut, &cut_again);
    REQUIRE(cut_changes.ok());
    REQUIRE(cut_changes->size() == 1);
    CHECK(cut_changes->front().test_id == cut_id);
    CHECK(cut_changes->front().after == reports::Status::error);
    REQUIRE_FALSE(cut_changes->front().messages.empty());
    CHECK(cut_changes->front().messages.front().find("was cut when it was recorded") !=
          std::string::npos);
    CHECK(cut_again.verdict == reports::Verdict::incomplete);
    (*receiver)->stop();
}
