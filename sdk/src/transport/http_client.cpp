// HttpClient over libcurl: a pool of easy handles (connection reuse without locks during I/O),
// exact requests (no silent redirects, no default form Content-Type), bounded responses, curl
// failures mapped to VFT-NET codes, and one log record per exchange.
#include "vft/transport/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <fstream>
#include <mutex>

#include "transport/text.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/identifiers.hpp"
#include "vft/internal/error.hpp"

namespace vft::transport {

namespace {

using std::chrono::milliseconds;

// Idle handles kept per client; more concurrent senders create handles that are closed on return.
constexpr size_t kMaxIdleHandles = 8;

struct EasyDeleter {
    void operator()(CURL* h) const noexcept { curl_easy_cleanup(h); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
    void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// libcurl wants one global init before any handle; done once, never undone (no global shutdown
// for users to call — the process exit reclaims it).
bool curl_ready() {
    static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    return ok;
}

Error make_error(std::string_view code, std::string message, bool retryable,
                 std::string hint = {}) {
    return internal::make_error(code, mask_person_ids(message), {}, std::move(hint), 0, retryable);
}

bool is_tchar(char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool has_ctl_break(std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

// A request that cannot be put on the wire as given is the caller's mistake, not the network's.
std::optional<Error> check_request(const HttpRequest& r) {
    auto bad = [](std::string what) {
        return make_error(errc::net_unsendable, "HTTP request not sendable: " + what, false,
                          "fix the request; sending it again unchanged cannot succeed");
    };
    if (!is_token(r.method)) return bad("method \"" + r.method + "\" is not an HTTP token");
    const std::string lower = detail::ascii_lower(r.url.substr(0, 8));
    if (!(lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0))
        return bad("URL must be absolute http:// or https://");
    if (r.url.find_first_of(std::string_view(" \r\n\t\0", 5)) != std::string::npos)
        return bad("URL contains whitespace or control characters");
    for (const auto& [name, value] : r.headers) {
        if (!is_token(name)) return bad("header name \"" + name + "\" is not an HTTP token");
        if (has_ctl_break(value)) return bad("header " + name + " contains CR, LF or NUL");
    }
    return std::nullopt;
}

bool has_header(const HttpRequest& r, std::string_view name) {
    return std::any_of(r.headers.begin(), r.headers.end(),
                       [&](const auto& h) { return detail::iequals(h.first, name); });
}

// Per-transfer state the curl callbacks write into.
struct Transfer {
    HttpResponse* response = nullptr;
    size_t max_bytes = 0;
    size_t header_bytes = 0;
    bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) noexcept {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    if (t->response->body.size() + n > t->max_bytes) {
        t->too_large = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    try {
        t->response->body.append(data, n);
    } catch (...) {
        return 0;
    }
    return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) noexcept {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    t->header_bytes += n;
    if (t->header_bytes > t->max_bytes) {
        t->too_large = true;
        return 0;
    }
    try {
        std::string_view line(data, n);
        auto& headers = t->response->headers;
        if (line.rfind("HTTP/", 0) == 0) {
            headers.clear();  // a new response (after 100 Continue or a proxy CONNECT)
        } else if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
            if (!headers.empty()) {  // obsolete line folding: continue the previous value
                headers.back().second += ' ';
                headers.back().second += detail::trim_ows(line);
            }
        } else if (auto colon = line.find(':'); colon != std::string_view::npos) {
            headers.emplace_back(std::string(detail::trim_ows(line.substr(0, colon))),
                                 std::string(detail::trim_ows(line.substr(colon + 1))));
        }
    } catch (...) {
        return 0;
    }
    return n;
}

struct Mapped {
    Error error;
    bool request_sent = true;
};

Mapped map_curl_error(CURLcode rc, const char* errbuf, const Transfer& t, const std::string& url,
                      curl_off_t pretransfer_us, const HttpOptions& options) {
    std::string detail_text = errbuf && *errbuf ? std::string(errbuf) : curl_easy_strerror(rc);
    const std::string where = redact_for_log(url);
    auto err = [&](std::string_view code, const std::string& what, bool retryable,
                   std::string hint = {}) {
        return make_error(code, what + " (" + where + "): " + detail_text, retryable,
                          std::move(hint));
    };
    if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return {make_error(errc::net_too_large,
                           "response over max_response_bytes (" +
                               std::to_string(options.max_response_bytes) + " bytes) from " + where,
                           false, "raise HttpOptions::max_response_bytes if the size is expected"),
                true};
    switch (rc) {
        case CURLE_COULDNT_CONNECT:
            return {err(errc::net_connect, "could not connect", true), false};
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return {err(errc::net_resolve, "host name did not resolve", true), false};
        case CURLE_OPERATION_TIMEDOUT:
            return {err(errc::net_timeout, "timed out", true), pretransfer_us > 0};
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_CLIENTCERT:
        case CURLE_USE_SSL_FAILED:
            return {err(errc::net_tls, "TLS failed", false,
                        "check the server certificate, HttpOptions::ca_file and the host name"),
                    false};
        case CURLE_GOT_NOTHING:
            return {err(errc::net_reset, "empty reply from server", true), true};
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_SEND_FAIL_REWIND:
            return {err(errc::net_reset, "connection dropped during the exchange", true), true};
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_UNSUPPORTED_PROTOCOL:
            // A reply that is not HTTP/1.x will not become one by asking again.
            return {err(errc::net_protocol, "server reply is not valid HTTP", false), true};
        case CURLE_URL_MALFORMAT:
            return {make_error(errc::net_unsendable,
                               "HTTP request not sendable: malformed URL " + where, false),
                    false};
        default:
            return {err(errc::net_reset, "transfer failed", false), true};
    }
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (detail::iequals(n, name)) return v;
    return {};
}

struct HttpClient::State {
    HttpOptions options;
    std::mutex pool_mutex;
    std::vector<EasyHandle> idle;
    std::mutex log_mutex;

    EasyHandle acquire() {
        {
            std::lock_guard lock(pool_mutex);
            if (!idle.empty()) {
                EasyHandle h = std::move(idle.back());
                idle.pop_back();
                return h;
            }
        }
        return EasyHandle(curl_easy_init());
    }

    void release(EasyHandle h) {
        std::lock_guard lock(pool_mutex);
        if (idle.size() < kMaxIdleHandles) idle.push_back(std::move(h));
    }
};

Result<HttpClient> HttpClient::create(HttpOptions options) {
    if (!curl_ready())
        return make_error(errc::net_connect, "libcurl could not be initialised", false);
    if (!options.ca_file.empty() && !std::ifstream(options.ca_file).good())
        return make_error(errc::io_read, "cannot read CA file " + options.ca_file, false,
                          "HttpOptions::ca_file must name a readable PEM file");
    if (options.connect_timeout < milliseconds(1)) options.connect_timeout = milliseconds(1);
    if (options.total_timeout < milliseconds(1)) options.total_timeout = milliseconds(1);
    auto impl = std::make_shared<State>();
    impl->options = std::move(options);
    // Fail now, not on the first send, if handles cannot be made at all.
    EasyHandle probe = impl->acquire();
    if (!probe) return make_error(errc::net_connect, "libcurl could not create a handle", false);
    impl->release(std::move(probe));
    return HttpClient(std::move(impl));
}

const HttpOptions& HttpClient::options() const {
    return impl_->options;
}

Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
    HttpAttempt attempt;
    return send_attempt(request, attempt);
}

void HttpClient::log(const LogRecord& record) const {
    if (!impl_->options.log) return;
    std::lock_guard lock(impl_->log_mutex);
    try {
        impl_->options.log(record);
    } catch (...) {  // a failing sink must not break sending
    }
}

namespace {

void add_logged_headers(LogRecord& rec, std::string_view prefix,
                        const std::vector<std::pair<std::string, std::string>>& headers) {
    for (const auto& [name, value] : headers)
        if (is_loggable_header(name))
            rec.fields.emplace_back(std::string(prefix) + name, detail::iequals(name, "Location")
                                                                    ? redact_for_log(value)
                                                                    : mask_person_ids(value));
}

}  // namespace

Result<HttpResponse> HttpClient::send_attempt(const HttpRequest& request,
                                              HttpAttempt& attempt) const {
    const HttpOptions& opt = impl_->options;
    attempt.request_sent = false;
    if (auto bad = check_request(request)) return std::move(*bad);

    EasyHandle handle = impl_->acquire();
    if (!handle) return make_error(errc::net_connect, "libcurl could not create a handle", true);
    CURL* h = handle.get();
    curl_easy_reset(h);  // keeps live connections, DNS cache and TLS sessions

    HttpResponse response;
    Transfer transfer{&response, opt.max_response_bytes, 0, false};
    char errbuf[CURL_ERROR_SIZE] = {};

    Slist headers;
    auto append = [&](const std::string& line) {
        curl_slist* next = curl_slist_append(headers.get(), line.c_str());
        if (next) {
            (void)headers.release();
            headers.reset(next);
        }
        return next != nullptr;
    };
    bool headers_ok = true;
    for (const auto& [name, value] : request.headers)
        headers_ok &= append(value.empty() ? name + ";" : name + ": " + value);
    // curl would add "Expect: 100-continue" for big bodies (a round trip some servers mishandle)
    // and a form Content-Type to bodies without one; the request goes out as the caller wrote it.
    if (!has_header(request, "Expect")) headers_ok &= append("Expect:");
    if (!has_header(request, "Content-Type")) headers_ok &= append("Content-Type:");
    if (!headers_ok) return make_error(errc::net_connect, "out of memory building headers", true);

    milliseconds total = opt.total_timeout;
    if (attempt.timeout) total = std::max(milliseconds(1), std::min(total, *attempt.timeout));

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opt.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(total.count()));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opt.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opt.verify_tls ? 2L : 0L);
    if (!opt.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opt.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_PROXY, opt.proxy.c_str());  // "" = no proxy, even from env
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(opt.max_response_bytes));
    curl_easy_setopt(h, CURLOPT_USERAGENT, opt.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

    const std::string& m = request.method;
    if (m == "HEAD" && request.body.empty()) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (m == "GET" && request.body.empty()) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        // POST-style body (Content-Length, even 0); any other method name replaces "POST".
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
        if (m != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
    }

    const auto started = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(h);
    response.elapsed =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);

