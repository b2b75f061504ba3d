// The mock receiver as a real process on loopback: journaling once per identifier, survival of
// a restart, the DESIGN.md error contract, and concurrent writers.
#include <httplib.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>
#include <sstream>
#include <thread>

#include "../support/files.hpp"
#include "../support/scratch.hpp"
#include "process.hpp"
#include "vft/core/time.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/search.hpp"

namespace fs = std::filesystem;
using vft::test::Process;

namespace {
std::string slurp(const std::string& rel) {
    return vft::test::source_file(rel);
}

// A per-process scratch folder, removed when the test binary exits.
fs::path temp_db(const std::string& name) {
    static const vft::test::Scratch scratch("it");
    fs::remove(scratch.dir / name);
    return scratch.dir / name;
}

int count_of(httplib::Client& c, const std::string& identifier) {
    auto r = c.Get("/_admin/journal");
    REQUIRE(r);
    const auto at = r->body.find("\"identifier\":\"" + identifier + "\"");
    if (at == std::string::npos) return 0;
    const auto cnt = r->body.find("\"count\":", at);
    return std::atoi(r->body.c_str() + cnt + 8);
}

// A dispense event for the synthetic Kåre (a new identifier per build).
vft::MedicationDispensed kare_dispense() {
    vft::MedicationDispensed m;
    m.patient = {"12854812341", "Kåre Nordmann Testesen"};
    m.handed_over = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12};
    m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-9", "Evondos E300"};
    return m;
}

// How many journal entries carry this identifier.
int entries_of(httplib::Client& c, const std::string& identifier) {
    auto r = c.Get("/_admin/journal");
    REQUIRE(r);
    int n = 0;
    const std::string key = "\"identifier\":\"" + identifier + "\"";
    for (auto at = r->body.find(key); at != std::string::npos; at = r->body.find(key, at + 1))
        ++n;
    return n;
}

// Submits `n` MedicationDispense events to the JFT WriteAPI; returns their $status paths.
std::vector<std::string> submit_dispenses(httplib::Client& c, const std::string& base, int n) {
    std::vector<std::string> status_urls;
    const vft::Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12};
    for (int i = 0; i < n; ++i) {
        vft::MedicationDispensed m;
        m.patient = {"12854812341", "Kåre Nordmann Testesen"};
        m.handed_over = t0 + std::chrono::minutes(i);
        m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-1",
                       "Evondos E300"};
        auto msg = vft::build_medication_dispense(m);
        REQUIRE(msg.ok());
        auto r = c.Post("/v1/MedicationDispense", msg->body, "application/fhir+json");
        REQUIRE(r);
        REQUIRE(r->status == 202);
        status_urls.push_back(r->get_header_value("Location").substr(base.size()));
    }
    return status_urls;
}

const char* kJson = "application/fhir+json";

}  // namespace

