// Internals of vft::conformance (see conformance_detail.hpp).
#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <regex>
#include <set>

#include "conformance_detail.hpp"
#include "embedded_conformance.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::conformance::detail {

std::string suite_dir(std::string_view suite_id) {
    std::string dir(suite_id);
    std::replace(dir.begin(), dir.end(), '-', '_');
    return dir;
}

std::string suite_id_of_dir(std::string_view dir) {
    std::string id(dir);
    std::replace(id.begin(), id.end(), '_', '-');
    return id;
}

Result<void> check_test_id(std::string_view id, std::string_view suite_id) {
    static const std::regex shape("^[a-z0-9_]+(\\.[a-z0-9_]+)+$");
    const std::string prefix = suite_dir(suite_id);
    if (!std::regex_match(id.begin(), id.end(), shape))
        return Error{std::string(errc::conf_registry),
                     "test ID '" + std::string(id) + "' is not a dotted lower_snake name",
                     std::string(id), "IDs match ^[a-z0-9_]+(\\.[a-z0-9_]+)+$"};
    if (id.substr(0, prefix.size() + 1) != prefix + ".")
        return Error{std::string(errc::conf_registry),
                     "test ID '" + std::string(id) + "' does not start with '" + prefix + ".'",
                     std::string(id), "a suite's IDs start with its id, '-' written '_'"};
    return {};
}

Result<std::vector<std::string>> parse_mandatory(std::string_view text, std::string_view where) {
    std::vector<std::string> ids;
    std::set<std::string> seen;
    int line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string line(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        line.erase(0, line.find_first_not_of(" \t\r"));
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (line.empty()) continue;
        const std::string loc = std::string(where) + ":" + std::to_string(line_no);
        static const std::regex shape("^[a-z0-9_]+(\\.[a-z0-9_]+)+$");
        if (!std::regex_match(line, shape))
            return Error{std::string(errc::conf_registry),
                         "'" + line + "' in a mandatory list is not a test ID", loc,
                         "one test ID per line; '#' starts a comment"};
        if (!seen.insert(line).second)
            return Error{std::string(errc::conf_registry),
                         "test ID '" + line + "' is listed twice in a mandatory list", loc, ""};
        ids.push_back(line);
    }
    return ids;
}

std::string utf8_clean(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
        if (ok && len == 2 && c < 0xC2) ok = false;  // overlong
        if (ok && len == 3) {
            const auto c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) ok = false;
        }
        if (ok && len == 4) {
            const auto c1 = static_cast<unsigned char>(s[i + 1]);
            if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) ok = false;
        }
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

bool secret_header(std::string_view name) {
    std::string n(name);
    for (auto& c : n)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return n == "authorization" || n == "dpop" || n == "cookie" || n == "set-cookie" ||
           n == "proxy-authorization" || n.find("key") != std::string::npos ||
           n.find("secret") != std::string::npos || n.find("token") != std::string::npos;
}

std::string Privacy::hash(std::string_view fnr) const {
    return "FNR#" + sha256_hex(salt_ + std::string(fnr)).substr(0, 12);
}

namespace {
// Characters of tokens and proofs: base64url and the dots of a JWT. A secret is looked for where
// a run of them starts, so also after '=', '/' or '+' (a query, a path, a form).
bool token_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}
constexpr size_t kSecretPrefix = 15;  // fits the small-string buffer: no allocation per lookup
}  // namespace

