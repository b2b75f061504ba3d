// DHO note (domain §2.1): a VkpComposition with category 2 Digital hjemmeoppfølging, as a single
// resource or as a JFT document Bundle (identifier + timestamp, Composition first). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "vft/core/result.hpp"
#include "vft/messages/journal_note.hpp"
#include "vft/model/types.hpp"

namespace vft {

struct DhoNote {
    std::string identifier;  // Bundle.identifier for the JFT form (urn:uuid); generated when empty
    Patient patient;
    JournalNote note;  // category is set to "2" by the builders
    std::vector<Extension> extensions;
    bool operator==(const DhoNote&) const = default;
};

[[nodiscard]] Result<Message> build_dho_note(const DhoNote& n);      // Composition
[[nodiscard]] Result<Message> build_jft_document(const DhoNote& n);  // JFT document Bundle
[[nodiscard]] Result<DhoNote> read_dho_note(std::string_view json);  // either form

}  // namespace vft
