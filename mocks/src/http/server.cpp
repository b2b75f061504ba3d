#include "server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace vft::detail::http {
namespace {

using Clock = std::chrono::steady_clock;

// A body over the limit is read on (and thrown away) for as much again, at least this much, so
// that a client that sends it whole still gets its 413; beyond that the connection is cut.
constexpr size_t kMinDiscardBytes = 1u << 20;

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
        .count();
}

// One open connection: its socket, and since when it has been reading the current request
// (0 = not reading: its request is being handled or answered).
struct Conn {
    MHD_socket fd = MHD_INVALID_SOCKET;
    std::atomic<int64_t> reading_since_ms{0};
};

// One request, from its request line to its answer's last byte.
struct Exchange {
    enum class Stage { headers, body, handling, answered };
    Stage stage = Stage::headers;
    Request req;
    Response res;
    size_t limit = 0;
    size_t received = 0;   // body bytes read, decoded
    bool refused = false;  // answered before routing (413, 431, 400)
    std::atomic<bool> ready{false};
};

// A body sent in timed pieces (Response::pace).
struct Paced {
    Server::Engine* engine;
    MHD_Connection* conn;
    std::string body;
    size_t chunk;
    int pause_ms;
    int64_t next_ms;
};

}  // namespace

struct Server::Engine {
    Server& server;
    ServerOptions options;
    MHD_Daemon* daemon = nullptr;

    // Handler workers.
    std::mutex jobs_mu;
    std::condition_variable jobs_cv;
    std::deque<std::function<void()>> jobs;
    std::vector<std::thread> workers;
    bool stopping = false;

    // Deadlines and paced bodies.
    std::mutex timer_mu;
    std::condition_variable timer_cv;
    std::multimap<int64_t, MHD_Connection*> resume_at;  // suspended paced answers
    std::unordered_set<Conn*> conns;
    std::thread timer;
    std::atomic<bool> timer_stop{false};
    std::atomic<bool> draining{false};  // stop() has begun: paced answers go out at once

    // Handlers running on an event loop and answers left for later (Response::later) not yet
    // complete: stop() waits for them, since libmicrohttpd must not be stopped with a
    // connection suspended. Once stop() began (stopping_inline), inline handlers refuse (503).
    std::mutex open_mu;
    std::condition_variable open_cv;
    size_t open_answers = 0;       // under open_mu
    bool stopping_inline = false;  // under open_mu

    bool enter_inline() {
        std::lock_guard lock(open_mu);
        if (stopping_inline) return false;
        ++open_answers;
        return true;
    }
    void enter() {
        std::lock_guard lock(open_mu);
        ++open_answers;
    }
    void leave() {
        std::lock_guard lock(open_mu);
        if (--open_answers == 0) open_cv.notify_all();
    }

