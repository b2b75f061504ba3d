// JftClient: JFT write and read API over the shared request loop.
#include "vft/client/jft_client.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "client/caller.hpp"
#include "client/client_util.hpp"
#include "json/json_util.hpp"
#include "vft/core/error_codes.hpp"

namespace vft::client {

namespace {

bool jft_type(std::string_view t) {
    return t == "Bundle" || t == "Composition" || t == "MedicationDispense";
}

Error bad_type(std::string_view t) {
    Error e = detail::make_error(errc::build_invalid_value,
                                 "JFT resource type must be Bundle, Composition or "
                                 "MedicationDispense, got '" +
                                     detail::sanitize(t, 60) + "'");
    e.location = "resource_type";
    return e;
}

bool plain_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '.'))
            return false;
    return true;
}

std::string stage(const rapidjson::Document& d, const char* name) {
    const auto* v = vft::detail::member(d, name);
    if (!v || v->IsNull()) return {};
    if (v->IsString()) return v->GetString();
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v->Accept(w);
    return std::string(b.GetString(), b.GetSize());
}

}  // namespace

std::string jft_id_from_status_url(std::string_view url) {
    constexpr std::string_view suffix = "/$status";
    if (url.size() <= suffix.size() || url.substr(url.size() - suffix.size()) != suffix) return {};
    url.remove_suffix(suffix.size());
    const auto slash = url.rfind('/');
    if (slash == std::string_view::npos) return {};
    return std::string(url.substr(slash + 1));
}

struct JftClient::State {
    JftClientOptions options;
    detail::Caller caller;

    transport::HttpRequest request(std::string method, std::string url, std::string body = {},
                                   bool json_body = false) const {
        transport::HttpRequest r{std::move(method), std::move(url), {}, std::move(body)};
        r.headers.emplace_back("Accept", "application/fhir+json, application/json");
        if (json_body) r.headers.emplace_back("Content-Type", "application/fhir+json");
        if (!options.source_system.empty())
            r.headers.emplace_back("nhn-source-system", options.source_system);
        return r;
    }

    Result<Reply<std::string>> expect_location(const transport::HttpRequest& r) const {
        auto called = caller.send(r, options.scopes, true);
        if (!called) return called.error();
        auto ok = detail::Caller::expect(*called, {202});
        if (!ok) return ok.error();
        std::string location = called->response.header("Location");
        if (location.empty())
            return detail::make_error(errc::read_missing_element,
                                      "JFT answered 202 without a Location header (the status URL)",
                                      {}, 202);
        return Reply<std::string>{std::move(location), 202, called->attempts};
    }

    Result<Reply<JftStatus>> get_status(std::string url) const {
        auto called = caller.send(request("GET", std::move(url)), options.scopes, true);
        if (!called) return called.error();
        auto ok = detail::Caller::expect(*called, {200});
        if (!ok) return ok.error();
        rapidjson::Document d;
        const auto& body = called->response.body;
        d.Parse(body.data(), body.size());
        if (d.HasParseError() || !d.IsObject())
            return detail::make_error(errc::json_syntax,
                                      "the JFT status answer is not a JSON object");
        if (!vft::detail::member(d, "registered"))
            return detail::make_error(errc::read_missing_element,
                                      "the JFT status answer has no 'registered'");
        JftStatus s{stage(d, "registered"), stage(d, "read"), stage(d, "journaled"),
                    stage(d, "failed")};
        if (s.journaled.empty()) s.journaled = stage(d, "journalingAcknowledged");
        return Reply<JftStatus>{std::move(s), 200, called->attempts};
    }

    Result<Reply<JftPage>> page(std::string url) const {
        auto called = caller.send(request("GET", std::move(url)), options.scopes, true);
        if (!called) return called.error();
        auto ok = detail::Caller::expect(*called, {200});
        if (!ok) return ok.error();
        rapidjson::Document d;
        const auto& body = called->response.body;
        d.Parse(body.data(), body.size());
        if (d.HasParseError() || !d.IsObject())
            return detail::make_error(errc::json_syntax, "the JFT search answer is not JSON");
        if (vft::detail::str_member(d, "resourceType") != "Bundle")
            return detail::make_error(errc::read_wrong_message,
                                      "the JFT search answer is not a Bundle");
        JftPage p;
        if (const auto* links = vft::detail::member(d, "link"); links && links->IsArray())
            for (const auto& l : links->GetArray())
                if (vft::detail::str_member(l, "relation") == "next")
                    p.next = std::string(vft::detail::str_member(l, "url"));
        if (const auto* entries = vft::detail::member(d, "entry"); entries && entries->IsArray())
            for (const auto& e : entries->GetArray()) {
                const auto* res = vft::detail::member(e, "resource");
                if (!res || !res->IsObject())
                    return detail::make_error(errc::read_missing_element,
                                              "a JFT search entry has no resource");
                rapidjson::StringBuffer b;
                rapidjson::Writer<rapidjson::StringBuffer> w(b);
                res->Accept(w);
                p.resources.emplace_back(b.GetString(), b.GetSize());
                p.full_urls.emplace_back(vft::detail::str_member(e, "fullUrl"));
            }
        return Reply<JftPage>{std::move(p), 200, called->attempts};
    }

