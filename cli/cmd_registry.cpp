// vft registry add RECORD --key PUB | list | check --product P --version V --module M --suite S
// [--at DATE], each with [--db FILE] (default ~/.local/share/vft/registry.sqlite). Offline.
// add: exit 0 stored · 1 refused (signature or record invalid) · 2 could not run.
// check: exit 0 certified · 1 not (one line saying why) · 2 could not run.
// list: exit 0 · 2.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "json_text.hpp"
#include "vft/auth/key.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/reports/registry.hpp"

namespace vft::cli {
namespace {

struct RegistryArgs {
    std::string db;
    std::string record;
    std::string sig;
    std::string key;
    std::string format = "text";
    reports::CheckQuery query;
};

// The whole file; nullopt when it is not a readable regular file (a folder reads as nothing).
std::optional<std::string> read_all(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return ss.str();
}

std::filesystem::path db_path(const RegistryArgs& a) {
    return a.db.empty() ? reports::default_registry_file() : std::filesystem::path(a.db);
}

// list and check never create a registry: a mistyped path must not answer "no record".
std::optional<reports::Registry> open_db(const RegistryArgs& a, const char* cmd, bool create) {
    const auto path = db_path(a);
    std::error_code ec;
    if (!create && !std::filesystem::is_regular_file(path, ec)) {
        std::cerr << "vft registry " << cmd << ": no registry at " << path.string()
                  << " (records are added with `vft registry add`)\n";
        return std::nullopt;
    }
    auto r = reports::Registry::open({path});
    if (!r) {
        std::cerr << "vft registry " << cmd << ": " << r.error().to_string() << "\n";
        return std::nullopt;
    }
    return std::move(*r);
}

int add(const RegistryArgs& a) {
    const auto record = read_all(a.record);
    if (!record) {
        std::cerr << "vft registry add: cannot read " << a.record << "\n";
        return kExitCannotRun;
    }
    const std::string sig_path = a.sig.empty() ? a.record + ".sig" : a.sig;
    const auto sig = read_all(sig_path);
    if (!sig) {
        std::cerr << "vft registry add: no signature " << sig_path
                  << " (only signed records are stored)\n";
        return kExitFail;
    }
    auto key = auth::Key::load_file(a.key);
    if (!key) {
        std::cerr << "vft registry add: " << key.error().to_string() << "\n";
        return kExitCannotRun;
    }
    auto db = open_db(a, "add", true);
    if (!db) return kExitCannotRun;
    auto id = db->add(*record, *sig, *key);
    if (!id) {
        std::cerr << "vft registry add: refused " << a.record << ": " << id.error().to_string()
                  << "\n";
        return id.error().code == errc::report_registry ? kExitCannotRun : kExitFail;
    }
    std::cout << "stored " << a.record << " as record #" << *id << " in " << db_path(a).string()
              << "\n";
    return kExitOk;
}

std::string modules(const std::vector<std::string>& m) {
    std::string out;
    for (const auto& s : m)
        out += (out.empty() ? "" : ",") + s;
    return out.empty() ? "-" : out;
}

int list(const RegistryArgs& a) {
    auto db = open_db(a, "list", false);
    if (!db) return kExitCannotRun;
    auto entries = db->list();
    if (!entries) {
        std::cerr << "vft registry list: " << entries.error().to_string() << "\n";
        return kExitCannotRun;
    }
    if (a.format == "json") {
        std::cout << "{\"records\":[";
        bool first = true;
        for (const auto& e : *entries) {
            const auto& c = e.record;
            std::cout << (first ? "" : ",") << "{\"id\":" << e.id << ",\"product\":\""
                      << esc(c.product) << "\",\"vendor\":\"" << esc(c.vendor)
                      << "\",\"product_version\":\"" << esc(c.product_version) << "\",\"suite\":\""
                      << esc(c.suite) << "\",\"suite_version\":\"" << esc(c.suite_version)
                      << "\",\"role\":\"" << esc(c.role) << "\",\"verdict\":\""
                      << reports::to_string(c.verdict) << "\",\"modules_passed\":[";
            for (size_t i = 0; i < c.modules_passed.size(); ++i)
                std::cout << (i ? "," : "") << "\"" << esc(c.modules_passed[i]) << "\"";
            std::cout << "],\"issued\":\"" << c.issued << "\",\"expires\":\"" << c.expires
                      << "\",\"issuer_key_id\":\"" << esc(c.issuer_key_id) << "\"}";
            first = false;
        }
        std::cout << "]}\n";
        return kExitOk;
    }
    for (const auto& e : *entries) {
        const auto& c = e.record;
        std::cout << "#" << e.id << "  " << c.product << " " << c.product_version << " ("
                  << c.vendor << ")  " << c.suite << " " << c.suite_version << " " << c.role << "  "
                  << reports::to_string(c.verdict) << "  modules=" << modules(c.modules_passed)
                  << "  " << c.issued.substr(0, 10) << ".." << c.expires.substr(0, 10)
                  << "  key=" << c.issuer_key_id << "\n";
    }
    if (entries->empty()) std::cout << "no records\n";
    return kExitOk;
}

int check(const RegistryArgs& a) {
    auto db = open_db(a, "check", false);
    if (!db) return kExitCannotRun;
    auto answer = db->check(a.query);
    if (!answer) {
        std::cerr << "vft registry check: " << answer.error().to_string() << "\n";
        return kExitCannotRun;
    }
    std::cout << answer->reason << "\n";
    return answer->certified ? kExitOk : kExitFail;
}

}  // namespace

void add_registry(CLI::App& app, int& exit_code) {
    CLI::App* reg = app.add_subcommand(
        "registry", "A local, offline registry of signed certification records (SQLite)");
    reg->require_subcommand(1);
    auto args = std::make_shared<RegistryArgs>();
    auto db_option = [&args](CLI::App* cmd) {
        cmd->add_option("--db", args->db,
                        "Registry file (default ~/.local/share/vft/registry.sqlite)");
    };

    CLI::App* add_cmd = reg->add_subcommand(
        "add", "Verify a certification record (RECORD.sig) with the issuer's key and store it");
    add_cmd->add_option("record", args->record, "certification.json")->required();
    add_cmd->add_option("--key", args->key, "The issuer's public key (PEM) you trust")->required();
    add_cmd->add_option("--sig", args->sig, "Signature file (default RECORD.sig)");
    db_option(add_cmd);
    add_cmd->callback([args, &exit_code] { exit_code = add(*args); });

    CLI::App* list_cmd = reg->add_subcommand("list", "List the stored records");
    list_cmd->add_option("--format", args->format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    db_option(list_cmd);
    list_cmd->callback([args, &exit_code] { exit_code = list(*args); });

    CLI::App* check_cmd = reg->add_subcommand(
        "check", "Is product P version V certified for module M under suite S? (exit 0 yes, 1 no)");
    check_cmd->add_option("--product", args->query.product, "Product name")->required();
    check_cmd->add_option("--version", args->query.version, "Product version")->required();
    check_cmd->add_option("--module", args->query.module, "Module")
        ->required()
        ->check(CLI::IsMember(
            {"alarm", "medication", "supervision", "dho", "pmd", "search", "kith", "auth"}));
    check_cmd->add_option("--suite", args->query.suite, "Suite id (vkp-r4, jft, pmd, kith)")
        ->required();
    check_cmd->add_option("--at", args->query.at, "Date (YYYY-MM-DD) or date-time; default now");
    db_option(check_cmd);
    check_cmd->callback([args, &exit_code] { exit_code = check(*args); });
}

}  // namespace vft::cli
