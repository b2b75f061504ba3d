// Random (version 4) UUIDs for message identifiers and bundle fullUrls, and name-based
// (version 5) UUIDs for identifiers derived from another one. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace vft {

// "urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower case, from the OpenSSL CSPRNG.
[[nodiscard]] std::string new_uuid_urn();
// The same without the "urn:uuid:" prefix.
[[nodiscard]] std::string new_uuid();
// A name-based UUID (RFC 9562 version 5: SHA-1 of vft's namespace UUID and `name`) as
// "urn:uuid:…": the same name always gives the same UUID. The builders use it to derive a
// message's Bundle.identifier from its resource identifier, so a rebuild never makes a new one.
[[nodiscard]] std::string name_uuid_urn(std::string_view name);
// True for "urn:uuid:" + a lower-case canonical UUID (what FHIR's uuid type allows).
[[nodiscard]] bool is_uuid_urn(std::string_view s);

}  // namespace vft
