// Search results from the EPJ (domain §2.6, §3.1): patients with their municipal services
// (VkpPatient + EpisodeOfCare) and visit plans (VkpCarePlan category 3 besoksplan), as typed
// values. Builders produce the searchset Bundles a receiver returns. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/core/result.hpp"
#include "vft/model/types.hpp"

namespace vft {

// A municipal service (EpisodeOfCare), e.g. ("2.2.3", "Medisinering i hjemmet").
struct Service {
    std::string code;
    std::string name;
    std::string status = "active";
    std::optional<Time> start;
    std::string organisation;  // managingOrganization.display
    bool operator==(const Service&) const = default;
};

struct PatientRecord {
    Patient patient;
    std::vector<Service> services;
    bool operator==(const PatientRecord&) const = default;
};

struct Visit {
    std::string description;
    std::string status = "scheduled";  // scheduled | completed | ...
    Period when;
    bool operator==(const Visit&) const = default;
};

struct VisitPlan {
    Patient patient;
    std::string title;
    std::vector<Visit> visits;
    bool operator==(const VisitPlan&) const = default;
};

[[nodiscard]] Result<Message> build_patient_search_result(
    const std::vector<PatientRecord>& records);
[[nodiscard]] Result<std::vector<PatientRecord>> read_patient_search_result(std::string_view json);
[[nodiscard]] Result<Message> build_visit_plan_search_result(const std::vector<VisitPlan>& plans);
[[nodiscard]] Result<std::vector<VisitPlan>> read_visit_plan_search_result(std::string_view json);

}  // namespace vft
