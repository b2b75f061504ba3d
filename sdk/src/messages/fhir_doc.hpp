// Internal helpers for building and reading FHIR JSON with RapidJSON, and the national code
// systems as the builders see them (loaded once from the embedded spec files).
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/result.hpp"
#include "vft/model/types.hpp"

namespace vft::detail {

inline constexpr std::string_view kCs = "http://ehelse.no/fhir/CodeSystem/";
inline constexpr std::string_view kSd = "http://ehelse.no/fhir/StructureDefinition/";
inline constexpr std::string_view kVs = "http://ehelse.no/fhir/ValueSet/";

// Display of `code` in the embedded code system `url`, or nullopt when the code is not defined.
std::optional<std::string> code_display(std::string_view url, std::string_view code);

Error build_error(std::string_view code, std::string message, std::string hint = {});
Error read_error(std::string_view code, std::string message, std::string location = {});

// Checks a patient for a builder: valid FNR/DNR/FHN and a name.
Result<void> check_patient(const Patient& p, const char* what = "patient");
// Checks `code` is in the vkp code system `cs_id` (e.g. "vkp-alert-code-v090").
Result<void> check_code(std::string_view cs_id, std::string_view code, const char* what);
// Generates an identifier when empty; checks it is a urn:uuid otherwise.
Result<std::string> identifier_or_new(const std::string& given, const char* what);

// A small DOM builder: every value allocated in one document.
class Json {
  public:
    Json() : doc_(rapidjson::kObjectType) {}
    rapidjson::Document& doc() { return doc_; }
    rapidjson::Document::AllocatorType& a() { return doc_.GetAllocator(); }

    JValue obj() { return JValue(rapidjson::kObjectType); }
    JValue arr() { return JValue(rapidjson::kArrayType); }
    JValue s(std::string_view v) {
        return JValue(v.data(), static_cast<rapidjson::SizeType>(v.size()), a());
    }
    void set(JValue& o, const char* k, JValue v) { o.AddMember(JValue(k, a()), v, a()); }
    void set(JValue& o, const char* k, std::string_view v) { set(o, k, s(v)); }
    void push(JValue& arr, JValue v) { arr.PushBack(v, a()); }

    JValue coding(std::string_view system, std::string_view code, std::string_view display = {});
    JValue codeable(std::string_view system, std::string_view code, std::string_view display = {});
    JValue vkp_concept(std::string_view cs_id,
                       std::string_view code);  // display from the code system
    JValue patient_ref(const Patient& p);
    JValue practitioner_ref(const Practitioner& p);
    JValue identifier(std::string_view system, std::string_view value);
    JValue period(const Period& p);
    JValue meta_profile(std::string_view url);
    JValue xhtml_div(std::string_view text);  // plain text, escaped, line breaks kept
    JValue raw(std::string_view json);        // parsed JSON (for kept extensions/entries)

    void set_root(JValue& v) { static_cast<JValue&>(doc_).Swap(v); }
    std::string str() const;

  private:
    rapidjson::Document doc_;
};

// Reading.
std::optional<Time> time_of(const JValue* v);
std::string text_of_div(std::string_view div);  // XHTML div back to the plain text the builder took
Patient patient_of(const JValue* ref);
Practitioner practitioner_of(const JValue* ref);
Period period_of(const JValue* p);
std::string code_in(const JValue* cc, std::string_view system);  // first code with system
std::string to_json(const JValue& v);
Result<rapidjson::Document> parse_json(std::string_view text);

}  // namespace vft::detail
