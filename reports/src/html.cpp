// The self-contained HTML report (html.hpp). Layout, top to bottom: the verdict in words and
// colour; product, suite and run facts; a result per module; failures first, each with its
// message, requirements, spec reference and captured exchanges; requirement coverage per rule
// family; every test by module. No script, no external asset, and a CSP that forbids both, so a
// hostile body can neither run nor fetch anything even if escaping had a hole.
#include "vft/reports/html.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "markup.hpp"
#include "reports_util.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/internal/json.hpp"

namespace vft::reports {
namespace {

bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// "FNR#" + 12 hex (the runner's hashed fødselsnummer) → "fnr ••••••" + the first 4 hex digits.
std::string mask_fnr_hashes(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        if (s.compare(i, 4, "FNR#") == 0 && i + 16 <= s.size() &&
            std::all_of(s.begin() + static_cast<long>(i) + 4, s.begin() + static_cast<long>(i) + 16,
                        is_hex)) {
            out += "fnr \xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";
            out.append(s.substr(i + 4, 4));
            i += 16;
            continue;
        }
        out += s[i++];
    }
    return out;
}

// Text from the report, fit for HTML: fødselsnummer masked (hashed and raw), then escaped.
std::string h(std::string_view s) {
    return detail::escape_markup(mask_person_ids(mask_fnr_hashes(s)));
}
// The same for element text only (bodies, headers): quotes need no escaping there.
std::string text(std::string_view s) {
    return detail::escape_markup(mask_person_ids(mask_fnr_hashes(s)), false);
}

std::string thousands(size_t n) {
    std::string d = std::to_string(n), out;
    for (size_t i = 0; i < d.size(); ++i) {
        if (i && (d.size() - i) % 3 == 0) out += ',';
        out += d[i];
    }
    return out;
}

std::string pretty_json(std::string_view body) {
    rapidjson::Document d;
    size_t offset = 0;
    if (body.empty() || (body.front() != '{' && body.front() != '[') ||
        !detail::parse_json(body, d, offset))
        return std::string(body);
    rapidjson::StringBuffer buf;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
    w.SetIndent(' ', 2);
    d.Accept(w);
    return std::string(buf.GetString(), buf.GetSize());
}

// The body as shown: pretty-printed when JSON, cut at `max` bytes on a UTF-8 boundary.
std::string body_block(std::string_view body, size_t max, const std::string& where) {
    if (body.empty()) return "<p class=\"muted\">(empty body)</p>";
    std::string shown = pretty_json(body);
    std::string note;
    if (shown.size() > max) {
        size_t cut = max;
        while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80)
            --cut;
        shown.resize(cut);
        note = "<p class=\"trunc\">Cut: showing the first " + thousands(cut) + " bytes of " +
               thousands(body.size()) + " bytes (full body: report.json " + h(where) + ")</p>";
    } else {
        note = "<p class=\"muted\">" + thousands(body.size()) + " bytes</p>";
    }
    return "<pre class=\"body\">" + text(shown) + "</pre>" + note;
}

std::string headers_block(const std::vector<Header>& hs) {
    if (hs.empty()) return {};
    std::string out = "<pre class=\"headers\">";
    for (const auto& hd : hs)
        out += "<b>" + text(hd.name) + ":</b> " + text(hd.value) + "\n";
    return out + "</pre>";
}

const char* status_word(Status s) {
    switch (s) {
        case Status::pass:
            return "PASS";
        case Status::fail:
            return "FAIL";
        case Status::skip:
            return "SKIPPED";
        case Status::omit:
            return "NOT APPLICABLE";
        case Status::error:
            return "HARNESS ERROR";
    }
    return "";
}

std::string badge(Status s) {
    return "<span class=\"badge s-" + std::string(to_string(s)) + "\">" + status_word(s) +
           "</span>";
}

