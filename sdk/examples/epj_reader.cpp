// The EPJ side: take a message as it arrives, judge it, and read it into typed values for the
// journal. An invalid message is answered with the validator's OperationOutcome (HTTP 400).
// Usage: example_epj_reader FILE.json
#include <fstream>
#include <iostream>
#include <sstream>

#include <vft/messages/alarm.hpp>
#include <vft/messages/medication.hpp>
#include <vft/validate/validator.hpp>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: example_epj_reader FILE.json\n";
        return 2;
    }
    std::ifstream in(argv[1]);
    std::stringstream body;
    body << in.rdbuf();

    auto validator = vft::Validator::create();
    if (!validator) return 2;
    const auto report = validator->validate(body.str(), {vft::Level::lenient, ""});
    if (!report.valid()) {
        std::cout << "400 " << report.to_operation_outcome() << "\n";
        return 1;
    }
    if (auto alarm = vft::read_alarm(body.str())) {
        std::cout << "journal: alarm " << alarm->alert_code << " for " << alarm->patient.name
                  << ", " << alarm->note.sections.size() << " note section(s), key "
                  << alarm->identifier << "\n";
        return 0;
    }
    if (auto dose = vft::read_medication_dispensed(body.str())) {
        std::cout << "journal: medication event " << dose->event << " for " << dose->patient.name
                  << " from " << dose->dispenser.display << ", key " << dose->identifier << "\n";
        return 0;
    }
    std::cout << "202 accepted, not a message this reader journals\n";
    return 0;
}
