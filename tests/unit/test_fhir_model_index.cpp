// FhirModel::child answers from an index built at load time; FhirModel::child_by_search is the
// former search over the sorted children. Both must give the same answer for every parent
// element and every property name a document can use (and near misses).
#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <vector>

#include "fhir/model.hpp"

using vft::detail::FhirChild;
using vft::detail::FhirElement;
using vft::detail::FhirModel;

TEST_CASE("child(): the index answers exactly as the search", "[fhir_model]") {
    const FhirModel& m = FhirModel::r4();
    size_t compared = 0, found = 0;
    for (const auto& t : m.types()) {
        for (const FhirElement& parent : t.elements) {
            std::vector<std::string> names{"", "x", "resourceType", "extensionX", "value[x]"};
            for (const FhirElement* k : m.children(parent)) {
                std::string n(k->name);
                if (k->choice) {
                    const std::string prefix = n.substr(0, n.size() - 3);
                    names.push_back(n);
                    names.push_back(prefix);
                    for (const auto& ty : k->types) {
                        std::string code(ty.code);
                        if (code.empty()) continue;
                        names.push_back(prefix + code);  // lower-case first letter: no match
                        code[0] = static_cast<char>(std::toupper(code[0]));
                        names.push_back(prefix + code);
                        names.push_back(prefix + code + "s");
                    }
                } else {
                    names.push_back(n);
                    names.push_back(n + "_");
                    names.push_back(n.substr(0, n.size() - 1));
                }
            }
            for (const std::string& n : names) {
                const FhirChild a = m.child(parent, n), b = m.child_by_search(parent, n);
                ++compared;
                found += a ? 1 : 0;
                const auto kids = m.children(parent);
                if (a.element != b.element || a.type != b.type || a.type_def != b.type_def ||
                    a.position != b.position ||
                    (a && (a.position >= kids.size() || kids[a.position] != a.element)))
                    FAIL_CHECK(std::string(parent.path) << " / '" << n << "'");
            }
        }
    }
    CHECK(found > 10000);
    CHECK(compared > found);
}
