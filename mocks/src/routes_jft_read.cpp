// JFT ReadAPI (domain §3.2) mapped to the receiver core: keyset-paged search of the journaled
// events (GET, and the older POST _search with a form body), reading marks each event `read`,
// and $status shows an event's lifecycle.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "receiver_core.hpp"
#include "vft/internal/form.hpp"

namespace vft::mocks::detail {

namespace {

// The meta.tag the mock puts on a JFT event once $journaling-acknowledged, and the value of the
// _tag / _tag:not search filters (specs/DECISIONS.md D-JFT-TAG).
constexpr const char* kJftAckTagSystem = "https://fhir.jft.nhn.no/journaling-status";
constexpr const char* kJftAckTagCode = "journaling-acknowledged";

// A stored JFT event as the ReadAPI returns it: meta.lastUpdated is when it was received, and an
// acknowledged event carries the journaling-acknowledged tag. A body that does not parse (it was
// validated on the way in, so this does not happen) is returned as stored.
std::string with_jft_meta(const Journal::Found& f) {
    rapidjson::Document d;
    if (d.Parse(f.body.data(), f.body.size()).HasParseError() || !d.IsObject()) return f.body;
    auto& a = d.GetAllocator();
    if (!d.HasMember("meta") || !d["meta"].IsObject())
        d.RemoveMember("meta"), d.AddMember("meta", JValue(rapidjson::kObjectType), a);
    JValue& meta = d["meta"];
    meta.RemoveMember("lastUpdated");
    meta.AddMember("lastUpdated", JValue(f.received.c_str(), a), a);
    if (!f.journaled_at.empty()) {
        if (!meta.HasMember("tag") || !meta["tag"].IsArray())
            meta.RemoveMember("tag"), meta.AddMember("tag", JValue(rapidjson::kArrayType), a);
        JValue tag(rapidjson::kObjectType);
        tag.AddMember("system", JValue(kJftAckTagSystem, a), a);
        tag.AddMember("code", JValue(kJftAckTagCode, a), a);
        meta["tag"].PushBack(tag, a);
    }
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    d.Accept(w);
    return std::string(b.GetString(), b.GetSize());
}

// JFT ReadAPI search parameters (domain §3.2): _count, cursor, _sort=[-]_lastUpdated,
// _lastUpdated=[eq|gt|ge|lt|le]date-or-instant (repeatable, all must hold), and _tag / _tag:not
// on the journaling acknowledgement. Anything else unknown is refused rather than ignored: a
// client that believes it filtered must not get everything.
void search(ReceiverCore& core, const http::Request& req, http::Response& res,
            const std::multimap<std::string, std::string>& params) {
    const std::string type = req.matches[1];
    auto bad = [&](std::string_view code, std::string_view display, const std::string& text) {
        reply(res, 400, vkp_outcome(code, display, text));
    };
    auto one = [&](const char* name) -> const std::string* {
        auto [lo, hi] = params.equal_range(name);
        return lo == hi ? nullptr : &lo->second;
    };
    for (const auto& [name, value] : params)
        if (name != "_count" && name != "cursor" && name != "_sort" && name != "_lastUpdated" &&
            name != "_tag" && name != "_tag:not" && name != "_format")
            return bad("2.4", "ugyldig format",
                       "unknown search parameter '" + name +
                           "'; JFT takes _count, cursor, _sort, _lastUpdated, _tag, _tag:not");
    bool descending = false;
    if (const auto* sort = one("_sort")) {
        if (*sort == "-_lastUpdated")
            descending = true;
        else if (*sort != "_lastUpdated")
            return bad("2.4", "ugyldig format", "_sort must be _lastUpdated or -_lastUpdated");
    }
    size_t count = 10;
    if (const auto* c = one("_count")) {
        if (c->empty() || c->size() > 3 ||
            c->find_first_not_of("0123456789") != std::string::npos || std::stoul(*c) == 0 ||
            std::stoul(*c) > 100)
            return bad("2.3", "ugyldig antall parametere", "_count must be 1..100");
        count = std::stoul(*c);
    }
    int64_t after = descending ? INT64_MAX : 0;
    if (const auto* c = one("cursor")) {
        if (c->size() < 2 || c->size() > 19 || (*c)[0] != 'c' ||
            c->find_first_not_of("0123456789", 1) != std::string::npos)
            return bad("2.4", "ugyldig format", "unknown cursor");
        after = std::stoll(c->substr(1));
    }
    Journal::SearchFilter filter;
    auto [lu, lu_end] = params.equal_range("_lastUpdated");
    for (auto it = lu; it != lu_end; ++it) {
        std::string v = it->second;
        for (char& ch : v)
            if (ch == ' ') ch = '+';  // an unencoded "+01:00" arrives as a space
        std::string prefix = "eq";
        if (v.size() > 2 && std::isalpha(static_cast<unsigned char>(v[0]))) {
            prefix = v.substr(0, 2);
            v = v.substr(2);
        }
        auto t = parse_fhir_time(v);
        if (!t || (prefix != "eq" && prefix != "gt" && prefix != "ge" && prefix != "lt" &&
                   prefix != "le"))
            return bad("2.4", "ugyldig format",
                       "_lastUpdated must be [eq|gt|ge|lt|le] followed by a date or an instant "
                       "with a zone, e.g. ge2026-11-28T08:00:00+01:00");
        // The value stands for the interval of its precision: a day or a second.
        const Time lo = *t;
        const Time hi = lo + (v.size() == 10 ? Time::duration(std::chrono::days(1))
                                             : Time::duration(std::chrono::seconds(1)));
        auto from = [&](Time x) {
            const auto text = format_fhir_time(x);
            if (filter.received_from.empty() || text > filter.received_from)
                filter.received_from = text;
        };
        auto to = [&](Time x) {
            const auto text = format_fhir_time(x);
            if (filter.received_to.empty() || text < filter.received_to) filter.received_to = text;
        };
        if (prefix == "eq" || prefix == "ge") from(lo);
        if (prefix == "gt") from(hi);
        if (prefix == "eq" || prefix == "le") to(hi);
        if (prefix == "lt") to(lo);
    }
    // The tag that marks an acknowledged event; its system is vft's choice (specs/DECISIONS.md)
    // since the national documentation names the filter but not the coding.
    auto acknowledged_tag = [](const std::string& token) {
        const auto bar = token.find('|');
        const std::string code = bar == std::string::npos ? token : token.substr(bar + 1);
        const std::string system = bar == std::string::npos ? "" : token.substr(0, bar);
        return code == kJftAckTagCode && (system.empty() || system == kJftAckTagSystem);
    };
    auto [tg, tg_end] = params.equal_range("_tag");
    for (auto it = tg; it != tg_end; ++it) {
        if (!acknowledged_tag(it->second))
            filter.none = true;  // no stored event has that tag
        else if (filter.acknowledged == 0)
            filter.none = true;
        else
            filter.acknowledged = 1;
    }
    auto [tn, tn_end] = params.equal_range("_tag:not");
    for (auto it = tn; it != tn_end; ++it)
        if (acknowledged_tag(it->second)) {
            if (filter.acknowledged == 1) filter.none = true;
            filter.acknowledged = 0;
        }
    if (!filter.received_from.empty() && !filter.received_to.empty() &&
        filter.received_from >= filter.received_to)
        filter.none = true;

    auto found = core.journal->search(type, after, count, descending, filter);
    if (!found)
        return reply(res, 500, vkp_outcome("3", "annen feil", found.error().message, "exception"));
    std::string out = R"({"resourceType":"Bundle","type":"searchset")";
    // Links name the URL clients are given (behind a proxy: the proxy's).
    const std::string& base_url =
        core.options.public_url.empty() ? core.base_url : core.options.public_url;
    if (found->size() == count) {
        // The next link repeats every filter, with the cursor after this page's last entry.
        std::string next = base_url + "/v1/" + type + "?_count=" + std::to_string(count) +
                           "&cursor=c" + std::to_string(found->back().seq);
        for (const auto& [name, value] : params)
            if (name != "_count" && name != "cursor")
                next += "&" + internal::form_encode(name) + "=" + internal::form_encode(value);
        out += R"(,"link":[{"relation":"next","url":)" + json_string(next) + "}]";
    }
    if (!found->empty()) {
        out += R"(,"entry":[)";
        for (size_t i = 0; i < found->size(); ++i) {
            const auto& f = (*found)[i];
            out += (i ? "," : "") + std::string(R"({"fullUrl":)") +
                   json_string(base_url + "/v1/" + type + "/" + f.resource_id) + R"(,"resource":)" +
                   with_jft_meta(f) + R"(,"search":{"mode":"match"}})";
            (void)core.journal->mark(type, f.resource_id, "read_at");
        }
        out += "]";
    }
    reply(res, 200, out + "}");
}

}  // namespace

void add_jft_read_routes(http::Router& router, ReceiverCore& core) {
    router.Get(R"(/v1/(Bundle|Composition|MedicationDispense)/([0-9a-f-]+)/\$status)",
               [&core](const http::Request& req, http::Response& res) {
                   auto e = core.journal->by_resource_id(req.matches[1], req.matches[2]);
                   if (!e || !*e)
                       return reply(
                           res, 404,
                           vkp_outcome("3", "annen feil", "no such resource", "not-found"));
                   const auto& x = **e;
                   auto ts = [](const std::string& s) {
                       return s.empty() ? std::string("null") : "\"" + s + "\"";
                   };
                   reply(res, 200,
                         R"({"registered":)" + ts(x.status_registered) + R"(,"read":)" +
                             ts(x.status_read) + R"(,"journaled":)" + ts(x.status_journaled) +
                             R"(,"failed":null})",
                         "application/json");
               });
    // Keyset paging with an opaque cursor, _count, _sort by _lastUpdated.
    router.Get(R"(/v1/(Bundle|Composition|MedicationDispense))",
               [&core](const http::Request& req, http::Response& res) {
                   search(core, req, res, req.params);
               });
    // The older form of the same search: POST .../_search with a form body.
    router.Post(R"(/v1/(Bundle|Composition|MedicationDispense)/_search)",
                [&core](const http::Request& req, http::Response& res) {
                    auto params = form(req.body);
                    params.insert(req.params.begin(), req.params.end());
                    search(core, req, res, params);
                });
}

}  // namespace vft::mocks::detail
