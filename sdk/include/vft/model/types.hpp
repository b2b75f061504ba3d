// Plain value types shared by the builders and readers of every use case: who (patient,
// practitioner, device), when (time points, periods) and what (codings). No FHIR knowledge is
// needed to fill them in. All types are regular values: copyable, comparable, thread-compatible.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vft {

using Time = std::chrono::sys_seconds;  // FHIR dateTime at second precision, written in UTC ("Z")

// The patient: fødselsnummer, D-nummer or felles hjelpenummer (kind detected from the digits).
struct Patient {
    std::string id;    // 11 digits
    std::string name;  // full name, as the receiver shows it
    bool operator==(const Patient&) const = default;
};

// A health worker or operator: by HPR-nummer when they have one, else by fødselsnummer.
struct Practitioner {
    std::string hpr;
    std::string fnr;
    std::string name;
    bool operator==(const Practitioner&) const = default;
};

// A device (dispenser, alarm, sensor, camera) by its identifier, e.g. serial number or IMEI.
struct Device {
    std::string system;   // e.g. "https://fhir.evondos.com/e300-codes/serialnumber"
    std::string value;    // e.g. the serial number
    std::string display;  // the device type, e.g. "Evondos E300"
    bool operator==(const Device&) const = default;
};

struct Period {
    std::optional<Time> start;
    std::optional<Time> end;
    bool operator==(const Period&) const = default;
};

struct Coding {
    std::string system;
    std::string code;
    std::string display;
    bool operator==(const Coding&) const = default;
};

// An extension the SDK does not interpret, kept verbatim so it survives read → write.
struct Extension {
    std::string url;
    std::string json;  // the whole extension object as JSON text
    bool operator==(const Extension&) const = default;
};

// A built message, ready to send: its body and the identifier that resends must reuse.
struct Message {
    std::string identifier;     // the idempotency key (Bundle.identifier or resource identifier)
    std::string resource_type;  // "Bundle", "MedicationDispense", ...; KITH: "MsgHead", "AppRec"
    std::string body;           // the serialised message: FHIR JSON, or KITH XML
    // What `body` is: kFhirJson (the FHIR builders) or kXml (the KITH builders).
    std::string media_type = std::string(kFhirJson);

    static constexpr std::string_view kFhirJson = "application/fhir+json";
    static constexpr std::string_view kXml = "application/xml";
};

}  // namespace vft
