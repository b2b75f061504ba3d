// FHIRPath engine figures (one core): parse and evaluate throughput over the official suite's
// expressions, and the cost of the R4 invariants of a typical VKP alarm bundle inside the
// validator (the walker run with the FHIRPath evaluator minus the walker with a no-op one).
//
//   vft_bench_fhirpath [SECONDS]      (default 2 s per figure)
#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "fhir/model.hpp"
#include "fhirpath/invariants.hpp"
#include "validate/invariants.hpp"
#include "validate/r4_walker.hpp"
#include "vft/fhirpath/fhirpath.hpp"

namespace fp = vft::fhirpath;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string unescape(std::string s) {
    const std::pair<const char*, const char*> kEnt[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
    for (const auto& [from, to] : kEnt)
        for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += std::string(to).size())
            s.replace(p, std::string(from).size(), to);
    return s;
}

struct SuiteCase {
    std::string expression;
    std::string input;
};

// The <test> expressions with their input files, read without an XML parser (bench only).
std::vector<SuiteCase> suite_cases(const std::string& xml) {
    std::vector<SuiteCase> out;
    size_t p = 0;
    while ((p = xml.find("<test ", p)) != std::string::npos) {
        size_t end = xml.find("</test>", p);
        std::string test = xml.substr(p, end - p);
        p = end;
        SuiteCase c;
        size_t in = test.find("inputfile=\"");
        if (in != std::string::npos) {
            size_t q = test.find('"', in + 11);
            c.input = test.substr(in + 11, q - in - 11);
            if (c.input.size() > 4 && c.input.substr(c.input.size() - 4) == ".xml")
                c.input = c.input.substr(0, c.input.size() - 4) + ".json";
        }
        size_t e = test.find("<expression");
        if (e == std::string::npos) continue;
        size_t b = test.find('>', e) + 1;
        c.expression = unescape(test.substr(b, test.find("</expression>", b) - b));
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    const std::string dir = std::string(VFT_SOURCE_DIR) + "/specs/upstream/fhirpath";
    auto cases = suite_cases(read(dir + "/tests-fhir-r4.xml"));
    std::map<std::string, fp::Document> docs;
    std::vector<std::pair<fp::Expression, const fp::Document*>> runnable;
    std::vector<std::string> parseable;
    for (const auto& c : cases) {
        std::string name = c.input.empty() ? "" : c.input;
        if (!docs.count(name)) {
            auto d = fp::Document::parse(name.empty() ? R"({"resourceType":"Parameters"})"
                                                      : read(dir + "/input/" + name));
            if (!d) continue;
            docs.emplace(name, *d);
        }
        auto e = fp::compile(c.expression);
        if (!e) continue;
        parseable.push_back(c.expression);
        runnable.emplace_back(*e, &docs.at(name));
    }
    std::printf("suite: %zu expressions, %zu parse\n", cases.size(), parseable.size());

    size_t i = 0;
    double parse_rate = vft::bench::rate(seconds, [&] {
        auto e = fp::compile(parseable[i++ % parseable.size()]);
        if (!e) std::abort();
    });
    std::printf("parse:    %10.0f expressions/s (one core)\n", parse_rate);
    i = 0;
    double eval_rate = vft::bench::rate(seconds, [&] {
        const auto& [e, d] = runnable[i++ % runnable.size()];
        (void)fp::evaluate(e, *d);
    });
    std::printf("evaluate: %10.0f expressions/s (one core, parsed once)\n", eval_rate);
    i = 0;
    double both_rate = vft::bench::rate(seconds, [&] {
        size_t k = i++ % runnable.size();
        auto e = fp::compile(parseable[k]);
        (void)fp::evaluate(*e, *runnable[k].second);
    });
    std::printf("parse + evaluate: %10.0f expressions/s (one core)\n", both_rate);

    // The invariants of a typical VKP alarm bundle, inside the R4 walker.
    const std::string bundle_file =
        std::string(VFT_SOURCE_DIR) + "/fixtures/messages/valid/alarm/trygghetsalarm.json";
    rapidjson::Document bundle;
    const std::string bundle_text = read(bundle_file);
    bundle.Parse(bundle_text.c_str());
    if (bundle.HasParseError()) return 1;
    const auto& model = vft::detail::FhirModel::r4();
    size_t evaluations = 0;
    std::map<std::string, std::pair<size_t, size_t>> by_key;  // key -> {native, generic}
    vft::detail::set_invariant_evaluator([&](const vft::detail::InvariantNode& n) {
        ++evaluations;
        auto& k = by_key[std::string(n.constraint.key)];
        ++(vft::fhirpath::detail::evaluate_invariant_native(n) ? k.first : k.second);
        return vft::fhirpath::detail::evaluate_invariant(n);
    });
    std::vector<vft::Issue> issues;
    vft::detail::validate_r4(model, bundle, issues, nullptr);
    const size_t per_bundle = evaluations;
    std::string keys;
    for (const auto& [key, n] : by_key)
        keys +=
            " " + key + " " + std::to_string(n.first) + "/" + std::to_string(n.first + n.second);
    std::printf("alarm bundle invariants (key, answered natively / evaluated):%s\n", keys.c_str());
    vft::detail::set_invariant_evaluator(vft::fhirpath::detail::invariant_evaluator());
    const double with = vft::bench::rate(seconds, [&] {
        issues.clear();
        vft::detail::validate_r4(model, bundle, issues, nullptr);
    });
    vft::detail::set_invariant_evaluator(
        [](const vft::detail::InvariantNode&) { return vft::detail::InvariantOutcome::pass; });
    const double without = vft::bench::rate(seconds, [&] {
        issues.clear();
        vft::detail::validate_r4(model, bundle, issues, nullptr);
    });
    // the same two on the thread's CPU clock (the build host is shared)
    vft::detail::set_invariant_evaluator(vft::fhirpath::detail::invariant_evaluator());
    const double cpu_with = vft::bench::cpu_rate(seconds, [&] {
        issues.clear();
        vft::detail::validate_r4(model, bundle, issues, nullptr);
    });
    vft::detail::set_invariant_evaluator(
        [](const vft::detail::InvariantNode&) { return vft::detail::InvariantOutcome::pass; });
    const double cpu_without = vft::bench::cpu_rate(seconds, [&] {
        issues.clear();
        vft::detail::validate_r4(model, bundle, issues, nullptr);
    });
    const double us_with = 1e6 / with, us_without = 1e6 / without;
    std::printf(
        "alarm bundle (%zu bytes): %zu invariant evaluations; walker %.1f us with "
        "invariants, %.1f us with a no-op evaluator: invariants %.1f us per bundle "
        "(%.0f ns each)\n",
        bundle_text.size(), per_bundle, us_with, us_without, us_with - us_without,
        (us_with - us_without) * 1000.0 / static_cast<double>(per_bundle ? per_bundle : 1));
    std::printf(
        "alarm bundle, thread CPU time: walker %.1f us with invariants, %.1f us with a no-op "
        "evaluator: invariants %.1f us per bundle\n",
        1e6 / cpu_with, 1e6 / cpu_without, 1e6 / cpu_with - 1e6 / cpu_without);
    return 0;
}