void Secrets::add(std::string_view secret) {
    if (const size_t sp = secret.find(' '); sp != std::string_view::npos)
        secret = secret.substr(sp + 1);
    if (secret.size() < 16) return;
    std::lock_guard lock(mu_);
    auto& same = by_prefix_[std::string(secret.substr(0, kSecretPrefix))];
    if (std::find(same.begin(), same.end(), secret) != same.end()) return;
    same.emplace_back(secret);
    std::sort(same.begin(), same.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Secrets::scrub(std::string text) const {
    {
        std::lock_guard lock(mu_);
        if (!by_prefix_.empty()) {
            std::string out;
            out.reserve(text.size());
            const size_t n = text.size();
            size_t i = 0;
            std::string key;
            while (i < n) {
                const bool candidate =
                    i + 16 <= n && token_char(text[i]) &&
                    (i == 0 || !token_char(text[i - 1]) || text.compare(i, 3, "eyJ") == 0);
                bool matched = false;
                if (candidate) {
                    key.assign(text, i, kSecretPrefix);
                    if (auto it = by_prefix_.find(key); it != by_prefix_.end())
                        for (const auto& secret : it->second)
                            if (text.compare(i, secret.size(), secret) == 0) {
                                out += "[redacted]";
                                i += secret.size();
                                matched = true;
                                break;
                            }
                }
                if (!matched) out += text[i++];
            }
            text = std::move(out);
        }
    }
    return redact_jwt_credentials(std::move(text));
}

std::string redact_jwt_credentials(std::string text) {
    auto b64url = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    };
    auto lower = [](char c) { return static_cast<char>(c | 0x20); };
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size()) {
        size_t scheme = 0;
        for (std::string_view s : {std::string_view("bearer "), std::string_view("dpop ")}) {
            if (i + s.size() > text.size()) continue;
            bool match = true;
            for (size_t k = 0; k < s.size() && match; ++k)
                match = s[k] == ' ' ? text[i + k] == ' ' : lower(text[i + k]) == s[k];
            if (match) scheme = s.size();
        }
        if (scheme == 0) {
            out += text[i++];
            continue;
        }
        // Three base64url segments separated by dots (the signature may be empty).
        size_t j = i + scheme, dots = 0, segment = 0;
        bool shaped = true;
        while (j < text.size() && (b64url(text[j]) || text[j] == '.')) {
            if (text[j] == '.') {
                if (segment == 0 && dots < 2) shaped = false;
                ++dots;
                segment = 0;
            } else {
                ++segment;
            }
            ++j;
        }
        out.append(text, i, scheme);
        if (shaped && dots == 2 && j > i + scheme + 2) {
            out += "[redacted]";
            i = j;
        } else {
            i += scheme;
        }
    }
    return out;
}

std::string Privacy::text(std::string_view input) const {
    std::string scrubbed;
    if (secrets_) scrubbed = secrets_->scrub(std::string(input));
    const std::string_view t = secrets_ ? std::string_view(scrubbed) : input;
    std::string out;
    out.reserve(t.size());
    size_t i = 0;
    auto digit = [&](size_t k) { return k < t.size() && t[k] >= '0' && t[k] <= '9'; };
    auto person = [](std::string_view run) {
        if (run.size() != 11) return false;
        auto id = parse_person_id(run);
        return id.ok() && (id->kind == PersonIdKind::fnr || id->kind == PersonIdKind::dnr);
    };
    // A UUID (8-4-4-4-12 hex digits) is an identifier, not a person number, even when its last
    // group holds 11 digits that pass the fnr check (a message identifier masked in the evidence
    // made a re-judge see another identifier than the live run did).
    auto hex = [&](size_t k) {
        return k < t.size() && std::isxdigit(static_cast<unsigned char>(t[k])) != 0;
    };
    auto uuid_at = [&](size_t k) {
        if (k + 36 > t.size() || (k > 0 && (hex(k - 1) || t[k - 1] == '-')) || hex(k + 36))
            return false;
        for (size_t n = 0; n < 36; ++n)
            if (n == 8 || n == 13 || n == 18 || n == 23 ? t[k + n] != '-' : !hex(k + n))
                return false;
        return true;
    };
    while (i < t.size()) {
        if (hex(i) && uuid_at(i)) {
            out.append(t.substr(i, 36));
            i += 36;
            continue;
        }
        if (!digit(i)) {
            out += t[i++];
            continue;
        }
        size_t j = i;
        while (digit(j))
            ++j;
        const std::string_view run = t.substr(i, j - i);
        // Written 6 + 5 with one separator between: "128548 12341", "128548.12341",
        // "128548-12341", or a no-break space (U+00A0).
        if (run.size() == 6) {
            size_t sep = 0;
            if (j < t.size() && (t[j] == ' ' || t[j] == '.' || t[j] == '-'))
                sep = 1;
            else if (t.substr(j, 2) == "\xC2\xA0")
                sep = 2;
            size_t k = j + sep;
            while (sep && digit(k))
                ++k;
            if (sep && k - (j + sep) == 5) {
                const std::string joined = std::string(run) + std::string(t.substr(j + sep, 5));
                if (person(joined)) {
                    out += hash(joined);
                    i = k;
                    continue;
                }
            }
        }
        if (person(run))
            out += hash(run);
        else
            out.append(run);
        i = j;
    }
    return out;
}

