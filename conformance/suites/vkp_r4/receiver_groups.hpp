// The groups of the vkp-r4 receiver suite, one file each (receiver_<group>.cpp); receiver.cpp
// registers them in this order. Suite-private.
#pragma once

#include "suites.hpp"
#include "vft/core/result.hpp"
#include "vft/transport/http_client.hpp"

namespace vft::conformance::vkp_r4 {

inline constexpr const char* kApiRef = "VKP R4 API (domain §3.1)";

inline bool success(const Result<transport::HttpResponse>& r) {
    return r && r->status >= 200 && r->status < 300;
}

void add_auth(RoleTests& s);                   // receiver_auth.cpp
void add_journaling(RoleTests& s);             // receiver_journaling.cpp
void add_concurrent_writes(RoleTests& s);      // receiver_journaling.cpp
void add_validation(RoleTests& s);             // receiver_validation.cpp
void add_duplicates(RoleTests& s);             // receiver_duplicates.cpp
void add_concurrent_duplicates(RoleTests& s);  // receiver_duplicates.cpp
void add_search(RoleTests& s);                 // receiver_search.cpp
void add_robustness(RoleTests& s);             // receiver_robustness.cpp

}  // namespace vft::conformance::vkp_r4
