#include "validate/rules_engine.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <regex>

#include "json/literal_member.hpp"
#include "validate/primitives.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"

namespace vft::detail {
namespace {

// Equal strings, length first (inline: the rule kinds and checks are dispatched per rule).
bool same(std::string_view a, std::string_view b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

bool filter_ok(const PathSegment& s, const JValue& v) {
    return s.filter_key.empty() || str_member(v, s.filter_key.c_str()) == s.filter_value;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The codings of a CodeableConcept, or the Coding itself, each given to `f` (nothing built).
template <typename F>
void each_coding(const JValue& v, F&& f) {
    if (const JValue* c = lit_member(v, "coding"); c && c->IsArray()) {
        for (const auto& e : c->GetArray())
            f(e);
    } else if (lit_member(v, "system") || lit_member(v, "code")) {
        f(v);
    }
}

bool has_coding(const JValue& v, std::string_view sys, std::string_view code) {
    bool found = false;
    each_coding(v, [&](const JValue& c) {
        found = found || (lit_str_member(c, "system") == sys && lit_str_member(c, "code") == code);
    });
    return found;
}

bool has_coding(const JValue& v, const std::vector<std::pair<std::string, std::string>>& codes) {
    bool found = false;
    each_coding(v, [&](const JValue& c) {
        if (found) return;
        const std::string_view s = lit_str_member(c, "system"), k = lit_str_member(c, "code");
        for (const auto& [sys, code] : codes)
            found = found || (s == sys && k == code);
    });
    return found;
}

// Sorts (url, x) pairs by url, stable: the first of a URL stays first. A bundle has few
// entries: insertion sort in place, without std::stable_sort's buffer, up to 32.
template <typename T>
void sort_by_url(std::vector<std::pair<std::string_view, T>>& v) {
    if (v.size() > 32) {
        std::stable_sort(v.begin(), v.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        return;
    }
    for (size_t i = 1; i < v.size(); ++i)
        for (size_t j = i; j > 0 && v[j].first < v[j - 1].first; --j)
            std::swap(v[j], v[j - 1]);
}

// A member name is `lit` (length first: most names differ in length).
bool name_is(const JValue& name, std::string_view lit) {
    return name.GetStringLength() == lit.size() &&
           bytes_equal(name.GetString(), lit.data(), lit.size());
}

std::string quote(std::string_view s) {
    return "'" + std::string(s) + "'";
}

const char* rule_for_id_error(const std::string& code) {
    if (code == errc::id_fnr_invalid) return "ID-FNR-001";
    if (code == errc::id_dnr_invalid) return "ID-DNR-001";
    if (code == errc::id_fhn_invalid) return "ID-FHN-001";
    if (code == errc::id_orgnr_invalid) return "ID-ORG-001";
    if (code == errc::id_hpr_invalid) return "ID-HPR-001";
    return nullptr;
}

// ^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ or
// ^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$, without std::regex.
bool is_uuid_urn(std::string_view v) {
    if (v.size() > 256) return false;
    constexpr std::string_view kUuid = "urn:uuid:", kOid = "urn:oid:";
    if (v.substr(0, kUuid.size()) == kUuid) {
        const std::string_view u = v.substr(kUuid.size());
        if (u.size() != 36) return false;
        for (size_t i = 0; i < u.size(); ++i) {
            const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
            const char c = u[i];
            const bool hex =
                (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (dash ? c != '-' : !hex) return false;
        }
        return true;
    }
    if (v.substr(0, kOid.size()) != kOid) return false;
    const std::string_view o = v.substr(kOid.size());
    if (o.size() < 3 || o[0] < '0' || o[0] > '2') return false;
    size_t i = 1;
    while (i < o.size()) {  // one or more ".arc": 0, or no leading zero
        if (o[i] != '.' || i + 1 >= o.size() || !std::isdigit(static_cast<unsigned char>(o[i + 1])))
            return false;
        ++i;
        const size_t start = i;
        while (i < o.size() && std::isdigit(static_cast<unsigned char>(o[i])))
            ++i;
        if (o[start] == '0' && i - start > 1) return false;
    }
    return true;
}

// Rule paths the engine itself follows, parsed once.
const RulePath& rp_entry() {
    static const RulePath p = parse_rule_path("entry");
    return p;
}
const RulePath& rp_entry_resource() {
    static const RulePath p = parse_rule_path("entry.resource");
    return p;
}

}  // namespace

bool literal_alternatives(std::string_view regex, std::vector<std::string>& words) {
    words.clear();
    if (regex.size() < 3 || regex.front() != '^' || regex.back() != '$') return false;
    std::string_view body = regex.substr(1, regex.size() - 2);
    if (body.size() >= 2 && body.front() == '(' && body.back() == ')')
        body = body.substr(1, body.size() - 2);
    size_t start = 0;
    for (size_t i = 0; i <= body.size(); ++i) {
        if (i == body.size() || body[i] == '|') {
            if (i == start) return false;  // an empty alternative
            words.emplace_back(body.substr(start, i - start));
            start = i + 1;
            continue;
        }
        const char c = body[i];
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!plain) return false;
    }
    return !words.empty();
}

bool fixed_length_regex(std::string_view re, std::vector<std::bitset<256>>& positions) {
    positions.clear();
    if (re.size() < 3 || re.front() != '^' || re.back() != '$') return false;
    const auto plain = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view(":-/_=,;@").find(c) != std::string_view::npos;
    };
    const size_t end = re.size() - 1;
    size_t i = 1;
    while (i < end) {
        std::bitset<256> set;
        if (re[i] == '[') {
            size_t j = i + 1;
            if (j < end && re[j] == '^') return false;  // negation: not this subset
            while (j < end && re[j] != ']') {
                if (!plain(re[j])) return false;
                if (j + 2 < end && re[j + 1] == '-' && re[j + 2] != ']') {
                    if (!plain(re[j + 2]) || re[j] > re[j + 2]) return false;
                    for (int c = static_cast<unsigned char>(re[j]);
                         c <= static_cast<unsigned char>(re[j + 2]); ++c)
                        set.set(static_cast<size_t>(c));
                    j += 3;
                } else {
                    set.set(static_cast<unsigned char>(re[j]));
                    ++j;
                }
            }
            if (j >= end || set.none()) return false;
            i = j + 1;
        } else if (plain(re[i])) {
            set.set(static_cast<unsigned char>(re[i]));
            ++i;
        } else {
            return false;  // . * + ? ( ) | a backslash, and the rest: std::regex decides
        }
        size_t count = 1;
        if (i < end && re[i] == '{') {
            size_t j = i + 1;
            count = 0;
            while (j < end && re[j] >= '0' && re[j] <= '9' && count <= 4096)
                count = count * 10 + static_cast<size_t>(re[j++] - '0');
            if (j >= end || re[j] != '}' || j == i + 1 || count == 0 || count > 4096) return false;
            i = j + 1;
        }
        positions.insert(positions.end(), count, set);
    }
    return !positions.empty();
}

void resolve_rule_codesystems(Spec& spec) {
    auto resolve = [&spec](Rule& r) {
        auto it = spec.codesystems.find(r.system);
        r.codesystem = it == spec.codesystems.end() ? nullptr : &it->second;
    };
    for (auto& [id, pkg] : spec.packages)
        for (Rule& r : pkg.document_rules)
            resolve(r);
    for (auto& [url, profile] : spec.profiles)
        for (Rule& r : profile.rules)
            resolve(r);
}

const CodeSystem* RulesEngine::codesystem(std::string_view url) {
    // A document names few code systems, most of them many times: the last few looked up are
    // compared before the spec's table is hashed.
    for (const CsCacheEntry& e : cs_cache_)
        if (e.url.size() == url.size() && e.url.data() &&
            std::memcmp(e.url.data(), url.data(), url.size()) == 0)
            return e.cs;
    auto it = spec_.codesystems.find(url);
    const CodeSystem* cs = it == spec_.codesystems.end() ? nullptr : &it->second;
    cs_cache_[cs_next_] = {url, cs};
    cs_next_ = (cs_next_ + 1) % cs_cache_.size();
    return cs;
}

struct RulesEngine::Buffers {
    std::vector<PathRec> paths;
    std::vector<Node> cur, next, contexts, idents;
    std::vector<const JValue*> uuid_refs, uuid_stack;
    std::vector<std::pair<std::string_view, Entry>> full_urls;
    std::vector<Node> entries;
    std::vector<std::pair<std::string_view, size_t>> urls;
    std::vector<size_t> again;
};

RulesEngine::Buffers& RulesEngine::spare() {
    static thread_local Buffers b;
    return b;
}

void RulesEngine::trade(Buffers& other) {
    paths_.swap(other.paths);
    scratch_cur_.swap(other.cur);
    scratch_next_.swap(other.next);
    contexts_.swap(other.contexts);
    idents_.swap(other.idents);
    uuid_refs_.swap(other.uuid_refs);
    uuid_stack_.swap(other.uuid_stack);
    full_urls_.swap(other.full_urls);
    entries_.swap(other.entries);
    url_scratch_.swap(other.urls);
    again_scratch_.swap(other.again);
}

RulesEngine::RulesEngine(const Spec& spec, const Package& pkg, IssueSink& sink)
    : spec_(spec), pkg_(pkg), sink_(sink) {
    trade(spare());  // an engine made while another is alive gets empty ones: still correct
}

RulesEngine::~RulesEngine() {
    // Back for the next engine, emptied; one huge document's table is not kept.
    if (paths_.capacity() > 65536) return;
    paths_.clear();
    scratch_cur_.clear();
    scratch_next_.clear();
    contexts_.clear();
    idents_.clear();
    uuid_refs_.clear();
    uuid_stack_.clear();
    full_urls_.clear();
    entries_.clear();
    url_scratch_.clear();
    again_scratch_.clear();
    trade(spare());
}

const RulesEngine::Entry* RulesEngine::full_url(std::string_view url) const {
    auto it = std::lower_bound(full_urls_.begin(), full_urls_.end(), url,
                               [](const auto& e, std::string_view u) { return e.first < u; });
    return it != full_urls_.end() && it->first == url ? &it->second : nullptr;
}

std::string RulesEngine::path_str(uint32_t p) const {
    uint32_t chain[64];
    size_t n = 0;
    for (uint32_t q = p; q != UINT32_MAX && n < 64; q = paths_[q].parent)
        chain[n++] = q;
    std::string out;
    while (n > 0) {
        const PathRec& r = paths_[chain[--n]];
        if (r.index >= 0) {
            out += '[';
            out += std::to_string(r.index);
            out += ']';
        } else {
            if (r.parent != UINT32_MAX) out += '.';
            out += r.name;
        }
    }
    return out;
}

void RulesEngine::visit(const Node& n, std::string_view name, const JValue& child,
                        const PathSegment& seg, std::vector<Node>& out) {
    const bool filtered = !seg.filter_key.empty();
    if (child.IsArray()) {
        uint32_t base = UINT32_MAX;
        for (rapidjson::SizeType i = 0; i < child.Size(); ++i)
            if (!filtered || filter_ok(seg, child[i])) {
                if (base == UINT32_MAX) base = child_path(n.path, name);
                out.push_back({&child[i], index_path(base, static_cast<int>(i))});
            }
    } else if (!filtered || filter_ok(seg, child)) {
        out.push_back({&child, child_path(n.path, name)});
    }
}

void RulesEngine::step(const Node& n, const PathSegment& seg, std::vector<Node>& out) {
    if (!n.v->IsObject()) return;
    const std::string_view want = seg.name;
    if (seg.choice) {
        for (const auto& m : n.v->GetObject()) {
            const std::string_view name(m.name.GetString(), m.name.GetStringLength());
            if (name.size() > want.size() && name.compare(0, want.size(), want) == 0 &&
                std::isupper(static_cast<unsigned char>(name[want.size()])))
                visit(n, name, m.value, seg, out);
        }
        return;
    }
    // The first member of that name, as FindMember; length and first letter before memcmp.
    const size_t len = want.size();
    for (auto m = n.v->MemberBegin(); m != n.v->MemberEnd(); ++m)
        if (m->name.GetStringLength() == len &&
            (len == 0 || (m->name.GetString()[0] == want[0] &&
                          bytes_equal(m->name.GetString(), want.data(), len)))) {
            visit(n, want, m->value, seg, out);
            return;
        }
}

const std::vector<Node>& RulesEngine::entries_of(const Node& root) {
    if (entries_root_ != root.v) {
        const std::vector<Node>& found = eval_here(root, rp_entry());
        entries_.assign(found.begin(), found.end());
        entries_root_ = root.v;
    }
    return entries_;
}

const std::vector<Node>& RulesEngine::eval_here(const Node& start, const RulePath& path) {
    // Two scratch buffers of the engine, swapped step by step; the result is valid until the next
    // eval_here or eval (the leaf rules below use it and call neither).
    std::vector<Node>& cur = scratch_cur_;
    std::vector<Node>& next = scratch_next_;
    cur.clear();
    cur.push_back(start);
    for (const auto& seg : path) {
        next.clear();
        if (seg.choice) {
            for (const auto& n : cur)
                step(n, seg, next);
        } else {
            // The first member of that name, as FindMember; length and first letter before
            // memcmp (most members differ in one of them).
            const std::string_view want = seg.name;
            const size_t len = want.size();
            const bool filtered = !seg.filter_key.empty();
            for (const auto& n : cur) {
                if (!n.v->IsObject()) continue;
                for (auto m = n.v->MemberBegin(); m != n.v->MemberEnd(); ++m)
                    if (m->name.GetStringLength() == len &&
                        (len == 0 || (m->name.GetString()[0] == want[0] &&
                                      bytes_equal(m->name.GetString(), want.data(), len)))) {
                        // visit(), inline: the items of an array, or the value
                        const JValue& child = m->value;
                        if (child.IsArray()) {
                            uint32_t base = UINT32_MAX;
                            for (rapidjson::SizeType i = 0; i < child.Size(); ++i)
                                if (!filtered || filter_ok(seg, child[i])) {
                                    if (base == UINT32_MAX) base = child_path(n.path, want);
                                    next.push_back(
                                        {&child[i], index_path(base, static_cast<int>(i))});
                                }
                        } else if (!filtered || filter_ok(seg, child)) {
                            next.push_back({&child, child_path(n.path, want)});
                        }
                        break;
                    }
            }
        }
        cur.swap(next);
        if (cur.empty()) break;
    }
    return cur;
}

const std::vector<const JValue*>& RulesEngine::uuid_refs_of(const Node& root,
                                                            const std::vector<Node>& entries) {
    if (uuid_root_ == root.v) return uuid_refs_;
    uuid_root_ = root.v;
    uuid_refs_.clear();
    std::vector<const JValue*>& stack = uuid_stack_;
    stack.clear();
    for (const Node& e : entries)
        if (const JValue* r = lit_member(*e.v, "resource")) stack.push_back(r);
    constexpr std::string_view kUrn = "urn:uuid:";
    while (!stack.empty()) {
        const JValue* v = stack.back();
        stack.pop_back();
        if (v->IsObject()) {
            // One pass over the members: the containers to visit and the first `reference`.
            bool seen_reference = false;
            for (const auto& m : v->GetObject()) {
                if (!seen_reference && name_is(m.name, "reference")) {
                    seen_reference = true;
                    if (m.value.IsString() && m.value.GetStringLength() >= kUrn.size() &&
                        std::memcmp(m.value.GetString(), kUrn.data(), kUrn.size()) == 0)
                        uuid_refs_.push_back(v);
                }
                if (m.value.IsObject() || m.value.IsArray()) stack.push_back(&m.value);
            }
        } else if (v->IsArray()) {
            for (const auto& x : v->GetArray())
                stack.push_back(&x);
        }
    }
    return uuid_refs_;
}

std::vector<Node> RulesEngine::eval(const Node& start, const RulePath& path) {
    const std::vector<Node>& r = eval_here(start, path);
    return r.empty() ? std::vector<Node>() : std::vector<Node>(r.begin(), r.end());
}

void RulesEngine::run(const JValue& root, const std::string& root_path) {
    root_path_ = root_path;
    cs_cache_ = {};  // the document's strings are those of this run
    paths_.clear();
    paths_.reserve(256);
    paths_.push_back({UINT32_MAX, root_path_, -1});
    const Node top{&root, 0};
    full_urls_.clear();
    if (lit_str_member(root, "resourceType") == "Bundle") {
        bundle_ = &root;
        for (const auto& e : entries_of(top)) {
            const auto url = lit_str_member(*e.v, "fullUrl");
            const JValue* res = lit_member(*e.v, "resource");
            if (!url.empty() && res)
                full_urls_.push_back({url, Entry{res, child_path(e.path, "resource")}});
        }
    }
    // by URL; the first entry of a URL wins (as a map's emplace did)
    sort_by_url(full_urls_);
    // The generic walk first, as it also finds the urn:uuid references the bundle checks need
    // (uuid_refs_of); its issues are kept and reported after the rules', as before.
    std::vector<Issue> generic_issues;
    IssueSink generic_sink(sink_.spec(), sink_.level(), generic_issues);
    generic_sink_ = &generic_sink;
    uuid_refs_.clear();
    const Frame whole{nullptr, 0, {}, -1};
    generic(root, whole, Zone::root);
    uuid_root_ = &root;
    for (const Rule& r : pkg_.document_rules)
        if (r.resource_type.empty() || r.resource_type == lit_str_member(root, "resourceType"))
            apply(r, top);
    apply_profiles(root, 0);
    for (Issue& i : generic_issues)
        sink_.issues().push_back(std::move(i));
    generic_sink_ = nullptr;
}

void RulesEngine::apply_profiles(const JValue& res, uint32_t path) {
    const std::string_view rt = lit_str_member(res, "resourceType");
    const Profile* profile = nullptr;
    if (const JValue* meta = lit_member(res, "meta"))
        if (const JValue* profiles = lit_member(*meta, "profile"); profiles && profiles->IsArray())
            for (const auto& p : profiles->GetArray()) {
                auto it = spec_.profiles.find(str(&p));
                if (it != spec_.profiles.end() && it->second.resource_type == rt &&
                    contains(pkg_.profile_urls, it->first)) {
                    profile = &it->second;
                    break;
                }
            }
    if (!profile) {
        auto d = pkg_.default_profiles.find(std::string(rt));
        if (d != pkg_.default_profiles.end()) {
            auto it = spec_.profiles.find(d->second);
            if (it != spec_.profiles.end()) profile = &it->second;
        }
    }
    const Node top{&res, path};
    if (profile)
        for (const Rule& r : profile->rules)
            apply(r, top);
    if (rt == "Bundle") {
        // the entries' resources stay in contexts_[first, last) (a stack, as in apply)
        const size_t first = contexts_.size();
        const std::vector<Node>& found = eval_here(top, rp_entry_resource());
        contexts_.insert(contexts_.end(), found.begin(), found.end());
        const size_t last = contexts_.size();
        for (size_t i = first; i < last; ++i) {
            const Node e = contexts_[i];
            if (e.v->IsObject()) apply_profiles(*e.v, e.path);
        }
        contexts_.resize(first);
    }
}

bool RulesEngine::condition_holds(const Rule& rule, const Node& root) {
    if (rule.when_path.empty()) return true;
    const std::vector<Node>& nodes = eval_here(root, rule.when_path);
    const std::string_view v = nodes.empty() ? std::string_view() : str(nodes.front().v);
    if (!rule.when_in.empty() && !contains(rule.when_in, v)) return false;
    if (!rule.when_not_in.empty() && !v.empty() && contains(rule.when_not_in, v)) return false;
    return true;
}

void RulesEngine::apply(const Rule& rule, const Node& root) {
    if (!rule.when_path.empty() && !condition_holds(rule, root)) return;
    // The kinds the loader accepts (compared by length first).
    const std::string_view kind = rule.kind;
    if (same(kind, "check")) return check(rule, root);
    void (RulesEngine::*leaf)(const Rule&, const Node&) = nullptr;
    if (same(kind, "cardinality"))
        leaf = &RulesEngine::cardinality;
    else if (same(kind, "binding"))
        leaf = &RulesEngine::binding;
    else if (same(kind, "fixed"))
        leaf = &RulesEngine::fixed;
    else if (same(kind, "identifier"))
        leaf = &RulesEngine::identifier;
    else if (same(kind, "pattern"))
        leaf = &RulesEngine::pattern;
    else if (same(kind, "reference-type"))
        leaf = &RulesEngine::reference_type;
    if (!leaf) return;
    if (rule.context.empty()) {
        (this->*leaf)(rule, root);  // no buffer for the one context
        return;
    }
    // The context nodes stay in contexts_[first, last) while the leaf rule evaluates its path in
    // the scratch buffers; they are addressed by index (the vector may grow meanwhile).
    const size_t first = contexts_.size();
    const std::vector<Node>& found = eval_here(root, rule.context);
    contexts_.insert(contexts_.end(), found.begin(), found.end());
    const size_t last = contexts_.size();
    for (size_t i = first; i < last; ++i) {
        const Node ctx = contexts_[i];
        (this->*leaf)(rule, ctx);
    }
    contexts_.resize(first);
}

void RulesEngine::cardinality(const Rule& rule, const Node& ctx) {
    const std::vector<Node>& nodes = eval_here(ctx, rule.path);
    const int n = static_cast<int>(nodes.size());
    if (n < rule.min) {
        sink_.add(rule, path_str(ctx.path) + "." + rule.path_text);
    } else if (rule.max >= 0 && n > rule.max) {
        sink_.add(rule, path_str(nodes[static_cast<size_t>(rule.max)].path),
                  rule.message + " (found " + std::to_string(n) + ", at most " +
                      std::to_string(rule.max) + ")");
    }
}

void RulesEngine::binding(const Rule& rule, const Node& ctx) {
    const CodeSystem* cs = nullptr;
    cs = rule.codesystem;  // spec_.codesystems[rule.system], resolved at load
    for (const Node& n : eval_here(ctx, rule.path)) {
        if (n.v->IsString()) {
            if (cs && !cs->displays.count(str(n.v)))
                sink_.add(
                    rule, path_str(n.path),
                    rule.message + ": " + quote(str(n.v)) + " is not a code of " + rule.system);
            continue;
        }
        bool from_system = false;
        bool known = false;
        std::string bad;
        each_coding(*n.v, [&](const JValue& c) {
            const std::string_view system = lit_str_member(c, "system");
            if (system != rule.system && system != rule.system_alias) return;
            from_system = true;
            const std::string_view code = lit_str_member(c, "code");
            if (!cs || cs->displays.count(code))
                known = true;
            else
                bad = std::string(code);
        });
        if (!from_system)
            sink_.add(rule, path_str(n.path), rule.message + ": no coding from " + rule.system);
        else if (!known)
            sink_.add(rule, path_str(n.path),
                      rule.message + ": " + quote(bad) + " is not a code of " + rule.system);
    }
}

void RulesEngine::fixed(const Rule& rule, const Node& ctx) {
    for (const Node& n : eval_here(ctx, rule.path)) {
        if (n.v->IsString()) {
            if (str(n.v) != rule.value)
                sink_.add(rule, path_str(n.path),
                          rule.message + " (found " + quote(str(n.v)) + ")");
        } else if (n.v->IsObject()) {
            if (!has_coding(*n.v, rule.system, rule.value)) {
                std::string found;
                each_coding(*n.v, [&](const JValue& c) {
                    found += (found.empty() ? "" : ", ") +
                             std::string(lit_str_member(c, "system")) + "|" +
                             std::string(lit_str_member(c, "code"));
                });
                sink_.add(rule, path_str(n.path),
                          rule.message + (found.empty() ? "" : " (found " + found + ")"));
            }
        } else if (n.v->IsBool()) {
            if ((rule.value == "true") != n.v->GetBool()) sink_.add(rule, path_str(n.path));
        }
    }
}

void RulesEngine::identifier(const Rule& rule, const Node& ctx) {
    // Satisfied when some identifier at the path has an allowed system. A Reference that points
    // into the bundle (or elsewhere) without an identifier is judged by its target's profile.
    const std::vector<Node>& nodes = eval_here(ctx, rule.path);
    if (nodes.empty()) return;  // absence is a cardinality rule's business
    std::vector<Node>& idents = idents_;
    idents.clear();
    for (const Node& n : nodes) {
        if (!n.v->IsObject()) continue;
        if (lit_member(*n.v, "reference") && !lit_member(*n.v, "identifier")) return;
        if (const JValue* id = lit_member(*n.v, "identifier")) {
            const uint32_t base = child_path(n.path, "identifier");
            if (id->IsArray()) {
                for (rapidjson::SizeType i = 0; i < id->Size(); ++i)
                    idents.push_back({&(*id)[i], index_path(base, static_cast<int>(i))});
            } else {
                idents.push_back({id, base});
            }
        } else if (lit_member(*n.v, "system") || lit_member(*n.v, "value")) {
            idents.push_back(n);
        }
    }
    for (const Node& id : idents)
        if (contains(rule.values, lit_str_member(*id.v, "system"))) return;
    if (idents.empty()) {
        sink_.add(rule, path_str(nodes.front().path), rule.message + " (no identifier given)");
    } else {
        const auto sys = str_member(*idents.front().v, "system");
        sink_.add(rule, path_str(idents.front().path) + ".system",
                  rule.message + " (found " +
                      (sys.empty() ? std::string("no system") : quote(sys)) + ")");
    }
}

bool pattern_matches(const Rule& rule, std::string_view v) {
    if (!rule.regex_words.empty()) return contains(rule.regex_words, v);  // "^(a|b)$"
    if (!rule.regex_fixed.empty()) {
        if (v.size() != rule.regex_fixed.size()) return false;
        for (size_t k = 0; k < v.size(); ++k)
            if (!rule.regex_fixed[k].test(static_cast<unsigned char>(v[k]))) return false;
        return true;
    }
    return std::regex_search(v.begin(), v.end(), *rule.regex);
}

void RulesEngine::pattern(const Rule& rule, const Node& ctx) {
    for (const Node& n : eval_here(ctx, rule.path))
        // Values beyond 4 KiB never match a rule pattern (and would overflow std::regex's stack).
        if (n.v->IsString() && (n.v->GetStringLength() > 4096 || !pattern_matches(rule, str(n.v))))
            sink_.add(rule, path_str(n.path), rule.message + " (found " + quote(str(n.v)) + ")");
}

std::string_view RulesEngine::resolve_type(const JValue& ref) const {
    const std::string_view r = lit_str_member(ref, "reference");
    if (r.substr(0, 9) == "urn:uuid:") {
        const Entry* e = full_url(r);
        return e ? lit_str_member(*e->resource, "resourceType") : std::string_view();
    }
    if (!r.empty() && r[0] != '#') {
        // Type/id or http://host/base/Type/id[/_history/n]: the segment before the last, of
        // those before the first "_history".
        std::string_view before_last, last;
        size_t count = 0, i = 0;
        while (i <= r.size()) {
            size_t j = r.find('/', i);
            if (j == std::string_view::npos) j = r.size();
            const std::string_view part = r.substr(i, j - i);
            if (part == "_history") break;
            before_last = last;
            last = part;
            ++count;
            i = j + 1;
        }
        if (count >= 2) return before_last;
    }
    return lit_str_member(ref, "type");
}

void RulesEngine::reference_type(const Rule& rule, const Node& ctx) {
    for (const Node& n : eval_here(ctx, rule.path)) {
        if (!n.v->IsObject()) continue;
        const std::string_view t = resolve_type(*n.v);
        if (!t.empty() && !contains(rule.values, t))
            sink_.add(rule, path_str(n.path), rule.message + " (refers to " + std::string(t) + ")");
    }
}

void RulesEngine::check(const Rule& rule, const Node& root) {
    const std::string_view c = rule.check;  // compared by length first
    const JValue& res = *root.v;
    const std::vector<Node>& entries = entries_of(root);
    if (same(c, "bundle-fullurl-unique")) {
        // Every entry whose fullUrl an earlier entry has, in entry order: the URLs sorted
        // (stable: the first of a URL first), the later ones of each URL marked.
        std::vector<std::pair<std::string_view, size_t>>& urls = url_scratch_;
        urls.clear();
        for (size_t i = 0; i < entries.size(); ++i)
            if (auto u = lit_str_member(*entries[i].v, "fullUrl"); !u.empty())
                urls.push_back({u, i});
        sort_by_url(urls);
        std::vector<size_t>& again = again_scratch_;
        again.clear();
        for (size_t k = 1; k < urls.size(); ++k)
            if (urls[k].first == urls[k - 1].first) again.push_back(urls[k].second);
        std::sort(again.begin(), again.end());
        for (size_t i : again) {
            const std::string_view u = lit_str_member(*entries[i].v, "fullUrl");
            sink_.add(rule, path_str(entries[i].path) + ".fullUrl",
                      rule.message + " (" + quote(u) + " again)");
        }
    } else if (same(c, "bundle-references-resolve")) {
        // Every urn:uuid reference anywhere in the entries must name an entry of this bundle.
        // The walk that knows paths runs only when one does not.
        bool unresolved = false;
        for (const JValue* o : uuid_refs_of(root, entries))
            unresolved = unresolved || !full_url(lit_str_member(*o, "reference"));
        if (!unresolved) return;
        std::vector<Node> stack;
        for (const Node& e : entries)
            if (const JValue* r = lit_member(*e.v, "resource"))
                stack.push_back({r, child_path(e.path, "resource")});
        while (!stack.empty()) {
            const Node n = stack.back();
            stack.pop_back();
            if (n.v->IsObject()) {
                if (auto ref = lit_str_member(*n.v, "reference");
                    ref.rfind("urn:uuid:", 0) == 0 && !full_url(ref))
                    sink_.add(rule, path_str(n.path) + ".reference",
                              rule.message + " (" + quote(ref) + ")");
                for (const auto& m : n.v->GetObject())
                    if (m.value.IsObject() || m.value.IsArray())
                        stack.push_back({&m.value, child_path(n.path, {m.name.GetString(),
                                                                       m.name.GetStringLength()})});
            } else if (n.v->IsArray()) {
                for (rapidjson::SizeType i = 0; i < n.v->Size(); ++i)
                    stack.push_back({&(*n.v)[i], index_path(n.path, static_cast<int>(i))});
            }
        }
    } else if (same(c, "document-composition-first")) {
        const JValue* first = entries.empty() ? nullptr : member(*entries.front().v, "resource");
        if (!first || lit_str_member(*first, "resourceType") != "Composition")
            sink_.add(rule, entries.empty() ? path_str(root.path) + ".entry"
                                            : path_str(entries.front().path) + ".resource");
    } else if (same(c, "fullurl-when-referenced")) {
        // Entries refer to each other when any reference inside them is a urn:uuid.
        if (!uuid_refs_of(root, entries).empty())
            for (const Node& e : entries)
                if (!lit_member(*e.v, "fullUrl")) sink_.add(rule, path_str(e.path) + ".fullUrl");
    } else if (same(c, "bundle-type")) {
        const auto type = lit_str_member(res, "type");
        if (type.empty() || contains(rule.values, type)) return;
        if (contains(rule.tolerated, type)) {
            sink_.add(rule, path_str(root.path) + ".type",
                      rule.message + " (found " + quote(type) + ")");
        } else {
            Rule hard = rule;
            hard.lenient = hard.strict = std::min(rule.strict, Severity::error);
            sink_.add(hard, path_str(root.path) + ".type",
                      rule.message + " (found " + quote(type) + ")");
        }
    } else if (same(c, "top-resource-type")) {
        const auto rt = lit_str_member(res, "resourceType");
        if (!contains(rule.values, rt))
            sink_.add(rule, path_str(root.path), rule.message + " (found " + std::string(rt) + ")");
    } else if (same(c, "entry-resource-types")) {
        for (const Node& e : entries)
            if (const JValue* r = lit_member(*e.v, "resource");
                r && !contains(rule.values, lit_str_member(*r, "resourceType")))
                sink_.add(rule, path_str(e.path) + ".resource",
                          rule.message + " (found " +
                              std::string(lit_str_member(*r, "resourceType")) + ")");
    } else if (same(c, "request-methods")) {
        for (const Node& e : entries)
            if (const JValue* req = lit_member(*e.v, "request"))
                if (auto m = lit_str_member(*req, "method");
                    !m.empty() && !contains(rule.values, m))
                    sink_.add(rule, path_str(e.path) + ".request.method",
                              rule.message + " (found " + quote(m) + ")");
    } else if (same(c, "fhn-only-without-fnr")) {
        // R4's Reference.identifier is single, so FHN next to FNR/DNR shows on the Patient the
        // subject refers to (e.g. the Patient entry of a JFT transaction).
        bool fnr = false;
        uint32_t fhn_path = UINT32_MAX;
        auto look = [&](const JValue& id, uint32_t path) {
            const auto sys = lit_str_member(id, "system");
            fnr = fnr || sys == oid::fnr || sys == oid::dnr;
            if (sys == oid::fhn && fhn_path == UINT32_MAX) fhn_path = path;
        };
        static const RulePath subject_identifier = parse_rule_path("subject.identifier");
        static const RulePath subject = parse_rule_path("subject");
        static const RulePath identifier = parse_rule_path("identifier");
        for (const Node& id : eval(root, subject_identifier))
            look(*id.v, id.path);
        for (const Node& s : eval(root, subject)) {
            const Entry* it = full_url(lit_str_member(*s.v, "reference"));
            if (!it) continue;
            for (const Node& id : eval({it->resource, it->path}, identifier))
                look(*id.v, id.path);
        }
        if (fnr && fhn_path != UINT32_MAX) sink_.add(rule, path_str(fhn_path));
    } else if (c.substr(0, 11) == "vital-sign-") {
        vital_sign(rule, root);
    }
}

void RulesEngine::vital_sign(const Rule& rule, const Node& root) {
    const JValue& obs = *root.v;
    // Which vital sign: the one meta.profile names, else the one whose code is used.
    const VitalSign* vs = nullptr;
    bool by_profile = false;
    if (const JValue* meta = lit_member(obs, "meta"))
        if (const JValue* ps = lit_member(*meta, "profile"); ps && ps->IsArray())
            for (const auto& p : ps->GetArray())
                for (const auto& cand : spec_.vital_signs)
                    if (str(&p) == cand.profile_url) {
                        vs = &cand;
                        by_profile = true;
                    }
    const JValue* code = lit_member(obs, "code");
    if (!vs && code)
        for (const auto& cand : spec_.vital_signs)
            if (has_coding(*code, cand.codes)) {
                vs = &cand;
                break;
            }
    const std::string_view c = rule.check;
    auto value_members = [](const JValue& o) {
        std::vector<std::string> out;
        for (const auto& m : o.GetObject()) {
            const std::string_view n(m.name.GetString(), m.name.GetStringLength());
            if (n.size() > 5 && n.compare(0, 5, "value") == 0 &&
                std::isupper(static_cast<unsigned char>(n[5])))
                out.emplace_back(n.substr(5));
        }
        return out;
    };
    auto check_value = [&](const JValue& holder, const VitalSignValue& want, uint32_t at,
                           const std::string& what) {
        const std::string path = path_str(at);
        if (same(c, "vital-sign-unit")) {
            const JValue* q = lit_member(holder, "valueQuantity");
            if (!q || want.units.empty()) return;
            const auto sys = lit_str_member(*q, "system");
            const auto unit = lit_str_member(*q, "code");
            bool ok = false;
            for (const auto& [s, u] : want.units)
                ok = ok || (s == sys && u == unit);
            if (!ok) {
                std::string expected;
                for (const auto& [s, u] : want.units)
                    expected += (expected.empty() ? "" : " or ") + u;
                sink_.add(rule, path + ".valueQuantity",
                          what + " must be in UCUM " + expected +
                              " (system http://unitsofmeasure.org), found " +
                              (sys.empty() ? std::string("no system") : std::string(sys)) + "|" +
                              std::string(unit));
            }
        } else if (same(c, "vital-sign-value")) {
            const auto present = value_members(holder);
            if (present.empty()) {
                // vs-2 of R4's vital-signs profiles; the score profiles do not require a value.
                if (vs->r4_vital && !lit_member(holder, "dataAbsentReason"))
                    sink_.add(rule, path + ".value[x]", what + " has no value");
                return;
            }
            if (!want.types.empty()) {
                const std::string& t = present.front();
                const std::string lower = t == "Quantity"  ? "Quantity"
                                          : t == "Integer" ? "integer"
                                                           : t;
                if (!contains(want.types, lower))
                    sink_.add(rule, path + ".value" + t,
                              what + " value must be one of the types the profile allows");
            }
            if (want.has_range) {
                double x = NAN;
                if (const JValue* i = lit_member(holder, "valueInteger"); i && i->IsNumber())
                    x = i->GetDouble();
                if (const JValue* q = lit_member(holder, "valueQuantity"))
                    if (const JValue* qv = lit_member(*q, "value"); qv && qv->IsNumber())
                        x = qv->GetDouble();
                if (!std::isnan(x) && (x < want.min || x > want.max))
                    sink_.add(rule, path,
                              what + " value " + std::to_string(x) + " is outside the scale");
            }
        }
    };
    if (same(c, "vital-sign-code")) {
        if (vs && by_profile && (!code || !has_coding(*code, vs->codes)))
            sink_.add(rule, path_str(root.path) + ".code",
                      "Observation claims profile " + vs->id + " but its code is not " + vs->name +
                          "'s code");
        return;
    }
    // An Observation of no vital-sign profile is judged by vkp-Observation alone, which requires
    // neither a value nor effective[x].
    if (!vs) return;
    if (same(c, "vital-sign-effective")) {
        if (!vs->r4_vital) return;
        for (const char* e : {"effectiveDateTime", "effectivePeriod"})
            if (member(obs, e)) return;
        sink_.add(rule, path_str(root.path) + ".effective[x]",
                  vs->name + " needs effective[x]: when it was measured");
        return;
    }
    if (vs->components.empty()) {
        check_value(obs, vs->value, root.path, vs->name);
        return;
    }
    static const RulePath component = parse_rule_path("component");
    const auto comps = eval(root, component);
    for (const auto& want : vs->components) {
        const Node* found = nullptr;
        for (const Node& cn : comps)
            if (const JValue* cc = lit_member(*cn.v, "code"); cc && has_coding(*cc, want.codes))
                found = &cn;
        if (!found) {
            if (same(c, "vital-sign-components"))
                sink_.add(rule, path_str(root.path) + ".component",
                          vs->name + " needs a " + want.name + " component");
            continue;
        }
        check_value(*found->v, want.value, found->path, vs->name + " " + want.name);
    }
}

// One walk over everything: codes from known code systems and identifiers with check digits.
uint32_t RulesEngine::materialize(const Frame& f) {
    if (!f.parent) return f.base;
    const uint32_t p = materialize(*f.parent);
    return f.index >= 0 ? index_path(p, f.index) : child_path(p, f.name);
}

void RulesEngine::generic(const JValue& v, const Frame& at, Zone zone) {
    if (v.IsArray()) {
        for (rapidjson::SizeType i = 0; i < v.Size(); ++i)
            if (v[i].IsObject() || v[i].IsArray()) {
                const Frame f{&at, 0, {}, static_cast<int>(i)};
                // the entries of root.entry are its object items (member() of an array is none)
                const Zone z = zone == Zone::resource                     ? Zone::resource
                               : zone == Zone::entries && v[i].IsObject() ? Zone::entry
                                                                          : Zone::other;
                generic(v[i], f, z);
            }
        return;
    }
    if (!v.IsObject()) return;
    // One pass over the members: the first system, code, value, display and reference (as
    // FindMember), and whether there is anything to descend into.
    const JValue *system = nullptr, *code = nullptr, *value = nullptr, *display = nullptr,
                 *reference = nullptr;
    bool containers = false;
    for (const auto& m : v.GetObject()) {
        const char* nm = m.name.GetString();
        switch (m.name.GetStringLength()) {
            case 9:
                if (!reference && std::memcmp(nm, "reference", 9) == 0) reference = &m.value;
                break;
            case 4:
                if (!code && std::memcmp(nm, "code", 4) == 0) code = &m.value;
                break;
            case 5:
                if (!value && std::memcmp(nm, "value", 5) == 0) value = &m.value;
                break;
            case 6:
                if (!system && std::memcmp(nm, "system", 6) == 0) system = &m.value;
                break;
            case 7:
                if (!display && std::memcmp(nm, "display", 7) == 0) display = &m.value;
                break;
            default:
                break;
        }
        containers = containers || m.value.IsObject() || m.value.IsArray();
    }
    // uuid_refs_of: the objects of the entries' resources whose reference is a urn:uuid
    constexpr std::string_view kUrn = "urn:uuid:";
    if (zone == Zone::resource && reference && reference->IsString() &&
        reference->GetStringLength() >= kUrn.size() &&
        std::memcmp(reference->GetString(), kUrn.data(), kUrn.size()) == 0)
        uuid_refs_.push_back(&v);
    IssueSink& sink = *generic_sink_;
    const auto path_of = [&] { return path_str(materialize(at)); };
    if (system && system->IsString()) {
        const std::string_view sys = str(system);
        if (code && code->IsString()) {
            if (const CodeSystem* cs = codesystem(sys)) {
                auto d = cs->displays.find(str(code));
                if (d == cs->displays.end()) {
                    if (cs->complete)
                        sink.add("CODE-001", path_of() + ".code",
                                 quote(str(code)) + " is not a code of " + std::string(sys));
                } else if (const JValue* disp = display;
                           disp && disp->IsString() && str(disp) != d->second) {
                    sink.add("CODE-002", path_of() + ".display",
                             "display " + quote(str(disp)) + " differs from the official display " +
                                 quote(d->second) + " of " + std::string(sys) + " code " +
                                 quote(str(code)));
                }
            } else if (sys.rfind("http://ehelse.no/fhir/ValueSet/", 0) == 0 ||
                       sys.rfind("http://terminology.hl7.org/ValueSet/", 0) == 0) {
                sink.add("CODE-003", path_of() + ".system",
                         "code system written as a ValueSet URL: " + quote(sys));
                std::string cs_url(sys);
                cs_url.replace(cs_url.find("/ValueSet/"), 10, "/CodeSystem/");
                auto aliased = spec_.codesystems.find(cs_url);
                if (aliased != spec_.codesystems.end() && aliased->second.complete &&
                    !aliased->second.displays.count(std::string(str(code))))
                    sink.add("CODE-001", path_of() + ".code",
                             quote(str(code)) + " is not a code of " + cs_url);
            } else if (const std::string_view c = str(code);
                       (sys == "http://snomed.info/sct" &&
                        c.find_first_not_of("0123456789") == std::string_view::npos &&
                        !sctid_ok(c)) ||
                       (sys == "http://loinc.org" && !loinc_code_ok(c))) {
                // a code that cannot exist in SNOMED CT / LOINC (check digit), as --spec r4
                sink.add("FHIR-STR-014", path_of() + ".code",
                         quote(c) + " cannot be a " +
                             (sys == "http://loinc.org" ? "LOINC code (mod-10 check digit)"
                                                        : "SNOMED CT identifier (Verhoeff "
                                                          "check digit, 6-18 digits)"));
            }
        }
        if (value && value->IsString()) {
            const std::string_view val = str(value);
            if (sys == oid::orgnr_retired)
                sink.add("ID-ORG-002", path_of() + ".system",
                         "organisation number under the retired OID " + std::string(sys));
            if (sys == oid::uuid_system) {
                if (!is_uuid_urn(val))
                    sink.add("ID-UUID-001", path_of() + ".value",
                             "not a urn:uuid: value: " + quote(val));
            } else if (auto r = check_identifier(sys, val); !r) {
                if (const char* rule = rule_for_id_error(r.error().code))
                    sink.add(rule, path_of() + ".value", r.error().message, r.error().hint);
            }
        }
    }
    if (!containers) return;
    if (zone != Zone::root && zone != Zone::entry) {  // all but the top and its entries
        const Zone z = zone == Zone::resource ? Zone::resource : Zone::other;
        for (const auto& m : v.GetObject()) {
            if (!m.value.IsObject() && !m.value.IsArray()) continue;
            const Frame f{&at, 0, {m.name.GetString(), m.name.GetStringLength()}, -1};
            generic(m.value, f, z);
        }
        return;
    }
    // The zone of each member: root.entry (the first member of that name, as eval finds it), an
    // entry's resource (its first `resource`), anything below that, or elsewhere.
    bool first_of_name = true;
    for (const auto& m : v.GetObject()) {
        Zone z = zone == Zone::resource ? Zone::resource : Zone::other;
        if ((zone == Zone::root || zone == Zone::entry) && first_of_name) {
            const bool named =
                zone == Zone::root ? name_is(m.name, "entry") : name_is(m.name, "resource");
            if (named) {
                first_of_name = false;
                z = zone == Zone::entry ? Zone::resource
                    : m.value.IsArray() ? Zone::entries
                                        : Zone::entry;
            }
        }
        if (!m.value.IsObject() && !m.value.IsArray()) continue;
        const Frame f{&at, 0, {m.name.GetString(), m.name.GetStringLength()}, -1};
        generic(m.value, f, z);
    }
}

}  // namespace vft::detail
