// Internal: the pieces every VKP message shares — journal note (Composition), devices, the
// document Bundle frame with deterministic entry fullUrls.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "messages/fhir_doc.hpp"
#include "vft/messages/journal_note.hpp"

namespace vft::detail {

Result<void> check_note(const JournalNote& note);
Result<void> check_device(const Device& d, const char* what);
Result<void> check_participants(const std::vector<Participant>& ps);
Result<void> check_period(const Period& p, const char* what, bool need_one);

// Entry fullUrl number n of the bundle with `identifier`: a name-based UUID (SHA-256), so the
// same message built twice is byte-identical — resends must not differ.
std::string entry_url(std::string_view identifier, int n);

JValue composition(Json& j, const JournalNote& note, const Patient& patient,
                   const std::string& issue_url);
JournalNote read_note(const JValue& composition);

JValue device_resource(Json& j, const Device& d);
Device device_of(const JValue& device_resource);
JValue reference_to(Json& j, const std::string& url, std::string_view type);

// A VkpPatient resource (identifier + name text) and its reading (structured names too).
JValue patient_resource(Json& j, const Patient& p);
Patient patient_resource_of(const JValue& patient);

JValue encounter(Json& j, const std::string& encounter_id, const Patient& patient, bool digital,
                 const std::string& reason, const Period& period,
                 const std::vector<Participant>& ps,
                 const std::map<std::string, std::string>& device_urls,
                 const std::string& location);

// The frame of a Bundle: identifier, type, timestamp and an entries array to fill.
JValue bundle(Json& j, const std::string& identifier, std::string_view type,
              const std::optional<Time>& timestamp);
void add_entry(Json& j, JValue& bundle, const std::string& full_url, JValue resource,
               const char* request_type = nullptr);

// Reading a Bundle: entries by fullUrl and the first resource of a type.
struct BundleView {
    const JValue* root = nullptr;
    std::map<std::string, const JValue*> by_url;
    std::vector<const JValue*> resources;
    const JValue* first(std::string_view type) const;
    const JValue* resolve(const JValue* reference) const;
};
BundleView view(const JValue& root);

std::vector<Participant> participants_of(const JValue& encounter, const BundleView& v);

std::vector<Extension> kept_extensions(const JValue& resource,
                                       const std::vector<std::string>& known_urls);
void write_extensions(Json& j, JValue& resource, const std::vector<Extension>& ext);

}  // namespace vft::detail
