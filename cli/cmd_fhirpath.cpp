// vft fhirpath [--format json] [--] EXPRESSION FILE — evaluates a FHIRPath expression on a FHIR R4
// JSON resource (%resource = %context = FILE; FILE "-" reads stdin). Without --format json one
// readable line per value; with it the collection as a JSON array (DESIGN.md).
// Exit 0 evaluated · 1 run-time error (message on stderr) · 2 could not run (syntax error,
// unreadable file, usage).
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "vft/fhirpath/fhirpath.hpp"

namespace vft::cli {
namespace {

struct FhirpathArgs {
    std::string format = "text";
    std::string expression;
    std::string file;
};

constexpr size_t kMaxInput = 64u << 20;

bool read_input(const std::string& file, std::string& out) {
    std::istream* in = &std::cin;
    std::ifstream f;
    if (file != "-") {
        f.open(file, std::ios::binary);
        if (!f) return false;
        in = &f;
    }
    std::ostringstream ss;
    ss << in->rdbuf();
    if (in->bad()) return false;
    out = ss.str();
    return out.size() <= kMaxInput;
}

int run(const FhirpathArgs& a) {
    auto expr = fhirpath::compile(a.expression);
    if (!expr) {
        std::cerr << "vft fhirpath: " << expr.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::string text;
    if (!read_input(a.file, text)) {
        std::cerr << "vft fhirpath: cannot read " << a.file << "\n";
        return kExitCannotRun;
    }
    auto doc = fhirpath::Document::parse(text);
    if (!doc) {
        std::cerr << "vft fhirpath: " << a.file << ": " << doc.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto result = fhirpath::evaluate(*expr, *doc);
    if (!result) {
        std::cerr << "vft fhirpath: " << result.error().to_string() << "\n";
        return kExitFail;
    }
    if (a.format == "json") {
        std::cout << result->json() << "\n";
        return kExitOk;
    }
    for (size_t i = 0; i < result->size(); ++i)
        std::cout << (*result)[i].text() << "\n";
    return kExitOk;
}

}  // namespace

void add_fhirpath(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<FhirpathArgs>();
    CLI::App* cmd = app.add_subcommand(
        "fhirpath",
        "Evaluate a FHIRPath expression on a FHIR R4 JSON resource ('--' ends the options)");
    cmd->add_option("--format", args->format, "text (one value per line) or json (a JSON array)")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("expression", args->expression, "The FHIRPath expression")->required();
    cmd->add_option("file", args->file, "The resource (FHIR R4 JSON; - for stdin)")->required();
    cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace vft::cli
