// Every named defect of the mock receiver (except the six auth defects, which live with the token
// check) made visible through the API a real EPJ offers — the way a conformance test must catch
// it — next to the same request answered correctly by a receiver without the defect. Plus the
// `vft mock defects` listing and the refusal of an unknown --defect.
#include <httplib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

#include "../support/files.hpp"
#include "process.hpp"
#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/search.hpp"
#include "vft/mocks/defects.hpp"

using vft::test::Process;

namespace {

const char* kJson = "application/fhir+json";
const char* kForm = "application/x-www-form-urlencoded";
const std::string kOrg = "/epj/r4/312229544";
const std::string kKare = "12854812341";  // synthetic; TA, MD, RT in fixtures/epj

std::string slurp(const std::string& rel) {
    return vft::test::source_file(rel);
}

// A receiver with the given defects (none = the correct receiver) and extra arguments.
std::unique_ptr<Process> receiver(const std::vector<std::string>& defects,
                                  const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {VFT_CLI_PATH, "mock", "receiver", "--listen", "127.0.0.1:0"};
    for (const auto& d : defects) {
        argv.push_back("--defect");
        argv.push_back(d);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv);
    REQUIRE_FALSE(p->url().empty());
    return p;
}

httplib::Result search(httplib::Client& c, const std::string& what, const std::string& form,
                       const std::string& service_codes) {
    httplib::Headers h;
    if (!service_codes.empty()) h.emplace("ServiceCodes", service_codes);
    return c.Post((kOrg + "/" + what + "/_search").c_str(), h, form, kForm);
}

size_t matches_in(const std::string& searchset) {
    size_t n = 0;
    for (auto at = searchset.find("\"mode\":\"match\""); at != std::string::npos;
         at = searchset.find("\"mode\":\"match\"", at + 1))
        ++n;
    return n;
}

// How many resources of a kind (composition, detectedissue, ...) the EPJ holds for a patient,
// read through VKP search.
size_t journaled_for(httplib::Client& c, const std::string& what, const std::string& fnr,
                     const std::string& service_codes) {
    auto r = search(c, what, "patient.identifier=" + fnr, service_codes);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return matches_in(r->body);
}

size_t journaled_for_kare(httplib::Client& c, const std::string& what) {
    return journaled_for(c, what, kKare, "TA");
}

// The invalid fixture is about Olga (DT, RT).
size_t journaled_for_olga(httplib::Client& c, const std::string& what) {
    return journaled_for(c, what, "03913945688", "DT");
}

vft::Message dispense(int n) {
    vft::MedicationDispensed m;
    m.patient = {kKare, "Kåre Nordmann Testesen"};
    m.handed_over =
        std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + std::chrono::minutes(n);
    m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-7", "Evondos E300"};
    auto msg = vft::build_medication_dispense(m);
    REQUIRE(msg.ok());
    return *msg;
}

vft::Message dho_note_for_kare() {
    vft::DhoNote n;
    n.patient = {kKare, "Kåre Nordmann Testesen"};
    n.note.category = "2";
    n.note.date = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12};
    n.note.author = {"9144900", "", "Nina Fjeld"};
    n.note.sections = {{"1.3", "Kommentar", "Blodtrykket er høyere enn i går; pårørende varslet."}};
    auto note = vft::build_dho_note(n);
    REQUIRE(note.ok());
    return *note;
}

// Runs the vft CLI; returns exit code and stdout + stderr.
std::pair<int, std::string> run_cli(const std::string& args) {
    const std::string cmd = std::string(VFT_CLI_PATH) + " " + args + " 2>&1";
    FILE* f = popen(cmd.c_str(), "r");
    REQUIRE(f != nullptr);
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, f))
        out.append(buf, n);
    const int status = pclose(f);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kInvalidBundle = "fixtures/messages/invalid/codes/alert-code-4-99.json";

}  // namespace