std::string exchange_block(const Exchange& e, size_t max, const std::string& where) {
    std::string out = "<div class=\"exchange\"><div class=\"xhead\">";
    out += e.direction == "inbound" ? "&#8592; received " : "&#8594; sent ";
    out += "<b>" + h(e.method) + "</b> <code>" + h(e.url) + "</code> &#8212; ";
    out += e.status ? "<b>HTTP " + std::to_string(e.status) + "</b>"
                    : "<b class=\"bad\">no response</b>";
    out += " &#183; " + std::to_string(e.elapsed_ms) + " ms";
    if (!e.started.empty()) out += " &#183; " + h(e.started);
    out += "</div>";
    if (!e.note.empty()) out += "<p class=\"note\">" + h(e.note) + "</p>";
    if (!e.error.empty()) out += "<p class=\"bad\">Transport error: " + h(e.error) + "</p>";
    out += "<div class=\"xparts\"><div><h5>Request</h5>" + headers_block(e.request_headers) +
           body_block(e.request_body, max, where + ".request_body") + "</div>";
    out += "<div><h5>Response</h5>" + headers_block(e.response_headers) +
           body_block(e.response_body, max, where + ".response_body") + "</div></div></div>";
    return out;
}

std::string test_block(const TestResult& t, size_t index, const HtmlOptions& o, bool failures,
                       bool open) {
    const std::string anchor = failures ? "fail-" + t.id : t.id;
    std::string out = "<details class=\"test s-" + std::string(to_string(t.status)) + "\" id=\"" +
                      h(anchor) + "\" data-test-id=\"" + h(t.id) + "\" data-status=\"" +
                      std::string(to_string(t.status)) + "\"" + (open ? " open" : "") + ">";
    out += "<summary>" + badge(t.status) + " <code class=\"tid\">" + h(t.id) + "</code> " +
           h(t.title) + (t.mandatory ? "" : " <span class=\"muted\">(optional)</span>") +
           "</summary><div class=\"tbody\">";
    if (!t.messages.empty()) {
        out += "<ul class=\"messages\">";
        for (const auto& m : t.messages)
            out += "<li>" + h(m) + "</li>";
        out += "</ul>";
    }
    out += "<dl class=\"meta\">";
    out += "<dt>Test</dt><dd><code>" + h(t.id) + "</code> (" + h(t.group) +
           (t.module.empty() ? "" : ", " + h(t.module)) + ", " +
           (t.mandatory ? "mandatory" : "optional") + ", " + std::to_string(t.duration_ms) +
           " ms)</dd>";
    if (!t.spec_ref.empty()) out += "<dt>Specification</dt><dd>" + h(t.spec_ref) + "</dd>";
    if (!t.requirements.empty()) {
        out += "<dt>Requirements</dt><dd>";
        for (const auto& r : t.requirements)
            out += "<code class=\"rule\">" + h(r) + "</code> ";
        out += "</dd>";
    }
    out += "</dl>";
    if (!t.exchanges.empty()) {
        out += "<h4>Captured exchanges (" + std::to_string(t.exchanges.size()) + ")</h4>";
        for (size_t j = 0; j < t.exchanges.size(); ++j)
            out += exchange_block(
                t.exchanges[j], o.max_body_bytes,
                "tests[" + std::to_string(index) + "].exchanges[" + std::to_string(j) + "]");
    }
    return out + "</div></details>\n";
}

// The module a test reports under: journaling per use case, the other groups as they are.
std::string area_of(const TestResult& t) {
    if (t.group == "journaling" && !t.module.empty()) return "journaling/" + t.module;
    return t.group.empty() ? "other" : t.group;
}

std::string area_title(const std::string& area) {
    static const std::map<std::string, std::string> names = {
        {"journaling/alarm", "Journaling: safety alarms (trygghetsalarm)"},
        {"journaling/medication", "Journaling: medication dispensers"},
        {"journaling/supervision", "Journaling: digital supervision"},
        {"journaling/dho", "Journaling: remote monitoring (DHO)"},
        {"journaling/pmd", "Journaling: measurements (PMD)"},
        {"journaling/kith", "Journaling: KITH messages"},
        {"search", "Search"},
        {"auth", "Authentication (HelseID, DPoP)"},
        {"duplicates", "Duplicates and resubmission"},
        {"robustness", "Faults and robustness"},
        {"faults", "Faults and robustness"},
        {"validation", "Validation of bad input"}};
    auto it = names.find(area);
    if (it != names.end()) return it->second;
    std::string t = area;
    if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
    return t;
}

