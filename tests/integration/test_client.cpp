// The SDK's typed API clients (VkpClient, JftClient, PmdClient, KithClient) against the real
// mock receiver process (`vft mock receiver --auth none`) on a loopback port it picks itself.
// Auth against a token service is covered by tests/unit/test_client.cpp.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "../support/files.hpp"
#include "process.hpp"
#include "vft/client/jft_client.hpp"
#include "vft/client/kith_client.hpp"
#include "vft/client/pmd_client.hpp"
#include "vft/client/vkp_client.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/messages/medication.hpp"

using namespace vft;
using namespace vft::client;
using namespace std::chrono_literals;
using vft::test::Process;

namespace {

const Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h + 15min;
const Patient kare{"12854812341", "Kåre Nordmann Testesen"};

ApiOptions api(const std::string& base) {
    ApiOptions o;
    o.base_url = base;
    o.retry.max_attempts = 2;
    o.retry.sleep = [](std::chrono::milliseconds) {};
    return o;
}

// How often the mock journaled this identifier (0 = never).
int journaled(const std::string& base, const std::string& identifier) {
    httplib::Client c(base);
    auto r = c.Get("/_admin/journal");
    REQUIRE(r);
    const auto at = r->body.find("\"identifier\":\"" + identifier + "\"");
    if (at == std::string::npos) return 0;
    return std::atoi(r->body.c_str() + r->body.find("\"count\":", at) + 8);
}

Result<Message> alarm() {
    AlarmReport r;
    r.patient = kare;
    r.alert_code = "3";
    r.severity = "30";
    r.triage = "Y";
    r.identified = t0;
    r.device = {"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
    r.response = {t0 + 1min, t0 + 15min};
    r.participants = {{"2", r.device, {t0 + 1min, t0 + 3min}, std::nullopt}};
    r.location = "rom24 @ sykehjem";
    r.note.date = t0 + 20min;
    r.note.author = {"9144900", "", "Operatør Ødegård"};
    r.note.events = {{"0", t0}, {"1", t0 + 1min}, {"3", t0 + 15min}};
    r.note.sections = {{"1.2", "Hendelse", "Brukeren trykket på alarmen."}};
    return build_alarm(r);
}

}  // namespace

TEST_CASE("VkpClient: journal a built alarm, once per identifier; searches with fixture persons",
          "[integration][client]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", "none"});
    REQUIRE_FALSE(p.url().empty());
    VkpClientOptions o;
    o.api = api(p.url());
    o.orgnr = "312229544";
    o.service_codes = {"TA"};
    auto vkp = VkpClient::create(o, Auth::none());
    REQUIRE(vkp.ok());

    auto bundle = alarm();
    REQUIRE(bundle.ok());
    auto sent = vkp->journal(bundle->body);
    REQUIRE(sent.ok());
    CHECK(sent->status == 201);
    CHECK(sent->attempts == 1);
    CHECK_FALSE(sent->value.duplicate);
    CHECK(journaled(p.url(), bundle->identifier) == 1);
    // A resend (same identifier) is answered the same and not journaled twice.
    auto again = vkp->journal(bundle->body);
    REQUIRE(again.ok());
    CHECK(again->value.duplicate);
    CHECK(again->value.body == sent->value.body);

    // A message the receiver's validator refuses: a typed error with the rule's text.
    auto invalid = vkp->journal(
        vft::test::source_file("fixtures/messages/invalid/codes/alert-code-4-99.json"));
    REQUIRE_FALSE(invalid.ok());
    CHECK(invalid.error().http_status == 400);
    CHECK(invalid.error().code.rfind("VFT-", 0) == 0);

    VkpQuery q;
    q.patient = kare.id;
    auto patients = vkp->search_patients(q);
    REQUIRE(patients.ok());
    REQUIRE(patients->value.size() == 1);
    CHECK(patients->value[0].patient.name == kare.name);
    CHECK(patients->value[0].services.size() == 2);

    // No matching service need: 403 with VKP code 1.3.
    q.service_codes = {"DT"};
    auto forbidden = vkp->search_patients(q);
    REQUIRE_FALSE(forbidden.ok());
    CHECK(forbidden.error().code == "VFT-VKP-0103");
    CHECK(forbidden.error().http_status == 403);

    q.service_codes = {"TA", "MD"};
    q.from = std::chrono::year{2026} / 3 / 12;
    q.to = std::chrono::year{2026} / 3 / 12;
    auto plans = vkp->search_care_plans(q);
    REQUIRE(plans.ok());
    REQUIRE(plans->value.size() == 1);
    REQUIRE(plans->value[0].visits.size() == 1);  // the 11th and the 14th are outside
    CHECK(plans->value[0].visits[0].description == "Medisinutdeling");
}

