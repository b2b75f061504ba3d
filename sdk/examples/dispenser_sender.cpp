// A medication dispenser reports a dispensed dose: build the national message, check it the way
// JFT will, and hand it on. (Sending with retries and an outbox comes with the transport API.)
// Usage: example_dispenser_sender [OUT.json]
#include <chrono>
#include <fstream>
#include <iostream>

#include <vft/messages/medication.hpp>
#include <vft/validate/validator.hpp>

int main(int argc, char** argv) {
    using namespace std::chrono;
    vft::MedicationDispensed dose;
    dose.patient = {"12854812341", "Kåre Nordmann Testesen"};  // synthetic test person
    dose.event = "1.1";                                        // medisin utlevert, uassistert
    dose.handed_over = floor<seconds>(system_clock::now());
    dose.dispenser = {"https://fhir.evondos.com/e300-codes/serialnumber", "E300-123456",
                      "Evondos E300"};

    // Build once; keep message.identifier with the event so a resend reuses it.
    auto message = vft::build_medication_dispense(dose);
    if (!message) {
        std::cerr << "cannot build: " << message.error().to_string() << "\n";
        return 1;
    }

    auto validator = vft::Validator::create();
    if (!validator) {
        std::cerr << validator.error().to_string() << "\n";
        return 1;
    }
    const auto report = validator->validate(message->body, {vft::Level::strict, "jft"});
    for (const auto& issue : report.issues)
        std::cerr << issue.rule << " " << issue.path << ": " << issue.message << "\n";
    if (!report.valid()) return 1;

    std::cout << "built " << message->resource_type << " " << message->identifier << " ("
              << message->body.size() << " bytes), valid for JFT\n";
    if (argc > 1) std::ofstream(argv[1]) << message->body;
    return 0;
}