    Result<std::string> same_server(std::string_view url) const {
        if (detail::origin_of(url).empty() ||
            detail::origin_of(url) != detail::origin_of(caller.base()))
            return detail::make_error(errc::build_invalid_value,
                                      "the URL '" + detail::sanitize(url, 200) +
                                          "' is not on the JFT server " + caller.base(),
                                      "the client sends its token only to base_url's server");
        return std::string(url);
    }
};

Result<JftClient> JftClient::create(JftClientOptions options, Auth auth) {
    if (options.source_system.find_first_of("\r\n") != std::string::npos)
        return detail::make_error(errc::build_invalid_value, "source_system holds a line break");
    auto caller = detail::Caller::create(options.api, std::move(auth));
    if (!caller) return caller.error();
    return JftClient(
        std::make_shared<const State>(State{std::move(options), std::move(caller).value()}));
}

Result<Reply<std::string>> JftClient::submit(std::string_view type, std::string_view json) const {
    if (!jft_type(type)) return bad_type(type);
    return impl_->expect_location(impl_->request(
        "POST", impl_->caller.base() + "/v1/" + std::string(type), std::string(json), true));
}

Result<Reply<JftStatus>> JftClient::status(std::string_view status_url) const {
    auto url = impl_->same_server(status_url);
    if (!url) return url.error();
    return impl_->get_status(std::move(url).value());
}

Result<Reply<JftStatus>> JftClient::status(std::string_view type, std::string_view id) const {
    if (!jft_type(type)) return bad_type(type);
    if (!plain_id(id))
        return detail::make_error(errc::build_invalid_value, "the JFT resource id is not an id");
    return impl_->get_status(impl_->caller.base() + "/v1/" + std::string(type) + "/" +
                             std::string(id) + "/$status");
}

Result<Reply<std::string>> JftClient::acknowledge(std::string_view type,
                                                  std::string_view id) const {
    if (!jft_type(type)) return bad_type(type);
    if (!plain_id(id))
        return detail::make_error(errc::build_invalid_value, "the JFT resource id is not an id");
    return impl_->expect_location(
        impl_->request("POST", impl_->caller.base() + "/v1/" + std::string(type) + "/" +
                                   std::string(id) + "/$journaling-acknowledged"));
}

Result<Reply<JftPage>> JftClient::search(std::string_view type, const JftSearch& query) const {
    if (!jft_type(type)) return bad_type(type);
    std::vector<std::pair<std::string, std::string>> params;
    if (query.count < 0)
        return detail::make_error(errc::build_invalid_value, "JftSearch.count is negative");
    if (query.count > 0) params.emplace_back("_count", std::to_string(query.count));
    for (const auto& p : query.params)
        params.push_back(p);
    std::string url = impl_->caller.base() + "/v1/" + std::string(type);
    if (!params.empty()) url += "?" + detail::form(params);
    return impl_->page(std::move(url));
}

Result<Reply<JftPage>> JftClient::next(std::string_view next_url) const {
    auto url = impl_->same_server(next_url);
    if (!url) return url.error();
    return impl_->page(std::move(url).value());
}

Result<Reply<JftPage>> JftClient::search_all(std::string_view type, const JftSearch& query) const {
    auto first = search(type, query);
    if (!first) return first;
    Reply<JftPage> all = std::move(first).value();
    int pages = 1;
    while (!all.value.next.empty()) {
        if (++pages > impl_->options.max_pages)
            return detail::make_error(errc::build_invalid_value,
                                      "JFT search has more than max_pages (" +
                                          std::to_string(impl_->options.max_pages) + ") pages",
                                      "raise JftClientOptions::max_pages or narrow the search");
        auto more = next(all.value.next);
        if (!more) return more.error();
        all.attempts += more->attempts;
        for (auto& r : more->value.resources)
            all.value.resources.push_back(std::move(r));
        for (auto& u : more->value.full_urls)
            all.value.full_urls.push_back(std::move(u));
        all.value.next = more->value.next;
    }
    return all;
}

}  // namespace vft::client