TEST_CASE("JftClient: submit -> status -> acknowledge -> status; search pages to the end",
          "[integration][client]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", "none"});
    REQUIRE_FALSE(p.url().empty());
    JftClientOptions o;
    o.api = api(p.url());
    o.source_system = "vft-integration-test";
    auto jft = JftClient::create(o, Auth::none());
    REQUIRE(jft.ok());

    auto location = jft->submit(
        "Bundle", vft::test::source_file("fixtures/messages/valid/jft/document-dho-note.json"));
    REQUIRE(location.ok());
    CHECK(location->status == 202);
    const std::string id = jft_id_from_status_url(location->value);
    REQUIRE_FALSE(id.empty());

    auto s1 = jft->status(location->value);
    REQUIRE(s1.ok());
    CHECK_FALSE(s1->value.registered.empty());
    CHECK(s1->value.journaled.empty());

    auto ack = jft->acknowledge("Bundle", id);
    REQUIRE(ack.ok());
    CHECK(ack->status == 202);
    CHECK(ack->value == location->value);

    auto s2 = jft->status("Bundle", id);
    REQUIRE(s2.ok());
    CHECK_FALSE(s2->value.journaled.empty());
    CHECK_FALSE(s2->value.read.empty());

    // Four more events, then page through all five two at a time.
    for (int i = 0; i < 4; ++i) {
        MedicationDispensed m;
        m.patient = kare;
        m.handed_over = t0 + std::chrono::minutes(i);
        m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-1",
                       "Evondos E300"};
        auto built = build_medication_dispense(m);
        REQUIRE(built.ok());
        REQUIRE(jft->submit("MedicationDispense", built->body).ok());
    }
    JftSearch q;
    q.count = 2;
    auto first = jft->search("MedicationDispense", q);
    REQUIRE(first.ok());
    CHECK(first->value.resources.size() == 2);
    CHECK_FALSE(first->value.next.empty());
    auto all = jft->search_all("MedicationDispense", q);
    REQUIRE(all.ok());
    CHECK(all->value.resources.size() == 4);
    CHECK(all->value.next.empty());
    CHECK(all->attempts == 3);  // 2 + 2 + 0 (the third page is empty)

    auto bad = jft->submit("Patient", "{}");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == "VFT-BUILD-0704");
    auto unknown = jft->status("Bundle", "00000000-0000-4000-8000-000000000000");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().http_status == 404);
}

