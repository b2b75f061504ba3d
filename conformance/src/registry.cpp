// The suite registry: builds every suite once from its registration function, checks the test IDs
// (well-formed, unique, prefixed by the suite) and loads the checked-in mandatory list, each of
// whose IDs must name a test. Each test gets its requirement IDs from the checked-in test list
// (tests-<version>.txt) and the catalogue (specs/*/requirements.json); a mandatory test none of
// whose requirements is a SHALL is refused (VFT-CONF-1410).
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

#include "conformance_detail.hpp"
#include "embedded_conformance.hpp"
#include "suites.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/embedded.hpp"

namespace vft::conformance {

namespace {

Error req_error(std::string message, std::string location, std::string hint = {}) {
    return Error{std::string(errc::conf_requirements), std::move(message), std::move(location),
                 std::move(hint)};
}

const vft::detail::EmbeddedFile* suite_file(const std::string& path) {
    for (const auto* f = vft::detail::embedded_suite_files(); f->path; ++f)
        if (path == f->path) return f;
    return nullptr;
}

Result<std::vector<Requirement>> load_catalogue() {
    std::vector<Requirement> all;
    std::set<std::string> ids;
    std::map<std::string, std::string> files;  // sorted by path: package order is stable
    for (const auto* f = vft::detail::embedded_spec_files(); f->path; ++f) {
        const std::string path = f->path;
        const auto slash = path.find('/');
        if (slash != std::string::npos && path.substr(slash + 1) == "requirements.json")
            files.emplace(path, std::string(f->data, f->size));
    }
    if (files.empty())
        return req_error("no requirements catalogue is compiled in", "specs/*/requirements.json");
    static const std::set<std::string> levels = {"SHALL", "SHOULD", "MAY", "DECISION"};
    for (const auto& [path, text] : files) {
        const std::string where = "specs/" + path;
        rapidjson::Document d;
        d.Parse(text.data(), text.size());
        if (d.HasParseError() || !d.IsObject() || !d.HasMember("requirements") ||
            !d["requirements"].IsArray())
            return req_error("not a requirements catalogue (an object with a requirements array)",
                             where);
        const std::string package = path.substr(0, path.find('/'));
        for (const auto& r : d["requirements"].GetArray()) {
            auto str = [&r](const char* k) -> std::string {
                return r.IsObject() && r.HasMember(k) && r[k].IsString() ? r[k].GetString() : "";
            };
            Requirement q;
            q.id = str("id");
            q.level = str("level");
            q.statement = str("statement");
            q.source = str("source");
            q.package = package;
            if (q.id.rfind("REQ-", 0) != 0 || q.statement.empty() || q.source.empty())
                return req_error("a requirement without an ID (REQ-...), statement or source",
                                 where + (q.id.empty() ? "" : "#" + q.id));
            if (!levels.count(q.level))
                return req_error("requirement " + q.id + " has level '" + q.level + "'",
                                 where + "#" + q.id, "SHALL, SHOULD, MAY or DECISION");
            if (!ids.insert(q.id).second)
                return req_error("requirement ID " + q.id + " is defined twice", where);
            if (r.HasMember("rules") && r["rules"].IsArray())
                for (const auto& rule : r["rules"].GetArray())
                    if (rule.IsString()) q.rules.emplace_back(rule.GetString());
            if (r.HasMember("suites") && r["suites"].IsArray())
                for (const auto& suite : r["suites"].GetArray())
                    if (suite.IsString()) q.suites.emplace_back(suite.GetString());
            all.push_back(std::move(q));
        }
    }
    return all;
}

// "<test id> <REQ-ID> [<REQ-ID>...]" per line; '#' starts a comment.
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> parse_test_list(
    std::string_view text, const std::string& where) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    std::set<std::string> seen;
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string line(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::vector<std::string> words;
        size_t i = 0;
        while (i < line.size()) {
            const size_t b = line.find_first_not_of(" \t\r", i);
            if (b == std::string::npos) break;
            size_t e = line.find_first_of(" \t\r", b);
            if (e == std::string::npos) e = line.size();
            words.push_back(line.substr(b, e - b));
            i = e;
        }
        if (words.empty()) continue;
        const std::string loc = where + ":" + std::to_string(line_no);
        if (words.size() < 2)
            return req_error("test '" + words[0] + "' lists no requirement", loc,
                             "write the requirement IDs it checks after the test ID");
        if (!seen.insert(words[0]).second)
            return req_error("test '" + words[0] + "' is listed twice", loc);
        out.emplace_back(words[0], std::vector<std::string>(words.begin() + 1, words.end()));
    }
    return out;
}

// The packages whose whole catalogue a suite reports (gaps included); requirements of other
// packages appear when one of the suite's tests checks them.
std::vector<std::string> suite_packages(const std::string& suite_id) {
    if (suite_id == "kith") return {"kith"};
    return {suite_id, "http-auth"};
}

Result<void> attach_requirements(Suite& s, const std::set<std::string>& registered) {
    auto catalogue = requirements_catalogue();
    if (!catalogue) return catalogue.error();
    std::map<std::string, const Requirement*> by_id;
    for (const auto& r : **catalogue)
        by_id.emplace(r.id, &r);
    auto listed = test_list(s.id, s.version);
    if (!listed) return listed.error();
    const std::string where =
        "conformance/suites/" + detail::suite_dir(s.id) + "/tests-" + s.version + ".txt";
    std::map<std::string, std::vector<std::string>> reqs;
    std::set<std::string> used;
    for (auto& [id, list] : *listed) {
        if (!registered.count(id))
            return req_error("test '" + id + "' is listed but not registered in suite " + s.id,
                             where, "remove the line or register the test");
        for (const auto& r : list) {
            if (!by_id.count(r))
                return req_error("test '" + id + "' lists unknown requirement " + r, where,
                                 "requirement IDs are defined in specs/*/requirements.json");
            used.insert(r);
        }
        reqs[id] = list;
    }
    std::set<std::string> validator_rules;
    for (const auto& r : **catalogue)
        validator_rules.insert(r.rules.begin(), r.rules.end());
    for (auto& t : s.tests) {
        if (auto it = reqs.find(t.id); it != reqs.end())
            t.requirements = it->second;
        else
            t.requirements.clear();  // not listed: optional at best (the CTest catches it)
        // A validator rule the test exercises must belong to a requirement it lists.
        for (const auto& rule : t.rules) {
            if (!validator_rules.count(rule)) continue;
            bool covered = false;
            for (const auto& r : t.requirements) {
                const auto& rs = by_id.at(r)->rules;
                covered = covered || std::find(rs.begin(), rs.end(), rule) != rs.end();
            }
            if (!covered)
                return req_error("test '" + t.id + "' exercises rule " + rule +
                                     " but lists no requirement with that rule",
                                 where, "add the requirement whose rules name " + rule);
        }
    }
    std::map<std::string, std::string> levels;
    for (const auto& r : **catalogue)
        levels.emplace(r.id, r.level);
    if (auto ok = detail::check_mandatory_shall(s.mandatory, reqs, levels, where); !ok)
        return ok.error();
    const auto packages = suite_packages(s.id);
    for (const auto& r : **catalogue) {
        const bool own = std::find(packages.begin(), packages.end(), r.package) != packages.end();
        const bool applies =
            r.suites.empty() || std::find(r.suites.begin(), r.suites.end(), s.id) != r.suites.end();
        if ((own && applies) || used.count(r.id)) s.requirements.push_back(r);
    }
    return {};
}

// The newest version of a suite: the highest <version> of its tests-<version>.txt lists.
std::string newest_version(const std::string& dir) {
    const std::string prefix = dir + "/tests-";
    std::string best;
    std::vector<int> best_parts;
    for (const auto* f = vft::detail::embedded_suite_files(); f->path; ++f) {
        const std::string path = f->path;
        if (path.rfind(prefix, 0) != 0 || path.size() < prefix.size() + 5 ||
            path.substr(path.size() - 4) != ".txt")
            continue;
        const std::string version = path.substr(prefix.size(), path.size() - prefix.size() - 4);
        std::vector<int> parts;
        size_t at = 0;
        while (at <= version.size()) {
            const size_t dot = std::min(version.find('.', at), version.size());
            parts.push_back(std::atoi(version.substr(at, dot - at).c_str()));
            at = dot + 1;
        }
        if (best.empty() || parts > best_parts) {
            best = version;
            best_parts = std::move(parts);
        }
    }
    return best;
}

Result<std::vector<Suite>> build() {
    // The suites are the directories with a role file (conformance/suites/<dir>/<role>.cpp);
    // the suite ID is the directory name with '_' -> '-' (CONTRIBUTING.md, "Suite names").
    std::vector<Suite> suites;
    for (const auto& file : role_files()) {
        const std::string id = detail::suite_id_of_dir(file.suite_dir);
        if (suites.empty() || suites.back().id != id) {
            Suite s;
            s.id = id;
            s.version = newest_version(file.suite_dir);
            if (s.version.empty())
                return Error{
                    std::string(errc::conf_registry), "suite " + id + " has no test list",
                    std::string("conformance/suites/") + file.suite_dir + "/tests-<version>.txt",
                    "check in the list of its tests with the requirements each checks"};
            suites.push_back(std::move(s));
        }
        Suite& s = suites.back();
        const size_t before = s.tests.size();
        RoleTests role(s, file.role);
        file.register_tests(role);
        if (s.tests.size() > before &&
            std::find(s.roles.begin(), s.roles.end(), file.role) == s.roles.end())
            s.roles.emplace_back(file.role);
    }
    for (auto& s : suites) {
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
        const std::string dir = detail::suite_dir(s.id);
        const std::string list = dir + "/mandatory-" + s.version + ".txt";
        const vft::detail::EmbeddedFile* file = suite_file(list);
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
        if (auto ok = attach_requirements(s, ids); !ok) return ok.error();
    }
    return suites;
}

}  // namespace