TEST_CASE("vft mock defects lists every registry entry; an unknown --defect exits 2",
          "[integration][defects]") {
    auto [code, out] = run_cli("mock defects");
    CHECK(code == 0);
    std::istringstream lines(out);
    std::vector<std::string> listed;
    for (std::string line; std::getline(lines, line);)
        listed.push_back(line);
    const auto& all = vft::mocks::all_defects();
    REQUIRE(listed.size() == all.size());
    for (size_t i = 0; i < all.size(); ++i)
        CHECK(listed[i] == std::string(all[i].name) + "\t" + std::string(all[i].group) + "\t" +
                               std::string(all[i].description));
    CHECK(std::is_sorted(listed.begin(), listed.end()));

    auto [bad, message] = run_cli("mock receiver --listen 127.0.0.1:0 --defect no-such-defect");
    CHECK(bad == 2);
    CHECK(message.find("VFT-MOCK-1205") != std::string::npos);
    CHECK(message.find("no-such-defect") != std::string::npos);
    CHECK(message.find("journals-duplicates") != std::string::npos);  // the hint lists them
}

TEST_CASE("defect accepts-invalid-bundles: an invalid bundle is journaled, not refused",
          "[integration][defects]") {
    const std::string invalid = slurp(kInvalidBundle);
    auto good = receiver({});
    httplib::Client g(good->url());
    auto refused = g.Post((kOrg + "/bundle").c_str(), invalid, kJson);
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(refused->body.find("FHIR-PRF-003") != std::string::npos);
    CHECK(journaled_for_olga(g, "detectedissue") == 0);

    auto bad = receiver({"accepts-invalid-bundles"});
    httplib::Client b(bad->url());
    auto taken = b.Post((kOrg + "/bundle").c_str(), invalid, kJson);
    REQUIRE(taken);
    CHECK(taken->status == 201);
    CHECK(journaled_for_olga(b, "detectedissue") == 1);  // the EPJ now holds the invalid alarm
}

TEST_CASE("defect journals-duplicates: a resubmitted bundle is journaled twice",
          "[integration][defects]") {
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"journals-duplicates"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        for (int i = 0; i < 2; ++i) {
            auto r = c.Post((kOrg + "/bundle").c_str(), bundle, kJson);
            REQUIRE(r);
            CHECK(r->status == 201);
        }
        CHECK(journaled_for_kare(c, "composition") == (defective ? 2u : 1u));
        CHECK(journaled_for_kare(c, "detectedissue") == (defective ? 2u : 1u));
    }
}

TEST_CASE(
    "defect journals-concurrent-duplicates: one bundle from eight clients at once is "
    "journaled more than once; a sequential resend still once",
    "[integration][defects]") {
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    constexpr int kClients = 8;
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"journals-concurrent-duplicates"}
                                    : std::vector<std::string>{});
        std::vector<int> status(kClients, 0);
        std::latch ready(kClients);
        std::vector<std::thread> clients;
        for (int i = 0; i < kClients; ++i)
            clients.emplace_back([&, i] {
                httplib::Client c(p->url());
                ready.arrive_and_wait();
                if (auto r = c.Post((kOrg + "/bundle").c_str(), bundle, kJson))
                    status[static_cast<size_t>(i)] = r->status;
            });
        for (auto& t : clients)
            t.join();
        for (int st : status)
            CHECK(st == 201);
        httplib::Client c(p->url());
        const size_t after_race = journaled_for_kare(c, "composition");
        if (defective)
            CHECK(after_race >= 2);
        else
            CHECK(after_race == 1);
        // One more, alone: answered from the journal, nothing new journaled.
        auto again = c.Post((kOrg + "/bundle").c_str(), bundle, kJson);
        REQUIRE(again);
        CHECK(again->status == 201);
        CHECK(journaled_for_kare(c, "composition") == after_race);
    }
}

TEST_CASE("defect server-error-on-invalid: invalid messages get 500", "[integration][defects]") {
    const std::string invalid = slurp(kInvalidBundle);
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"server-error-on-invalid"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post((kOrg + "/bundle").c_str(), invalid, kJson);
        REQUIRE(r);
        CHECK(r->status == (defective ? 500 : 400));
        auto malformed = c.Post((kOrg + "/bundle").c_str(), "{\"resourceType\": ", kJson);
        REQUIRE(malformed);
        CHECK(malformed->status == (defective ? 500 : 400));
        CHECK(journaled_for_olga(c, "detectedissue") == 0);  // still not journaled
    }
}

