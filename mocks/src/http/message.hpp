// The request and response the mocks' handlers see (docs/http-engine.md). Their member API is the
// subset of cpp-httplib's Request/Response the mocks used before the event-driven engine, so a
// handler reads the same; nothing here knows about sockets.
//
// Thread safety: plain values; one request is handled by one thread at a time.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <string_view>

namespace vft::detail::http {

// Header names compare case-insensitively (RFC 9110 §5.1).
struct CaseInsensitiveLess {
    bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using Params = std::multimap<std::string, std::string>;

struct Request {
    std::string method;
    std::string target;   // the request target as sent ("/path?query")
    std::string path;     // the target's path, %-decoded
    std::string version;  // "HTTP/1.1"
    Headers headers;
    std::string body;
    Params params;        // the target's query, decoded ('+' is a space)
    std::smatch matches;  // the route's captures, matched against `path`
    std::string remote_addr;
    int remote_port = -1;

    [[nodiscard]] bool has_header(const std::string& key) const;
    // The id-th value of `key`, or "" when there is none.
    [[nodiscard]] std::string get_header_value(const std::string& key, size_t id = 0) const;
    [[nodiscard]] size_t get_header_value_count(const std::string& key) const;
    [[nodiscard]] bool has_param(const std::string& key) const;
    [[nodiscard]] std::string get_param_value(const std::string& key, size_t id = 0) const;
};

class Later;

struct Response {
    // How the answer leaves: whole, not at all (the connection is closed before an answer is
    // complete, as a failing network would), or its body in timed pieces.
    enum class Delivery { normal, drop, paced };

    int status = -1;  // -1 = not set: 200 once routed, 404 when no route matched
    Headers headers;
    std::string body;
    Delivery delivery = Delivery::normal;
    int pace_pause_ms = 0;     // paced: the pause before each piece
    size_t pace_chunk = 1024;  // paced: bytes per piece

    [[nodiscard]] bool has_header(const std::string& key) const;
    [[nodiscard]] std::string get_header_value(const std::string& key, size_t id = 0) const;
    // Replaces every value of `key`.
    void set_header(const std::string& key, const std::string& value);
    void set_content(const std::string& s, const std::string& content_type);
    void set_content(std::string&& s, const std::string& content_type);
    // Close the connection instead of answering.
    void drop() { delivery = Delivery::drop; }
    // Send the body in pieces of `chunk` bytes with `pause_ms` before each.
    void pace(int pause_ms, size_t chunk) {
        delivery = Delivery::paced;
        pace_pause_ms = pause_ms;
        pace_chunk = chunk == 0 ? 1 : chunk;
    }
    // Set by a handler whose answer is completed elsewhere, later (the journal's group commit):
    // the handler returns at once, the engine holds the connection (no thread waits) and sends
    // the answer once the Later is finished. See Later.
    std::shared_ptr<Later> later;
};

// An answer finished later, on whatever thread finishes it: finish() gets what completes the
// response (applied to the response the handler left), then() what runs once it is complete.
// Each is called once; whichever comes second runs the continuation, on its own thread.
class Later {
  public:
    using Fill = std::function<void(Response&)>;
    void finish(Fill fill);
    void then(std::function<void(Fill)> next);

  private:
    std::mutex mu_;
    Fill fill_;
    std::function<void(Fill)> next_;
    bool finished_ = false;
};

// "/a%20b?x=1&y=%2B" → path "/a b", params {x:1, y:+}.
void parse_target(std::string_view target, std::string& path, Params& params);
// application/x-www-form-urlencoded (also a query string) into `params`.
void parse_query_text(std::string_view s, Params& params);
// %XX decoding; `plus_is_space` for query and form text.
[[nodiscard]] std::string decode_url(std::string_view s, bool plus_is_space);

}  // namespace vft::detail::http