TEST_CASE("mock receiver: journals once, answers duplicates the same, survives a restart",
          "[integration][mocks]") {
    const fs::path db = temp_db("journal-restart.db");
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    const std::string id =
        bundle.substr(bundle.find("urn:uuid:", bundle.find("\"identifier\"")), 45);
    std::string first_body;
    {
        Process p(
            {VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--db", db.string()});
        REQUIRE_FALSE(p.url().empty());
        httplib::Client c(p.url());
        auto r1 = c.Post("/epj/r4/312229544/bundle", bundle, kJson);
        REQUIRE(r1);
        CHECK(r1->status == 201);
        first_body = r1->body;
        auto r2 = c.Post("/epj/r4/312229544/bundle", bundle, kJson);
        REQUIRE(r2);
        CHECK(r2->status == 201);
        CHECK(r2->body == first_body);
        CHECK(count_of(c, id) == 2);
        CHECK(p.stop() == 0);
    }
    Process again(
        {VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--db", db.string()});
    REQUIRE_FALSE(again.url().empty());
    httplib::Client c(again.url());
    CHECK(count_of(c, id) == 2);
    auto r3 = c.Post("/epj/r4/312229544/bundle", bundle, kJson);
    REQUIRE(r3);
    CHECK(r3->body == first_body);
    CHECK(count_of(c, id) == 3);
}

TEST_CASE("mock receiver: error contract (2.2 orgnr, 415, 413, 400 with rule IDs, 404)",
          "[integration][mocks]") {
    Process p(
        {VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--max-body", "200000"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    auto bad_org = c.Post("/epj/r4/314159265/bundle", bundle, kJson);
    REQUIRE(bad_org);
    CHECK(bad_org->status == 400);
    CHECK(bad_org->body.find("\"code\":\"2.2\"") != std::string::npos);
    auto wrong_type = c.Post("/epj/r4/312229544/bundle", bundle, "text/plain");
    REQUIRE(wrong_type);
    CHECK(wrong_type->status == 415);
    auto big = c.Post("/epj/r4/312229544/bundle", std::string(300000, ' ') + bundle, kJson);
    REQUIRE(big);
    CHECK(big->status == 413);
    auto malformed = c.Post("/epj/r4/312229544/bundle", "{\"resourceType\": \"Bundle\",", kJson);
    REQUIRE(malformed);
    CHECK(malformed->status == 400);
    CHECK(malformed->body.find("FHIR-JSON-001") != std::string::npos);
    auto invalid = c.Post("/epj/r4/312229544/bundle",
                          slurp("fixtures/messages/invalid/codes/alert-code-4-99.json"), kJson);
    REQUIRE(invalid);
    CHECK(invalid->status == 400);
    CHECK(invalid->body.find("FHIR-PRF-003") != std::string::npos);
    CHECK(invalid->body.find("\"code\":\"2.4\"") != std::string::npos);
    CHECK(count_of(c, "urn:uuid:") == 0);  // nothing invalid was journaled
    auto none = c.Post("/nowhere", "{}", kJson);
    REQUIRE(none);
    CHECK(none->status == 404);
}

TEST_CASE("mock receiver: JFT lifecycle registered -> journaled", "[integration][mocks]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    auto r = c.Post("/v1/Bundle", slurp("fixtures/messages/valid/jft/document-dho-note.json"),
                    "application/json");
    REQUIRE(r);
    CHECK(r->status == 202);
    const std::string status_url = r->get_header_value("Location");
    REQUIRE(status_url.rfind(p.url() + "/v1/Bundle/", 0) == 0);
    const std::string path = status_url.substr(p.url().size());
    auto s1 = c.Get(path.c_str());
    REQUIRE(s1);
    CHECK(s1->body.find("\"journaled\":null") != std::string::npos);
    const std::string ack = path.substr(0, path.rfind('/')) + "/$journaling-acknowledged";
    auto a = c.Post(ack.c_str(), "", "application/json");
    REQUIRE(a);
    CHECK(a->status == 202);
    auto s2 = c.Get(path.c_str());
    REQUIRE(s2);
    CHECK(s2->body.find("\"journaled\":\"") != std::string::npos);
}

TEST_CASE("mock receiver: concurrent writers lose nothing and double nothing",
          "[integration][mocks]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--db",
               temp_db("concurrent.db").string()});
    REQUIRE_FALSE(p.url().empty());
    constexpr int kThreads = 8, kMessages = 25;
    // Each thread sends its own messages twice; every message must end up journaled with count 2.
    std::vector<std::string> ids;
    std::vector<std::vector<std::string>> bodies(kThreads);
    const vft::Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12};
    for (int t = 0; t < kThreads; ++t)
        for (int i = 0; i < kMessages; ++i) {
            vft::MedicationDispensed m;
            m.patient = {"12854812341", "Kåre Nordmann Testesen"};
            m.handed_over = t0 + std::chrono::minutes(t * 100 + i);
            m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber",
                           "E300-" + std::to_string(t), "Evondos E300"};
            auto msg = vft::build_medication_dispense(m);
            REQUIRE(msg.ok());
            ids.push_back(msg->identifier);
            bodies[static_cast<size_t>(t)].push_back(msg->body);
        }
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            httplib::Client c(p.url());
            for (int round = 0; round < 2; ++round)
                for (const auto& b : bodies[static_cast<size_t>(t)])
                    if (auto r = c.Post("/epj/r4/312229544/medicationdispense", b, kJson);
                        r && r->status == 201)
                        ++ok;
        });
    for (auto& th : threads)
        th.join();
    CHECK(ok == kThreads * kMessages * 2);
    httplib::Client c(p.url());
    auto j = c.Get("/_admin/journal");
    REQUIRE(j);
    for (const auto& id : ids) {
        INFO(id);
        CHECK(count_of(c, id) == 2);
    }
    size_t entries = 0;
    for (size_t at = j->body.find("\"api\""); at != std::string::npos;
         at = j->body.find("\"api\"", at + 1))
        ++entries;
    CHECK(entries == ids.size());
}

