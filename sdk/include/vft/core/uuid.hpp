// Random (version 4) UUIDs for message identifiers and bundle fullUrls. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vft {

// "urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case, from the OpenSSL CSPRNG.
[[nodiscard]] std::string new_uuid_urn();
// The same without the "urn:uuid:" prefix.
[[nodiscard]] std::string new_uuid();
// True for "urn:uuid:" + a lower-case canonical UUID (what FHIR's uuid type allows).
[[nodiscard]] bool is_uuid_urn(std::string_view s);

}  // namespace vft