namespace detail {

Result<void> check_mandatory_shall(const std::vector<std::string>& mandatory,
                                   const std::map<std::string, std::vector<std::string>>& reqs,
                                   const std::map<std::string, std::string>& levels,
                                   const std::string& where) {
    for (const auto& id : mandatory) {
        const auto it = reqs.find(id);
        bool shall = false;
        if (it != reqs.end())
            for (const auto& r : it->second)
                if (auto l = levels.find(r); l != levels.end() && l->second == "SHALL")
                    shall = true;
        if (!shall)
            return req_error("mandatory test '" + id + "' checks no SHALL requirement", where,
                             "a test is mandatory only if a requirement it checks is a SHALL of a "
                             "published source; make it optional or name the SHALL it checks");
    }
    return {};
}

}  // namespace detail

std::string unmet(Need need, const Sut& sut) {
    const bool helseid = sut.auth.type == "helseid";
    switch (need) {
        case Need::helseid:
            return helseid ? ""
                           : "needs auth.type helseid in the SUT file: without credentials the "
                             "refusal of bad ones cannot be checked";
        case Need::test_tokens:
            if (!helseid) return unmet(Need::helseid, sut);
            return sut.auth.test_token_url.empty()
                       ? "needs auth.test_token_url (a token service that issues expired, "
                         "wrong-scope and other-client tokens)"
                       : "";
        case Need::test_patient:
            return sut.test_patients.empty()
                       ? "needs test_patients in the SUT file: a patient the SUT knows"
                       : "";
        case Need::test_patient_service_codes:
            for (const auto& p : sut.test_patients)
                if (!p.service_codes.empty()) return "";
            return "needs a test patient with service_codes in the SUT file";
    }
    return {};
}