TEST_CASE("defect no-operation-outcome: rejections have an empty body", "[integration][defects]") {
    const std::string invalid = slurp(kInvalidBundle);
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"no-operation-outcome"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post((kOrg + "/bundle").c_str(), invalid, kJson);
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK((r->body.find("\"resourceType\":\"OperationOutcome\"") != std::string::npos) ==
              !defective);
        auto not_found = c.Post("/nowhere", "{}", kJson);
        REQUIRE(not_found);
        CHECK(not_found->status == 404);
        CHECK(not_found->body.empty() == defective);
        auto ok = c.Post((kOrg + "/bundle").c_str(),
                         slurp("fixtures/messages/valid/alarm/trygghetsalarm.json"), kJson);
        REQUIRE(ok);
        CHECK(ok->status == 201);  // acceptances keep their body either way
        CHECK(ok->body.find("OperationOutcome") != std::string::npos);
    }
}

TEST_CASE("defect search-ignores-identifier: patient/_search returns every patient",
          "[integration][defects]") {
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"search-ignores-identifier"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r =
            search(c, "patient", "identifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C" + kKare, "TA");
        REQUIRE(r);
        CHECK(r->status == 200);
        auto patients = vft::read_patient_search_result(r->body);
        REQUIRE(patients.ok());
        if (defective) {
            CHECK(patients->size() > 1);
        } else {
            REQUIRE(patients->size() == 1);
            CHECK(patients->front().patient.id == kKare);
        }
    }
}

TEST_CASE("defect careplan-ignores-date-range: visits outside the range come back",
          "[integration][defects]") {
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"careplan-ignores-date-range"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r =
            search(c, "careplan",
                   "patient.identifier=" + kKare + "&date=ge2026-03-12&date=le2026-03-12", "TA");
        REQUIRE(r);
        CHECK(r->status == 200);
        auto plans = vft::read_visit_plan_search_result(r->body);
        REQUIRE(plans.ok());
        REQUIRE(plans->size() == 1);
        // The fixture has visits on the 11th, 12th and 14th of March.
        CHECK(plans->front().visits.size() == (defective ? 3u : 1u));
    }
}

TEST_CASE("defect missing-service-code-allowed: a search without the patient's service works",
          "[integration][defects]") {
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"missing-service-code-allowed"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        for (const std::string what : {"patient", "composition"}) {
            INFO(what);
            auto r =
                search(c, what, (what == "patient" ? "identifier=" : "patient.identifier=") + kKare,
                       "DT");  // Kåre has TA, MD, RT — not DT
            REQUIRE(r);
            CHECK(r->status == (defective ? 200 : 403));
            if (!defective) CHECK(r->body.find("\"code\":\"1.3\"") != std::string::npos);
        }
    }
}

TEST_CASE("defect invalid-fnr-accepted: a wrong check digit is searched instead of 2.1",
          "[integration][defects]") {
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"invalid-fnr-accepted"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        for (const std::string what : {"patient", "composition"}) {
            INFO(what);
            auto r = search(c, what,
                            (what == "patient" ? "identifier=" : "patient.identifier=") +
                                std::string("12854812342"),
                            "TA");
            REQUIRE(r);
            CHECK(r->status == (defective ? 200 : 400));
            if (!defective) CHECK(r->body.find("\"code\":\"2.1\"") != std::string::npos);
        }
    }
}

TEST_CASE("defect jft-200-instead-of-202: JFT submit answers 200 without Location",
          "[integration][defects]") {
    const std::string bundle = slurp("fixtures/messages/valid/jft/document-dho-note.json");
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"jft-200-instead-of-202"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post("/v1/Bundle", bundle, "application/json");
        REQUIRE(r);
        CHECK(r->status == (defective ? 200 : 202));
        CHECK(r->has_header("Location") == !defective);
        auto read = c.Get("/v1/Bundle");  // journaled either way
        REQUIRE(read);
        CHECK(matches_in(read->body) == 1);
    }
}