TEST_CASE("mock receiver: searches with ServiceCodes, 2.1 and 1.3, visit plans in a date range",
          "[integration][mocks]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const char* form = "application/x-www-form-urlencoded";
    auto search = [&](const std::string& what, const std::string& body, const std::string& codes) {
        httplib::Headers h;
        if (!codes.empty()) h.emplace("ServiceCodes", codes);
        auto r = c.Post(("/epj/r4/312229544/" + what + "/_search").c_str(), h, body, form);
        REQUIRE(r);
        return *r;
    };
    auto found =
        search("patient", "identifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C12854812341", "ta");
    CHECK(found.status == 200);
    auto patients = vft::read_patient_search_result(found.body);
    REQUIRE(patients.ok());
    REQUIRE(patients->size() == 1);
    CHECK(patients->front().patient.name == "Kåre Nordmann Testesen");
    CHECK(patients->front().services.size() == 2);

    auto no_service = search("patient", "identifier=12854812341", "DT");
    CHECK(no_service.status == 403);
    CHECK(no_service.body.find("\"code\":\"1.3\"") != std::string::npos);
    CHECK(search("patient", "identifier=12854812341", "").status == 403);

    auto bad = search("patient", "identifier=12854812342", "TA");
    CHECK(bad.status == 400);
    CHECK(bad.body.find("\"code\":\"2.1\"") != std::string::npos);

    auto unknown = search("patient", "identifier=15864020000", "TA");  // synthetic, not served here
    CHECK(unknown.status == 200);
    CHECK(vft::read_patient_search_result(unknown.body)->empty());

    auto plans = search(
        "careplan", "patient.identifier=12854812341&date=ge2026-03-12&date=le2026-03-12", "ta,md");
    CHECK(plans.status == 200);
    auto vp = vft::read_visit_plan_search_result(plans.body);
    REQUIRE(vp.ok());
    REQUIRE(vp->size() == 1);
    REQUIRE(vp->front().visits.size() == 1);  // the 11th and the 14th are outside the range
    CHECK(vp->front().visits.front().description == "Medisinutdeling");
}