std::string group_of(std::string_view id, std::string_view role) {
    std::vector<std::string_view> segments;
    size_t at = 0;
    while (at <= id.size()) {
        const size_t dot = std::min(id.find('.', at), id.size());
        segments.push_back(id.substr(at, dot - at));
        at = dot + 1;
    }
    size_t i = 1;
    if (role != "receiver" && segments.size() > 2 && segments[1] == role) i = 2;
    if (segments.size() <= i) return {};
    if (segments[i] == "journal") return "journaling";
    return std::string(segments[i]);
}

void RoleTests::add(TestSpec spec, TestFn run) {
    TestCase t;
    t.group = group_of(spec.id, role_);
    t.id = std::move(spec.id);
    t.module = std::move(spec.module);
    t.role = role_;
    t.title = std::move(spec.title);
    t.spec_ref = std::move(spec.spec_ref);
    t.rules = std::move(spec.rules);
    t.run = std::move(run);
    if (!spec.needs.empty())
        t.precondition = [needs = std::move(spec.needs)](const Sut& sut) -> std::string {
            for (const Need n : needs)
                if (auto why = unmet(n, sut); !why.empty()) return why;
            return {};
        };
    suite_.tests.push_back(std::move(t));
}

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

const Requirement* find_requirement(const Suite& suite, std::string_view id) {
    for (const auto& r : suite.requirements)
        if (r.id == id) return &r;
    return nullptr;
}

Result<const std::vector<Requirement>*> requirements_catalogue() {
    static const Result<std::vector<Requirement>> catalogue = load_catalogue();
    if (!catalogue) return catalogue.error();
    return &catalogue.value();
}

Result<std::vector<std::pair<std::string, std::vector<std::string>>>> test_list(
    std::string_view suite_id, std::string_view version) {
    const std::string list =
        detail::suite_dir(suite_id) + "/tests-" + std::string(version) + ".txt";
    const auto* file = suite_file(list);
    if (!file)
        return req_error(
            "suite " + std::string(suite_id) + " " + std::string(version) + " has no test list",
            "conformance/suites/" + list,
            "check in every test ID with the requirement IDs it checks");
    return parse_test_list({file->data, file->size}, "conformance/suites/" + list);
}

}  // namespace vft::conformance
