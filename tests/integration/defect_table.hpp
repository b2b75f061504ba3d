// conformance/defects.json, the receiver tables ("<suite>/receiver"): for each mock defect, the
// tests that must catch it, each with the symptom — a phrase its failure message must contain, so
// that a test failing for another reason does not count as catching the defect.
//   {"<suite>/receiver": {"<defect>": [{"test": "<test id>", "symptom": "<phrase>"}, ...]}}
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

#include "../support/files.hpp"

namespace vft::test {

struct DefectClaim {
    std::string test;
    std::string symptom;  // empty when the table gives none (the harness then fails)
};

// Defect name → its claims in the table `key`; empty when the key is missing.
inline std::map<std::string, std::vector<DefectClaim>> defect_claims(const std::string& key) {
    const std::string text = source_file("conformance/defects.json");
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    std::map<std::string, std::vector<DefectClaim>> out;
    if (d.HasParseError() || !d.IsObject() || !d.HasMember(key.c_str())) return out;
    const auto& table = d[key.c_str()];
    if (!table.IsObject()) return out;
    for (const auto& m : table.GetObject()) {
        auto& claims = out[m.name.GetString()];
        if (!m.value.IsArray()) continue;
        for (const auto& c : m.value.GetArray()) {
            DefectClaim claim;
            if (c.IsString()) claim.test = c.GetString();  // old form: no symptom
            if (c.IsObject() && c.HasMember("test") && c["test"].IsString())
                claim.test = c["test"].GetString();
            if (c.IsObject() && c.HasMember("symptom") && c["symptom"].IsString())
                claim.symptom = c["symptom"].GetString();
            claims.push_back(std::move(claim));
        }
    }
    return out;
}

// Every message of a test result, one per line: where the symptom is looked for.
template <class Messages>
std::string joined(const Messages& messages) {
    std::string s;
    for (const auto& m : messages)
        s += m + "\n";
    return s;
}

}  // namespace vft::test
