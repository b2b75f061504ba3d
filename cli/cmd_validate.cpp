// vft validate [--spec ID] [--level strict|lenient] [--format text|json] FILE...
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "commands.hpp"
#include "json_text.hpp"
#include "terminal.hpp"
#include "vft/validate/validator.hpp"

namespace vft::cli {
namespace {

struct ValidateArgs {
    std::string spec;
    std::string level = "strict";
    std::string format = "text";
    std::string specs_dir;
    bool list_unchecked = false;
    std::vector<std::string> files;
};

bool read_input(const std::string& name, std::string& out) {
    if (name == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        out = ss.str();
        return !std::cin.bad();
    }
    std::ifstream in(name, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return !in.bad();
}

void print_text(const std::string& file, const ValidationReport& r) {
    const size_t errors = r.count(Severity::fatal) + r.count(Severity::error);
    std::cout << file << ": " << (r.valid() ? "valid" : "INVALID");
    if (!r.spec.empty())
        std::cout << " (" << r.spec
                  << (r.resource_type.empty() ? "" : ", " + printable(r.resource_type)) << ")";
    std::cout << " — " << errors << " error(s), " << r.count(Severity::warning) << " warning(s)\n";
    for (const Issue& i : r.issues) {
        std::cout << "  " << to_string(i.severity) << "  " << i.rule;
        if (!i.path.empty()) std::cout << "  " << printable(i.path);
        if (i.line > 0)
            std::cout << "  (line " << i.line
                      << (i.column > 0 ? ", column " + std::to_string(i.column) : "") << ")";
        std::cout << "\n      " << printable(i.message) << "\n";
        if (!i.hint.empty()) std::cout << "      hint: " << printable(i.hint) << "\n";
        if (!i.source.empty()) std::cout << "      source: " << printable(i.source) << "\n";
    }
}

void print_json_file(const std::string& file, const ValidationReport& r, bool first) {
    std::cout << (first ? "" : ",") << R"({"file":")" << esc(file) << R"(","valid":)"
              << (r.valid() ? "true" : "false") << R"(,"kind":")" << esc(r.kind) << R"(","spec":")"
              << esc(r.spec) << R"(","resourceType":")" << esc(r.resource_type)
              << R"(","issues":[)";
    bool f = true;
    for (const Issue& i : r.issues) {
        std::cout << (f ? "" : ",") << R"({"severity":")" << to_string(i.severity)
                  << R"(","rule":")" << esc(i.rule) << R"(","path":")" << esc(i.path)
                  << R"(","message":")" << esc(i.message) << R"(","hint":")" << esc(i.hint)
                  << R"(","source":")" << esc(i.source) << "\"";
        if (i.line > 0) std::cout << R"(,"line":)" << i.line << R"(,"column":)" << i.column;
        std::cout << "}";
        f = false;
    }
    std::cout << "]}";
}

int run(const ValidateArgs& a) {
    ValidatorOptions vopts;
    vopts.specs_dir = a.specs_dir;
    if (vopts.specs_dir.empty())
        if (const char* env = std::getenv("VFT_SPECS_DIR")) vopts.specs_dir = env;
    auto validator = Validator::create(vopts);
    if (!validator) {
        std::cerr << "vft validate: cannot load the spec packages: "
                  << validator.error().to_string() << "\n";
        return kExitCannotRun;
    }
    ValidateOptions opts;
    opts.level = a.level == "lenient" ? Level::lenient : Level::strict;
    opts.spec = a.spec;
    opts.list_unchecked = a.list_unchecked;
    std::vector<UncheckedInvariant> unchecked;
    int code = kExitOk;
    bool first = true;
    if (a.format == "json") std::cout << R"({"files":[)";
    for (const auto& file : a.files) {
        std::string content;
        if (!read_input(file, content)) {
            std::cerr << "vft validate: cannot read '" << file << "'\n";
            code = kExitCannotRun;
            continue;
        }
        const ValidationReport r = validator->validate(content, opts);
        unchecked.insert(unchecked.end(), r.unchecked.begin(), r.unchecked.end());
        if (!r.valid() && code == kExitOk) code = kExitFail;
        if (a.format == "json")
            print_json_file(file == "-" ? "<stdin>" : file, r, first);
        else
            print_text(file == "-" ? "<stdin>" : file, r);
        first = false;
    }
    std::sort(unchecked.begin(), unchecked.end());
    unchecked.erase(std::unique(unchecked.begin(), unchecked.end()), unchecked.end());
    if (a.format == "json") {
        std::cout << "]";
        if (a.list_unchecked) {
            std::cout << R"(,"unchecked":[)";
            for (size_t k = 0; k < unchecked.size(); ++k)
                std::cout << (k ? "," : "") << R"({"key":")" << esc(unchecked[k].key)
                          << R"(","path":")" << esc(unchecked[k].path) << "\"}";
            std::cout << "]";
        }
        std::cout << "}\n";
    } else if (a.list_unchecked) {
        std::cout << "invariants not evaluated: " << unchecked.size() << "\n";
        for (const auto& u : unchecked)
            std::cout << "  " << u.key << "  " << u.path << "\n";
    }
    return code;
}

}  // namespace

void add_validate(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<ValidateArgs>();
    CLI::App* cmd = app.add_subcommand(
        "validate", "Validate FHIR JSON or KITH XML messages against the national specs");
    cmd->add_option("--spec", args->spec, "Spec package (default: detected from the document)")
        ->check(CLI::IsMember({"r4", "vkp-r4", "jft", "pmd", "kith"}));
    cmd->add_flag("--list-unchecked", args->list_unchecked,
                  "List the FHIR invariants met but not evaluated (key and element), after the "
                  "results (--spec r4; at the national levels also the published profiles')");
    cmd->add_option("--level", args->level,
                    "strict (what JFT accepts) or lenient (what VKP accepts today)")
        ->check(CLI::IsMember({"strict", "lenient"}));
    cmd->add_option("--format", args->format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--specs-dir", args->specs_dir,
                    "Load spec packages from this folder instead of the built-in copy");
    cmd->add_option("files", args->files, "Files to validate ('-' reads standard input)")
        ->required();
    cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace vft::cli
