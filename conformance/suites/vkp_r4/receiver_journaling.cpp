// Suite vkp-r4, role receiver (receiver.cpp): the journaling group: every use case the SDK builders
// make is journaled (read back through composition/_search with its text intact), also from eight
// clients at once.
#include <latch>
#include <thread>

#include "receiver_groups.hpp"
#include "vkp_r4_support.hpp"

namespace vft::conformance::vkp_r4 {

void add_journaling(RoleTests& s) {
    struct Case {
        const char* id;
        const char* module;
        UseCase use_case;
        const char* title;
    };
    const Case cases[] = {
        {"vkp_r4.journal.alarm.valid_bundle_accepted", "alarm", UseCase::alarm,
         "A safety-alarm report (DetectedIssue + Encounter + note) is journaled with æøå intact"},
        {"vkp_r4.journal.medication.alert_bundle_accepted", "medication", UseCase::medication_alert,
         "A medication alert (alert code 1.1, not dispensed) is journaled with æøå intact"},
        {"vkp_r4.journal.medication.dispense_single_accepted", "medication",
         UseCase::dispense_single, "A single MedicationDispense (event 1.1) is accepted"},
        {"vkp_r4.journal.medication.dispense_bundle_with_note_accepted", "medication",
         UseCase::dispense_bundle_with_note,
         "A dispense with a journal note is journaled with æøå intact"},
        {"vkp_r4.journal.supervision.digital_with_note_accepted", "supervision",
         UseCase::supervision_digital,
         "A digital supervision (camera) with a note is journaled with æøå intact"},
        {"vkp_r4.journal.supervision.physical_accepted", "supervision",
         UseCase::supervision_physical, "A physical supervision visit is accepted"},
        {"vkp_r4.journal.dho.note_accepted", "dho", UseCase::dho_note,
         "A DHO note (Composition, category 2) is journaled with æøå intact"},
    };
    for (const auto& c : cases) {
        s.add({.id = c.id,
               .title = c.title,
               .module = c.module,
               .spec_ref = "domain §2.1, §3.1 (bundle and resource POST)"},
              [c](TestContext& ctx, Outcome& o) {
                  auto p = journal_patient(ctx);
                  auto msg = build_message(ctx, c.use_case, p);
                  if (!msg) return o.error("cannot build the message: " + msg.error().to_string());
                  auto res = post_fhir(ctx, msg->path, msg->body, "submit the message");
                  if (!o.expect(success(res), "expected HTTP 2xx for a valid message to /" +
                                                  msg->path + ", got " + describe(res) + " [" +
                                                  kApiRef + "]"))
                      return;
                  if (msg->marker.empty()) return o.pass();
                  auto back = read_back(ctx, p, msg->marker);
                  if (back.absent)
                      return o.skip("the SUT offers no composition/_search (" + back.problem +
                                    "): journaling could not be verified [domain §3.1]");
                  if (!o.expect(back.problem.empty(), back.problem)) return;
                  if (!o.expect(!back.entries.empty(),
                                "the message was accepted but composition/_search for the patient "
                                "returns no Composition with '" +
                                    msg->marker + "' [" + kApiRef + "]"))
                      return;
                  bool intact = false;
                  for (const auto& entry : back.entries)
                      for (const auto& str : entry)
                          if (str.find(msg->note_text) != std::string::npos) intact = true;
                  if (!o.expect(intact,
                                "the journaled note does not hold the text as sent: "
                                "expected '" +
                                    msg->note_text +
                                    "' (UTF-8 æøå) in the Composition "
                                    "read back [domain §2.2; RFC 8259 §8.1]"))
                      return;
                  o.pass();
              });
    }
}

// Many writes at once (one patient, eight clients): every one answered 2xx must be journaled.
void add_concurrent_writes(RoleTests& s) {
    s.add({.id = "vkp_r4.journal.alarm.concurrent_writes_all_journaled",
           .title = "Alarm reports sent by eight clients at once are all journaled",
           .module = "alarm",
           .spec_ref =
               "domain §3.1 (journaling success → 2xx); DESIGN.md (a receiver stores or rejects)"},
          [](TestContext& ctx, Outcome& o) {
              constexpr int kClients = 8, kEach = 3;
              auto p = journal_patient(ctx);
              std::vector<Sent> msgs;
              for (int i = 0; i < kClients * kEach; ++i) {
                  auto m = build_message(ctx, UseCase::alarm, p);
                  if (!m) return o.error(m.error().to_string());
                  msgs.push_back(*m);
              }
              std::vector<int> status(msgs.size(), 0);
              std::vector<std::thread> clients;
              std::latch ready(kClients);  // the clients start together
              for (int c = 0; c < kClients; ++c)
                  clients.emplace_back([&, c] {
                      ready.arrive_and_wait();
                      for (int k = 0; k < kEach; ++k) {
                          const size_t i = static_cast<size_t>(c * kEach + k);
                          auto r = post_fhir(ctx, msgs[i].path, msgs[i].body,
                                             "concurrent write " + std::to_string(i + 1) + " of " +
                                                 std::to_string(msgs.size()));
                          status[i] = r ? r->status : 0;
                      }
                  });
              for (auto& t : clients)
                  t.join();
              size_t accepted = 0;
              for (int st : status)
                  accepted += st >= 200 && st < 300 ? 1 : 0;
              if (!o.expect(accepted == msgs.size(),
                            "expected HTTP 2xx for all " + std::to_string(msgs.size()) +
                                " valid alarm reports sent by " + std::to_string(kClients) +
                                " clients at once, " + std::to_string(accepted) +
                                " were accepted [" + kApiRef + "]"))
                  return;
              auto res = search(ctx, "composition", "patient.identifier=" + p.fnr, p.service_codes,
                                "read the journal back (composition/_search)");
              if (res && (res->status == 404 || res->status == 405 || res->status == 501))
                  return o.skip("the SUT offers no composition/_search (" + describe(res) +
                                "): journaling could not be verified [domain §3.1]");
              if (!o.expect(res && res->status == 200 && bundle_type(res->body) == "searchset",
                            "composition/_search answered " + describe(res) +
                                "; expected HTTP 200 with a searchset Bundle [domain §3.1]"))
                  return;
              size_t missing = 0;
              std::string first_missing;
              for (const auto& m : msgs)
                  if (entry_strings_containing(res->body, m.marker).empty()) {
                      if (!missing++) first_missing = m.marker;
                  }
              if (!o.expect(missing == 0, std::to_string(missing) + " of " +
                                              std::to_string(msgs.size()) +
                                              " alarm reports answered 2xx are not in the journal "
                                              "(composition/_search), e.g. '" +
                                              first_missing + "' [DESIGN.md: stores or rejects]"))
                  return;
              o.pass();
          });
}

}  // namespace vft::conformance::vkp_r4
