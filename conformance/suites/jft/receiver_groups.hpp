// The groups of the jft receiver suite, one file each (receiver_<group>.cpp); receiver.cpp
// registers them in this order. Suite-private.
#pragma once

#include "jft_support.hpp"

namespace vft::conformance::suites::jft_suite {

void add_auth(RoleTests& suite);        // receiver_auth.cpp
void add_submit(RoleTests& suite);      // receiver_submit.cpp (submit and $status)
void add_search(RoleTests& suite);      // receiver_search.cpp
void add_validation(RoleTests& suite);  // receiver_validation.cpp
void add_duplicates(RoleTests& suite);  // receiver_duplicates.cpp
void add_robustness(RoleTests& suite);  // receiver_robustness.cpp

}  // namespace vft::conformance::suites::jft_suite
