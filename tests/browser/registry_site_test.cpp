// The public registry site in a real browser. A registry with signed records and reports (one
// vendor name is hostile markup, one record is revoked) is published with publish_site; headless
// Chromium opens the pages from disk and dumps the DOM it built after the page's scripts ran:
//   - search (index.html#q=…) finds a product by its vendor's name;
//   - filtering by module (#module=kith) narrows the list;
//   - a genuine report's page shows "verified" (WebCrypto Ed25519 over the embedded bytes);
//   - a copy of the site with one byte of report.json changed shows "NOT verified — the file was
//     changed";
//   - a revoked record shows its reason, in the list and on its page;
//   - the hostile vendor name is text, not markup;
//   - no network request is made: every run writes a Chromium NetLog (--log-net-log) and the test
//     fails on any URL request a page started (the browser's own background requests carry the
//     initiator "not an origin" and are not the site's). A control page with one external <img>
//     proves the detector sees a page's request. Name resolution is also disabled
//     (--host-resolver-rules), so a request could not succeed anyway.
// Usage: vft_registry_browser_test WORKDIR. Exit 0 pass, 1 fail, 77 skipped (no chromium).
#include <fcntl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/sample_registry.hpp"
#include "browser_support.hpp"
#include "vft/reports/site.hpp"

namespace fs = std::filesystem;

using namespace vft::test::browser;

namespace {

void spit(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << s;
}

std::string text(xmlNode* n) {
    xmlChar* t = xmlNodeGetContent(n);
    std::string s = t ? reinterpret_cast<const char*>(t) : "";
    xmlFree(t);
    return s;
}

// What the page's DOM showed after its scripts ran.
struct Page {
    bool ok = false;
    std::map<std::string, xmlNode*> ids;
    std::vector<xmlNode*> rows;  // elements with data-record
    std::vector<xmlNode*> scripts;
    std::string title;
    xmlDoc* doc = nullptr;
    std::string netlog;
    Page() = default;
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;
    ~Page() {
        if (doc) xmlFreeDoc(doc);
    }
};

std::string id_text(Page& p, const std::string& id) {
    return p.ids.count(id) ? text(p.ids[id]) : std::string("<no #" + id + ">");
}

// The requests a page started, from a NetLog: URL_REQUEST_START_JOB events whose initiator is an
// origin (or "null", a file:// page) — not the browser's own ("not an origin").
std::vector<std::string> page_requests(const std::string& netlog_text) {
    std::vector<std::string> out;
    rapidjson::Document d;
    d.Parse(netlog_text.c_str());
    if (d.HasParseError()) {
        // A NetLog is complete when Chromium exits normally; repair a missing tail.
        std::string copy = netlog_text;
        while (!copy.empty() && (copy.back() == '\n' || copy.back() == ','))
            copy.pop_back();
        copy += "]}";
        d.Parse(copy.c_str());
    }
    if (!d.IsObject() || !d.HasMember("events") || !d.HasMember("constants")) {
        out.push_back("<the NetLog cannot be read>");
        return out;
    }
    int start_job = -1;
    const auto& types = d["constants"]["logEventTypes"];
    if (types.HasMember("URL_REQUEST_START_JOB"))
        start_job = types["URL_REQUEST_START_JOB"].GetInt();
    if (start_job < 0) {
        out.push_back("<the NetLog names no URL_REQUEST_START_JOB>");
        return out;
    }
    for (const auto& e : d["events"].GetArray()) {
        if (!e.IsObject() || !e.HasMember("type") || e["type"].GetInt() != start_job) continue;
        if (!e.HasMember("params") || !e["params"].IsObject()) continue;
        const auto& p = e["params"];
        // The BEGIN event carries url and initiator; the END event only net_error.
        if (!p.HasMember("url") || !p["url"].IsString()) continue;
        const std::string url = p["url"].GetString();
        const std::string initiator =
            p.HasMember("initiator") && p["initiator"].IsString() ? p["initiator"].GetString() : "";
        if (initiator == "not an origin") continue;  // the browser's own (updates, time)
        out.push_back(url + " (initiator " + initiator + ")");
    }
    return out;
}

class Browser {
  public:
    Browser(std::string chromium, fs::path dir)
        : chromium_(std::move(chromium)), dir_(std::move(dir)) {}

