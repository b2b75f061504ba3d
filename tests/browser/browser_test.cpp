// report.html in a real browser. Headless Chromium loads the file from disk (name resolution
// disabled, so any attempt to fetch something would fail visibly), dumps the DOM it built and
// takes a screenshot. Checks: the DOM shows the verdict and every test ID and contains no element
// the report's bodies tried to inject; the PNG is a real rendering (not blank, verdict colour
// present). Usage: vft_browser_test WORKDIR. Exit 0 pass, 1 fail, 77 skipped (no chromium).
#include <fcntl.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#ifdef VFT_HAVE_ZLIB
#include <zlib.h>
#endif

#include "../support/sample_report.hpp"
#include "browser_support.hpp"
#include "vft/reports/output.hpp"

namespace fs = std::filesystem;

using namespace vft::test::browser;

namespace {

uint32_t be32(const std::string& s, size_t at) {
    return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
           (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

struct Png {
    bool ok = false;
    uint32_t width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    std::string idat;
};

Png read_png(const std::string& data) {
    Png p;
    if (data.size() < 33 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return p;
    size_t at = 8;
    while (at + 12 <= data.size()) {
        const uint32_t len = be32(data, at);
        const std::string type = data.substr(at + 4, 4);
        if (at + 12 + len > data.size()) return p;
        if (type == "IHDR" && len >= 13) {
            p.width = be32(data, at + 8);
            p.height = be32(data, at + 12);
            p.bit_depth = uint8_t(data[at + 16]);
            p.color_type = uint8_t(data[at + 17]);
        } else if (type == "IDAT") {
            p.idat.append(data, at + 8, len);
        } else if (type == "IEND") {
            p.ok = p.width > 0 && p.height > 0;
            return p;
        }
        at += 12 + len;
    }
    return p;
}

#ifdef VFT_HAVE_ZLIB
// Inflates and unfilters an 8-bit RGB/RGBA PNG into rows of pixels.
bool decode(const Png& p, std::vector<uint8_t>& pixels, int& channels) {
    if (p.bit_depth != 8 || (p.color_type != 2 && p.color_type != 6)) return false;
    channels = p.color_type == 6 ? 4 : 3;
    const size_t stride = size_t(p.width) * size_t(channels);
    std::vector<uint8_t> raw((stride + 1) * p.height);
    uLongf raw_len = raw.size();
    if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(p.idat.data()),
                   p.idat.size()) != Z_OK ||
        raw_len != raw.size())
        return false;
    pixels.assign(stride * p.height, 0);
    for (size_t y = 0; y < p.height; ++y) {
        const uint8_t filter = raw[y * (stride + 1)];
        const uint8_t* in = &raw[y * (stride + 1) + 1];
        uint8_t* row = &pixels[y * stride];
        const uint8_t* prev = y ? &pixels[(y - 1) * stride] : nullptr;
        for (size_t x = 0; x < stride; ++x) {
            const int a = x >= size_t(channels) ? row[x - channels] : 0;
            const int b = prev ? prev[x] : 0;
            const int c = prev && x >= size_t(channels) ? prev[x - channels] : 0;
            int v = in[x];
            switch (filter) {
                case 0:
                    break;
                case 1:
                    v += a;
                    break;
                case 2:
                    v += b;
                    break;
                case 3:
                    v += (a + b) / 2;
                    break;
                case 4: {
                    const int pa = std::abs(b - c), pb = std::abs(a - c),
                              pc = std::abs(a + b - 2 * c);
                    v += (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
                    break;
                }
                default:
                    return false;
            }
            row[x] = static_cast<uint8_t>(v);
        }
    }
    return true;
}
#endif

}  // namespace

int main(int argc, char** argv) {
    const std::string chromium = find_chromium();
    if (chromium.empty()) {
        std::cout << "SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's "
                     "`chromium` with VFT_WITH_BROWSER=1, as scripts/test.sh does)\n";
        return 77;
    }
    const fs::path dir = fs::absolute(argc > 1 ? argv[1] : "browser-report");
    fs::remove_all(dir);
    fs::create_directories(dir);

    // A failing report whose bodies try to inject markup.
    vft::reports::Report report = vft::test::sample_report({});
    report.tests[1].exchanges[0].response_body =
        "</script><img src=x onerror=alert(1)><script>document.title='pwned'</script>";
    // The traceability section (suite 1.1.0): a met SHALL with a linked source, a failed one, a
    // SHOULD nothing checked, and a statement that tries to inject markup.
    vft::reports::Traceability tr;
    tr.requirements.push_back({"REQ-VKP-0001",
                               "SHALL",
                               "A valid journaling bundle is accepted.",
                               "https://utviklerportal.nhn.no/vkp (journaling); fhir-r4:bdl-7",
                               "met",
                               {report.tests[0].id}});
    tr.requirements.push_back(
        {"REQ-VKP-0002",
         "SHALL",
         "<img src=x onerror=alert(2)> refused with 400",
         "specs/upstream/vkp-r4/StructureDefinition/x.xml#Composition.category",
         "failed",
         {report.tests[1].id}});
    tr.requirements.push_back({"REQ-VKP-0014",
                               "DECISION",
                               "Resubmission journaled once.",
                               "specs/DECISIONS.md",
                               "not checked",
                               {}});
    tr.shall = 2;
    tr.shall_checked = 2;
    tr.shall_met = 1;
    report.traceability = tr;
    vft::test::refresh(report);
    vft::reports::WriteOptions o;
    o.dir = dir / "out";
    if (auto ok = vft::reports::write_report_files(report, o); !ok) {
        std::cout << "FAIL cannot write the report: " << ok.error().to_string() << "\n";
        return 1;
    }
    const std::string url = "file://" + (o.dir / "report.html").string();
    const std::vector<std::string> common = {chromium,
                                             "--headless",
                                             "--disable-gpu",
                                             "--no-sandbox",
                                             "--no-first-run",
                                             "--user-data-dir=" + (dir / "profile").string(),
                                             "--host-resolver-rules=MAP * ~NOTFOUND",
                                             "--hide-scrollbars",
                                             "--window-size=1280,1400"};

    std::vector<std::string> dump = common;
    dump.push_back("--dump-dom");
    dump.push_back(url);
    const int rc_dom = run(dump, dir / "dom.html", dir / "dom.log", std::chrono::seconds(90));
    check(rc_dom == 0, "chromium --dump-dom exits 0 (got " + std::to_string(rc_dom) + ", log " +
                           (dir / "dom.log").string() + ")");
    const std::string dom = slurp(dir / "dom.html");
    xmlDoc* doc = htmlReadMemory(dom.data(), static_cast<int>(dom.size()), "dom.html", "UTF-8",
                                 HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
    check(doc != nullptr, "the dumped DOM parses");
    if (doc) {
        std::map<std::string, xmlNode*> ids;
        std::map<std::string, int> tags;
        std::string title;
        walk(xmlDocGetRootElement(doc), [&](xmlNode* n) {
            tags[reinterpret_cast<const char*>(n->name)]++;
            if (auto id = attr(n, "id"); !id.empty()) ids[id] = n;
            if (xmlStrEqual(n->name, BAD_CAST "title")) {
                xmlChar* t = xmlNodeGetContent(n);
                title = t ? reinterpret_cast<const char*>(t) : "";
                xmlFree(t);
            }
        });
        check(ids.count("verdict") && attr(ids["verdict"], "data-verdict") == "fail",
              "the DOM shows the verdict element with data-verdict=fail");
        if (ids.count("verdict")) {
            xmlChar* t = xmlNodeGetContent(ids["verdict"]);
            const std::string text = t ? reinterpret_cast<const char*>(t) : "";
            xmlFree(t);
            check(text.find("FAIL") != std::string::npos, "the verdict reads FAIL");
        }
        size_t present = 0;
        for (const auto& t : report.tests)
            present += ids.count(t.id);
        check(present == report.tests.size(), "every test ID is an element id (" +
                                                  std::to_string(present) + " of " +
                                                  std::to_string(report.tests.size()) + ")");
        check(ids.count("fail-" + report.tests[1].id) == 1, "the failing test is under Failures");
        // Traceability: the section, one row per requirement with its result, the SHALL
        // coverage line, and the source URL as a link.
        check(ids.count("traceability") == 1, "the DOM has the traceability section");
        check(
            ids.count("req-REQ-VKP-0001") && attr(ids["req-REQ-VKP-0001"], "data-result") == "met",
            "REQ-VKP-0001 reads met");
        check(ids.count("req-REQ-VKP-0002") &&
                  attr(ids["req-REQ-VKP-0002"], "data-result") == "failed",
              "REQ-VKP-0002 reads failed");
        check(ids.count("req-REQ-VKP-0014") &&
                  attr(ids["req-REQ-VKP-0014"], "data-result") == "not checked",
              "REQ-VKP-0014 reads not checked");
        if (ids.count("shall-coverage")) {
            xmlChar* t = xmlNodeGetContent(ids["shall-coverage"]);
            const std::string text = t ? reinterpret_cast<const char*>(t) : "";
            xmlFree(t);
            check(text.find("SHALL requirements: 2") != std::string::npos &&
                      text.find("met: 1") != std::string::npos,
                  "the SHALL coverage reads 2 SHALL, 1 met (" + text + ")");
        } else {
            check(false, "the DOM has the SHALL coverage line");
        }
        bool linked = false;
        walk(ids.count("req-REQ-VKP-0001") ? ids["req-REQ-VKP-0001"]->children : nullptr,
             [&](xmlNode* n) {
                 if (xmlStrEqual(n->name, BAD_CAST "a") &&
                     attr(n, "href") == "https://utviklerportal.nhn.no/vkp")
                     linked = true;
             });
        check(linked, "the requirement's source URL is a link");
        check(tags["img"] == 0 && tags["script"] == 0, "no injected <img> or <script> element");
        check(title.find("pwned") == std::string::npos, "no injected script ran");
        xmlFreeDoc(doc);
    }

    std::vector<std::string> shot = common;
    shot.push_back("--screenshot=" + (dir / "report.png").string());
    shot.push_back(url);
    const int rc_shot = run(shot, dir / "shot.out", dir / "shot.log", std::chrono::seconds(90));
    check(rc_shot == 0, "chromium --screenshot exits 0 (got " + std::to_string(rc_shot) + ")");
    const std::string png_bytes = slurp(dir / "report.png");
    const Png png = read_png(png_bytes);
    check(png.ok, "the screenshot is a PNG (" + std::to_string(png_bytes.size()) + " bytes, " +
                      std::to_string(png.width) + "x" + std::to_string(png.height) + ")");
    // A blank 1280x1400 page compresses to a few kilobytes; this page has text, tables, colour.
    check(png.idat.size() > 20000, "the image data is not that of a blank page (" +
                                       std::to_string(png.idat.size()) + " bytes of IDAT)");
#ifdef VFT_HAVE_ZLIB
    std::vector<uint8_t> px;
    int ch = 0;
    const bool decoded = png.ok && decode(png, px, ch);
    check(decoded, "the screenshot's pixels decode (8-bit RGB/RGBA)");
    if (decoded) {
        std::set<uint32_t> colours;
        size_t red = 0, top_pixels = 0, non_white = 0;
        const size_t n = px.size() / size_t(ch);
        for (size_t i = 0; i < n; ++i) {
            const uint8_t r = px[i * ch], g = px[i * ch + 1], b = px[i * ch + 2];
            colours.insert(uint32_t(r) << 16 | uint32_t(g) << 8 | b);
            if (r < 250 || g < 250 || b < 250) ++non_white;
            if (i / png.width < 200) {  // the top 200 rows hold the verdict banner
                ++top_pixels;
                // The fail colour #b3261e, allowing for colour management.
                if (std::abs(r - 0xb3) < 16 && std::abs(g - 0x26) < 16 && std::abs(b - 0x1e) < 16)
                    ++red;
            }
        }
        check(colours.size() > 20, "the screenshot is not blank (" +
                                       std::to_string(colours.size()) + " distinct colours)");
        check(non_white * 20 > n, "more than 5% of the pixels are not white");
        check(red * 10 > top_pixels, "the verdict banner is red at the top (" +
                                         std::to_string(red) + " of " + std::to_string(top_pixels) +
                                         " pixels)");
    }
#else
    std::set<char> variety(png.idat.begin(), png.idat.end());
    check(variety.size() > 200, "the image data varies (" + std::to_string(variety.size()) +
                                    " distinct byte values; zlib absent, pixels not decoded)");
#endif
    std::cout << (failures ? "FAILED" : "PASSED") << " — files in " << dir.string() << "\n";
    if (!failures) fs::remove_all(dir / "profile");
    return failures ? 1 : 0;
}
