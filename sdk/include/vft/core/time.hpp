// FHIR date/time text <-> vft::Time (std::chrono::sys_seconds). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "vft/core/result.hpp"
#include "vft/model/types.hpp"

namespace vft {

// "2026-03-12T07:15:00Z" — FHIR dateTime/instant, UTC, second precision.
[[nodiscard]] std::string format_fhir_time(Time t);

// Parses a FHIR dateTime/instant with a zone ("2026-03-12T08:15:00+01:00", fractions dropped)
// into UTC. A date without a time is midnight UTC. Errors: VFT-READ-0803.
[[nodiscard]] Result<Time> parse_fhir_time(std::string_view text);

}  // namespace vft