TEST_CASE("mock receiver: KITH dialog notes get an AppRec (1, T01, T02, E35), once per MsgId",
          "[integration][mocks][kith]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    auto post = [&](const std::string& xml) {
        auto r = c.Post("/kith/messages", xml, "application/xml");
        REQUIRE(r);
        CHECK(r->status == 200);
        auto apprec = vft::kith::read_apprec(r->body);
        INFO(r->body);
        REQUIRE(apprec.ok());
        return *apprec;
    };
    const std::string note = slurp("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    auto original = vft::kith::read_dialog_message(note);
    REQUIRE(original.ok());
    auto ok = post(note);
    CHECK(ok.status == vft::kith::AppRecStatus::ok);
    CHECK(ok.original_msg_id == original->msg_id);
    CHECK(ok.receiver.her_id == original->sender.her_id);  // the AppRec goes back to the sender
    auto again = c.Post("/kith/messages", note, "application/xml");
    REQUIRE(again);
    CHECK(again->get_header_value("X-Vft-Duplicate") == "2");
    CHECK(vft::kith::read_apprec(again->body)->id == ok.id);

    // The same note in Dialogmelding 1.0 (a published KITH standard, dialogmelding-v1.0.xsd) and
    // with a new MsgId: accepted too.
    std::string note10 = note;
    const std::string ns11 = "http://www.kith.no/xmlstds/dialog/2013-01-23";
    note10.replace(note10.find(ns11), ns11.size(), "http://www.kith.no/xmlstds/dialog/2006-10-11");
    note10.replace(note10.find(original->msg_id), original->msg_id.size(),
                   "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
    auto ok10 = post(note10);
    CHECK(ok10.status == vft::kith::AppRecStatus::ok);
    CHECK(ok10.errors.empty());

    auto broken =
        post("<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\"><MsgInfo>");
    CHECK(broken.status == vft::kith::AppRecStatus::rejected);
    REQUIRE_FALSE(broken.errors.empty());
    CHECK(broken.errors.front().code == "T01");

    auto schema = post(slurp("fixtures/messages/invalid/kith/msghead-missing-msgid.xml"));
    CHECK(schema.status == vft::kith::AppRecStatus::rejected);
    CHECK(schema.errors.front().code == "T02");

    vft::kith::DialogMessage unknown = *original;
    unknown.msg_id.clear();
    unknown.patient = {"15864020000",
                       "Berit Solbakken"};  // synthetic, not a patient of this municipality
    auto built = vft::kith::build_dialog_message(unknown);
    REQUIRE(built.ok());
    auto e35 = post(built->body);
    CHECK(e35.status == vft::kith::AppRecStatus::rejected);
    CHECK(e35.errors.front().code == "E35");
}

// Issue 13 item 5: a MsgHead with <OrganisationName/> (valid: xs:string) got HTTP 500 and no
// AppRec. Every KITH message gets an AppRec: status 1 for a valid one, 2 with a kodeverk 8221
// code and the reason for the others, however odd the sender's details.
TEST_CASE("mock receiver: every KITH message gets an AppRec, never a 500",
          "[integration][mocks][kith]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const std::string note = slurp("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    auto with = [&](const std::string& from, const std::string& to) {
        std::string xml = note;
        const auto at = xml.find(from);
        REQUIRE(at != std::string::npos);
        return xml.replace(at, from.size(), to);
    };
    auto post = [&](const std::string& xml) {
        auto r = c.Post("/kith/messages", xml, "application/xml");
        REQUIRE(r);
        INFO(r->body);
        CHECK(r->status == 200);
        auto apprec = vft::kith::read_apprec(r->body);
        REQUIRE(apprec.ok());
        return *apprec;
    };
    const std::string empty_name =
        with("<OrganisationName>Responssenter Vest</OrganisationName>", "<OrganisationName/>");
    auto ok = post(empty_name);
    CHECK(ok.status == vft::kith::AppRecStatus::ok);
    CHECK(ok.receiver.name.empty());
    CHECK(ok.receiver.her_id == "8143063");

    // Odd but schema-valid sender details (a HER-id that is not digits) and broken ones: an
    // AppRec every time, rejected ones with a code and a reason.
    auto odd = post(with("<Id>8143063</Id>", "<Id>HER 81-43</Id>"));
    if (odd.status != vft::kith::AppRecStatus::ok) {
        REQUIRE_FALSE(odd.errors.empty());
        CHECK_FALSE(odd.errors.front().code.empty());
    }
    for (const std::string& bad :
         {std::string("<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\"><MsgInfo>"
                      "<MsgId>\x01\x02</MsgId>"),
          std::string("<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\">\xff\xfe"
                      "\xc3</MsgHead>"),
          std::string("not xml at all"), std::string()}) {
        auto r = post(bad);
        CHECK(r.status == vft::kith::AppRecStatus::rejected);
        REQUIRE_FALSE(r.errors.empty());
        CHECK(r.errors.front().code == "T01");
    }
}

TEST_CASE("mock receiver: JFT search pages with a cursor and marks events read",
          "[integration][mocks]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const std::vector<std::string> status_urls = submit_dispenses(c, p.url(), 5);
    auto entries_in = [](const std::string& body) {
        size_t n = 0;
        for (auto at = body.find("\"search\""); at != std::string::npos;
             at = body.find("\"search\"", at + 1))
            ++n;
        return n;
    };
    auto page1 = c.Get("/v1/MedicationDispense?_count=2");
    REQUIRE(page1);
    CHECK(page1->status == 200);
    CHECK(entries_in(page1->body) == 2);
    const auto next_at = page1->body.find("cursor=");
    REQUIRE(next_at != std::string::npos);
    const std::string cursor =
        page1->body.substr(next_at, page1->body.find('"', next_at) - next_at);
    size_t seen = 2;
    std::string path = "/v1/MedicationDispense?_count=2&" + cursor;
    for (int guard = 0; guard < 10 && !path.empty(); ++guard) {
        auto page = c.Get(path.c_str());
        REQUIRE(page);
        seen += entries_in(page->body);
        const auto n = page->body.find("cursor=");
        path = n == std::string::npos ? ""
                                      : "/v1/MedicationDispense?_count=2&" +
                                            page->body.substr(n, page->body.find('"', n) - n);
    }
    CHECK(seen == 5);
    auto status = c.Get(status_urls.front().c_str());
    REQUIRE(status);
    CHECK(status->body.find("\"read\":\"") != std::string::npos);
    CHECK(c.Get("/v1/MedicationDispense?_count=0")->status == 400);
    CHECK(c.Get("/v1/MedicationDispense?cursor=zzz")->status == 400);
}

TEST_CASE("mock receiver: injected faults (status + Retry-After, drop before, drop after)",
          "[integration][mocks][faults]") {
    const fs::path rules = temp_db("faults.json");
    std::ofstream(rules) << R"({"seed": 7, "rules": [
        {"method": "POST", "path": "/epj/r4/*/medicationdispense", "first": 2, "status": 503, "retry_after": "1"},
        {"method": "POST", "path": "/v1/MedicationDispense", "first": 1, "action": "drop-after"},
        {"method": "POST", "path": "/v1/Composition", "first": 1, "action": "drop-before"}]})";
    Process p(
        {VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--faults", rules.string()});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const vft::MedicationDispensed m = kare_dispense();
    auto msg = vft::build_medication_dispense(m);
    REQUIRE(msg.ok());
    for (int attempt = 1; attempt <= 3; ++attempt) {
        auto r = c.Post("/epj/r4/312229544/medicationdispense", msg->body, kJson);
        REQUIRE(r);
        CHECK(r->status == (attempt <= 2 ? 503 : 201));
        if (attempt <= 2) CHECK(r->get_header_value("Retry-After") == "1");
    }
    CHECK(count_of(c, msg->identifier) == 1);  // the 503s were not processed

    // drop-after: processed and journaled, but the sender never sees the answer.
    auto dropped = c.Post("/v1/MedicationDispense", msg->body, kJson);
    CHECK((!dropped || dropped->status != 202));
    auto resent = c.Post("/v1/MedicationDispense", msg->body, kJson);
    REQUIRE(resent);
    CHECK(resent->status == 202);
    CHECK(resent->get_header_value("X-Vft-Duplicate") == "2");  // the resend found the first one

    // drop-before: nothing processed.
    vft::DhoNote n;
    n.patient = m.patient;
    n.note.category = "2";
    n.note.date = m.handed_over;
    n.note.author = {"9144900", "", "Nina Fjeld"};
    n.note.sections = {{"1.3", "Kommentar", "Målingen er ok."}};
    auto note = vft::build_dho_note(n);
    REQUIRE(note.ok());
    auto lost = c.Post("/v1/Composition", note->body, kJson);
    CHECK((!lost || lost->status != 202));
    CHECK(count_of(c, note->identifier) == 0);
}

TEST_CASE("mock receiver: injected faults (slow body, duplicate arrival)",
          "[integration][mocks][faults]") {
    const fs::path rules = temp_db("faults-slow.json");
    std::ofstream(rules) << R"({"rules": [
        {"method": "POST", "path": "/epj/r4/*/medicationdispense", "first": 1, "action": "slow-body", "latency_ms": 20, "chunk_bytes": 64},
        {"method": "POST", "path": "/v1/MedicationDispense", "first": 1, "action": "duplicate"}]})";
    Process p(
        {VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0", "--faults", rules.string()});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const vft::MedicationDispensed m = kare_dispense();
    auto msg = vft::build_medication_dispense(m);
    REQUIRE(msg.ok());

    // slow-body: the answer arrives whole, in pieces (the client's read callback sees several).
    size_t pieces = 0;
    std::string slow;
    httplib::Request req;
    req.method = "POST";
    req.path = "/epj/r4/312229544/medicationdispense";
    req.body = msg->body;
    req.set_header("Content-Type", kJson);
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        ++pieces;
        slow.append(data, n);
        return true;
    };
    auto r = c.send(req);
    REQUIRE(r);
    CHECK(r->status == 201);
    CHECK(pieces > 1);
    CHECK(slow.find("\"resourceType\":\"OperationOutcome\"") != std::string::npos);
    auto fast = c.Post("/epj/r4/312229544/medicationdispense", msg->body, kJson);
    REQUIRE(fast);
    CHECK(fast->body == slow);                 // the same answer, whole
    CHECK(count_of(c, msg->identifier) == 2);  // two submissions of one journaled message
    CHECK(entries_of(c, msg->identifier) == 1);

    // duplicate: the write arrives twice; the client sees the answer to the second arrival,
    // and the receiver journals it once.
    auto msg2 = vft::build_medication_dispense(m);  // a new identifier
    REQUIRE(msg2.ok());
    REQUIRE(msg2->identifier != msg->identifier);
    auto twice = c.Post("/v1/MedicationDispense", msg2->body, kJson);
    REQUIRE(twice);
    CHECK(twice->status == 202);
    CHECK(twice->get_header_value("X-Vft-Duplicate") == "2");
    CHECK(count_of(c, msg2->identifier) == 2);                        // two arrivals
    CHECK(entries_of(c, msg2->identifier) == 1);                      // journaled once
    auto once = c.Post("/v1/MedicationDispense", msg2->body, kJson);  // the rule has fired
    REQUIRE(once);
    CHECK(once->get_header_value("X-Vft-Duplicate") == "3");
}

