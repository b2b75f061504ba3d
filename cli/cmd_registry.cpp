// vft registry add RECORD --key PUB | list | check --product P --version V --module M --suite S
// [--at DATE], each with [--db FILE] (default ~/.local/share/vft/registry.sqlite). Offline.
// add: exit 0 stored · 1 refused (signature or record invalid) · 2 could not run.
// check: exit 0 certified · 1 not (one line saying why) · 2 could not run.
// list: exit 0 · 2.
// revoke RECORD --reason TEXT, withdraw-suite SUITE VERSION --reason TEXT: exit 0 done · 1 refused
// (no such record, already revoked/withdrawn) · 2 could not run.
// publish --out DIR --sign-key PROGRAM.key [--key OLD.pub]... [--title T]: exit 0 written · 1
// refused (a record signed by a key the site would not publish) · 2 could not run.
// verify REGISTRY.json --key PUB: exit 0 verified · 1 not · 2 could not run.
// docs/registry.md describes all of it.
#include <chrono>
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
#include "vft/core/time.hpp"
#include "vft/reports/registry.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"
#include "vft/reports/site.hpp"

namespace vft::cli {
namespace {

struct RegistryArgs {
    std::string db;
    std::string record;
    std::string sig;
    std::string key;
    std::string format = "text";
    std::string report;  // add: the full report (default report.json beside the record)
    bool no_report = false;
    reports::CheckQuery query;
    // revoke / withdraw-suite / publish
    int64_t record_id = 0;
    std::string reason;
    std::string at;
    std::string suite, suite_version;
    std::string out, title, sign_key;
    std::vector<std::string> keys;
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
    if (a.no_report) return kExitOk;
    // The full report, so that `vft registry publish` can put it on the site.
    const std::string report_path =
        a.report.empty() ? (std::filesystem::path(a.record).parent_path() / "report.json").string()
                         : a.report;
    const auto report = read_all(report_path);
    if (!report) {
        if (!a.report.empty()) {
            std::cerr << "vft registry add: cannot read " << report_path << "\n";
            return kExitCannotRun;
        }
        std::cout << "no report.json beside the record: the site will publish the record only\n";
        return kExitOk;
    }
    const auto report_sig = read_all(report_path + ".sig");
    if (!report_sig) {
        std::cerr << "vft registry add: record #" << *id << " stored, but " << report_path
                  << ".sig is missing: the report was not stored\n";
        return kExitFail;
    }
    const auto html =
        read_all((std::filesystem::path(report_path).parent_path() / "report.html").string());
    if (auto ok = db->add_report(*id, *report, *report_sig, html.value_or("")); !ok) {
        std::cerr << "vft registry add: record #" << *id << " stored, but its report "
                  << report_path << " was refused: " << ok.error().to_string() << "\n";
        return kExitFail;
    }
    std::cout << "stored its report " << report_path << " (signature verified)\n";
    return kExitOk;
}

int revoke(const RegistryArgs& a) {
    auto db = open_db(a, "revoke", false);
    if (!db) return kExitCannotRun;
    if (auto ok = db->revoke(a.record_id, a.reason, a.at); !ok) {
        std::cerr << "vft registry revoke: " << ok.error().to_string() << "\n";
        return ok.error().code == errc::report_registry ? kExitCannotRun : kExitFail;
    }
    std::cout << "revoked record #" << a.record_id << ": " << a.reason
              << "\n(publish the site again to show it: vft registry publish)\n";
    return kExitOk;
}

int withdraw(const RegistryArgs& a) {
    auto db = open_db(a, "withdraw-suite", false);
    if (!db) return kExitCannotRun;
    if (auto ok = db->withdraw_suite(a.suite, a.suite_version, a.reason, a.at); !ok) {
        std::cerr << "vft registry withdraw-suite: " << ok.error().to_string() << "\n";
        return ok.error().code == errc::report_registry ? kExitCannotRun : kExitFail;
    }
    std::cout << "withdrew suite " << a.suite << " " << a.suite_version
              << ": its records expire now\n(publish the site again to show it: vft registry "
                 "publish)\n";
    return kExitOk;
}

// registry.json as a procurement system receives it: the signature with a key the reader trusts,
// then the schema. Exit 0 verified · 1 not · 2 cannot read.
int verify_index(const RegistryArgs& a) {
    const auto text = read_all(a.record);
    if (!text) {
        std::cerr << "vft registry verify: cannot read " << a.record << "\n";
        return kExitCannotRun;
    }
    const std::string sig_path = a.sig.empty() ? a.record + ".sig" : a.sig;
    const auto sig = read_all(sig_path);
    auto key = auth::Key::load_file(a.key);
    if (!key) {
        std::cerr << "vft registry verify: " << key.error().to_string() << "\n";
        return kExitCannotRun;
    }
    if (!sig) {
        std::cout << "NOT VERIFIED: no signature " << sig_path << "\n";
        return kExitFail;
    }
    if (auto ok = reports::verify_signature(*text, *sig, *key); !ok) {
        std::cout << "NOT VERIFIED: " << ok.error().to_string() << "\n";
        return kExitFail;
    }
    if (auto ok = reports::validate_registry_json(*text); !ok) {
        std::cout << "NOT VERIFIED: " << ok.error().to_string() << "\n";
        return kExitFail;
    }
    std::cout << "verified: " << a.record << " is signed by key " << key->thumbprint()
              << " and meets registry.schema.json\n";
    return kExitOk;
}

int publish(const RegistryArgs& a) {
    auto db = open_db(a, "publish", false);
    if (!db) return kExitCannotRun;
    auto sign_key = auth::Key::load_file(a.sign_key);
    if (!sign_key) {
        std::cerr << "vft registry publish: " << sign_key.error().to_string() << "\n";
        return kExitCannotRun;
    }
    reports::PublishOptions o;
    o.out = a.out;
    o.title = a.title;
    o.sign_key = &*sign_key;
    o.at = a.at;
    for (const auto& k : a.keys) {
        const auto pem = read_all(k);
        if (!pem) {
            std::cerr << "vft registry publish: cannot read " << k << "\n";
            return kExitCannotRun;
        }
        o.public_keys.push_back(*pem);
    }
    auto done = reports::publish_site(*db, o);
    if (!done) {
        std::cerr << "vft registry publish: " << done.error().to_string() << "\n";
        return done.error().code == errc::report_publish ? kExitFail : kExitCannotRun;
    }
    std::cout << "published " << done->records << " certification(s) of " << done->products
              << " product(s), " << done->reports << " with the full report, to "
              << std::filesystem::absolute(a.out).string() << "/index.html\n";
    for (const auto& fp : done->key_fingerprints)
        std::cout << "published key " << fp << "\n";
    std::cout << "registry.json signed by key " << sign_key->thumbprint() << "\n";
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
    auto withdrawn = db->withdrawn_suites();
    if (!withdrawn) {
        std::cerr << "vft registry list: " << withdrawn.error().to_string() << "\n";
        return kExitCannotRun;
    }
    const auto states = reports::record_states(
        *entries, *withdrawn,
        vft::format_fhir_time(
            std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())));
    if (a.format == "json") {
        std::cout << "{\"records\":[";
        bool first = true;
        for (size_t i = 0; i < entries->size(); ++i) {
            const auto& e = (*entries)[i];
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
                      << "\",\"issuer_key_id\":\"" << esc(c.issuer_key_id) << "\",\"status\":\""
                      << reports::to_string(states[i].status) << "\",\"status_reason\":\""
                      << esc(states[i].reason) << "\"}";
            first = false;
        }
        std::cout << "]}\n";
        return kExitOk;
    }
    for (size_t i = 0; i < entries->size(); ++i) {
        const auto& e = (*entries)[i];
        const auto& c = e.record;
        std::cout << "#" << e.id << "  " << c.product << " " << c.product_version << " ("
                  << c.vendor << ")  " << c.suite << " " << c.suite_version << " " << c.role << "  "
                  << reports::to_string(c.verdict) << "  modules=" << modules(c.modules_passed)
                  << "  " << c.issued.substr(0, 10) << ".." << c.expires.substr(0, 10)
                  << "  key=" << c.issuer_key_id << "  " << reports::to_string(states[i].status)
                  << (states[i].reason.empty() ? "" : " (" + states[i].reason + ")") << "\n";
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
    add_cmd->add_option("--report", args->report,
                        "The full report.json to store with it (default: report.json beside "
                        "the record, when present; its .sig must verify with the same key)");
    add_cmd->add_flag("--no-report", args->no_report, "Store the record only");
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

    CLI::App* revoke_cmd = reg->add_subcommand(
        "revoke", "Revoke a record (by its number in `vft registry list`) with a reason");
    revoke_cmd->add_option("record", args->record_id, "Record number")->required();
    revoke_cmd->add_option("--reason", args->reason, "Why (shown on the site)")->required();
    revoke_cmd->add_option("--at", args->at, "When (date or date-time; default now)");
    db_option(revoke_cmd);
    revoke_cmd->callback([args, &exit_code] { exit_code = revoke(*args); });

    CLI::App* withdraw_cmd = reg->add_subcommand(
        "withdraw-suite", "Withdraw a suite version: every record under it expires");
    withdraw_cmd->add_option("suite", args->suite, "Suite id (vkp-r4, jft, pmd, kith)")->required();
    withdraw_cmd->add_option("version", args->suite_version, "Suite version")->required();
    withdraw_cmd->add_option("--reason", args->reason, "Why (shown on the site)")->required();
    withdraw_cmd->add_option("--at", args->at, "When (date or date-time; default now)");
    db_option(withdraw_cmd);
    withdraw_cmd->callback([args, &exit_code] { exit_code = withdraw(*args); });

    CLI::App* verify_cmd = reg->add_subcommand(
        "verify",
        "Check a published registry.json: its signature with a key you trust, its schema");
    verify_cmd->add_option("file", args->record, "registry.json")->required();
    verify_cmd->add_option("--key", args->key, "The program's public key (PEM) you trust")
        ->required();
    verify_cmd->add_option("--sig", args->sig, "Signature file (default FILE.sig)");
    verify_cmd->callback([args, &exit_code] { exit_code = verify_index(*args); });

    CLI::App* publish_cmd = reg->add_subcommand(
        "publish", "Write the public registry: a static site and a signed registry.json");
    publish_cmd->add_option("--out", args->out, "Folder for the site")->required();
    publish_cmd
        ->add_option("--sign-key", args->sign_key,
                     "The program's Ed25519 private key: signs registry.json; its public half "
                     "is published")
        ->required();
    publish_cmd->add_option("--key", args->keys,
                            "A further public key to publish (e.g. the previous one during a "
                            "rotation); repeatable");
    publish_cmd->add_option("--title", args->title, "The site's title");
    publish_cmd->add_option("--at", args->at, "Compute statuses for this date (default now)");
    db_option(publish_cmd);
    publish_cmd->callback([args, &exit_code] { exit_code = publish(*args); });
}

}  // namespace vft::cli
