// vft::conformance::run, preflight and rejudge: selects a suite's tests for the SUT, runs them on
// `jobs` threads against live contexts (real HTTP, every exchange recorded with secrets redacted
// and fødselsnummer hashed), and fills the evidence bundle. rejudge() runs the same test
// functions against replaying contexts built from a stored report.
#include "vft/conformance/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "conformance_detail.hpp"
#include "sender_context.hpp"
#include "tokens.hpp"
#include "vft/auth/key.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/internal/embedded.hpp"

namespace vft::conformance {

namespace {

using Clock = std::chrono::system_clock;

int64_t epoch_ms(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// What every test of one run shares.
struct RunState {
    const Sut& sut;
    const Validator& validator;
    detail::Secrets secrets;  // every credential the runner sent; scrubbed from all evidence
    detail::Privacy privacy;
    uint64_t seed = 0;
    int64_t start_ms = 0;
    std::optional<transport::HttpClient> http;
    std::unique_ptr<detail::Tokens> tokens;
    std::mutex mu;
    std::map<std::string, std::string> fixture_hashes;

    RunState(const Sut& s, const Validator& v, std::string salt)
        : sut(s), validator(v), privacy(std::move(salt), &secrets) {}

    Result<std::string> fixture(std::string_view path) {
        auto f = detail::fixture(path);
        if (!f)
            return Error{std::string(errc::conf_registry),
                         "no fixture '" + std::string(path) + "' is compiled in", std::string(path),
                         "a bug in the suite"};
        std::lock_guard lock(mu);
        auto& h = fixture_hashes[std::string(path)];
        if (h.empty()) h = detail::sha256_hex(*f);
        return std::string(*f);
    }
};

// Deterministic identifiers and clock shared by the live and replay contexts.
class ContextBase : public TestContext {
  public:
    ContextBase(RunState& run, const TestCase& test) : run_(run), test_(test) {}
    const Sut& sut() const override { return run_.sut; }
    const Validator& validator() const override { return run_.validator; }
    std::string new_uuid() override { return detail::derived_uuid(run_.seed, test_.id, uuid_n_++); }
    int64_t now_ms() override { return run_.start_ms + clock_n_++; }
    Result<std::string> fixture(std::string_view path) override { return run_.fixture(path); }
    Result<void> trigger(const Instruction&) override {
        return Error{std::string(errc::conf_unknown_role),
                     "role sender is not implemented by this runner yet", "", ""};
    }
    std::vector<reports::Exchange> inbound() override { return {}; }

  protected:
    RunState& run_;
    const TestCase& test_;
    uint64_t uuid_n_ = 0;
    int64_t clock_n_ = 0;
};

class LiveContext final : public ContextBase {
  public:
    using ContextBase::ContextBase;
    bool live() const override { return true; }

    Result<transport::HttpResponse> send(transport::HttpRequest request, std::string note,
                                         TokenKind token, const std::vector<std::string>& scopes,
                                         bool dpop) override {
        auto auth = run_.tokens->headers_for(request, token, scopes, dpop);
        if (auth)
            for (const auto& [name, value] : *auth)
                if (name == "DPoP") {
                    std::lock_guard lock(mu_);
                    last_proof_ = value;  // for DpopFault::replayed
                }
        return exchange(std::move(request), std::move(note), std::move(auth));
    }

    Result<transport::HttpResponse> send_dpop_fault(transport::HttpRequest request,
                                                    std::string note,
                                                    const std::vector<std::string>& scopes,
                                                    DpopFault fault) override {
        std::string last;
        {
            std::lock_guard lock(mu_);
            last = last_proof_;
        }
        auto auth = run_.tokens->headers_with_fault(request, scopes, fault, last);
        return exchange(std::move(request), std::move(note), std::move(auth));
    }

    std::vector<reports::Exchange> exchanges;

  private:
    // Sends with the auth headers given (or records why there are none) and records the exchange.
    Result<transport::HttpResponse> exchange(transport::HttpRequest request, std::string note,
                                             Result<Headers> auth) {
        reports::Exchange e;
        e.note = std::move(note);
        e.method = request.method;
        e.url = run_.privacy.text(request.url);
        // Timed from here: getting a token is not part of the exchange with the SUT.
        const auto started = Clock::now();
        e.started = detail::rfc3339_ms(started);
        if (!auth) {
            e.request_headers = run_.privacy.headers(request.headers);
            e.request_body = run_.privacy.body(request.body, detail::kOwnBodyLimit);
            e.request_sha256 = detail::sha256_hex(e.request_body);
            e.error = auth.error().code + ": " + run_.privacy.text(auth.error().message);
            e.response_sha256 = detail::sha256_hex("");
            record(std::move(e));
            return auth.error();
        }
        // Remembered before sending: whatever the SUT echoes of them is redacted (issue 13).
        for (const auto& [name, value] : *auth)
            run_.secrets.add(value);
        for (auto& h : *auth)
            request.headers.push_back(std::move(h));
        e.request_headers = run_.privacy.headers(request.headers);
        e.request_body = run_.privacy.body(request.body, detail::kOwnBodyLimit);
        e.request_sha256 = detail::sha256_hex(e.request_body);
        auto res = run_.http->send(request);
        e.elapsed_ms = epoch_ms(Clock::now()) - epoch_ms(started);
        if (!res) {
            e.error = res.error().code + ": " + run_.privacy.text(res.error().message);
        } else {
            e.status = res->status;
            e.response_headers = run_.privacy.headers(res->headers);
            e.response_body = run_.privacy.body(res->body);
        }
        e.response_sha256 = detail::sha256_hex(e.response_body);
        record(std::move(e));
        return res;
    }

    void record(reports::Exchange e) {
        std::lock_guard lock(mu_);
        exchanges.push_back(std::move(e));
    }
    std::mutex mu_;
    std::string last_proof_;  // the DPoP proof of the latest send(), guarded by mu_
};

// Plays back a test's recorded exchanges; fødselsnummer of known persons are mapped back so the
// judgement sees what the SUT sent.
class ReplayContext final : public ContextBase {
  public:
    ReplayContext(RunState& run, const TestCase& test, const std::vector<reports::Exchange>& rec,
                  const std::map<std::string, std::string>& unhash)
        : ContextBase(run, test), recorded_(rec), unhash_(unhash) {}
    bool live() const override { return false; }

    Result<transport::HttpResponse> send(transport::HttpRequest request, std::string, TokenKind,
                                         const std::vector<std::string>&, bool) override {
        std::unique_lock lock(mu_);
        if (next_ >= recorded_.size())
            return Error{std::string(errc::conf_replay),
                         "the report holds no exchange #" + std::to_string(next_ + 1) +
                             " for this test (" + request.method + " " + request.url + ")",
                         test_.id, "the suite version differs from the one that ran"};
        const auto& e = recorded_[next_++];
        if (e.method != request.method || e.url != run_.privacy.text(request.url))
            notes.push_back("re-judge: exchange #" + std::to_string(next_) + " was " + e.method +
                            " " + e.url + ", the test now sends " + request.method + " " +
                            run_.privacy.text(request.url));
        if (e.status == 0)
            return Error{std::string(errc::net_reset), e.error.empty() ? "no response" : e.error,
                         e.url, ""};
        if (auto cut = detail::truncation_of(e.response_body)) {
            truncated.push_back("exchange #" + std::to_string(next_) + " (" + e.method + " " +
                                e.url + "): " + *cut);
            return Error{std::string(errc::conf_replay),
                         "the stored answer of exchange #" + std::to_string(next_) +
                             " was cut when it was recorded (" + *cut + "); it is not judged",
                         test_.id, ""};
        }
        transport::HttpResponse r;
        r.status = e.status;
        for (const auto& h : e.response_headers)
            r.headers.emplace_back(h.name, unmask(h.value));
        r.body = unmask(e.response_body);
        r.elapsed = std::chrono::milliseconds(e.elapsed_ms);
        return r;
    }

    // Role sender: the recorded run of the trigger command and what arrived, as recorded.
    Result<void> trigger(const Instruction& instruction) override {
        // A run the runner stopped (a restart) is followed by the run that decides the result.
        auto stopped = [](const reports::Exchange& x) {
            for (const auto& h : x.response_headers)
                if (h.name == detail::kLifecycleHeader && h.value == "stopped") return true;
            return false;
        };
        for (; next_trigger_ < recorded_.size(); ++next_trigger_)
            if (recorded_[next_trigger_].method == detail::kTriggerMethod &&
                !stopped(recorded_[next_trigger_]))
                return detail::trigger_result(recorded_[next_trigger_++]);
        return Error{std::string(errc::conf_replay),
                     "the report holds no recorded trigger run for '" + instruction.action + "'",
                     test_.id, "the suite version differs from the one that ran"};
    }
    std::vector<reports::Exchange> inbound() override {
        std::vector<reports::Exchange> out = recorded_;
        for (size_t i = 0; i < out.size(); ++i)
            for (const std::string* body : {&out[i].request_body, &out[i].response_body})
                if (auto cut = detail::truncation_of(*body))
                    truncated.push_back("exchange #" + std::to_string(i + 1) + " (" +
                                        out[i].method + " " + out[i].url + "): " + *cut);
        for (auto& e : out) {
            e.url = unmask(e.url);
            e.request_body = unmask(e.request_body);
            e.response_body = unmask(e.response_body);
            for (auto& h : e.request_headers)
                h.value = unmask(h.value);
            for (auto& h : e.response_headers)
                h.value = unmask(h.value);
        }
        return out;
    }

    // Replays like send(): the broken proof was sent live; its answer is what was recorded.
    Result<transport::HttpResponse> send_dpop_fault(transport::HttpRequest request,
                                                    std::string note,
                                                    const std::vector<std::string>& scopes,
                                                    DpopFault) override {
        return send(std::move(request), std::move(note), TokenKind::valid, scopes, true);
    }

    std::vector<std::string> notes;
    // Stored bodies that were cut when recorded and that the test asked for: a re-judge never
    // judges them, so the test is `error` whatever it concluded.
    std::vector<std::string> truncated;

  private:
    std::string unmask(std::string text) const {
        size_t at = 0;
        while ((at = text.find("FNR#", at)) != std::string::npos) {
            auto it = unhash_.find(text.substr(at, 16));
            if (it != unhash_.end()) text.replace(at, 16, it->second);
            at += 4;
        }
        return text;
    }
    const std::vector<reports::Exchange>& recorded_;
    const std::map<std::string, std::string>& unhash_;
    size_t next_ = 0;
    size_t next_trigger_ = 0;
    std::mutex mu_;
};

std::string module_reason(const Sut& sut, const TestCase& t) {
    if (t.module.empty() || sut.claims(t.module)) return "";
    std::string r = "module '" + t.module + "' is not claimed in the SUT file";
    if (t.module == "auth" && sut.auth.type == "none") r += " (auth.type none)";
    return r + "; not certified for it";
}

reports::TestResult result_of(const TestCase& t, bool mandatory) {
    reports::TestResult r;
    r.id = t.id;
    r.group = t.group;
    r.module = t.module;
    r.title = t.title;
    r.spec_ref = t.spec_ref;
    r.mandatory = mandatory;
    r.requirements = t.requirements;
    return r;
}

// Runs one test function, turning exceptions and undecided outcomes into `error`.
void judge(const TestCase& t, TestContext& ctx, reports::TestResult& r) {
    Outcome o;
    try {
        t.run(ctx, o);
    } catch (const std::exception& ex) {
        o.error(std::string("the test threw: ") + ex.what());
    } catch (...) {
        o.error("the test threw a non-standard exception");
    }
    if (!o.decided()) o.error("the test reached no decision (a bug in the suite)");
    r.status = o.status();
    r.messages = o.messages();
}

Result<const Suite*> select_suite(const RunOptions& options) {
    auto suites = all_suites();
    if (!suites) return suites.error();
    const Suite* suite = find_suite(**suites, options.suite);
    if (!suite) {
        std::string known;
        for (const auto& s : **suites)
            known += (known.empty() ? "" : ", ") + s.id;
        return Error{std::string(errc::conf_unknown_suite), "unknown suite '" + options.suite + "'",
                     "--suite", "suites: " + known};
    }
    if (std::find(suite->roles.begin(), suite->roles.end(), options.role) == suite->roles.end())
        return Error{std::string(errc::conf_unknown_role),
                     "suite " + suite->id + " has no tests for role '" + options.role + "'",
                     "--role", "this version of suite " + suite->id + " tests the roles it lists"};
    return suite;
}

std::vector<const TestCase*> selected(const Suite& suite, const RunOptions& options) {
    std::vector<const TestCase*> out;
    for (const auto& t : suite.tests)
        if (t.role == options.role &&
            (options.only.empty() || detail::glob_match(options.only, t.id)))
            out.push_back(&t);
    return out;
}

std::vector<reports::SpecPackage> spec_packages(const Validator& v) {
    std::vector<reports::SpecPackage> out;
    for (const auto& info : v.specs()) {
        std::string all;
        const std::string prefix = info.id + "/";
        for (const auto* f = vft::detail::embedded_spec_files(); f->path; ++f) {
            if (std::string_view(f->path).substr(0, prefix.size()) != prefix) continue;
            all += f->path;
            all += '\0';
            all.append(f->data, f->size);
            all += '\0';
        }
        out.push_back({info.id, info.version, detail::sha256_hex(all)});
    }
    return out;
}

// Role sender has no tests of module `auth`: with HelseID auth every request a sender test judges
// reached the runner's endpoint with a token from its token service (DPoP-bound for jft and
// pmd), so a claimed `auth` passes when every mandatory sender test that applies passed.
std::vector<std::string> modules_passed(const Sut& sut, const std::vector<reports::TestResult>& r,
                                        const std::string& role) {
    std::vector<std::string> out;
    for (const auto& m : sut.modules) {
        const bool sender_auth =
            (role == "sender" || role == "reader") && m == "auth" && sut.auth.type == "helseid";
        bool any = false, all = true;
        for (const auto& t : r) {
            if (!t.mandatory || (t.module != m && !sender_auth)) continue;
            if (sender_auth && t.status == reports::Status::omit) continue;
            any = true;
            all = all && t.status == reports::Status::pass;
        }
        if (any && all) out.push_back(m);
    }
    return out;
}

// The traceability section (docs/conformance.md, "Requirements"): the requirements the tests of
// this role and the claimed modules check, plus those no test of the suite checks (not
// checked), each with its result from this report's tests.
reports::Traceability traceability(const Suite& suite, const Sut& sut, const std::string& role,
                                   const std::vector<reports::TestResult>& results) {
    std::map<std::string, const reports::TestResult*> by_id;
    for (const auto& r : results)
        by_id[r.id] = &r;
    std::map<std::string, std::vector<const TestCase*>> checking;  // in scope
    std::set<std::string> checked_by_any;
    for (const auto& t : suite.tests) {
        for (const auto& q : t.requirements)
            checked_by_any.insert(q);
        if (t.role != role) continue;
        if (!t.module.empty() &&
            std::find(sut.modules.begin(), sut.modules.end(), t.module) == sut.modules.end())
            continue;
        for (const auto& q : t.requirements)
            checking[q].push_back(&t);
    }
    reports::Traceability tr;
    for (const auto& q : suite.requirements) {
        const auto it = checking.find(q.id);
        if (it == checking.end() && checked_by_any.count(q.id)) continue;  // other role/module
        reports::RequirementResult rr;
        rr.id = q.id;
        rr.level = q.level;
        rr.statement = q.statement;
        rr.source = q.source;
        bool passed = false, failed = false;
        if (it != checking.end())
            for (const TestCase* t : it->second) {
                rr.tests.push_back(t->id);
                const auto r = by_id.find(t->id);
                if (r == by_id.end()) continue;
                passed = passed || r->second->status == reports::Status::pass;
                failed = failed || r->second->status == reports::Status::fail;
            }
        rr.result = failed ? "failed" : passed ? "met" : "not checked";
        if (q.level == "SHALL") {
            ++tr.shall;
            if (failed || passed) ++tr.shall_checked;
            if (!failed && passed) ++tr.shall_met;
        }
        tr.requirements.push_back(std::move(rr));
    }
    return tr;
}

// A random seed stays below 2^53 so that any JSON reader (JavaScript numbers, the registry
// site) reads it exactly; a seed given with --seed may be any unsigned 64-bit value.
uint64_t random_seed() {
    return (std::stoull(detail::random_hex(8), nullptr, 16) & ((uint64_t(1) << 53) - 1)) | 1;
}

}  // namespace

Result<reports::Report> run(const Sut& sut, const RunOptions& options) {
    auto suite = select_suite(options);
    if (!suite) return suite.error();
    auto tests = selected(**suite, options);
    if (tests.empty())
        return Error{std::string(errc::conf_bad_glob),
                     "--only '" + options.only + "' selects no test of suite " + (*suite)->id +
                         " for role " + options.role,
                     "--only", "vft run --list --suite " + (*suite)->id + " lists the test IDs"};
    // Every test of the role is in the report: one left out by --only is `skip`, so a partial run
    // can never certify (its verdict is at best incomplete).
    RunOptions everything = options;
    everything.only.clear();
    tests = selected(**suite, everything);
    auto validator = Validator::create();
    if (!validator) return validator.error();
    transport::HttpOptions http;
    http.total_timeout = options.request_timeout;
    http.user_agent = std::string("vft-conformance/") + VFT_VERSION;
    auto client = transport::HttpClient::create(http);
    if (!client) return client.error();

    reports::Report rep;
    rep.suite = (*suite)->id;
    rep.suite_version = (*suite)->version;
    rep.tool_version = VFT_VERSION;
    rep.validator_version = VFT_VERSION;
    rep.spec_packages = spec_packages(*validator);
    rep.role = options.role;
    rep.fnr_salt = detail::random_hex(16);
    rep.seed = options.seed ? options.seed : random_seed();
    const std::string r = detail::random_hex(16);
    rep.run_id = r.substr(0, 8) + "-" + r.substr(8, 4) + "-4" + r.substr(13, 3) + "-a" +
                 r.substr(17, 3) + "-" + r.substr(20, 12);
    const auto started = Clock::now();
    rep.started = detail::rfc3339_ms(started);

    RunState state(sut, *validator, rep.fnr_salt);
    state.seed = rep.seed;
    state.start_ms = epoch_ms(started);
    state.http = *client;
    state.tokens = std::make_unique<detail::Tokens>(sut, *client);
    state.tokens->set_secrets(&state.secrets);
    rep.sut_json = state.privacy.text(sut.redacted_json());

    // Role sender: the runner hosts the endpoint and token service (sender_context.hpp); the
    // scratch folder holds instructions, journals and the SUT's outboxes for the run only.
    std::unique_ptr<detail::SenderRun> sender;
    const std::filesystem::path scratch =
        std::filesystem::temp_directory_path() / ("vft-run-" + rep.run_id);
    // Role reader runs on the same live context (the runner's JFT, token service, trigger).
    if (options.role == "sender" || options.role == "reader") {
        detail::SenderRunOptions so;
        so.scratch = scratch;
        so.fnr_salt = rep.fnr_salt;
        so.seed = rep.seed;
        so.operator_prompt = options.operator_prompt;
        rep.operator_driven = sut.manual();
        auto started_run = detail::SenderRun::start(sut, so);
        if (!started_run) return started_run.error();
        sender = std::move(*started_run);
    }

    const std::set<std::string> mandatory((*suite)->mandatory.begin(), (*suite)->mandatory.end());
    std::vector<reports::TestResult> results(tests.size());
    std::atomic<size_t> next{0};
    size_t done = 0;
    std::mutex progress_mu;
    auto worker = [&] {
        for (size_t i = next++; i < tests.size(); i = next++) {
            const TestCase& t = *tests[i];
            reports::TestResult& res = results[i];
            res = result_of(t, mandatory.count(t.id) > 0);
            const auto t0 = std::chrono::steady_clock::now();
            if (!options.only.empty() && !detail::glob_match(options.only, t.id)) {
                res.status = reports::Status::skip;
                res.messages = {"not selected (--only " + options.only + ")"};
            } else if (auto why = module_reason(sut, t); !why.empty()) {
                res.status = reports::Status::omit;
                res.messages = {why};
            } else if (auto need = t.precondition ? t.precondition(sut) : ""; !need.empty()) {
                res.status = reports::Status::skip;
                res.messages = {need};
            } else if (sender) {
                auto ctx = sender->context(t);
                judge(t, *ctx, res);
                res.exchanges = ctx->finish();
            } else {
                LiveContext ctx(state, t);
                judge(t, ctx, res);
                res.exchanges = std::move(ctx.exchanges);
            }
            res.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - t0)
                                  .count();
            std::lock_guard lock(progress_mu);
            ++done;
            if (options.progress) options.progress(res, done, tests.size());
        }
    };
    // Operator mode: one person, one task at a time.
    const int jobs = sut.manual() && options.role == "sender"
                         ? 1
                         : std::max(1, std::min<int>(options.jobs, static_cast<int>(tests.size())));
    std::vector<std::thread> pool;
    for (int j = 1; j < jobs; ++j)
        pool.emplace_back(worker);
    worker();
    for (auto& th : pool)
        th.join();