namespace {
size_t matches_in(const std::string& searchset) {
    size_t n = 0;
    for (auto at = searchset.find("\"mode\":\"match\""); at != std::string::npos;
         at = searchset.find("\"mode\":\"match\"", at + 1))
        ++n;
    return n;
}
}  // namespace

TEST_CASE("mock receiver: journaled VKP resources are read back by patient, date and service",
          "[integration][mocks][readback]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const char* form = "application/x-www-form-urlencoded";
    auto search = [&](const std::string& what, const std::string& body, const std::string& codes) {
        httplib::Headers h;
        if (!codes.empty()) h.emplace("ServiceCodes", codes);
        auto r = c.Post(("/epj/r4/312229544/" + what + "/_search").c_str(), h, body, form);
        REQUIRE(r);
        return *r;
    };
    const std::string kare = "patient.identifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C12854812341";
    CHECK(matches_in(search("composition", kare, "TA").body) == 0);

    // An alarm bundle (DetectedIssue + Encounter + Composition), twice, and a single note.
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    for (int i = 0; i < 2; ++i)
        REQUIRE(c.Post("/epj/r4/312229544/bundle", bundle, kJson)->status == 201);
    vft::DhoNote n;
    n.patient = {"12854812341", "Kåre Nordmann Testesen"};
    n.note.category = "2";
    n.note.date = std::chrono::sys_days{std::chrono::year{2026} / 3 / 14};
    n.note.author = {"9144900", "", "Nina Fjeld"};
    n.note.sections = {{"1.3", "Kommentar", "Pasienten føler seg bra i dag."}};
    auto note = vft::build_dho_note(n);
    REQUIRE(note.ok());
    REQUIRE(c.Post("/epj/r4/312229544/composition", note->body, kJson)->status == 201);

    auto all = search("composition", kare, "ta");
    CHECK(all.status == 200);
    CHECK(all.body.find("\"type\":\"searchset\"") != std::string::npos);
    CHECK(matches_in(all.body) == 2);  // the bundle's note once, and the single note
    CHECK(all.body.find("føler seg bra") != std::string::npos);
    CHECK(matches_in(search("detectedissue", kare, "TA").body) == 1);
    CHECK(matches_in(search("encounter", kare, "TA").body) == 1);
    CHECK(matches_in(search("medicationdispense", kare, "TA").body) == 0);

    // date bounds the Composition.date (the alarm note is 2026-03-12, the single one the 14th).
    CHECK(matches_in(search("composition", kare + "&date=ge2026-03-13", "TA").body) == 1);
    CHECK(matches_in(search("composition", kare + "&date=le2026-03-12", "TA").body) == 1);
    CHECK(matches_in(
              search("composition", kare + "&date=ge2026-03-15&date=le2026-03-20", "TA").body) ==
          0);
    CHECK(search("composition", kare + "&date=soon", "TA").status == 400);

    // The gates of the other searches: 1.3, 2.1, and 2.3 without a patient.
    auto no_service = search("composition", kare, "DT");
    CHECK(no_service.status == 403);
    CHECK(no_service.body.find("\"code\":\"1.3\"") != std::string::npos);
    auto bad_fnr = search("composition", "patient.identifier=12854812342", "TA");
    CHECK(bad_fnr.status == 400);
    CHECK(bad_fnr.body.find("\"code\":\"2.1\"") != std::string::npos);
    auto no_patient = search("composition", "", "TA");
    CHECK(no_patient.status == 400);
    CHECK(no_patient.body.find("\"code\":\"2.3\"") != std::string::npos);
    auto other = search("composition", "patient.identifier=03913945688", "DT");
    CHECK(other.status == 200);
    CHECK(matches_in(other.body) == 0);
    CHECK(search("composition", kare, "TA").status == 200);
    httplib::Client wrong_org(p.url());
    auto org = wrong_org.Post("/epj/r4/314159265/composition/_search", kare, form);
    REQUIRE(org);
    CHECK(org->status == 400);
}

