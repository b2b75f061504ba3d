// The suite registry: builds every suite once from its registration function, checks the test IDs
// (well-formed, unique, prefixed by the suite) and loads the checked-in mandatory list, each of
// whose IDs must name a test.
#include <mutex>
#include <set>

#include "conformance_detail.hpp"
#include "embedded_conformance.hpp"
#include "suites.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::conformance {

namespace {

struct SuiteSpec {
    const char* id;
    const char* version;
    std::vector<std::string> roles;
    void (*add)(Suite&);
};

Result<std::vector<Suite>> build() {
    const std::vector<SuiteSpec> specs = {
        {"vkp-r4", kVkpR4SuiteVersion, {"receiver"}, &add_vkp_r4_tests},
        {"jft", kJftSuiteVersion, {"receiver"}, &add_jft_tests},
        {"pmd", kPmdSuiteVersion, {"receiver"}, &add_pmd_tests},
        {"kith", kKithSuiteVersion, {"receiver"}, &add_kith_tests},
    };
    std::vector<Suite> suites;
    for (const auto& spec : specs) {
        Suite s;
        s.id = spec.id;
        s.version = spec.version;
        s.roles = spec.roles;
        spec.add(s);
        add_sender_tests(s);
        std::set<std::string> ids;
        for (const auto& t : s.tests) {
            if (auto ok = detail::check_test_id(t.id, s.id); !ok) return ok.error();
            if (!ids.insert(t.id).second)
                return Error{std::string(errc::conf_registry),
                             "test ID '" + t.id + "' is registered twice", t.id, ""};
            if (!t.run)
                return Error{std::string(errc::conf_registry),
                             "test '" + t.id + "' has no function", t.id, ""};
        }
        std::string dir = s.id;
        for (auto& c : dir)
            if (c == '-') c = '_';
        const std::string list = dir + "/mandatory-" + s.version + ".txt";
        const vft::detail::EmbeddedFile* file = nullptr;
        for (const auto* f = vft::detail::embedded_suite_files(); f->path; ++f)
            if (list == f->path) file = f;
        if (!file)
            return Error{std::string(errc::conf_registry),
                         "suite " + s.id + " " + s.version + " has no mandatory list",
                         "conformance/suites/" + list, "check in the list of mandatory tests"};
        auto mandatory =
            detail::parse_mandatory({file->data, file->size}, "conformance/suites/" + list);
        if (!mandatory) return mandatory.error();
        for (const auto& id : *mandatory)
            if (!ids.count(id))
                return Error{std::string(errc::conf_registry),
                             "mandatory test '" + id + "' is not a test of suite " + s.id,
                             "conformance/suites/" + list, "remove it or register the test"};
        s.mandatory = std::move(*mandatory);
        suites.push_back(std::move(s));
    }
    return suites;
}

}  // namespace

Result<const std::vector<Suite>*> all_suites() {
    static const Result<std::vector<Suite>> suites = build();
    if (!suites) return suites.error();
    return &suites.value();
}

const Suite* find_suite(const std::vector<Suite>& suites, std::string_view id) {
    for (const auto& s : suites)
        if (s.id == id) return &s;
    return nullptr;
}

}  // namespace vft::conformance
