// The EPJ the mock receiver pretends to be: synthetic patients with their ServiceCodes,
// municipal services and visit plans (fixtures/epj/municipality.json, compiled in).
#pragma once

#include <string>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/messages/search.hpp"

namespace vft::mocks::detail {

struct EpjPatient {
    Patient patient;
    std::vector<std::string> service_codes;  // upper case: RT TA GPS MD DT DHO
    std::vector<Service> services;
    std::vector<Visit> visits;
};

struct EpjData {
    std::string orgnr;
    std::vector<EpjPatient> patients;
    [[nodiscard]] const EpjPatient* find(const std::string& fnr) const;
};

Result<EpjData> load_epj(std::string_view json);
Result<EpjData> builtin_epj();

}  // namespace vft::mocks::detail