TEST_CASE("mock receiver: JFT $status goes registered -> read (searched) -> journaled (ack)",
          "[integration][mocks][readback]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const std::string composition = slurp("fixtures/messages/valid/jft/composition-single.json");
    auto r = c.Post("/v1/Composition", composition, "application/fhir+json");
    REQUIRE(r);
    REQUIRE(r->status == 202);
    const std::string status = r->get_header_value("Location").substr(p.url().size());
    auto s0 = c.Get(status.c_str());
    REQUIRE(s0);
    CHECK(s0->body.find("\"registered\":\"") != std::string::npos);
    CHECK(s0->body.find("\"read\":null") != std::string::npos);
    CHECK(s0->body.find("\"journaled\":null") != std::string::npos);

    auto found = c.Get("/v1/Composition");
    REQUIRE(found);
    CHECK(matches_in(found->body) == 1);
    CHECK(found->body.find("Journalnotat for respons p") != std::string::npos);
    CHECK(matches_in(c.Get("/v1/MedicationDispense")->body) == 0);
    auto s1 = c.Get(status.c_str());
    REQUIRE(s1);
    CHECK(s1->body.find("\"read\":\"") != std::string::npos);
    CHECK(s1->body.find("\"journaled\":null") != std::string::npos);

    const std::string ack = status.substr(0, status.rfind('/')) + "/$journaling-acknowledged";
    auto a = c.Post(ack.c_str(), "", "application/json");
    REQUIRE(a);
    CHECK(a->status == 202);
    auto s2 = c.Get(status.c_str());
    REQUIRE(s2);
    CHECK(s2->body.find("\"journaled\":\"") != std::string::npos);
    CHECK(c.Get("/v1/Composition/00000000-0000-4000-8000-000000000000/$status")->status == 404);
}