int area_rank(const std::string& area) {
    static const char* order[] = {"journaling/alarm",
                                  "journaling/medication",
                                  "journaling/supervision",
                                  "journaling/dho",
                                  "journaling/pmd",
                                  "journaling/kith",
                                  "search",
                                  "auth",
                                  "duplicates",
                                  "faults",
                                  "robustness",
                                  "validation"};
    for (size_t i = 0; i < std::size(order); ++i)
        if (area == order[i]) return static_cast<int>(i);
    return area.rfind("journaling/", 0) == 0 ? 6 : 100;
}

int status_rank(Status s) {  // failures first
    switch (s) {
        case Status::fail:
            return 0;
        case Status::error:
            return 1;
        case Status::skip:
            return 2;
        case Status::pass:
            return 3;
        case Status::omit:
            return 4;
    }
    return 5;
}

struct SutFacts {
    std::string name, vendor, version, base_url;
    std::vector<std::string> modules;
};

SutFacts sut_facts(const std::string& sut_json) {
    SutFacts f;
    rapidjson::Document d;
    size_t offset = 0;
    if (!detail::parse_json(sut_json, d, offset) || !d.IsObject()) return f;
    f.name = vft::internal::str_member(d, "name");
    f.vendor = vft::internal::str_member(d, "vendor");
    f.version = vft::internal::str_member(d, "version");
    f.base_url = vft::internal::str_member(d, "base_url");
    if (const auto* m = vft::internal::member(d, "modules"); m && m->IsArray())
        for (const auto& v : m->GetArray())
            if (v.IsString()) f.modules.emplace_back(v.GetString());
    return f;
}

std::string join(const std::vector<std::string>& v, const char* none) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? none : out;
}