    Engine(Server& s, ServerOptions o) : server(s), options(o) {}

    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(jobs_mu);
                jobs_cv.wait(lock, [&] { return stopping || !jobs.empty(); });
                if (jobs.empty()) return;  // stopping, and nothing left to finish
                job = std::move(jobs.front());
                jobs.pop_front();
            }
            job();
        }
    }

    // Resumes paced answers when their pause is over, and cuts connections whose request is
    // past its deadline: shutdown() makes libmicrohttpd see the peer gone and close the
    // connection on its own thread (it still owns the socket; `conns` holds only open ones).
    void tick() {
        std::unique_lock lock(timer_mu);
        while (!timer_stop) {
            const int64_t now = now_ms();
            while (!resume_at.empty() && resume_at.begin()->first <= now) {
                MHD_resume_connection(resume_at.begin()->second);
                resume_at.erase(resume_at.begin());
            }
            if (options.request_timeout_s > 0) {
                const int64_t limit = int64_t{options.request_timeout_s} * 1000;
                for (Conn* c : conns) {
                    const int64_t since = c->reading_since_ms.load();
                    if (since != 0 && now - since > limit) {
                        c->reading_since_ms = 0;
                        ::shutdown(c->fd, SHUT_RDWR);
                    }
                }
            }
            int64_t wake = now + 250;
            if (!resume_at.empty()) wake = std::min(wake, resume_at.begin()->first);
            timer_cv.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(wake - now, 1)));
        }
        for (auto& [at, conn] : resume_at)
            MHD_resume_connection(conn);
        resume_at.clear();
    }

    void resume_later(MHD_Connection* conn, int64_t at_ms) {
        {
            std::lock_guard lock(timer_mu);
            if (!timer_stop) {
                resume_at.emplace(at_ms, conn);
                timer_cv.notify_one();
                return;
            }
        }
        MHD_resume_connection(conn);  // stopping: no more pauses
    }

    static Conn* conn_of(MHD_Connection* c) {
        const MHD_ConnectionInfo* i =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        return i ? static_cast<Conn*>(i->socket_context) : nullptr;
    }

    // --- libmicrohttpd callbacks (all on the event thread of the connection) ---

    static void on_connection(void* cls, MHD_Connection* c, void** socket_context,
                              MHD_ConnectionNotificationCode code) {
        auto* e = static_cast<Engine*>(cls);
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
            auto* conn = new Conn;
            const MHD_ConnectionInfo* i =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
            conn->fd = i ? i->connect_fd : MHD_INVALID_SOCKET;
            conn->reading_since_ms = now_ms();
            // Small answers must not wait for the client's delayed ACK (~40 ms each).
            const int one = 1;
            if (conn->fd != MHD_INVALID_SOCKET)
                (void)setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            *socket_context = conn;
            std::lock_guard lock(e->timer_mu);
            e->conns.insert(conn);
        } else {
            auto* conn = static_cast<Conn*>(*socket_context);
            if (!conn) return;
            {
                std::lock_guard lock(e->timer_mu);
                e->conns.erase(conn);
            }
            delete conn;
            *socket_context = nullptr;
        }
    }

    static void* on_uri(void* cls, const char* uri, MHD_Connection* c) {
        (void)cls;
        if (Conn* conn = conn_of(c); conn && conn->reading_since_ms.load() == 0)
            conn->reading_since_ms = now_ms();
        try {
            auto x = std::make_unique<Exchange>();
            x->req.target = uri ? uri : "";
            return x.release();
        } catch (const std::exception&) {
            return nullptr;  // on_request closes the connection
        }
    }

    static void on_completed(void* cls, MHD_Connection* c, void** con_cls,
                             MHD_RequestTerminationCode) {
        (void)cls;
        delete static_cast<Exchange*>(*con_cls);
        *con_cls = nullptr;
        // The next request's deadline counts from here (idle time is bounded by idle_timeout_s).
        if (Conn* conn = conn_of(c)) conn->reading_since_ms = now_ms();
    }

    static MHD_Result add_header(void* cls, MHD_ValueKind, const char* key, size_t key_size,
                                 const char* value, size_t value_size) {
        auto* h = static_cast<Headers*>(cls);
        h->emplace(std::string(key, key_size), value ? std::string(value, value_size) : "");
        return MHD_YES;
    }

    static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                                 const char* version, const char* upload_data,
                                 size_t* upload_data_size, void** con_cls) {
        // Nothing may throw into C; out of memory for one request closes its connection.
        try {
            return on_request_(cls, c, url, method, version, upload_data, upload_data_size,
                               con_cls);
        } catch (const std::exception&) {
            return MHD_NO;
        }
    }

    static MHD_Result on_request_(void* cls, MHD_Connection* c, const char* url, const char* method,
                                  const char* version, const char* upload_data,
                                  size_t* upload_data_size, void** con_cls) {
        (void)url;
        auto* e = static_cast<Engine*>(cls);
        auto* x = static_cast<Exchange*>(*con_cls);
        if (!x) return MHD_NO;  // out of memory at the request line
        switch (x->stage) {
            case Exchange::Stage::headers:
                x->req.method = method ? method : "";
                x->req.version = version ? version : "";
                return e->on_headers(c, *x);
            case Exchange::Stage::body:
                if (*upload_data_size > 0) {
                    const size_t n = *upload_data_size;
                    *upload_data_size = 0;
                    x->received += n;
                    if (x->received <= x->limit) {
                        x->req.body.append(upload_data, n);
                        return MHD_YES;
                    }
                    // Over the limit (a chunked body, which announces no length): keep nothing.
                    // A body that ends within as much again is answered 413 when it ends (the
                    // engine cannot answer in the middle of a body); a longer one is cut here.
                    if (!x->req.body.empty()) {
                        x->req.body.clear();
                        x->req.body.shrink_to_fit();
                    }
                    return x->received - x->limit <= std::max(x->limit, kMinDiscardBytes) ? MHD_YES
                                                                                          : MHD_NO;
                }
                if (x->received > x->limit) return e->refuse(c, *x, 413) ? MHD_YES : MHD_NO;
                return e->dispatch(c, *x);
            case Exchange::Stage::handling:
                return x->ready ? e->answer(c, *x) : MHD_YES;
            case Exchange::Stage::answered:
                if (*upload_data_size > 0) *upload_data_size = 0;  // a refused body: discarded
                return MHD_YES;
        }
        return MHD_NO;
    }

    // Headers are in: apply the limits that need no body, before a byte of it is read.
    MHD_Result on_headers(MHD_Connection* c, Exchange& x) {
        Request& req = x.req;
        (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, &Engine::add_header, &req.headers);
        parse_target(req.target, req.path, req.params);
        if (const MHD_ConnectionInfo* i =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            i && i->client_addr) {
            char text[INET6_ADDRSTRLEN] = {};
            if (i->client_addr->sa_family == AF_INET) {
                const auto* a = reinterpret_cast<const sockaddr_in*>(i->client_addr);
                inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
                req.remote_port = ntohs(a->sin_port);
            } else if (i->client_addr->sa_family == AF_INET6) {
                const auto* a = reinterpret_cast<const sockaddr_in6*>(i->client_addr);
                inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
                req.remote_port = ntohs(a->sin6_port);
            }
            req.remote_addr = text;
        }
        x.stage = Exchange::Stage::body;
        x.limit = options.max_body_bytes;

        size_t header_bytes = req.method.size() + req.target.size() + req.version.size() + 4;
        for (const auto& [k, v] : req.headers)
            header_bytes += k.size() + v.size() + 4;
        if (req.headers.size() > options.max_headers || header_bytes > options.max_header_bytes)
            return refuse(c, x, 431) ? MHD_YES : MHD_NO;
        // RFC 9112 §6.3: Content-Length with Transfer-Encoding, or Content-Length given twice
        // (even with one value), is framing a proxy may read differently: refuse, and close.
        const size_t lengths = req.headers.count("Content-Length");
        const size_t codings = req.headers.count("Transfer-Encoding");
        if (lengths > 1 || (lengths == 1 && codings > 0))
            return refuse(c, x, 400) ? MHD_YES : MHD_NO;
        // §6.3 too: a request whose transfer coding is not (only) chunked has no length the
        // server can know (libmicrohttpd would wait for it until the idle timeout).
        if (codings > 1 ||
            (codings == 1 &&
             strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") != 0))
            return refuse(c, x, 400) ? MHD_YES : MHD_NO;
        if (lengths == 1) {
            const std::string v = req.get_header_value("Content-Length");
            if (v.empty() || v.size() > 19 ||
                v.find_first_not_of("0123456789") != std::string::npos)
                return refuse(c, x, 400) ? MHD_YES : MHD_NO;
            const auto n = std::stoull(v);
            if (n > x.limit) return refuse(c, x, 413) ? MHD_YES : MHD_NO;
            req.body.reserve(std::min<size_t>(static_cast<size_t>(n), size_t{16} << 20));
        }
        return MHD_YES;
    }

    // Answers before routing, with the error hook's body, and closes the connection after it.
    bool refuse(MHD_Connection* c, Exchange& x, int status) {
        x.stage = Exchange::Stage::answered;
        x.refused = true;
        Request head;
        head.method = x.req.method;
        head.target = x.req.target;
        head.path = x.req.path;
        head.version = x.req.version;
        head.headers = x.req.headers;
        head.remote_addr = x.req.remote_addr;
        head.remote_port = x.req.remote_port;
        x.res = server.refusal(head, status);
        return queue(c, x.res) == MHD_YES;
    }

    // The handler left its answer for later (the connection is suspended, the answer counted
    // open): resume it once the answer is complete, on the thread that completes it.
    void await_later(MHD_Connection* c, Exchange& x) {
        const std::shared_ptr<Later> later = std::move(x.res.later);  // leaves x.res.later empty
        later->then([this, c, &x](Later::Fill fill) {
            Response done;
            try {
                if (fill) fill(done);
            } catch (const std::exception&) {
                done = Response();
                done.status = 500;
            }
            x.res = std::move(done);
            x.ready = true;
            MHD_resume_connection(c);
            leave();
        });
    }

    // The request is whole: handle it here (inline_handlers) or hand it to a worker; the
    // connection sleeps until the answer is ready.
    MHD_Result dispatch(MHD_Connection* c, Exchange& x) {
        if (Conn* conn = conn_of(c)) conn->reading_since_ms = 0;
        if (options.inline_handlers) {
            if (!enter_inline()) return refuse(c, x, 503) ? MHD_YES : MHD_NO;
            x.res = server.handle(std::move(x.req));
            if (!x.res.later) {
                leave();
                return answer(c, x);
            }
            x.stage = Exchange::Stage::handling;
            MHD_suspend_connection(c);
            await_later(c, x);
            return MHD_YES;
        }
        std::unique_lock lock(jobs_mu);
        // libmicrohttpd aborts when stopped with a connection suspended: once stopping, no more.
        if (stopping) {
            lock.unlock();
            return refuse(c, x, 503) ? MHD_YES : MHD_NO;
        }
        x.stage = Exchange::Stage::handling;
        MHD_suspend_connection(c);
        jobs.push_back([this, c, &x] {
            x.res = server.handle(std::move(x.req));
            if (x.res.later) {
                enter();  // before this worker ends: stop() joins the workers, then waits
                return await_later(c, x);
            }
            x.ready = true;
            MHD_resume_connection(c);
        });
        lock.unlock();
        jobs_cv.notify_one();
        return MHD_YES;
    }

    MHD_Result answer(MHD_Connection* c, Exchange& x) {
        x.stage = Exchange::Stage::answered;
        if (x.res.delivery == Response::Delivery::drop) return MHD_NO;
        return queue(c, x.res);
    }

    static ssize_t paced_read(void* cls, uint64_t, char* buf, size_t max) {
        auto* p = static_cast<Paced*>(cls);
        if (p->body.empty()) return MHD_CONTENT_READER_END_OF_STREAM;
        const int64_t now = now_ms();
        if (now < p->next_ms && !p->engine->draining) {
            MHD_suspend_connection(p->conn);
            p->engine->resume_later(p->conn, p->next_ms);
            return 0;
        }
        const size_t n = std::min({max, p->chunk, p->body.size()});
        std::memcpy(buf, p->body.data(), n);
        p->body.erase(0, n);
        p->next_ms = now + p->pause_ms;
        return static_cast<ssize_t>(n);
    }

    static void paced_free(void* cls) { delete static_cast<Paced*>(cls); }

    MHD_Result queue(MHD_Connection* c, Response& res) {
        MHD_Response* r = nullptr;
        if (res.delivery == Response::Delivery::paced && !res.body.empty()) {
            auto* p = new Paced{this,
                                c,
                                std::move(res.body),
                                res.pace_chunk,
                                res.pace_pause_ms,
                                now_ms() + res.pace_pause_ms};
            const uint64_t size = p->body.size();
            r = MHD_create_response_from_callback(size, p->chunk, &Engine::paced_read, p,
                                                  &Engine::paced_free);
            if (!r) delete p;
        } else {
            r = MHD_create_response_from_buffer(res.body.size(), res.body.data(),
                                                MHD_RESPMEM_MUST_COPY);
        }
        if (!r) return MHD_NO;
        for (const auto& [k, v] : res.headers) {
            // libmicrohttpd frames the answer itself.
            if (strcasecmp(k.c_str(), "Content-Length") == 0 ||
                strcasecmp(k.c_str(), "Transfer-Encoding") == 0)
                continue;
            (void)MHD_add_response_header(r, k.c_str(), v.c_str());
        }
        const unsigned status =
            res.status >= 100 && res.status <= 599 ? static_cast<unsigned>(res.status) : 500;
        const MHD_Result ok = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ok;
    }
};

Server::Server() = default;

Server::~Server() {
    stop();
}

int Server::start(const std::string& host, int port, std::string& error) {
    stop();
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0 ||
        !found) {
        error = "cannot resolve " + host;
        return -1;
    }
    int fd = -1;
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        const int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
            ::close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0) {
        error = std::strerror(errno);
        return -1;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    (void)getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    const int bound_port = bound.ss_family == AF_INET6
                               ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                               : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

    // Each connection is a descriptor: raise the soft limit towards the connection limit.
    rlimit nofile{};
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 &&
        nofile.rlim_cur < rlim_t{options_.max_connections} + 256) {
        nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, rlim_t{options_.max_connections} + 256);
        (void)setrlimit(RLIMIT_NOFILE, &nofile);
    }

    auto e = std::make_unique<Engine>(*this, options_);
    size_t threads = options_.threads;
    if (threads == 0) threads = std::max(2u, 2 * std::thread::hardware_concurrency());
    if (options_.inline_handlers) threads = 0;
    for (size_t i = 0; i < threads; ++i)
        e->workers.emplace_back([p = e.get()] { p->work(); });
    e->timer = std::thread([p = e.get()] { p->tick(); });

    // The pool holds the request line, the header fields (and their index) and the read buffer.
    const size_t pool = std::max<size_t>(
        32u << 10, options_.max_header_bytes + options_.max_headers * 64 + (16u << 10));
    const unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    std::vector<MHD_OptionItem> items = {
        {MHD_OPTION_LISTEN_SOCKET, fd, nullptr},
        {MHD_OPTION_CONNECTION_LIMIT, options_.max_connections, nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, options_.idle_timeout_s, nullptr},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(pool), nullptr},
        {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Engine::on_uri), e.get()},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Engine::on_completed), e.get()},
        {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Engine::on_connection), e.get()},
    };
    if (options_.io_threads > 1)
        items.push_back({MHD_OPTION_THREAD_POOL_SIZE, options_.io_threads, nullptr});
    items.push_back({MHD_OPTION_END, 0, nullptr});
    e->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Engine::on_request, e.get(),
                                 MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
    engine_ = std::move(e);
    if (!engine_->daemon) {
        ::close(fd);
        stop();
        error = "the HTTP engine did not start";
        return -1;
    }
    return bound_port;
}

void Server::stop() {
    if (!engine_) return;
    Engine& e = *engine_;
    // Stop accepting; let running handlers finish (each resumes its connection); release paced
    // answers; then close everything (libmicrohttpd must not be stopped with a connection
    // suspended).
    MHD_socket listening = e.daemon ? MHD_quiesce_daemon(e.daemon) : MHD_INVALID_SOCKET;
    e.draining = true;
    {
        std::lock_guard lock(e.jobs_mu);
        e.stopping = true;
    }
    e.jobs_cv.notify_all();
    for (auto& w : e.workers)
        if (w.joinable()) w.join();
    {
        // Inline handlers finish, answers left for later complete on their own (the journal's
        // commit thread); the daemon must not stop before their connections are resumed.
        std::unique_lock lock(e.open_mu);
        e.stopping_inline = true;
        e.open_cv.wait(lock, [&] { return e.open_answers == 0; });
    }
    e.timer_stop = true;
    e.timer_cv.notify_all();
    if (e.timer.joinable()) e.timer.join();
    if (e.daemon) MHD_stop_daemon(e.daemon);
    if (listening != MHD_INVALID_SOCKET) ::close(listening);
    engine_.reset();
}

}  // namespace vft::detail::http
