// How a suite's tests are declared (CONTRIBUTING.md, "Conformance tests"). Each role of a suite
// has one file, conformance/suites/<suite>/<role>.cpp (receiver, sender, reader), defining
//
//     namespace vft::conformance::suites {
//     void register_<suite>_<role>_tests(RoleTests& suite) { ... }  // register_jft_reader_tests
//     }
//
// which declares every test of that role with one call each:
//
//     suite.add({.id = "jft.auth.no_token_refused",
//                .title = "A submission without any token is refused (401)",
//                .module = "auth", .spec_ref = kRefAuth, .rules = {"AUTH-TOKEN-001"},
//                .needs = {Need::helseid}},
//               [](TestContext& ctx, Outcome& out) { ... });
//
// The build finds the role files itself (conformance/CMakeLists.txt generates the table the
// registry walks), so a new role or suite needs no edit here. The group is derived from the ID;
// the requirement IDs come from the checked-in list tests-<version>.txt (registry.cpp).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "vft/conformance/suite.hpp"

namespace vft::conformance {

// What a test needs from the SUT file. An unmet need makes the test `skip` with the reason, and
// pre-flight lists it.
enum class Need {
    helseid,                     // auth.type helseid (credentials to refuse bad ones against)
    test_tokens,                 // helseid and auth.test_token_url (deliberately bad tokens)
    test_patient,                // test_patients: a person the SUT knows
    test_patient_service_codes,  // a test patient with service_codes
};
// The reason `need` is not met by `sut`, or "" when it is.
[[nodiscard]] std::string unmet(Need need, const Sut& sut);

// One test's declaration, written with designated initialisers in this order.
struct TestSpec {
    // Permanent: <suite>.<group>.<name...> (role receiver) or <suite>.<role>.<group>.<name...>
    // (the other roles), lower_snake, dots; <suite> is the directory name (vkp_r4).
    std::string id;
    std::string title;                    // one line a procurement officer understands
    std::string module = {};              // the claimed module it belongs to ("" = none)
    std::string spec_ref = {};            // spec section / rule the requirement comes from
    std::vector<std::string> rules = {};  // validator rule IDs it exercises (informative)
    std::vector<Need> needs = {};         // what it needs from the SUT file
};

using TestFn = std::function<void(TestContext&, Outcome&)>;

// The group of a test: the ID's segment after the suite (after the role for roles other than
// receiver); "journal" names the group "journaling".
[[nodiscard]] std::string group_of(std::string_view id, std::string_view role);

// What a role file registers its tests with: the suite and the role it declares.
class RoleTests {
  public:
    RoleTests(Suite& suite, std::string role) : suite_(suite), role_(std::move(role)) {}
    void add(TestSpec spec, TestFn run);
    [[nodiscard]] const std::string& suite_id() const { return suite_.id; }
    [[nodiscard]] const std::string& role() const { return role_; }

  private:
    Suite& suite_;
    std::string role_;
};

// One role file of one suite, as the build found it (generated role_files.cpp).
struct RoleFile {
    const char* suite_dir;  // vkp_r4
    const char* role;       // receiver | sender | reader
    void (*register_tests)(RoleTests&);
};
// Every role file, suites in directory order, roles in conformance/CMakeLists.txt order.
[[nodiscard]] const std::vector<RoleFile>& role_files();

}  // namespace vft::conformance