TEST_CASE("defect jft-status-stuck: $status never shows journaled", "[integration][defects]") {
    const std::string bundle = slurp("fixtures/messages/valid/jft/document-dho-note.json");
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"jft-status-stuck"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post("/v1/Bundle", bundle, "application/json");
        REQUIRE(r);
        REQUIRE(r->status == 202);
        const std::string status = r->get_header_value("Location").substr(p->url().size());
        auto read = c.Get("/v1/Bundle");
        REQUIRE(read);
        REQUIRE(matches_in(read->body) == 1);
        const std::string ack = status.substr(0, status.rfind('/')) + "/$journaling-acknowledged";
        auto a = c.Post(ack.c_str(), "", "application/json");
        REQUIRE(a);
        CHECK(a->status == 202);
        auto s = c.Get(status.c_str());
        REQUIRE(s);
        CHECK(s->body.find("\"read\":\"") != std::string::npos);
        CHECK((s->body.find("\"journaled\":null") != std::string::npos) == defective);
    }
}

TEST_CASE("defect apprec-wrong-status: a rejected message gets AppRec status 1",
          "[integration][defects][kith]") {
    const std::string schema_error =
        slurp("fixtures/messages/invalid/kith/msghead-missing-msgid.xml");
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"apprec-wrong-status"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post("/kith/messages", schema_error, "application/xml");
        REQUIRE(r);
        auto apprec = vft::kith::read_apprec(r->body);
        INFO(r->body);
        REQUIRE(apprec.ok());
        CHECK(apprec->status ==
              (defective ? vft::kith::AppRecStatus::ok : vft::kith::AppRecStatus::rejected));
        CHECK(apprec->errors.empty() == defective);
    }
}

TEST_CASE("defect apprec-wrong-original-msgid: the AppRec answers another MsgId",
          "[integration][defects][kith]") {
    const std::string note = slurp("fixtures/messages/valid/kith/msghead-dialog-notat.xml");
    auto original = vft::kith::read_dialog_message(note);
    REQUIRE(original.ok());
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"apprec-wrong-original-msgid"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post("/kith/messages", note, "application/xml");
        REQUIRE(r);
        auto apprec = vft::kith::read_apprec(r->body);
        REQUIRE(apprec.ok());
        CHECK(apprec->status == vft::kith::AppRecStatus::ok);
        CHECK((apprec->original_msg_id == original->msg_id) == !defective);
    }
}

TEST_CASE("defect pmd-all-or-nothing: one bad entry rejects the whole batch",
          "[integration][defects]") {
    std::string batch = slurp("fixtures/messages/valid/pmd/batch-all-vital-signs.json");
    const auto at = batch.find("\"status\": \"final\"");
    REQUIRE(at != std::string::npos);
    batch.replace(at, 17, "\"status\": \"bogus\"");  // entry 0 only
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"pmd-all-or-nothing"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post("/pmd", batch, kJson);
        REQUIRE(r);
        INFO(r->body.substr(0, 600));
        CHECK(r->status == (defective ? 400 : 200));
        auto stored = c.Post("/pmd/Observation/_search", "patient.identifier=" + kKare, kForm);
        REQUIRE(stored);
        CHECK(stored->status == 200);
        if (defective) {
            CHECK(matches_in(stored->body) == 0);
        } else {
            CHECK(r->body.find("\"status\":\"400 Bad Request\"") != std::string::npos);
            CHECK(r->body.find("\"status\":\"201 Created\"") != std::string::npos);
            CHECK(matches_in(stored->body) == 10);  // the 10 good entries of 11
        }
    }
}