TEST_CASE("PmdClient: a batch's results map back to the measurements; one bad entry",
          "[integration][client]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", "none"});
    REQUIRE_FALSE(p.url().empty());
    PmdClientOptions o;
    o.api = api(p.url());
    auto pmd_client = PmdClient::create(o, Auth::none());
    REQUIRE(pmd_client.ok());

    pmd::Batch b;
    b.patient = kare;
    b.performer_orgnr = "921000006";
    b.performer_org_name = "Testkommune Nord helse og omsorg";
    pmd::Measurement hr;
    hr.kind = pmd::VitalSign::heart_rate;
    hr.effective = t0;
    hr.value = 72;
    pmd::Measurement spo2 = hr;
    spo2.kind = pmd::VitalSign::oxygen_saturation;
    spo2.value = 96;
    b.measurements = {hr, spo2};
    auto sent = pmd_client->send(b);
    REQUIRE(sent.ok());
    CHECK(sent->status == 200);
    REQUIRE(sent->value.results.size() == 2);
    REQUIRE(sent->value.measurement_ids.size() == 2);
    CHECK(sent->value.all_ok());
    for (size_t i = 0; i < 2; ++i) {
        CHECK(sent->value.results[i].measurement_id == sent->value.measurement_ids[i]);
        CHECK(sent->value.results[i].status == 201);
    }
    CHECK(journaled(p.url(), sent->value.identifier) == 1);
}

// A batch with one bad entry: the mock answers per entry (PMD partial failure), so only that
// entry fails, with its OperationOutcome.
TEST_CASE("PmdClient: one bad entry of a batch fails alone", "[integration][client]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", "none"});
    REQUIRE_FALSE(p.url().empty());
    PmdClientOptions o;
    o.api = api(p.url());
    auto pmd_client = PmdClient::create(o, Auth::none());
    REQUIRE(pmd_client.ok());
    pmd::Batch b;
    b.patient = kare;
    b.performer_orgnr = "921000006";
    b.performer_org_name = "Testkommune Nord helse og omsorg";
    pmd::Measurement hr;
    hr.kind = pmd::VitalSign::heart_rate;
    hr.effective = t0;
    hr.value = 72;
    pmd::Measurement temp = hr;
    temp.kind = pmd::VitalSign::body_temperature;
    temp.value = 37.2;
    b.measurements = {hr, temp};
    pmd::assign_missing_ids(b);
    auto built = pmd::build_batch(b);
    REQUIRE(built.ok());
    // Made invalid after building (kelvin, which the Bodytemp profile's required ucum-bodytemp
    // binding does not hold: PMD-008): only that entry is bad.
    std::string json = built->body;
    const auto cel = json.find("\"Cel\"");
    REQUIRE(cel != std::string::npos);
    json.replace(cel, 5, "\"K\"");
    auto mixed = pmd_client->send_json(json);
    INFO((mixed ? std::string() : mixed.error().to_string()));
    REQUIRE(mixed.ok());
    REQUIRE(mixed->value.size() == 2);
    CHECK(mixed->value[0].measurement_id == b.measurements[0].id);
    CHECK(mixed->value[0].status == 201);
    CHECK(mixed->value[1].measurement_id == b.measurements[1].id);
    CHECK(mixed->value[1].status == 400);
    CHECK(mixed->value[1].outcome_json.find("PMD-008") != std::string::npos);
}

TEST_CASE("KithClient: a dialog note gets AppRec status 1; an unknown patient E35",
          "[integration][client]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--auth", "none"});
    REQUIRE_FALSE(p.url().empty());
    KithClientOptions o;
    o.api = api(p.url());
    auto kith_client = KithClient::create(o, Auth::none());
    REQUIRE(kith_client.ok());
    const std::string note =
        vft::test::source_file("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    auto original = kith::read_dialog_message(note);
    REQUIRE(original.ok());
    auto ok = kith_client->send(note);
    REQUIRE(ok.ok());
    CHECK(ok->value.status == kith::AppRecStatus::ok);
    CHECK(ok->value.original_msg_id == original->msg_id);
    CHECK(ok->attempts == 1);

    kith::DialogMessage unknown = *original;
    unknown.msg_id.clear();
    unknown.patient = {"15864020000", "Berit Solbakken"};  // synthetic, not in this EPJ
    auto e35 = kith_client->send(unknown);
    REQUIRE(e35.ok());
    CHECK(e35->value.status == kith::AppRecStatus::rejected);
    REQUIRE_FALSE(e35->value.errors.empty());
    CHECK(e35->value.errors[0].code == "E35");
}
