// JUnit XML (junit.hpp), in the shape CI systems read (Jenkins, GitLab, GitHub test reporters):
// <testsuites><testsuite name=suite ...><testcase classname=group name=id time=s>.
#include "vft/reports/junit.hpp"

#include <cstdio>

#include "markup.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::reports {
namespace {

std::string esc(std::string_view s) {
    return detail::escape_markup(mask_person_ids(s));
}

std::string seconds(int64_t ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms < 0 ? 0 : ms) / 1000.0);
    return buf;
}

// The body of <failure>/<error>/<skipped>: every message, then what the test covers.
std::string details(const TestResult& t) {
    std::string out;
    for (const auto& m : t.messages)
        out += m + "\n";
    if (!t.title.empty()) out += "test: " + t.title + "\n";
    if (!t.spec_ref.empty()) out += "spec: " + t.spec_ref + "\n";
    if (!t.requirements.empty()) {
        out += "requirements:";
        for (const auto& r : t.requirements)
            out += " " + r;
        out += "\n";
    }
    out += "mandatory: " + std::string(t.mandatory ? "yes" : "no") + "\n";
    return esc(out);
}

}  // namespace

std::string render_junit(const Report& r) {
    const Summary s = compute_summary(r.tests);
    int64_t total_ms = 0;
    for (const auto& t : r.tests)
        total_ms += t.duration_ms;
    const std::string counts = " tests=\"" + std::to_string(r.tests.size()) + "\" failures=\"" +
                               std::to_string(s.fail) + "\" errors=\"" + std::to_string(s.error) +
                               "\" skipped=\"" + std::to_string(s.skip + s.omit) + "\" time=\"" +
                               seconds(total_ms) + "\"";
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += "<testsuites name=\"vft " + esc(r.suite) + "\"" + counts + ">\n";
    x += "  <testsuite name=\"" + esc(r.suite) + " " + esc(r.suite_version) + " (" + esc(r.role) +
         ")\"" + counts + " timestamp=\"" + esc(r.started) + "\">\n";
    x += "    <properties>\n";
    auto prop = [&x](std::string_view name, std::string_view value) {
        x += "      <property name=\"" + esc(name) + "\" value=\"" + esc(value) + "\"/>\n";
    };
    prop("verdict", to_string(r.verdict));
    prop("suite_version", r.suite_version);
    prop("tool_version", r.tool_version);
    prop("role", r.role);
    prop("run_id", r.run_id);
    x += "    </properties>\n";
    for (const auto& t : r.tests) {
        x += "    <testcase classname=\"" + esc(t.group) + "\" name=\"" + esc(t.id) + "\" time=\"" +
             seconds(t.duration_ms) + "\"";
        const std::string first =
            t.messages.empty() ? std::string(to_string(t.status)) : t.messages.front();
        switch (t.status) {
            case Status::pass:
                x += "/>\n";
                continue;
            case Status::fail:
                x += ">\n      <failure message=\"" + esc(first) + "\" type=\"fail\">" +
                     details(t) + "</failure>\n";
                break;
            case Status::error:
                x += ">\n      <error message=\"" + esc(first) + "\" type=\"harness error\">" +
                     details(t) + "</error>\n";
                break;
            case Status::skip:
            case Status::omit:
                x += ">\n      <skipped message=\"" +
                     esc(std::string(to_string(t.status)) + ": " + first) + "\"/>\n";
                break;
        }
        x += "    </testcase>\n";
    }
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

}  // namespace vft::reports
