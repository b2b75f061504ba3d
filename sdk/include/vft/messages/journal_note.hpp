// The journal note (VkpComposition, domain §2.2) as plain values: what the operator did and
// wrote. Shared by the alarm, supervision, medication and DHO messages.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vft/model/types.hpp"

namespace vft {

// A timestamped step of the response (vkp-composition-event-v090: 0, 1, 3–10; there is no 2).
struct NoteEvent {
    std::string code;
    Time time{};
    bool operator==(const NoteEvent&) const = default;
};

// A text section (vkp-composition-section-v090: 1, 1.1, 1.2, 1.3, 2). Plain text; line breaks kept.
struct NoteSection {
    std::string code;
    std::string title;
    std::string text;
    bool operator==(const NoteSection&) const = default;
};

struct JournalNote {
    std::string category = "1";  // vkp-composition-category-v090: 1 Trygghet og mestring, 2 DHO
    std::string title = "Journalnotat for respons på hendelse";
    Time date{};          // when the note was saved in the VFT system
    Practitioner author;  // the operator
    std::vector<NoteEvent> events;
    std::vector<NoteSection> sections;
    bool operator==(const JournalNote&) const = default;
};

// An encounter participant: one per device and mode (vkp-encounter-mode-v090: 0–4), or a
// health worker (e.g. at a physical visit) instead of a device.
struct Participant {
    std::string mode;
    Device device;  // used when practitioner is empty
    Period period;
    std::optional<Practitioner> practitioner;  // set: the participant is this person, not a device
    bool operator==(const Participant&) const = default;
};

}  // namespace vft
