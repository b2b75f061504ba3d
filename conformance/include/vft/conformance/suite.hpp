// The conformance suites as data plus code: a suite is a list of test cases with permanent
// dotted IDs (VK-GL-CTS style); a test case is a static description and a function run once per
// run against a TestContext. The same function runs live (real HTTP against the SUT) and when a
// report is re-judged (the context replays the recorded exchanges), so judgements never depend
// on anything but the exchanges.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vft/conformance/sut.hpp"
#include "vft/core/error_codes.hpp"
#include "vft/core/headers.hpp"
#include "vft/core/result.hpp"
#include "vft/reports/report.hpp"
#include "vft/transport/http_client.hpp"
#include "vft/validate/validator.hpp"

namespace vft::conformance {

using Headers = vft::Headers;  // vft/core/headers.hpp

// Which token a request should carry (role receiver). `valid` follows the SUT file's auth; the
// others ask the test-token endpoint (SutAuth::test_token_url) for a deliberately bad one.
enum class TokenKind {
    none,            // no Authorization header at all
    valid,           // a real token for the scopes, DPoP-bound + proof when `dpop`
    expired,         // exp in the past
    bad_signature,   // a valid token with its signature bytes altered
    wrong_scope,     // a token without the endpoint's scope
    other_vkp_id,    // a vkp-id not authorised for the SUT's orgnr
    wrong_audience,  // aud of another API
};

// A deliberately broken DPoP proof for the receiver auth tests of the DPoP APIs (JFT, PMD; domain
// §3.2): made with the key the valid token is bound to, so only the named claim is wrong.
enum class DpopFault {
    missing,    // the DPoP-bound token presented as "Bearer <token>" with no DPoP header
    replayed,   // the proof this test's previous send() carried, sent again (same jti)
    wrong_htu,  // htu of another URL on the same host
    wrong_htm,  // htm of another HTTP method
    wrong_ath,  // ath of another access token (the hash does not match the token sent)
};

// The role-sender instruction (DESIGN.md "Trigger protocol"; docs/conformance.md).
struct Instruction {
    std::string action;  // report-alarm, report-medication-dispense, report-supervision,
                         // report-measurements, search-patient, ...
    std::string json;    // the complete instruction JSON written to the file
    // Fault rules the runner's endpoint applies while the SUT acts on this instruction
    // (mocks/src/faults.hpp format; empty = none), and beside the receiver's "rules" the
    // runner's own faults — "proxy" and "token_service" (conformance/src/proxy_faults.hpp: a 401
    // invalid_token, an outage, a restart of the product, token lifetime, DPoP nonce, clock
    // offset). Not written to the file. The live context
    // sets the run's members of `json` (endpoint, token_url, client_id, outbox, ...) itself:
    // docs/conformance.md, "Instruction format".
    std::string faults_json = {};
    // Role reader: documents the runner's JFT holds for the SUT's municipality before the SUT
    // acts on the first instruction of the test (each submitted to the mock's WriteAPI and
    // recorded as an outbound exchange noted "queued document"; the 202's Location names its id).
    struct Document {
        std::string resource_type;  // Bundle, Composition or MedicationDispense
        std::string json;
    };
    std::vector<Document> queue = {};
    // Role reader: documents that arrive while the SUT acts on this instruction — submitted as
    // soon as the SUT has been answered its first ReadAPI page, recorded like `queue`.
    std::vector<Document> queue_during = {};
    // The SUT answers on stdout (report-journal): the trigger exchange's response body is its
    // stdout (at most 64 MiB) instead of the tail of its stderr.
    bool answer_on_stdout = false;
};

// What a test may do and know. Implemented by the runner (live and replay).
// Thread-safety: one context per test. send() may be called from several threads of that test at
// once (exchanges are recorded in completion order); every other member from one thread only.
class TestContext {
  public:
    virtual ~TestContext() = default;

    [[nodiscard]] virtual const Sut& sut() const = 0;
    [[nodiscard]] virtual const Validator& validator() const = 0;  // strict, all spec packages

    // Deterministic per (run seed, test id): the same in a re-judge.
    [[nodiscard]] virtual std::string new_uuid() = 0;
    [[nodiscard]] virtual int64_t now_ms() = 0;  // the run's clock (recorded; replayed)

    // ---- role receiver ------------------------------------------------------------------
    // Sends one request to the SUT (a URL under sut().base_url) and records the exchange
    // (secrets redacted, fødselsnummer hashed) whatever happens. A transport failure is an
    // error result (and recorded). `token`: headers for the SUT's auth are added for `scopes`;
    // `dpop` adds a DPoP proof (JFT, PMD). Errors from getting a token are VFT-CONF-14xx.
    [[nodiscard]] virtual Result<transport::HttpResponse> send(
        transport::HttpRequest request, std::string note, TokenKind token,
        const std::vector<std::string>& scopes, bool dpop) = 0;

    // A fixture compiled into the tool, by its source path ("fixtures/messages/valid/...");
    // its SHA-256 goes into the report. Errors: VFT-CONF-1406 (no such fixture).
    [[nodiscard]] virtual Result<std::string> fixture(std::string_view path) = 0;
    // False when re-judging a report: side channels (raw sockets, timing) are not available and
    // a test judges only the recorded exchanges.
    [[nodiscard]] virtual bool live() const = 0;

    // Sends `request` with a valid DPoP-bound token for `scopes` and a proof broken as `fault`
    // says; recorded like send(). A context that cannot make such proofs returns
    // VFT-CONF-1490 and the tests that need it are skipped with that reason.
    [[nodiscard]] virtual Result<transport::HttpResponse> send_dpop_fault(
        transport::HttpRequest request, std::string note, const std::vector<std::string>& scopes,
        DpopFault fault) {
        (void)request, (void)note, (void)scopes, (void)fault;
        return Error{std::string(errc::conf_dpop_fault_unsupported),
                     "this test context cannot send a broken DPoP proof",
                     "TestContext::send_dpop_fault",
                     "the runner's live context implements it; a replay answers as recorded"};
    }