TEST_CASE("mock receiver: PMD Observations are read back by patient",
          "[integration][mocks][readback]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const char* form = "application/x-www-form-urlencoded";
    const std::string batch = slurp("fixtures/messages/valid/pmd/batch-all-vital-signs.json");
    for (int i = 0; i < 2; ++i) {
        auto r = c.Post("/pmd", batch, kJson);
        REQUIRE(r);
        CHECK(r->status == 200);
    }
    auto by_patient = c.Post("/pmd/Observation/_search", "patient.identifier=12854812341", form);
    REQUIRE(by_patient);
    CHECK(by_patient->status == 200);
    CHECK(matches_in(by_patient->body) == 11);  // once, though the batch came twice
    CHECK(by_patient->body.find("\"resourceType\":\"Observation\"") != std::string::npos);
    auto by_subject =
        c.Post("/pmd/Observation/_search",
               "subject%3Aidentifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C12854812341", form);
    REQUIRE(by_subject);
    CHECK(matches_in(by_subject->body) == 11);
    auto other = c.Post("/pmd/Observation/_search", "patient.identifier=03913945688", form);
    REQUIRE(other);
    CHECK(other->status == 200);
    CHECK(matches_in(other->body) == 0);
    CHECK(c.Post("/pmd/Observation/_search", "", form)->status == 400);
    CHECK(c.Post("/pmd/Observation/_search", "patient.identifier=12854812342", form)->status ==
          400);
}