TEST_CASE(
    "defect lost-write-under-load: some of 50 concurrent accepted writes are never "
    "journaled",
    "[integration][defects]") {
    constexpr int kThreads = 10, kEach = 5;
    std::vector<std::vector<std::string>> bodies(kThreads);
    for (int t = 0; t < kThreads; ++t)
        for (int i = 0; i < kEach; ++i)
            bodies[static_cast<size_t>(t)].push_back(dispense(t * kEach + i).body);
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"lost-write-under-load"}
                                    : std::vector<std::string>{});
        std::atomic<int> accepted{0}, ready{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                httplib::Client c(p->url());
                ++ready;
                while (ready < kThreads)
                    std::this_thread::yield();  // start together
                for (const auto& b : bodies[static_cast<size_t>(t)])
                    if (auto r = c.Post((kOrg + "/medicationdispense").c_str(), b, kJson);
                        r && r->status == 201)
                        ++accepted;
            });
        for (auto& th : threads)
            th.join();
        CHECK(accepted == kThreads * kEach);  // every write was answered as accepted
        httplib::Client c(p->url());
        const size_t journaled = journaled_for_kare(c, "medicationdispense");
        if (defective)  // the second write of each overlapping pair is lost
            CHECK(journaled < static_cast<size_t>(kThreads * kEach));
        else
            CHECK(journaled == static_cast<size_t>(kThreads * kEach));
    }
    // One client writing in sequence over one connection is not under load: nothing is lost (each
    // write waits out the pairing window, 1 s, alone).
    auto p = receiver({"lost-write-under-load"});
    httplib::Client c(p->url());
    c.set_keep_alive(true);
    for (int i = 0; i < 3; ++i) {
        auto r = c.Post((kOrg + "/medicationdispense").c_str(), dispense(100 + i).body, kJson);
        REQUIRE(r);
        CHECK(r->status == 201);
    }
    CHECK(journaled_for_kare(c, "medicationdispense") == 3);
}

TEST_CASE("defect accepts-wrong-content-type: text/plain is journaled instead of 415",
          "[integration][defects]") {
    const std::string bundle = slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"accepts-wrong-content-type"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto r = c.Post((kOrg + "/bundle").c_str(), bundle, "text/plain");
        REQUIRE(r);
        CHECK(r->status == (defective ? 201 : 415));
        CHECK(journaled_for_kare(c, "composition") == (defective ? 1u : 0u));
    }
}

TEST_CASE("defect no-body-limit: a body over --max-body is taken instead of 413",
          "[integration][defects]") {
    const std::string big =
        std::string(300000, ' ') + slurp("fixtures/messages/valid/alarm/trygghetsalarm.json");
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(
            defective ? std::vector<std::string>{"no-body-limit"} : std::vector<std::string>{},
            {"--max-body", "200000"});
        httplib::Client c(p->url());
        auto r = c.Post((kOrg + "/bundle").c_str(), big, kJson);
        REQUIRE(r);
        CHECK(r->status == (defective ? 201 : 413));
    }
}

TEST_CASE("defect mangles-norwegian-characters: æøå come back as Latin-1 mojibake",
          "[integration][defects]") {
    const auto note = dho_note_for_kare();
    for (const bool defective : {false, true}) {
        INFO("defective: " << defective);
        auto p = receiver(defective ? std::vector<std::string>{"mangles-norwegian-characters"}
                                    : std::vector<std::string>{});
        httplib::Client c(p->url());
        auto w = c.Post((kOrg + "/composition").c_str(), note.body, kJson);
        REQUIRE(w);
        REQUIRE(w->status == 201);
        auto r = search(c, "composition", "patient.identifier=" + kKare, "TA");
        REQUIRE(r);
        REQUIRE(r->status == 200);
        REQUIRE(matches_in(r->body) == 1);
        CHECK((r->body.find("Kåre Nordmann Testesen") != std::string::npos) == !defective);
        CHECK((r->body.find("høyere") != std::string::npos) == !defective);
        CHECK((r->body.find("K\xC3\x83\xC2\xA5re") != std::string::npos) == defective);

        // The same through JFT search.
        auto j = c.Post("/v1/Composition", note.body, kJson);
        REQUIRE(j);
        REQUIRE(j->status == 202);
        auto read = c.Get("/v1/Composition");
        REQUIRE(read);
        CHECK((read->body.find("Kåre") != std::string::npos) == !defective);
    }
}

TEST_CASE("every non-auth defect in the registry has a test above", "[integration][defects]") {
    const std::set<std::string> auth = {"accepts-expired-token", "dpop-replay-accepted",
                                        "ignores-auth",          "ignores-orgnr-authorization",
                                        "ignores-scope",         "no-dpop-check"};
    const std::string self = slurp("tests/integration/test_mock_defects.cpp");
    for (const auto& d : vft::mocks::all_defects()) {
        if (auth.count(std::string(d.name))) continue;
        INFO(d.name);
        CHECK(self.find("\"defect " + std::string(d.name) + ":") != std::string::npos);
    }
}
