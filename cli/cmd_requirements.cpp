// vft requirements [--suite ID] [--format text|json] — the requirements catalogue of a suite
// (specs/*/requirements.json) with, per requirement, the tests that check it; SHALL requirements
// no test checks are listed as gaps with their count (docs/conformance.md, "Requirements").
// Exit 0 · 2 (unknown suite, broken catalogue).
#include <iostream>
#include <map>
#include <set>

#include "commands.hpp"
#include "json_text.hpp"
#include "vft/conformance/suite.hpp"

namespace vft::cli {
namespace {

struct RequirementsArgs {
    std::string suite;
    std::string format = "text";
};

struct Checked {
    std::string id;
    std::string role;
    bool mandatory = false;
};

std::map<std::string, std::vector<Checked>> checked_by(const conformance::Suite& s) {
    const std::set<std::string> mandatory(s.mandatory.begin(), s.mandatory.end());
    std::map<std::string, std::vector<Checked>> by;
    for (const auto& t : s.tests)
        for (const auto& r : t.requirements)
            by[r].push_back({t.id, t.role, mandatory.count(t.id) > 0});
    return by;
}

std::vector<std::string> gaps(const conformance::Suite& s,
                              const std::map<std::string, std::vector<Checked>>& by) {
    std::vector<std::string> out;
    for (const auto& r : s.requirements)
        if (r.level == "SHALL" && !by.count(r.id)) out.push_back(r.id);
    return out;
}

size_t count_level(const conformance::Suite& s, std::string_view level) {
    size_t n = 0;
    for (const auto& r : s.requirements)
        n += r.level == level;
    return n;
}

std::string strings_json(const std::vector<std::string>& v) {
    std::string o = "[";
    for (size_t i = 0; i < v.size(); ++i)
        o += (i ? ",\"" : "\"") + esc(v[i]) + "\"";
    return o + "]";
}

std::string suite_json(const conformance::Suite& s) {
    const auto by = checked_by(s);
    const auto missing = gaps(s, by);
    std::string o = "{\"suite\":\"" + esc(s.id) + "\",\"version\":\"" + esc(s.version) +
                    "\",\"requirements\":[";
    for (size_t i = 0; i < s.requirements.size(); ++i) {
        const auto& r = s.requirements[i];
        o += std::string(i ? "," : "") + "{\"id\":\"" + esc(r.id) + "\",\"level\":\"" +
             esc(r.level) + "\",\"statement\":\"" + esc(r.statement) + "\",\"source\":\"" +
             esc(r.source) + "\",\"package\":\"" + esc(r.package) +
             "\",\"rules\":" + strings_json(r.rules) + ",\"tests\":[";
        if (auto it = by.find(r.id); it != by.end())
            for (size_t k = 0; k < it->second.size(); ++k) {
                const auto& t = it->second[k];
                o += std::string(k ? "," : "") + "{\"id\":\"" + esc(t.id) + "\",\"role\":\"" +
                     esc(t.role) + "\",\"mandatory\":" + (t.mandatory ? "true" : "false") + "}";
            }
        o += "]}";
    }
    const size_t shall = count_level(s, "SHALL");
    o += "],\"shall\":" + std::to_string(shall) +
         ",\"shall_checked\":" + std::to_string(shall - missing.size()) +
         ",\"gaps\":" + strings_json(missing) + "}";
    return o;
}

void print_text(const conformance::Suite& s) {
    const auto by = checked_by(s);
    const auto missing = gaps(s, by);
    const size_t shall = count_level(s, "SHALL");
    std::cout << "suite " << s.id << " " << s.version << ": " << s.requirements.size()
              << " requirements (SHALL " << shall << ", SHOULD " << count_level(s, "SHOULD")
              << ", MAY " << count_level(s, "MAY") << ", DECISION " << count_level(s, "DECISION")
              << "); SHALL checked by a test: " << (shall - missing.size()) << "/" << shall
              << "\n\n";
    for (const auto& r : s.requirements) {
        std::cout << r.id << "  " << r.level << "  " << r.statement << "\n"
                  << "    source: " << r.source << "\n";
        if (!r.rules.empty()) {
            std::cout << "    rules:";
            for (const auto& rule : r.rules)
                std::cout << " " << rule;
            std::cout << "\n";
        }
        if (auto it = by.find(r.id); it != by.end()) {
            std::cout << "    tests:";
            for (const auto& t : it->second)
                std::cout << " " << t.id << " (" << t.role << ", "
                          << (t.mandatory ? "mandatory" : "optional") << ")";
            std::cout << "\n";
        } else {
            std::cout << "    tests: none\n";
        }
    }
    std::cout << "\ngaps: " << missing.size() << " SHALL requirement"
              << (missing.size() == 1 ? "" : "s") << " no test checks\n";
    for (const auto& id : missing)
        std::cout << "  " << id << "\n";
}

int run(const RequirementsArgs& a) {
    auto suites = conformance::all_suites();
    if (!suites) {
        std::cerr << "vft requirements: " << suites.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::vector<const conformance::Suite*> chosen;
    for (const auto& s : **suites)
        if (a.suite.empty() || s.id == a.suite) chosen.push_back(&s);
    if (chosen.empty()) {
        std::cerr << "vft requirements: unknown suite '" << a.suite << "' (suites:";
        for (const auto& s : **suites)
            std::cerr << " " << s.id;
        std::cerr << ")\n";
        return kExitCannotRun;
    }
    if (a.format == "json") {
        if (!a.suite.empty()) {
            std::cout << suite_json(*chosen.front()) << "\n";
        } else {
            std::cout << "{\"suites\":[";
            for (size_t i = 0; i < chosen.size(); ++i)
                std::cout << (i ? "," : "") << suite_json(*chosen[i]);
            std::cout << "]}\n";
        }
        return kExitOk;
    }
    for (size_t i = 0; i < chosen.size(); ++i) {
        if (i) std::cout << "\n";
        print_text(*chosen[i]);
    }
    return kExitOk;
}

}  // namespace

void add_requirements(CLI::App& app, int& exit_code) {
    auto a = std::make_shared<RequirementsArgs>();
    CLI::App* cmd = app.add_subcommand(
        "requirements",
        "Print a suite's requirements catalogue: per requirement its level, source and the tests "
        "that check it; SHALL requirements no test checks are listed as gaps");
    cmd->add_option("--suite", a->suite, "Suite: vkp-r4, jft, pmd or kith (default: every suite)");
    cmd->add_option("--format", a->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace vft::cli