std::vector<reports::Header> Privacy::headers(
    const std::vector<std::pair<std::string, std::string>>& hs) const {
    std::vector<reports::Header> out;
    out.reserve(hs.size());
    for (const auto& [n, v] : hs)
        out.push_back({n, secret_header(n) ? "[redacted]" : text(utf8_clean(v))});
    return out;
}

namespace {
constexpr std::string_view kCutOpen = "\n[vft: ";
constexpr std::string_view kCutClose = " bytes in all]";
}  // namespace

std::string Privacy::body(std::string_view b, size_t limit) const {
    if (b.size() <= limit) return text(utf8_clean(b));
    std::string kept = text(utf8_clean(b.substr(0, limit)));
    return kept + std::string(kCutOpen) + std::to_string(b.size() - limit) +
           " more bytes not recorded; " + std::to_string(b.size()) + std::string(kCutClose);
}

std::optional<std::string> truncation_of(std::string_view stored) {
    if (stored.size() < kCutClose.size() ||
        stored.substr(stored.size() - kCutClose.size()) != kCutClose)
        return std::nullopt;
    const size_t open = stored.rfind(kCutOpen);
    if (open == std::string_view::npos) return std::nullopt;
    const std::string_view note = stored.substr(
        open + kCutOpen.size(), stored.size() - kCutClose.size() - open - kCutOpen.size());
    // "<n> more bytes not recorded; <m>"
    const size_t semi = note.find(" more bytes not recorded; ");
    if (semi == std::string_view::npos) return std::nullopt;
    const std::string_view cut = note.substr(0, semi);
    const std::string_view all = note.substr(semi + 26);
    auto digits = [](std::string_view d) {
        return !d.empty() && d.size() < 20 &&
               std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digits(cut) || !digits(all)) return std::nullopt;
    return std::string(all) + " bytes in all, " + std::string(cut) + " not recorded";
}

namespace {
const vft::detail::EmbeddedFile* find_file(const vft::detail::EmbeddedFile* table,
                                           std::string_view rel) {
    for (const vft::detail::EmbeddedFile* f = table; f->path; ++f)
        if (rel == f->path) return f;
    return nullptr;
}
}  // namespace

std::optional<std::string_view> fixture(std::string_view path) {
    constexpr std::string_view prefix = "fixtures/";
    if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
    const vft::detail::EmbeddedFile* f =
        find_file(vft::detail::embedded_fixture_files(), path.substr(prefix.size()));
    if (!f) return std::nullopt;
    return std::string_view(f->data, f->size);
}

std::vector<std::string> fixtures_under(std::string_view folder) {
    std::vector<std::string> out;
    for (const vft::detail::EmbeddedFile* f = vft::detail::embedded_fixture_files(); f->path; ++f) {
        std::string p = "fixtures/" + std::string(f->path);
        if (p.compare(0, folder.size(), folder) == 0) out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> known_person_numbers() {
    std::set<std::string> out;
    for (const char* file : {"fixtures/persons/persons.json", "fixtures/epj/municipality.json"}) {
        auto text = fixture(file);
        if (!text) continue;
        // Every "fnr": "<11 digits>" member; the files are ours and simple.
        static const std::regex fnr("\"fnr\"\\s*:\\s*\"([0-9]{11})\"");
        std::string s(*text);
        for (std::sregex_iterator it(s.begin(), s.end(), fnr), end; it != end; ++it)
            out.insert((*it)[1].str());
    }
    return {out.begin(), out.end()};
}

std::string derived_uuid(uint64_t seed, std::string_view test_id, uint64_t n) {
    std::string h =
        sha256_hex(std::to_string(seed) + "/" + std::string(test_id) + "/" + std::to_string(n));
    h[12] = '4';
    static const char variant[] = "89ab";
    h[16] = variant[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20, 12);
}

std::string random_hex(size_t bytes) {
    std::vector<unsigned char> b(bytes);
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
        // No CSPRNG: fall back to the clock (the salt only needs to differ between runs).
        const auto t = std::chrono::steady_clock::now().time_since_epoch().count();
        return sha256_hex(std::to_string(t)).substr(0, bytes * 2);
    }
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

}  // namespace vft::conformance::detail