constexpr const char* kStyle = R"css(
:root{--pass:#1b7f3b;--fail:#b3261e;--inc:#b26a00;--muted:#5f6368;--line:#dadce0;--bg:#f8f9fa}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#202124;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:20px 0 6px}h4{font-size:14px;margin:14px 0 6px}h5{font-size:13px;margin:6px 0;color:var(--muted)}
.verdict{color:#fff;padding:28px 24px;border-radius:10px;margin-bottom:20px}
.verdict.v-pass{background:var(--pass)}.verdict.v-fail{background:var(--fail)}.verdict.v-incomplete{background:var(--inc)}
.verdict .big{font-size:40px;font-weight:800;letter-spacing:.02em;line-height:1.1}
.verdict p{margin:8px 0 0;font-size:16px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{font-weight:600;color:var(--muted)}dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}td b{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;font-size:12px;font-weight:700;padding:1px 8px;border-radius:10px;color:#fff;white-space:nowrap}
.s-pass{--c:var(--pass)}.s-fail{--c:var(--fail)}.s-error{--c:#6a1b9a}.s-skip{--c:var(--inc)}.s-omit{--c:#80868b}
.badge.s-pass,.badge.s-fail,.badge.s-error,.badge.s-skip,.badge.s-omit{background:var(--c)}
.badge.a-pass{background:var(--pass)}.badge.a-fail{background:var(--fail)}.badge.a-incomplete{background:var(--inc)}.badge.a-na{background:#80868b}
details.test{border:1px solid var(--line);border-left:5px solid var(--c);border-radius:6px;margin:6px 0;background:#fff}
details.test>summary{cursor:pointer;padding:6px 10px}
.tbody{padding:4px 14px 12px}
code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:13px}
code.tid{font-weight:600}code.rule{background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:0 4px}
ul.messages{margin:6px 0;padding-left:20px}ul.messages li:first-child{font-weight:600}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
.exchange{border:1px solid var(--line);border-radius:6px;margin:8px 0;overflow:hidden}
.xhead{background:var(--bg);padding:6px 10px;font-size:14px;word-break:break-all}
.xparts{display:grid;grid-template-columns:1fr 1fr;gap:0}.xparts>div{padding:4px 10px;min-width:0}
.xparts>div+div{border-left:1px solid var(--line)}
pre{margin:4px 0;padding:8px;background:var(--bg);border-radius:4px;overflow:auto;max-height:420px;font-size:12px;white-space:pre-wrap;word-break:break-all}
.muted{color:var(--muted);font-size:13px}.trunc{color:var(--inc);font-size:13px;font-weight:600}.bad{color:var(--fail)}
.note{font-style:italic;margin:4px 10px}
.rules code.rule{display:inline-block;margin:2px}.rules .r-fail{border-color:var(--fail);color:var(--fail)}.rules .r-none{color:var(--muted)}
#traceability .r-fail{color:var(--fail);font-weight:600}#traceability .r-pass{color:var(--pass)}#traceability .r-none{color:var(--muted)}#traceability td.src{word-break:break-all;font-size:13px}
footer{margin-top:40px;color:var(--muted);font-size:13px}
@media print{details.test{break-inside:avoid}pre{max-height:none}}
@media (max-width:760px){.xparts{grid-template-columns:1fr}.xparts>div+div{border-left:0}}
)css";

}  // namespace

std::string render_html(const Report& r, const HtmlOptions& o) {
    const SutFacts sut = sut_facts(r.sut_json);
    const Summary s = compute_summary(r.tests);
    const std::string verdict(to_string(r.verdict));
    std::string big, explain;
    int mandatory_failed = 0, mandatory_unrun = 0;
    for (const auto& t : r.tests) {
        if (!t.mandatory) continue;
        if (t.status == Status::fail) ++mandatory_failed;
        if (t.status == Status::skip || t.status == Status::error) ++mandatory_unrun;
    }
    switch (r.verdict) {
        case Verdict::pass:
            big = "PASS &#8212; conforms";
            explain = "Every mandatory test passed (" + std::to_string(s.mandatory_passed) +
                      " of " + std::to_string(s.mandatory) +
                      "). Modules passed: " + h(join(r.modules_passed, "none")) + ".";
            break;
        case Verdict::fail:
            big = "FAIL &#8212; does not conform";
            explain = std::to_string(mandatory_failed) +
                      " mandatory test(s) failed: the product does not meet the specification on "
                      "these points (listed under Failures below). Modules passed: " +
                      h(join(r.modules_passed, "none")) + ".";
            break;
        case Verdict::incomplete:
            big = "INCOMPLETE &#8212; not certifiable";
            explain = std::to_string(mandatory_unrun) +
                      " mandatory test(s) could not be run (skipped or harness error). A report "
                      "certifies only when every mandatory test ran and passed.";
            if (s.mandatory == 0)
                explain = "No mandatory test applied: this run certifies nothing.";
            break;
    }
    const std::string product = sut.name.empty() ? "(product not named)" : sut.name;

    std::string x;
    x.reserve(64 * 1024);
    x += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">"
         "<meta name=\"generator\" content=\"vft " +
         h(r.tool_version) + "\"><title>" + h(product) + " " + h(sut.version) + " — " + h(r.suite) +
         " " + h(r.suite_version) + " — " + verdict + "</title><style>" + kStyle +
         "</style></head><body><main>\n";

    x += "<header class=\"verdict v-" + verdict + "\" id=\"verdict\" data-verdict=\"" + verdict +
         "\"><div class=\"big\">" + big + "</div><p>" + explain + "</p></header>\n";

    x += "<section id=\"facts\"><h1>" + h(product) +
         (sut.version.empty() ? ""
                              : " <span class=\"muted\">version " + h(sut.version) + "</span>") +
         "</h1><dl class=\"facts\">";
    auto fact = [&x](const char* name, const std::string& value_html) {
        x += "<dt>" + std::string(name) + "</dt><dd>" + value_html + "</dd>";
    };
    fact("Vendor", h(sut.vendor.empty() ? "(not given)" : sut.vendor));
    fact("Product version", h(sut.version.empty() ? "(not given)" : sut.version));
    fact("Suite", "<code>" + h(r.suite) + "</code> version " + h(r.suite_version));
    fact("Role",
         h(r.role) + (r.role == "receiver" ? " (the product is an EPJ or hub: vft sent to it)"
                      : r.role == "sender" ? " (the product sends: vft received from it)"
                      : r.role == "reader"
                          ? " (the product is an EPJ reading JFT: vft served the documents)"
                          : ""));
    if (r.operator_driven)
        fact("Driven by",
             "<strong id=\"operator-driven\">an operator</strong> (operator mode: a person caused "
             "each event on the product as the runner asked; what arrived was judged as for a "
             "scripted sender)");
    fact("Modules claimed", h(join(sut.modules, "(not stated)")));
    fact("Modules passed", h(join(r.modules_passed, "none")));
    fact("Run", h(r.started) + " &#8594; " + h(r.finished) + " <span class=\"muted\">(run id " +
                    h(r.run_id) + ")</span>");
    fact("Tool", "vft " + h(r.tool_version) + ", validator " + h(r.validator_version));
    std::string packages;
    for (const auto& p : r.spec_packages)
        packages += (packages.empty() ? "" : ", ") + h(p.id) + " " + h(p.version);
    fact("Spec packages", packages.empty() ? "(none listed)" : packages);
    fact("Signature",
         h(o.signature_note.empty() ? "Not signed: this file alone cannot prove who produced it."
                                    : o.signature_note));
    x += "</dl></section>\n";

    // Summary counts.
    x += "<section id=\"summary\"><h2>Summary</h2><table><tr><th>Tests</th><th>Pass</th>"
         "<th>Fail</th><th>Skipped</th><th>Not applicable</th><th>Harness error</th>"
         "<th>Mandatory passed</th></tr><tr><td class=\"n\">" +
         std::to_string(r.tests.size()) + "</td><td class=\"n\">" + std::to_string(s.pass) +
         "</td><td class=\"n\">" + std::to_string(s.fail) + "</td><td class=\"n\">" +
         std::to_string(s.skip) + "</td><td class=\"n\">" + std::to_string(s.omit) +
         "</td><td class=\"n\">" + std::to_string(s.error) + "</td><td class=\"n\">" +
         std::to_string(s.mandatory_passed) + " of " + std::to_string(s.mandatory) +
         "</td></tr></table></section>\n";

    // Per module.
    std::map<std::string, std::vector<size_t>> areas;
    for (size_t i = 0; i < r.tests.size(); ++i)
        areas[area_of(r.tests[i])].push_back(i);
    std::vector<std::string> area_order;
    for (const auto& [a, _] : areas)
        area_order.push_back(a);
    std::stable_sort(area_order.begin(), area_order.end(),
                     [](const auto& a, const auto& b) { return area_rank(a) < area_rank(b); });
    x += "<section id=\"modules\"><h2>Result per module</h2><table><tr><th>Module</th>"
         "<th>Result</th><th>Pass</th><th>Fail</th><th>Skipped</th><th>N/A</th><th>Error</th>"
         "<th>Mandatory passed</th></tr>";
    for (const auto& a : area_order) {
        std::vector<TestResult> ts;
        for (size_t i : areas[a])
            ts.push_back(r.tests[i]);
        const Summary as = compute_summary(ts);
        std::string result, cls;
        if (as.pass + as.fail + as.skip + as.error == 0) {
            result = "not applicable";
            cls = "a-na";
        } else if (as.fail > 0) {
            result = "fail";
            cls = "a-fail";
        } else if (as.error > 0 || as.skip > 0) {
            result = "incomplete";
            cls = "a-incomplete";
        } else {
            result = "pass";
            cls = "a-pass";
        }
        x += "<tr id=\"module-" + h(a) + "\"><td><a href=\"#area-" + h(a) + "\">" +
             h(area_title(a)) + "</a></td><td><span class=\"badge " + cls + "\">" + result +
             "</span></td><td class=\"n\">" + std::to_string(as.pass) + "</td><td class=\"n\">" +
             std::to_string(as.fail) + "</td><td class=\"n\">" + std::to_string(as.skip) +
             "</td><td class=\"n\">" + std::to_string(as.omit) + "</td><td class=\"n\">" +
             std::to_string(as.error) + "</td><td class=\"n\">" +
             std::to_string(as.mandatory_passed) + " of " + std::to_string(as.mandatory) +
             "</td></tr>";
    }
    x += "</table></section>\n";

    // Failures first: the product's failures, then harness errors, then skipped mandatory tests.
    std::vector<size_t> problems;
    for (size_t i = 0; i < r.tests.size(); ++i) {
        const auto& t = r.tests[i];
        if (t.status == Status::fail || t.status == Status::error ||
            (t.status == Status::skip && t.mandatory))
            problems.push_back(i);
    }
    std::stable_sort(problems.begin(), problems.end(), [&r](size_t a, size_t b) {
        return status_rank(r.tests[a].status) < status_rank(r.tests[b].status);
    });
    x += "<section id=\"failures\"><h2>Failures and tests that did not run (" +
         std::to_string(problems.size()) + ")</h2>";
    if (problems.empty()) x += "<p>None: every test that applies passed.</p>";
    for (size_t i : problems)
        x += test_block(r.tests[i], i, o, true, r.tests[i].status != Status::skip);
    x += "</section>\n";

    // Requirement coverage per rule family.
    struct RuleState {
        bool passed = false, failed = false;
        std::set<std::string> tests;
    };
    std::map<std::string, std::map<std::string, RuleState>> families;
    for (const auto& t : r.tests)
        for (const auto& rule : t.requirements) {
            // REQ-VKP-0001 → family REQ-VKP; a rule ID (VKP-DI-003) → VKP.
            const size_t dash = rule.find('-');
            const std::string fam = rule.rfind("REQ-", 0) == 0
                                        ? rule.substr(0, rule.find('-', dash + 1))
                                        : rule.substr(0, dash);
            auto& st = families[fam][rule];
            st.tests.insert(t.id);
            if (t.status == Status::pass) st.passed = true;
            if (t.status == Status::fail) st.failed = true;
        }
    x += "<section id=\"coverage\"><h2>Requirement coverage</h2><p class=\"muted\">Rule IDs the "
         "tests check, per family. A rule is met when a test covering it passed and none "
         "failed.</p><table><tr><th>Family</th><th>Rules covered</th><th>Met</th><th>Failed</th>"
         "<th>Not checked (skipped, n/a)</th><th>Rules</th></tr>";
    for (const auto& [fam, rules] : families) {
        int met = 0, failed = 0, none = 0;
        std::string chips;
        for (const auto& [rule, st] : rules) {
            const char* cls = st.failed ? "r-fail" : st.passed ? "r-pass" : "r-none";
            (st.failed ? failed : st.passed ? met : none)++;
            std::string title;
            for (const auto& id : st.tests)
                title += (title.empty() ? "" : " ") + id;
            chips += "<code class=\"rule " + std::string(cls) + "\" title=\"" + h(title) + "\">" +
                     h(rule) + "</code>";
        }
        x += "<tr id=\"family-" + h(fam) + "\"><td><b>" + h(fam) + "-*</b></td><td class=\"n\">" +
             std::to_string(rules.size()) + "</td><td class=\"n\">" + std::to_string(met) +
             "</td><td class=\"n\">" + std::to_string(failed) + "</td><td class=\"n\">" +
             std::to_string(none) + "</td><td class=\"rules\">" + chips + "</td></tr>";
    }
    if (families.empty()) x += "<tr><td colspan=\"6\">No test names a rule ID.</td></tr>";
    x += "</table></section>\n";

    // Traceability: every requirement of the claimed modules with level, source and result.
    if (r.traceability) {
        const auto& tr = *r.traceability;
        x += "<section id=\"traceability\"><h2>Traceability</h2><p id=\"shall-coverage\">SHALL "
             "requirements: " +
             std::to_string(tr.shall) +
             "; checked by a test that ran: " + std::to_string(tr.shall_checked) +
             "; met: " + std::to_string(tr.shall_met) +
             ".</p><p class=\"muted\">Every requirement of the claimed modules and this role "
             "(specs/*/requirements.json). A test is mandatory only if a requirement it checks "
             "is a SHALL of a published source; SHOULD and DECISION rest on guidance or vft's "
             "own choices and never decide the verdict.</p><table><tr><th>Requirement</th>"
             "<th>Level</th><th>Result</th><th>Statement</th><th>Source</th><th>Tests</th></tr>";
        for (const auto& q : tr.requirements) {
            const char* cls = q.result == "failed" ? "r-fail"
                              : q.result == "met"  ? "r-pass"
                                                   : "r-none";
            // Source: "; "-separated parts; a part that starts with https:// links its URL.
            std::string src;
            size_t pos = 0;
            while (pos <= q.source.size()) {
                size_t end = q.source.find("; ", pos);
                if (end == std::string::npos) end = q.source.size();
                const std::string part = q.source.substr(pos, end - pos);
                if (!src.empty()) src += "; ";
                if (part.rfind("https://", 0) == 0) {
                    const size_t sp = part.find(' ');
                    const std::string url = part.substr(0, sp);
                    src += "<a href=\"" + h(url) + "\" rel=\"noreferrer\">" + h(url) + "</a>" +
                           (sp == std::string::npos ? "" : h(part.substr(sp)));
                } else {
                    src += h(part);
                }
                pos = end + 2;
            }
            std::string tests;
            for (const auto& id : q.tests)
                tests += (tests.empty() ? "" : " ") + std::string("<code>") + h(id) + "</code>";
            x += "<tr id=\"req-" + h(q.id) + "\" data-result=\"" + h(q.result) + "\"><td><code>" +
                 h(q.id) + "</code></td><td>" + h(q.level) + "</td><td><span class=\"rule " +
                 std::string(cls) + "\">" + h(q.result) + "</span></td><td>" + h(q.statement) +
                 "</td><td class=\"src\">" + src + "</td><td>" +
                 (tests.empty() ? std::string("none") : tests) + "</td></tr>";
        }
        x += "</table></section>\n";
    }

    // Every test, by module, failures first within each.
    x += "<section id=\"tests\"><h2>All tests (" + std::to_string(r.tests.size()) + ")</h2>";
    for (const auto& a : area_order) {
        auto idx = areas[a];
        std::stable_sort(idx.begin(), idx.end(), [&r](size_t p, size_t q) {
            return status_rank(r.tests[p].status) < status_rank(r.tests[q].status);
        });
        x += "<h3 id=\"area-" + h(a) + "\">" + h(area_title(a)) + "</h3>";
        for (size_t i : idx)
            x += test_block(r.tests[i], i, o, false, false);
    }
    x += "</section>\n";

    x += "<footer><p>Generated by vft " + h(r.tool_version) +
         " from report.json (the evidence: "
         "every exchange in full, fixture hashes, versions). Check it offline with <code>vft "
         "report verify report.json --key ISSUER.pub</code>. Fødselsnummer are shown hashed "
         "and masked.</p><p>Fixtures used: " +
         std::to_string(r.fixture_hashes.size()) + ". Seed " + std::to_string(r.seed) +
         ".</p></footer>\n</main></body></html>\n";
    return x;
}

}  // namespace vft::reports