    void load(Page& page, const std::string& url, const std::string& name) {
        const fs::path net = dir_ / (name + ".netlog.json");
        const std::vector<std::string> argv = {chromium_,
                                               "--headless",
                                               "--disable-gpu",
                                               "--no-sandbox",
                                               "--no-first-run",
                                               "--user-data-dir=" + (dir_ / "profile").string(),
                                               "--host-resolver-rules=MAP * ~NOTFOUND",
                                               "--log-net-log=" + net.string(),
                                               "--window-size=1280,1400",
                                               "--dump-dom",
                                               url};
        fs::remove(net);
        const int rc =
            run(argv, dir_ / (name + ".html"), dir_ / (name + ".log"), std::chrono::seconds(120));
        check(rc == 0, name + ": chromium --dump-dom exits 0 (got " + std::to_string(rc) + ")");
        const std::string dom = slurp(dir_ / (name + ".html"));
        page.netlog = slurp(net);
        page.doc = htmlReadMemory(dom.data(), static_cast<int>(dom.size()), "dom.html", "UTF-8",
                                  HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
        if (!page.doc) return;
        walk(xmlDocGetRootElement(page.doc), [&](xmlNode* n) {
            if (auto id = attr(n, "id"); !id.empty()) page.ids[id] = n;
            if (!attr(n, "data-record").empty() && xmlStrEqual(n->name, BAD_CAST "tr"))
                page.rows.push_back(n);
            if (xmlStrEqual(n->name, BAD_CAST "script")) page.scripts.push_back(n);
            if (xmlStrEqual(n->name, BAD_CAST "title")) page.title = text(n);
        });
        page.ok = true;
    }

    // The site's pages make no request: fail on any.
    void no_requests(const Page& page, const std::string& name) {
        const auto reqs = page_requests(page.netlog);
        std::string list;
        for (const auto& r : reqs)
            list += "\n       " + r;
        check(reqs.empty(), name + ": the page made no network request" + list);
    }

  private:
    std::string chromium_;
    fs::path dir_;
};

std::string b64_decode(const std::string& in) {
    std::string out;
    int val = 0, bits = -8;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else
            break;
        val = (val << 6) + v;
        bits += 6;
        if (bits >= 0) {
            out += char((val >> bits) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::string b64_encode(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : in) {
        val = (val << 8) + c;
        bits += 8;
        while (bits >= 0) {
            out += t[(val >> bits) & 0x3f];
            bits -= 6;
        }
    }
    if (bits > -6) out += t[((val << 8) >> (bits + 8)) & 0x3f];
    while (out.size() % 4)
        out += '=';
    return out;
}

std::string url_of(const fs::path& p, const std::string& hash = {}) {
    return "file://" + p.string() + (hash.empty() ? "" : "#" + hash);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string chromium = find_chromium();
    if (chromium.empty()) {
        std::cout << "SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's "
                     "`chromium` with VFT_WITH_BROWSER=1, as scripts/test.sh does)\n";
        return 77;
    }
    const fs::path dir = fs::absolute(argc > 1 ? argv[1] : "browser-registry");
    fs::remove_all(dir);
    fs::create_directories(dir);

    // The registry: a hostile vendor, the vendor the search looks for, the one KITH product, a
    // revoked record, and twenty ordinary alarm products so that a filter visibly narrows.
    auto key = vft::auth::Key::generate(vft::auth::Algorithm::eddsa);
    auto reg = vft::reports::Registry::open({dir / "registry.sqlite"});
    if (!key || !reg) {
        std::cout << "FAIL cannot make the key or the registry\n";
        return 1;
    }
    const std::string hostile =
        "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";
    const std::string revoke_reason = "Sikkerhetsfeil i innlogging <b>funnet</b> 2026-02-01";
    vft::test::SampleRecord s;
    s.vendor = hostile;
    s.product = "Fiendtlig";
    s.modules = {"alarm"};
    const int64_t hostile_id = vft::test::add_sample_record(*reg, *key, s);
    s.vendor = "Nordlys Helse AS";
    s.product = "Nordlys Mottak";
    s.modules = {"alarm", "medication"};
    const int64_t nordlys_id = vft::test::add_sample_record(*reg, *key, s);
    s.vendor = "Fjord Omsorg";
    s.product = "Fjord EPJ";
    s.suite = "kith";
    s.modules = {"kith"};
    const int64_t kith_id = vft::test::add_sample_record(*reg, *key, s);
    s.suite = "vkp-r4";
    s.vendor = "Eksempel AS";
    s.product = "Omsorg EPJ";
    s.modules = {"medication", "search"};
    const int64_t revoked_id = vft::test::add_sample_record(*reg, *key, s);
    s.modules = {"alarm"};
    int total = 4;
    for (int i = 0; i < 20; ++i, ++total) {
        s.vendor = "Leverandør " + std::to_string(i);
        s.product = "Alarmsentral " + std::to_string(i);
        if (vft::test::add_sample_record(*reg, *key, s) == 0) {
            std::cout << "FAIL cannot add a record\n";
            return 1;
        }
    }
    if (!hostile_id || !nordlys_id || !kith_id || !revoked_id ||
        !reg->revoke(revoked_id, revoke_reason, "2026-02-02T00:00:00Z").ok()) {
        std::cout << "FAIL cannot fill the registry\n";
        return 1;
    }
    vft::reports::PublishOptions o;
    o.out = dir / "site";
    o.sign_key = &*key;
    o.at = "2026-06-01T00:00:00Z";
    if (auto done = vft::reports::publish_site(*reg, o); !done) {
        std::cout << "FAIL publish: " << done.error().to_string() << "\n";
        return 1;
    }
    Browser browser(chromium, dir);

    // The detector sees a page's request: a control page with one external image.
    {
        spit(dir / "control-page.html",
             "<!doctype html><html><body><img src=\"https://vft-control.invalid/x.png\"></body>"
             "</html>");
        Page p;
        browser.load(p, url_of(dir / "control-page.html"), "control");
        const auto reqs = page_requests(p.netlog);
        bool seen = false;
        for (const auto& r : reqs)
            seen = seen || r.find("vft-control.invalid") != std::string::npos;
        check(seen, "control: the NetLog check sees the control page's external request");
    }

    // The whole list, in English: every record, the hostile name as text.
    {
        Page p;
        browser.load(p, url_of(o.out / "index.html", "lang=en"), "index");
        check(p.ok, "index: the dumped DOM parses");
        check(p.ids.count("count") && attr(p.ids["count"], "data-count") == std::to_string(total),
              "index: the list counts every record (" + std::to_string(total) + ", page says " +
                  (p.ids.count("count") ? attr(p.ids["count"], "data-count") : "?") + ")");
        check(p.rows.size() == size_t(total), "index: one row per record on the first page (" +
                                                  std::to_string(p.rows.size()) + ")");
        bool hostile_as_text = false;
        for (auto* r : p.rows)
            if (attr(r, "data-record") == std::to_string(hostile_id))
                hostile_as_text = text(r).find(hostile) != std::string::npos;
        check(hostile_as_text, "index: the hostile vendor name is shown as text");
        size_t inline_scripts = 0;
        for (auto* sc : p.scripts)
            inline_scripts += attr(sc, "src").empty();
        check(p.scripts.size() == 2 && inline_scripts == 0,
              "index: no injected <script> (only the site's two: " +
                  std::to_string(p.scripts.size()) + ")");
        check(p.title.find("pwned") == std::string::npos, "index: no injected script ran");
        check(p.ids.count("x") == 0, "index: no injected element");
        check(id_text(p, "list-h") == "Certifications", "index: the English labels are used");
        browser.no_requests(p, "index");
    }

    // Search by a vendor's name (the default language, bokmål).
    {
        Page p;
        browser.load(p, url_of(o.out / "index.html", "q=nordlys%20helse"), "search");
        check(p.rows.size() == 1 && attr(p.rows[0], "data-record") == std::to_string(nordlys_id),
              "search: 'nordlys helse' finds exactly Nordlys Helse AS's product (" +
                  std::to_string(p.rows.size()) + " rows)");
        check(!p.rows.empty() && text(p.rows[0]).find("Nordlys Mottak") != std::string::npos,
              "search: the row names the product");
        check(id_text(p, "list-h") == "Sertifiseringer", "search: bokmål labels by default");
        browser.no_requests(p, "search");
    }

    // Filter by module.
    {
        Page p;
        browser.load(p, url_of(o.out / "index.html", "module=kith"), "filter");
        check(p.rows.size() == 1 && attr(p.rows[0], "data-record") == std::to_string(kith_id),
              "filter: module kith narrows " + std::to_string(total) + " records to Fjord EPJ (" +
                  std::to_string(p.rows.size()) + " rows)");
        Page q;
        browser.load(q, url_of(o.out / "index.html", "module=medication"), "filter2");
        check(q.rows.size() == 2, "filter: module medication shows its 2 records (" +
                                      std::to_string(q.rows.size()) + ")");
        browser.no_requests(p, "filter");
    }

    // A revoked record shows its reason, in the list and on its page.
    {
        Page p;
        browser.load(p, url_of(o.out / "index.html", "status=revoked&lang=en"), "revoked");
        check(p.rows.size() == 1 && attr(p.rows[0], "data-status") == "revoked",
              "revoked: the status filter shows the revoked record");
        check(!p.rows.empty() && text(p.rows[0]).find(revoke_reason) != std::string::npos &&
                  text(p.rows[0]).find("Revoked") != std::string::npos,
              "revoked: the row says Revoked with the reason");
        Page c;
        browser.load(c, url_of(o.out / "c" / std::to_string(revoked_id) / "index.html"),
                     "revoked-page");
        check(id_text(c, "cert-status").find(revoke_reason) != std::string::npos &&
                  id_text(c, "cert-status").find("Tilbakekalt") != std::string::npos,
              "revoked: its page says Tilbakekalt with the reason (" + id_text(c, "cert-status") +
                  ")");
        browser.no_requests(c, "revoked-page");
    }

    // A genuine report verifies.
    const fs::path good = o.out / "c" / std::to_string(nordlys_id) / "index.html";
    {
        Page p;
        browser.load(p, url_of(good, "lang=en"), "genuine");
        const std::string state =
            p.ids.count("verify-result") ? attr(p.ids["verify-result"], "data-state") : "";
        check(state == "verified", "genuine: the report page's check says verified (state '" +
                                       state + "': " + id_text(p, "verify-result") + ")");
        check(id_text(p, "verify-result").rfind("verified", 0) == 0,
              "genuine: the text starts with 'verified'");
        check(id_text(p, "fingerprint") == key->thumbprint(),
              "genuine: the fingerprint computed in the page is the key's RFC 7638 thumbprint");
        browser.no_requests(p, "genuine");
    }

    // A copy of the site with one byte of the report changed does not.
    {
        const fs::path copy = dir / "tampered";
        fs::copy(o.out, copy, fs::copy_options::recursive);
        const fs::path data = copy / "c" / std::to_string(nordlys_id) / "data.js";
        std::string js = slurp(data);
        const std::string tag = "\"report_b64\":\"";
        const auto at = js.find(tag);
        const auto end = at == std::string::npos ? at : js.find('"', at + tag.size());
        bool changed = false;
        if (end != std::string::npos) {
            std::string bytes = b64_decode(js.substr(at + tag.size(), end - at - tag.size()));
            const auto v = bytes.find("\"pass\"", bytes.find("\"verdict\""));
            if (v != std::string::npos) {
                bytes[v + 1] = 'P';  // "pass" -> "Pass": one byte
                js.replace(at + tag.size(), end - at - tag.size(), b64_encode(bytes));
                spit(data, js);
                spit(copy / "c" / std::to_string(nordlys_id) / "report.json", bytes);
                changed = true;
            }
        }
        check(changed, "tampered: one byte of the copy's report.json changed");
        Page p;
        browser.load(p, url_of(copy / "c" / std::to_string(nordlys_id) / "index.html", "lang=en"),
                     "tampered");
        const std::string state =
            p.ids.count("verify-result") ? attr(p.ids["verify-result"], "data-state") : "";
        check(state == "not-verified", "tampered: the check says not verified (state '" + state +
                                           "': " + id_text(p, "verify-result") + ")");
        check(id_text(p, "verify-result") == "NOT verified — the file was changed",
              "tampered: the text reads 'NOT verified — the file was changed'");
        Page nb;
        browser.load(nb, url_of(copy / "c" / std::to_string(nordlys_id) / "index.html"),
                     "tampered-nb");
        check(id_text(nb, "verify-result") == "IKKE VERIFISERT — filen er endret",
              "tampered: in bokmål 'IKKE VERIFISERT — filen er endret'");
        browser.no_requests(p, "tampered");
    }

    // A browser without Ed25519 in WebCrypto (simulated: importKey refuses it, as such browsers
    // do) is told so plainly and shown the offline command.
    {
        const fs::path copy = dir / "no-ed25519";
        fs::copy(o.out, copy, fs::copy_options::recursive);
        const std::string js = slurp(copy / "assets" / "site.js");
        spit(copy / "assets" / "site.js",
             "crypto.subtle.importKey = function () { return Promise.reject(new "
             "DOMException('Ed25519 is not supported', 'NotSupportedError')); };\n" +
                 js);
        Page p;
        browser.load(p, url_of(copy / "c" / std::to_string(nordlys_id) / "index.html", "lang=en"),
                     "no-ed25519");
        const std::string state =
            p.ids.count("verify-result") ? attr(p.ids["verify-result"], "data-state") : "";
        check(state == "unsupported", "no Ed25519: the check says so (state '" + state +
                                          "': " + id_text(p, "verify-result") + ")");
        check(id_text(p, "verify-result").find("cannot check Ed25519") != std::string::npos,
              "no Ed25519: the text says the browser cannot check Ed25519 signatures");
        check(id_text(p, "offline").find("vft report verify report.json --key program.pub") !=
                  std::string::npos,
              "no Ed25519: the offline command is shown");
    }

    // The product page lists the product's versions and the files to download.
    {
        Page p;
        std::string product_page;
        for (const auto& e : fs::directory_iterator(o.out / "p"))
            if (slurp(e.path()).find("data-slug") != std::string::npos &&
                e.path().filename().string().rfind("nordlys", 0) == 0)
                product_page = e.path().string();
        check(!product_page.empty(), "product: Nordlys has a product page");
        browser.load(p, url_of(product_page), "product");
        check(id_text(p, "product-h") == "Nordlys Mottak",
              "product: the page names the product (" + id_text(p, "product-h") + ")");
        check(p.rows.size() == 1 && text(p.rows[0]).find("report.json") != std::string::npos,
              "product: the certification with report.json to download");
        browser.no_requests(p, "product");
    }

    std::cout << (failures ? "FAILED" : "PASSED") << " — files in " << dir.string() << "\n";
    if (!failures) fs::remove_all(dir / "profile");
    return failures ? 1 : 0;
}
