// Stable identities (issue 19): a message read back and built again keeps every identifier, in
// the single-resource and the bundle forms alike, so a resend after a crash is never a new event.
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>

#include "vft/core/uuid.hpp"
#include "vft/messages/alarm.hpp"
#include "vft/messages/dho_note.hpp"
#include "vft/messages/medication.hpp"
#include "vft/messages/supervision.hpp"

using namespace vft;
using namespace std::chrono_literals;

namespace {

const Time t0 = std::chrono::sys_days{std::chrono::year{2026} / 3 / 12} + 7h + 15min;

MedicationDispensed dose() {
    MedicationDispensed m;
    m.patient = {"12854812341", "Kåre Nordmann Testesen"};
    m.event = "1.1";
    m.handed_over = t0;
    m.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                   "Evondos E300"};
    return m;
}

}  // namespace

TEST_CASE("identities: name_uuid_urn is a stable version 5 UUID", "[identities]") {
    const std::string a = name_uuid_urn("x");
    CHECK(is_uuid_urn(a));
    CHECK(a == name_uuid_urn("x"));
    CHECK(a != name_uuid_urn("y"));
    CHECK(a[9 + 14] == '5');  // the version nibble
}

TEST_CASE("identities: medication read back from any form rebuilds with the same identifiers",
          "[identities]") {
    auto single = build_medication_dispense(dose());
    REQUIRE(single.ok());
    auto read = read_medication_dispensed(single->body);
    REQUIRE(read.ok());
    CHECK(read->identifier == single->identifier);
    CHECK(read->bundle_id.empty());  // the single resource has no Bundle

    // The single resource again: byte for byte.
    auto again = build_medication_dispense(*read);
    REQUIRE(again.ok());
    CHECK(again->body == single->body);

    // The bundle forms from the single-resource read: the same Bundle.identifier every time,
    // and the MedicationDispense inside keeps its identifier.
    std::set<std::string> jft_ids, bundle_ids;
    for (int i = 0; i < 3; ++i) {
        auto jft = build_medication_jft_transaction(*read);
        REQUIRE(jft.ok());
        jft_ids.insert(jft->identifier);
        auto back = read_medication_dispensed(jft->body);
        REQUIRE(back.ok());
        CHECK(back->identifier == single->identifier);
        CHECK(back->bundle_id == jft->identifier);
        auto rebuilt = build_medication_jft_transaction(*back);
        REQUIRE(rebuilt.ok());
        CHECK(rebuilt->body == jft->body);
        auto b = build_medication_bundle(*read);
        REQUIRE(b.ok());
        bundle_ids.insert(b->identifier);
    }
    CHECK(jft_ids.size() == 1);
    CHECK(bundle_ids.size() == 1);
    CHECK(*jft_ids.begin() != single->identifier);  // a Bundle's own identifier
    CHECK(is_uuid_urn(*jft_ids.begin()));

    // A bundle_id given by the caller is kept as given.
    MedicationDispensed own = *read;
    own.bundle_id = new_uuid_urn();
    auto own_jft = build_medication_jft_transaction(own);
    REQUIRE(own_jft.ok());
    CHECK(own_jft->identifier == own.bundle_id);
}

TEST_CASE("identities: alarm, supervision and DHO note keep every identifier on rebuild",
          "[identities]") {
    AlarmReport r;
    r.patient = {"12854812341", "Kåre Nordmann Testesen"};
    r.alert_code = "3";
    r.identified = t0;
    r.device = {"https://fhir.trygghet.example/serial", "TA-0042", "Trygghetsalarm T3"};
    r.response = {t0 + 1min, t0 + 15min};
    r.participants = {{"2", r.device, {t0 + 1min, t0 + 3min}, std::nullopt}};
    r.note.date = t0 + 20min;
    r.note.author = {"9144900", "", "Operatør Ødegård"};
    r.note.events = {{"0", t0}, {"1", t0 + 1min}, {"3", t0 + 15min}};
    r.note.sections = {{"1.2", "Hendelse", "Brukeren trykket på alarmen."}};
    auto alarm = build_alarm(r);
    INFO((alarm ? std::string() : alarm.error().to_string()));
    REQUIRE(alarm.ok());
    auto alarm_back = read_alarm(alarm->body);
    REQUIRE(alarm_back.ok());
    CHECK(alarm_back->identifier == alarm->identifier);
    CHECK_FALSE(alarm_back->encounter_id.empty());
    auto alarm_again = build_alarm(*alarm_back);
    REQUIRE(alarm_again.ok());
    CHECK(alarm_again->body == alarm->body);

    DhoNote n;
    n.patient = r.patient;
    n.note = r.note;
    n.note.category = "2";
    for (auto build : {&build_dho_note, &build_jft_document}) {
        auto m = build(n);
        REQUIRE(m.ok());
        auto back = read_dho_note(m->body);
        REQUIRE(back.ok());
        CHECK(back->identifier == m->identifier);
        auto again = build(*back);
        REQUIRE(again.ok());
        CHECK(again->body == m->body);
    }
}