    // ---- role sender --------------------------------------------------------------------
    // Runs the SUT's trigger command with the instruction; ok when it exited 0.
    [[nodiscard]] virtual Result<void> trigger(const Instruction& instruction) = 0;
    // Requests the SUT sent to the runner's endpoints since the test started (recorded).
    [[nodiscard]] virtual std::vector<reports::Exchange> inbound() = 0;
};

// A test's outcome while it runs. The first fail() or error() wins the status; messages collect.
class Outcome {
  public:
    void pass() { set(reports::Status::pass, {}); }
    void fail(std::string message) { set(reports::Status::fail, std::move(message)); }
    void skip(std::string reason) { set(reports::Status::skip, std::move(reason)); }
    void omit(std::string reason) { set(reports::Status::omit, std::move(reason)); }
    void error(std::string message) { set(reports::Status::error, std::move(message)); }
    void note(std::string message) { messages_.push_back(std::move(message)); }
    // fail(message) unless `ok`; returns ok so tests can stop early.
    bool expect(bool ok, std::string message) {
        if (!ok) fail(std::move(message));
        return ok;
    }
    [[nodiscard]] bool decided() const { return decided_; }
    [[nodiscard]] reports::Status status() const { return status_; }
    [[nodiscard]] const std::vector<std::string>& messages() const { return messages_; }

  private:
    // pass never overrides another status; the first fail/error/skip/omit sticks. A test that
    // never decides is recorded as error by the runner (never as pass). The message that decides
    // the status goes first (notes made before it follow), so the console and report readers
    // show the cause, not an earlier note such as a trigger's stderr.
    void set(reports::Status s, std::string message) {
        const bool decides =
            !decided_ || (status_ == reports::Status::pass && s != reports::Status::pass);
        if (!message.empty()) {
            if (decides && s != reports::Status::pass) {
                messages_.insert(messages_.begin(), std::move(message));
            } else {
                messages_.push_back(std::move(message));
            }
        }
        if (decides) {
            status_ = s;
            decided_ = true;
        }
    }
    bool decided_ = false;
    reports::Status status_ = reports::Status::error;
    std::vector<std::string> messages_;
};

struct TestCase {
    std::string id;        // permanent: <suite>.<group>.<...>, lower_snake, dots
    std::string group;     // auth journaling validation duplicates search robustness faults ...
    std::string module;    // the claimed module it belongs to (omit when not claimed)
    std::string role;      // receiver | sender
    std::string title;     // one line a procurement officer understands
    std::string spec_ref;  // spec section / rule the requirement comes from
    // Requirement IDs the test checks (specs/<package>/requirements.json). The registry sets
    // them from the checked-in list conformance/suites/<suite>/tests-<version>.txt; a test is
    // mandatory only if one of them is a SHALL.
    std::vector<std::string> requirements;
    std::vector<std::string> rules;  // validator rule IDs the test exercises (informative)
    std::function<void(TestContext&, Outcome&)> run;
    // What the test needs from the SUT file: returns the reason it cannot run (the test is then
    // `skip`, and pre-flight lists it), or "" when it can. Empty function = needs nothing.
    std::function<std::string(const Sut&)> precondition;
};

// One requirement of the catalogue (specs/<package>/requirements.json; docs/conformance.md,
// "Requirements"): a permanent ID, its level, what it says in vft's words, where it comes from
// (specs/upstream/<file>#<element id>, fhir-r4:<invariant key>, or a published page with its
// section) and the validator rule IDs that check it.
struct Requirement {
    std::string id;     // REQ-VKP-0001, REQ-AUTH-0002, ...
    std::string level;  // SHALL | SHOULD | MAY | DECISION
    std::string statement;
    std::string source;
    std::string package;  // vkp-r4 | jft | pmd | kith | http-auth
    std::vector<std::string> rules;
    std::vector<std::string> suites;  // the suites a shared requirement applies to; empty = all
};

struct Suite {
    std::string id;       // vkp-r4 | jft | pmd | kith
    std::string version;  // suite version (its mandatory list is
                          // conformance/suites/<id>/mandatory-<version>.txt)
    std::vector<std::string> roles;
    std::vector<TestCase> tests;
    std::vector<std::string> mandatory;  // test IDs, from the checked-in list
    // The requirements of the suite's packages (and any other requirement one of its tests
    // checks), in catalogue order.
    std::vector<Requirement> requirements;
};

// Every suite, built once (IDs checked: well-formed, unique, prefixed by the suite; every
// mandatory ID exists; every listed requirement exists; every mandatory test checks a SHALL).
// Errors: VFT-CONF-1406 / VFT-CONF-1410 naming the offending ID.
[[nodiscard]] Result<const std::vector<Suite>*> all_suites();
[[nodiscard]] const Suite* find_suite(const std::vector<Suite>& suites, std::string_view id);
[[nodiscard]] const Requirement* find_requirement(const Suite& suite, std::string_view id);

// The whole catalogue (every specs/*/requirements.json), in package then catalogue order.
// Errors: VFT-CONF-1410 (a malformed file, a duplicate ID, an unknown level).
[[nodiscard]] Result<const std::vector<Requirement>*> requirements_catalogue();

// The test IDs a suite version must register, each with its requirement IDs, from
// conformance/suites/<suite>/tests-<version>.txt. Errors: VFT-CONF-1410.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::vector<std::string>>>> test_list(
    std::string_view suite_id, std::string_view version);

}  // namespace vft::conformance