    sender.reset();
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
    // Every credential sent in the run is known now: a second pass catches one a SUT echoed in
    // a test that recorded before another test's credential was made, and test messages that
    // quote what the SUT said.
    for (auto& res : results) {
        for (auto& m : res.messages)
            m = state.secrets.scrub(std::move(m));
        for (auto& e : res.exchanges) {
            for (std::string* text : {&e.url, &e.error})
                *text = state.secrets.scrub(std::move(*text));
            for (auto* hs : {&e.request_headers, &e.response_headers})
                for (auto& h : *hs)
                    h.value = state.secrets.scrub(std::move(h.value));
            std::string body = state.secrets.scrub(e.request_body);
            if (body != e.request_body) {
                e.request_body = std::move(body);
                e.request_sha256 = detail::sha256_hex(e.request_body);
            }
            body = state.secrets.scrub(e.response_body);
            if (body != e.response_body) {
                e.response_body = std::move(body);
                e.response_sha256 = detail::sha256_hex(e.response_body);
            }
        }
    }
    rep.tests = std::move(results);
    rep.fixture_hashes.clear();
    for (const auto& [path, hash] : state.fixture_hashes)
        rep.fixture_hashes[path] = hash;
    rep.finished = detail::rfc3339_ms(Clock::now());
    rep.summary = reports::compute_summary(rep.tests);
    rep.verdict = reports::compute_verdict(rep.tests);
    rep.modules_passed = modules_passed(sut, rep.tests, rep.role);
    rep.traceability = traceability(**suite, sut, rep.role, rep.tests);
    return rep;
}

Result<Preflight> preflight(const Sut& sut, const RunOptions& options) {
    auto suite = select_suite(options);
    if (!suite) return suite.error();
    Preflight p;
    auto tests = selected(**suite, options);
    if (tests.empty())
        p.problems.push_back("--only '" + options.only + "' selects no test of suite " +
                             (*suite)->id + " for role " + options.role);
    transport::HttpOptions http;
    http.total_timeout = options.request_timeout;
    auto client = transport::HttpClient::create(http);
    if (!client) return client.error();
    if (options.role == "receiver" && sut.base_url.empty()) {
        p.problems.push_back("role receiver needs 'base_url' in the SUT file");
    } else if (options.role == "receiver") {
        auto res = client->send({"GET", sut.base_url + "/", {}, ""});
        if (!res)
            p.problems.push_back("base_url " + sut.base_url +
                                 " is not reachable: " + res.error().message);
    }
    if (sut.auth.type == "helseid" && (options.role == "sender" || options.role == "reader")) {
        // The runner registers the SUT's client from this key in its own token service.
        if (auto key = auth::Key::load_file(sut.auth.private_key); !key)
            p.problems.push_back("auth.private_key cannot be read: " + key.error().message);
    } else if (sut.auth.type == "helseid") {
        // A scope the suite's first requests need (auth.scopes, when given, replaces it).
        const std::vector<std::string> scopes = {
            options.suite == "jft" || options.suite == "pmd" ? "nhn:jft/api"
            : options.suite == "kith"                        ? "nhn:kith/api"
                                                             : "nhn:vkp/api/user/bundle.write"};
        detail::Tokens tokens(sut, *client);
        if (auto ok = tokens.check(scopes); !ok)
            p.problems.push_back("no token for the SUT: " + ok.error().message +
                                 (ok.error().hint.empty() ? "" : " (" + ok.error().hint + ")"));
    }
    if (options.role == "sender" || options.role == "reader") {
        if (sut.trigger.empty()) {
            p.problems.push_back("role " + options.role + " needs 'trigger' in the SUT file");
        } else if (sut.manual()) {
            if (!options.operator_prompt)
                p.problems.push_back(
                    "\"trigger\": \"manual\" needs an operator at a terminal: run vft run "
                    "interactively (operator mode, docs/conformance.md)");
        } else {
            std::istringstream in(sut.trigger);
            std::string program;
            in >> program;
            bool found = false;
            if (program.find('/') != std::string::npos) {
                std::filesystem::path pp(program);
                if (pp.is_relative()) pp = sut.dir / pp;
                found = access(pp.c_str(), X_OK) == 0;
            } else if (const char* path = std::getenv("PATH")) {
                std::istringstream dirs(path);
                for (std::string d; std::getline(dirs, d, ':') && !found;)
                    found = access((std::filesystem::path(d) / program).c_str(), X_OK) == 0;
            }
            if (!found)
                p.problems.push_back("the trigger command '" + program + "' is not an executable");
            // Every further argument that names a file (a path or a name with an extension,
            // e.g. `python3 adapter.py`, `--key sender.pem`) must exist: relative to the SUT
            // file's folder, where the trigger runs. {instruction} is the runner's own file.
            for (std::string arg; in >> arg;) {
                if (arg.size() >= 2 && (arg.front() == '"' || arg.front() == '\'') &&
                    arg.back() == arg.front())
                    arg = arg.substr(1, arg.size() - 2);
                if (const auto eq = arg.find('=');
                    arg.rfind("--", 0) == 0 && eq != std::string::npos)
                    arg = arg.substr(eq + 1);  // --key=sender.pem
                if (arg.empty() || arg.front() == '-' || arg.find('{') != std::string::npos ||
                    arg.find('$') != std::string::npos || arg.find("://") != std::string::npos)
                    continue;
                const auto dot = arg.rfind('.');
                const auto slash = arg.rfind('/');
                const std::string ext = dot == std::string::npos ? "" : arg.substr(dot + 1);
                const bool has_ext =
                    dot != std::string::npos && dot > 0 &&
                    (slash == std::string::npos || dot > slash + 1) && !ext.empty() &&
                    ext.size() <= 5 &&
                    std::all_of(
                        ext.begin(), ext.end(),
                        [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }) &&
                    !std::all_of(ext.begin(), ext.end(), [](char c) {
                        return std::isdigit(static_cast<unsigned char>(c));
                    });
                if (!has_ext && slash == std::string::npos) continue;
                std::filesystem::path fp(arg);
                if (fp.is_relative()) fp = sut.dir / fp;
                std::error_code ec;
                if (!std::filesystem::exists(fp, ec))
                    p.problems.push_back("the trigger command names '" + arg +
                                         "', which does not exist (looked for " + fp.string() +
                                         "; relative paths are taken from the SUT file's folder)");
            }
        }
    }
    for (const auto* t : tests) {
        if (!module_reason(sut, *t).empty()) continue;  // omitted, not skipped
        if (t->precondition)
            if (auto why = t->precondition(sut); !why.empty()) p.will_skip.emplace_back(t->id, why);
    }
    return p;
}

Result<std::vector<RejudgeChange>> rejudge(const reports::Report& report,
                                           reports::Report* rejudged) {
    RunOptions options;
    options.suite = report.suite;
    options.role = report.role;
    auto suite = select_suite(options);
    if (!suite) return suite.error();
    const detail::Privacy privacy(report.fnr_salt);
    std::map<std::string, std::string> unhash;
    for (const auto& fnr : detail::known_person_numbers())
        unhash[privacy.hash(fnr)] = fnr;
    // The SUT file in the report has its test patients hashed; map those we know back.
    std::string sut_json = report.sut_json;
    for (const auto& [hash, fnr] : unhash)
        for (size_t at = sut_json.find(hash); at != std::string::npos; at = sut_json.find(hash))
            sut_json.replace(at, hash.size(), fnr);
    auto sut = Sut::parse(sut_json, {});
    if (!sut) return sut.error();
    auto validator = Validator::create();
    if (!validator) return validator.error();
    RunState state(*sut, *validator, report.fnr_salt);
    state.seed = report.seed;
    state.start_ms = detail::parse_rfc3339_ms(report.started).value_or(0);
    const std::set<std::string> mandatory((*suite)->mandatory.begin(), (*suite)->mandatory.end());
    std::vector<RejudgeChange> changes;
    reports::Report out = report;
    for (auto& res : out.tests) {
        const TestCase* t = nullptr;
        for (const auto& c : (*suite)->tests)
            if (c.id == res.id) t = &c;
        const reports::Status before = res.status;
        if (!t) {
            res.status = reports::Status::error;
            res.messages = {"re-judge: suite " + report.suite + " " + (*suite)->version +
                            " has no test '" + res.id + "'"};
        } else if (res.status == reports::Status::omit || res.status == reports::Status::skip) {
            continue;  // nothing was exchanged; the SUT file decided
        } else {
            ReplayContext ctx(state, *t, res.exchanges, unhash);
            reports::TestResult judged = result_of(*t, mandatory.count(t->id) > 0);
            judge(*t, ctx, judged);
            if (!ctx.truncated.empty()) {
                judged.status = reports::Status::error;
                judged.messages = {
                    "re-judge: not judged: a stored body it needs was cut when it was recorded "
                    "(bodies over " +
                    std::to_string(detail::kStoredBodyLimit >> 20) +
                    " MiB are not kept whole): " + ctx.truncated.front()};
            }
            res.status = judged.status;
            res.messages = judged.messages;
            for (auto& n : ctx.notes)
                res.messages.push_back(std::move(n));
            res.mandatory = judged.mandatory;
        }
        if (res.status != before) changes.push_back({res.id, before, res.status, res.messages});
    }
    out.summary = reports::compute_summary(out.tests);
    out.verdict = reports::compute_verdict(out.tests);
    out.modules_passed = modules_passed(*sut, out.tests, out.role);
    out.traceability = traceability(**suite, *sut, out.role, out.tests);
    if (rejudged) *rejudged = std::move(out);
    return changes;
}

}  // namespace vft::conformance
