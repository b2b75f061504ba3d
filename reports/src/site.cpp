// The public registry site (site.hpp). The pages are the templates of reports/site (embedded at
// build time); C++ fills in only the title (HTML-escaped) and identifiers it made itself (record
// numbers, product slugs of [a-z0-9-]), and writes the data the pages show as JSON inside .js
// files (loaded with <script>, since browsers refuse fetch() under file://). The pages put every
// string from that data into the DOM with textContent, never as markup.
#include "vft/reports/site.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <map>
#include <set>

#include "embedded_site.hpp"
#include "markup.hpp"
#include "reports_util.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/reports/html.hpp"
#include "vft/reports/schema.hpp"
#include "vft/reports/signature.hpp"

namespace vft::reports {
namespace {

namespace fs = std::filesystem;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Error publish_error(std::string message, std::string location = {}, std::string hint = {}) {
    return detail::report_error(errc::report_publish, std::move(message), std::move(location),
                                std::move(hint));
}

std::string_view asset(std::string_view name) {
    for (const auto* f = vft::detail::embedded_site_files(); f->path; ++f)
        if (name == f->path) return {f->data, f->size};
    return {};
}

std::string html_escape(std::string_view s) {
    return detail::escape_markup(s);
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string base64(std::string_view in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v =
            uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

// Text that becomes a JS string must be valid UTF-8 (rapidjson checks on parse, not on write):
// invalid sequences become U+FFFD.
std::string valid_utf8(std::string_view s) {
    std::string o;
    o.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const auto c = uint8_t(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xc2);
        for (size_t k = 1; ok && k < n; ++k)
            ok = (uint8_t(s[i + k]) & 0xc0) == 0x80;
        if (ok && n == 3) {
            const uint32_t cp = (c & 15u) << 12 | (uint8_t(s[i + 1]) & 63u) << 6;
            ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
        }
        if (ok && n == 4)
            ok = c <= 0xf4 && !(c == 0xf0 && uint8_t(s[i + 1]) < 0x90) &&
                 !(c == 0xf4 && uint8_t(s[i + 1]) > 0x8f);
        if (ok) {
            o.append(s.substr(i, n));
            i += n;
        } else {
            o += "\xef\xbf\xbd";
            ++i;
        }
    }
    return o;
}

void str(Writer& w, const char* key, std::string_view value) {
    w.Key(key);
    const std::string v = valid_utf8(value);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

// "Acme & Co" + "CareHub <X>" → "acme-co-carehub-x-1a2b3c4d": readable, safe in a file name and a
// URL, unique by the hash of the exact names.
std::string slug(const std::string& vendor, const std::string& product) {
    std::string s;
    for (char c : vendor + " " + product) {
        const char l = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
        if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9'))
            s += l;
        else if (!s.empty() && s.back() != '-')
            s += '-';
        if (s.size() >= 48) break;
    }
    while (!s.empty() && s.back() == '-')
        s.pop_back();
    return (s.empty() ? "product" : s) + "-" +
           sha256_hex(std::to_string(vendor.size()) + ":" + vendor + product).substr(0, 10);
}

Result<void> write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out) out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out)
        return detail::report_error(errc::io_write, "cannot write the file", path.string(),
                                    "check that the output folder is writable");
    return {};
}

struct Published {
    std::string kid;
    std::string jwk;  // {"kty":"OKP","crv":"Ed25519","x":…}
    std::string pem;
};

struct Row {
    const RegistryEntry* entry;
    RecordState state;
    std::string slug;
    std::string record_sha256;
    bool has_report = false;
};

// One record's entry in registry.json (also the data of its product and certification pages).
void write_record(Writer& w, const Row& r) {
    const auto& c = r.entry->record;
    const std::string id = std::to_string(r.entry->id);
    const std::string dir = "c/" + id + "/";
    w.StartObject();
    w.Key("id");
    w.Int64(r.entry->id);
    str(w, "vendor", c.vendor);
    str(w, "product", c.product);
    str(w, "product_version", c.product_version);
    str(w, "role", c.role);
    w.Key("modules");
    w.StartArray();
    for (const auto& m : c.modules_passed) {
        const std::string v = valid_utf8(m);
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndArray();
    str(w, "suite", c.suite);
    str(w, "suite_version", c.suite_version);
    str(w, "issued", c.issued);
    str(w, "expires", c.expires);
    str(w, "status", to_string(r.state.status));
    str(w, "status_reason", r.state.reason);
    str(w, "revoked", r.entry->revoked);
    w.Key("superseded_by");
    w.Int64(r.state.superseded_by);
    str(w, "issuer_key_id", c.issuer_key_id);
    str(w, "report_sha256", c.report_sha256);
    str(w, "record_sha256", r.record_sha256);
    str(w, "run_id", c.run_id);
    str(w, "tool_version", c.tool_version);
    str(w, "product_page", "p/" + r.slug + ".html");
    str(w, "page", dir + "index.html");
    w.Key("files");
    w.StartObject();
    str(w, "certification", dir + "certification.json");
    str(w, "certification_sig", dir + "certification.json.sig");
    str(w, "report_json", r.has_report ? dir + "report.json" : "");
    str(w, "report_sig", r.has_report ? dir + "report.json.sig" : "");
    str(w, "report_html", r.has_report ? dir + "report.html" : "");
    w.EndObject();
    w.EndObject();
}

std::string page(std::string_view name, const std::string& title, std::string_view root,
                 std::string_view slug_value, std::string_view id) {
    std::string text(asset(name));
    text = replace_all(std::move(text), "{{TITLE}}", html_escape(title));
    text = replace_all(std::move(text), "{{ROOT}}", root);
    text = replace_all(std::move(text), "{{SLUG}}", slug_value);
    text = replace_all(std::move(text), "{{ID}}", id);
    return text;
}

}  // namespace

Result<PublishSummary> publish_site(const Registry& registry, const PublishOptions& options) {
    if (!options.sign_key || options.sign_key->algorithm() != auth::Algorithm::eddsa ||
        !options.sign_key->has_private())
        return publish_error("registry.json is signed with the program's Ed25519 private key",
                             "--sign-key", "make one with `vft keys generate --out PREFIX`");
    if (options.out.empty()) return publish_error("no output folder", "--out");
    const std::string at = options.at.empty() ? detail::now_utc() : options.at;
    const std::string title =
        options.title.empty() ? "Sertifiserte produkter – velferdsteknologi" : options.title;

    // The published keys: the signing key first, then the others, each once.
    std::vector<Published> keys;
    std::set<std::string> kids;
    auto publish_key = [&](const auth::Key& k) {
        if (!kids.insert(k.thumbprint()).second) return;
        keys.push_back({k.thumbprint(), k.public_jwk_json(), k.public_pem()});
    };
    publish_key(*options.sign_key);
    for (const auto& pem : options.public_keys) {
        auto k = auth::Key::load_pem(pem);
        if (!k) return k.error();
        if (k->algorithm() != auth::Algorithm::eddsa)
            return publish_error("a published key is not an Ed25519 key", "--key");
        publish_key(*k);
    }

    auto entries = registry.list();
    if (!entries) return entries.error();
    auto withdrawn = registry.withdrawn_suites();
    if (!withdrawn) return withdrawn.error();
    const auto states = record_states(*entries, *withdrawn, at);

    std::vector<Row> rows;
    for (size_t i = 0; i < entries->size(); ++i) {
        if (states[i].status == RecordStatus::not_certified) continue;
        const auto& e = (*entries)[i];
        if (!kids.count(e.record.issuer_key_id))
            return publish_error("record #" + std::to_string(e.id) + " is signed by key " +
                                     e.record.issuer_key_id +
                                     ", which the site would not publish: the browser could "
                                     "not verify it",
                                 "record #" + std::to_string(e.id),
                                 "publish that key too (--key OLD.pub), e.g. during a key "
                                 "rotation; docs/registry.md");
        rows.push_back({&e, states[i], slug(e.record.vendor, e.record.product), {}, e.has_report});
    }

    std::error_code ec;
    for (const char* d : {"", "assets", "data", "p", "c", "keys"}) {
        fs::create_directories(options.out / d, ec);
        if (ec)
            return detail::report_error(errc::io_write, "cannot create the folder: " + ec.message(),
                                        (options.out / d).string());
    }

    PublishSummary summary;
    // Keys: PEM files for `vft report verify --key`, and data for the pages.
    for (const auto& k : keys) {
        if (auto ok = write_file(options.out / "keys" / (k.kid + ".pub"), k.pem); !ok)
            return ok.error();
        summary.key_fingerprints.push_back(k.kid);
    }
    if (auto ok = write_file(options.out / "keys" / "program.pub", keys.front().pem); !ok)
        return ok.error();

    // Per certification: the record and report files and the page's data.
    std::map<std::string, std::vector<size_t>> products;
    for (size_t i = 0; i < rows.size(); ++i) {
        auto& r = rows[i];
        const auto id = r.entry->id;
        const fs::path dir = options.out / "c" / std::to_string(id);
        fs::create_directories(dir, ec);
        if (ec)
            return detail::report_error(errc::io_write, "cannot create the folder: " + ec.message(),
                                        dir.string());
        auto files = registry.record_files(id);
        if (!files) return files.error();
        r.record_sha256 = sha256_hex(files->first);
        if (auto ok = write_file(dir / "certification.json", files->first); !ok) return ok.error();
        if (auto ok = write_file(dir / "certification.json.sig", files->second); !ok)
            return ok.error();
        StoredReport rep;
        if (r.has_report) {
            auto got = registry.report(id);
            if (!got) return got.error();
            rep = std::move(*got);
            if (rep.report_html.empty()) {
                // Stored without its page: render it from the signed bytes.
                auto parsed = from_json(rep.report_json);
                if (parsed) rep.report_html = render_html(*parsed);
            }
            if (auto ok = write_file(dir / "report.json", rep.report_json); !ok) return ok.error();
            if (auto ok = write_file(dir / "report.json.sig", rep.report_sig); !ok)
                return ok.error();
            if (auto ok = write_file(dir / "report.html", rep.report_html); !ok) return ok.error();
            ++summary.reports;
        }
        rapidjson::StringBuffer buf;
        Writer w(buf);
        w.StartObject();
        w.Key("record");
        write_record(w, r);
        str(w, "certification_b64", base64(files->first));
        str(w, "certification_sig", files->second);
        str(w, "report_b64", base64(rep.report_json));
        str(w, "report_sig", rep.report_sig);
        w.EndObject();
        const std::string js =
            "vftCertification(" + std::string(buf.GetString(), buf.GetSize()) + ");\n";
        if (auto ok = write_file(dir / "data.js", js); !ok) return ok.error();
        if (auto ok = write_file(dir / "index.html", page("certification.html", title, "../../",
                                                          r.slug, std::to_string(id)));
            !ok)
            return ok.error();
        products[r.slug].push_back(i);
    }

    // registry.json: the index as data, signed; data/registry.js: the same for the pages.
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    str(w, "format", "vft-registry/1");
    str(w, "title", title);
    str(w, "generated", detail::now_utc());
    str(w, "status_at", at);
    w.Key("keys");
    w.StartArray();
    for (const auto& k : keys) {
        w.StartObject();
        str(w, "kid", k.kid);
        w.Key("jwk");
        w.RawValue(k.jwk.data(), k.jwk.size(), rapidjson::kObjectType);
        str(w, "file", "keys/" + k.kid + ".pub");
        w.EndObject();
    }
    w.EndArray();
    w.Key("withdrawn_suites");
    w.StartArray();
    for (const auto& s : *withdrawn) {
        w.StartObject();
        str(w, "suite", s.suite);
        str(w, "suite_version", s.suite_version);
        str(w, "withdrawn", s.withdrawn);
        str(w, "reason", s.reason);
        w.EndObject();
    }
    w.EndArray();
    w.Key("records");
    w.StartArray();
    for (const auto& r : rows)
        write_record(w, r);
    w.EndArray();
    w.EndObject();
    const std::string registry_json = std::string(buf.GetString(), buf.GetSize()) + "\n";
    if (auto ok = validate_registry_json(registry_json); !ok) return ok.error();
    auto sig = sign_bytes(registry_json, *options.sign_key);
    if (!sig) return sig.error();
    if (auto ok = write_file(options.out / "registry.json", registry_json); !ok) return ok.error();
    if (auto ok = write_file(options.out / "registry.json.sig", *sig); !ok) return ok.error();
    if (auto ok =
            write_file(options.out / "data" / "registry.js",
                       "vftRegistry(" + registry_json.substr(0, registry_json.size() - 1) + ");\n");
        !ok)
        return ok.error();

    {
        rapidjson::StringBuffer kb;
        Writer kw(kb);
        kw.StartArray();
        for (const auto& k : keys) {
            kw.StartObject();
            str(kw, "kid", k.kid);
            kw.Key("jwk");
            kw.RawValue(k.jwk.data(), k.jwk.size(), rapidjson::kObjectType);
            str(kw, "file", "keys/" + k.kid + ".pub");
            kw.EndObject();
        }
        kw.EndArray();
        if (auto ok = write_file(options.out / "data" / "keys.js",
                                 "vftKeys(" + std::string(kb.GetString(), kb.GetSize()) + ");\n");
            !ok)
            return ok.error();
    }

    // Product pages: one per vendor + product (their data is in data/registry.js).
    for (const auto& [s, members] : products)
        if (auto ok = write_file(options.out / "p" / (s + ".html"),
                                 page("product.html", title, "../", s, ""));
            !ok)
            return ok.error();

    if (auto ok = write_file(options.out / "index.html", page("index.html", title, "", "", ""));
        !ok)
        return ok.error();
    for (const char* a : {"site.css", "site.js", "verify.js"})
        if (auto ok = write_file(options.out / "assets" / a, asset(a)); !ok) return ok.error();

    summary.records = rows.size();
    summary.products = products.size();
    return summary;
}

}  // namespace vft::reports