TEST_CASE("mock receiver: JFT search filters on _lastUpdated and the acknowledgement tag",
          "[integration][mocks][readback]") {
    Process p({VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"});
    REQUIRE_FALSE(p.url().empty());
    httplib::Client c(p.url());
    const std::vector<std::string> status_urls = submit_dispenses(c, p.url(), 3);
    const std::string ack =
        status_urls[1].substr(0, status_urls[1].rfind('/')) + "/$journaling-acknowledged";
    REQUIRE(c.Post(ack.c_str(), "", "application/json")->status == 202);

    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string ten_min_ago = vft::format_fhir_time(now - std::chrono::minutes(10));
    const std::string day_ago = vft::format_fhir_time(now - std::chrono::hours(24));
    const std::string in_an_hour = vft::format_fhir_time(now + std::chrono::hours(1));
    auto get = [&](const std::string& query) {
        auto r = c.Get(("/v1/MedicationDispense?" + query).c_str());
        REQUIRE(r);
        INFO(query << " -> " << r->status << " " << r->body.substr(0, 300));
        CHECK(r->status == 200);
        return r->body;
    };
    // Received just now: inside a ten-minute window, not before a day ago, not after an hour.
    const std::string recent = get("_lastUpdated=ge" + ten_min_ago);
    CHECK(matches_in(recent) == 3);
    CHECK(recent.find("\"lastUpdated\":\"") != std::string::npos);
    CHECK(matches_in(get("_lastUpdated=lt" + day_ago)) == 0);
    CHECK(matches_in(get("_lastUpdated=gt" + in_an_hour)) == 0);
    CHECK(matches_in(get("_lastUpdated=le" + in_an_hour.substr(0, 10))) == 3);  // a whole day
    CHECK(matches_in(get("_lastUpdated=ge" + ten_min_ago + "&_lastUpdated=lt" + ten_min_ago)) == 0);
    // The same instant written with an offset (+01:00), percent-encoded and (as some clients
    // send it) with a bare '+' that arrives as a space.
    const auto ten_min_ago_oslo =
        vft::format_fhir_time(now - std::chrono::minutes(10) + std::chrono::hours(1));
    const std::string with_offset = ten_min_ago_oslo.substr(0, 19) + "%2B01:00";
    CHECK(matches_in(get("_lastUpdated=ge" + with_offset)) == 3);
    CHECK(matches_in(get("_lastUpdated=ge" + ten_min_ago_oslo.substr(0, 19) + "+01:00")) == 3);

    // The acknowledgement tag: one event acknowledged, two not.
    const std::string acked = get("_tag=journaling-acknowledged");
    CHECK(matches_in(acked) == 1);
    CHECK(acked.find("\"code\":\"journaling-acknowledged\"") != std::string::npos);
    CHECK(matches_in(get("_tag:not=https://fhir.jft.nhn.no/journaling-status%7Cjournaling-"
                         "acknowledged")) == 2);
    CHECK(matches_in(get("_tag=something-else")) == 0);
    CHECK(matches_in(get("_tag=journaling-acknowledged&_tag:not=journaling-acknowledged")) == 0);

    // POST _search with a form body; the next link repeats the filters.
    auto page1 = c.Post("/v1/MedicationDispense/_search",
                        "_count=2&_lastUpdated=ge" + ten_min_ago + "&_sort=-_lastUpdated",
                        "application/x-www-form-urlencoded");
    REQUIRE(page1);
    CHECK(page1->status == 200);
    CHECK(matches_in(page1->body) == 2);
    const auto next_at = page1->body.find(p.url() + "/v1/MedicationDispense?");
    REQUIRE(next_at != std::string::npos);
    const std::string next = page1->body.substr(
        next_at + p.url().size(), page1->body.find('"', next_at) - next_at - p.url().size());
    CHECK(next.find("_lastUpdated=ge") != std::string::npos);
    CHECK(next.find("_sort=-_lastUpdated") != std::string::npos);
    auto page2 = c.Get(next.c_str());
    REQUIRE(page2);
    CHECK(matches_in(page2->body) == 1);

    // Refused, not ignored: a filter the server does not understand must not return everything.
    for (const std::string bad : {"_lastUpdated=xx2026-03-12", "_lastUpdated=2026-13-01",
                                  "_lastUpdated=ge2026-03-12T10:00:00", "_sort=status",
                                  "patient=12854812341", "_count=1000"}) {
        auto r = c.Get(("/v1/MedicationDispense?" + bad).c_str());
        REQUIRE(r);
        INFO(bad);
        CHECK(r->status == 400);
        CHECK(r->body.find("OperationOutcome") != std::string::npos);
    }
}

namespace {

struct Answer {
    int status = 0;
    std::string body, location;
};

// `n` clients, each on its own connection, POST the same body at the same moment (they wait at
// a latch until all are ready).
std::vector<Answer> post_at_once(const std::string& url, const std::string& path,
                                 const std::string& body, const char* type, int n) {
    std::vector<Answer> out(static_cast<size_t>(n));
    std::latch ready(n);
    std::vector<std::thread> clients;
    for (int i = 0; i < n; ++i)
        clients.emplace_back([&, i] {
            httplib::Client c(url);
            c.set_read_timeout(30, 0);
            ready.arrive_and_wait();
            if (auto r = c.Post(path, body, type))
                out[static_cast<size_t>(i)] = {r->status, r->body, r->get_header_value("Location")};
        });
    for (auto& t : clients)
        t.join();
    return out;
}

}  // namespace

TEST_CASE(
    "mock receiver: one identifier from eight clients at once is journaled once, "
    "every client gets the first answer",
    "[integration][mocks][duplicates]") {
    constexpr int kClients = 8;
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    const std::string vkp_id =
        bundle.substr(bundle.find("urn:uuid:", bundle.find("\"identifier\"")), 45);
    auto dispense = vft::build_medication_dispense(kare_dispense());
    REQUIRE(dispense.ok());
    const std::string batch = slurp("fixtures/messages/valid/pmd/batch-all-vital-signs.json");
    const std::string pmd_id =
        batch.substr(batch.find("urn:uuid:", batch.find("\"identifier\"")), 45);
    const std::string note = slurp("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    auto original = vft::kith::read_dialog_message(note);
    REQUIRE(original.ok());
    // The correct receiver, then the journals-concurrent-duplicates defect: the same requests show
    // one entry against more than one.
    for (const bool defect : {false, true}) {
        INFO((defect ? "with --defect journals-concurrent-duplicates" : "correct receiver"));
        std::vector<std::string> argv{VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"};
        if (defect) argv.insert(argv.end(), {"--defect", "journals-concurrent-duplicates"});
        Process p(argv);
        REQUIRE_FALSE(p.url().empty());
        httplib::Client c(p.url());
        struct Case {
            const char* path;
            const std::string& body;
            std::string identifier;
            int status;
            const char* type;
        };
        for (const Case& k :
             {Case{"/epj/r4/312229544/bundle", bundle, vkp_id, 201, kJson},
              Case{"/v1/MedicationDispense", dispense->body, dispense->identifier, 202, kJson},
              Case{"/pmd", batch, pmd_id, 200, kJson},
              Case{"/kith/messages", note, original->msg_id, 200, "application/xml"}}) {
            INFO(k.path);
            const auto answers = post_at_once(p.url(), k.path, k.body, k.type, kClients);
            for (const auto& a : answers)
                CHECK(a.status == k.status);
            if (!defect) {
                CHECK(entries_of(c, k.identifier) == 1);
                CHECK(count_of(c, k.identifier) == kClients);
                for (const auto& a : answers) {
                    CHECK(a.body == answers.front().body);
                    CHECK(a.location == answers.front().location);
                }
            } else {
                CHECK(entries_of(c, k.identifier) >= 2);
                // A resend after the race is still answered from the journal.
                auto again = c.Post(k.path, k.body, k.type);
                REQUIRE(again);
                CHECK(again->status == k.status);
            }
        }
    }
}