    LogRecord rec;
    const std::string url = redact_for_log(request.url);
    rec.fields = {{"method", m},
                  {"url", url},
                  {"elapsed_ms", std::to_string(response.elapsed.count())},
                  {"attempt", std::to_string(attempt.attempt)}};
    add_logged_headers(rec, "request.", request.headers);

    if (rc != CURLE_OK) {
        curl_off_t pretransfer = 0;
        curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
        Mapped mapped = map_curl_error(rc, errbuf, transfer, request.url, pretransfer, opt);
        attempt.request_sent = mapped.request_sent;
        // A handle that failed mid-exchange is dropped with its connections; a fresh one is cheap.
        handle.reset();
        rec.level = LogLevel::warning;
        rec.fields.emplace_back("error", mapped.error.code);
        rec.message = m + " " + url + " failed after " + std::to_string(response.elapsed.count()) +
                      " ms (attempt " + std::to_string(attempt.attempt) +
                      "): " + mapped.error.code + " " + mapped.error.message;
        log(rec);
        return std::move(mapped.error);
    }

    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    attempt.request_sent = true;
    impl_->release(std::move(handle));

    rec.level = response.status >= 400 ? LogLevel::warning : LogLevel::info;
    rec.fields.insert(rec.fields.begin() + 2, {"status", std::to_string(response.status)});
    add_logged_headers(rec, "response.", response.headers);
    rec.message = m + " " + url + " -> " + std::to_string(response.status) + " in " +
                  std::to_string(response.elapsed.count()) + " ms (attempt " +
                  std::to_string(attempt.attempt) + ")";
    log(rec);
    return response;
}

}  // namespace vft::transport
