// vft::client::JftReader — the EPJ side of Journalføringstjenesten (domain §3.2): synchronise
// from the ReadAPI, hand each document to the vendor's import callback, and acknowledge it
// (POST /v1/{type}/{id}/$journaling-acknowledged) only after the callback returned success.
//
// How a sync runs, per resource type:
//  1. documents imported earlier but not yet acknowledged (a crash or an outage after the import)
//     are acknowledged first — never imported again;
//  2. the ReadAPI is paged to the end: GET /v1/{type}?_count=N&_sort=_lastUpdated&_tag:not=<the
//     acknowledged tag>, then each page's next link (keyset paging with an opaque cursor, so a
//     document that arrives during paging lands on a later page and is not skipped);
//  3. for each document: the state file records "import started", the callback runs, the state
//     file records "imported", the acknowledgement is sent, the state file records
//     "acknowledged". A document already acknowledged (by its id) is skipped; one imported but
//     not acknowledged is only acknowledged;
//  4. after each page the next link is stored as the cursor, so a process that crashes resumes
//     at the page it was on; the cursor is cleared when the last page was handled (the next sync
//     starts from the beginning again, and the `_tag:not` filter plus the state file keep it from
//     importing anything twice).
// Exactly once: a document whose callback returned success is never passed to it again. One
// whose callback was running when the process died is passed again with `maybe_imported` set:
// the callback must then look in its own journal (by `id`) and return success without importing
// when it finds the document there. Retries, Retry-After, dropped connections, DPoP proofs and
// token renewal are those of JftClient (its ApiOptions.retry and Auth).
//
// The state file is SQLite (WAL, synchronous=FULL); one JftReader per file at a time.
// Thread-safety: a JftReader is used from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vft/client/jft_client.hpp"
#include "vft/core/result.hpp"

namespace vft::client {

struct JftReaderOptions {
    std::string state_path;  // the SQLite state file (created when missing)
    std::vector<std::string> resource_types = {"Composition", "Bundle", "MedicationDispense"};
    int page_size = 50;  // _count, 1..100
    // `_tag:not` on the journaling-acknowledged tag (specs/DECISIONS.md D-JFT-TAG); empty = no
    // filter (the state file alone keeps acknowledged documents from being imported again).
    std::string unacknowledged_filter =
        "https://fhir.jft.nhn.no/journaling-status|journaling-acknowledged";
    int max_pages = 100000;  // a sync stops with an error after this many pages per type
};

// One document as the ReadAPI returned it.
struct JftDocument {
    std::string resource_type;    // Bundle, Composition or MedicationDispense
    std::string id;               // the resource id (a GUID)
    std::string json;             // the resource as received (with JFT's meta)
    std::string last_updated;     // meta.lastUpdated ("" when absent)
    bool maybe_imported = false;  // an earlier run started importing it and did not finish
};

// Return ok() once the document is in the journal (durably); an error leaves it unacknowledged,
// and the next sync offers it again.
using JftImport = std::function<Result<void>(const JftDocument&)>;

struct JftSyncStats {
    int pages = 0;          // pages fetched
    int fetched = 0;        // documents on them
    int imported = 0;       // callbacks that returned success
    int import_failed = 0;  // callbacks that returned an error
    int acknowledged = 0;   // acknowledgements answered 202
    int already_known = 0;  // fetched documents that were acknowledged before
    bool resumed = false;   // the sync continued from a stored cursor
};

// A document in the state file.
struct JftReaderEntry {
    std::string resource_type;
    std::string id;
    enum class State { importing, imported, acknowledged } state = State::importing;
};

class JftReader {
  public:
    // Opens (creates) the state file. Errors: VFT-READER-1601 (cannot open, not a reader state
    // file, written by a newer vft), VFT-BUILD-0704 (options out of range).
    [[nodiscard]] static Result<JftReader> open(JftClient client, JftReaderOptions options);

    // One synchronisation to the end of every resource type. Stops at the first HTTP failure
    // that the client's retries did not overcome (the error; everything done so far is stored
    // and the next sync resumes), or a state-file failure (VFT-READER-1602). An import error
    // does not stop it (counted in import_failed).
    [[nodiscard]] Result<JftSyncStats> sync(const JftImport& import);

    // The documents in the state file (every state), in the order they were first seen.
    [[nodiscard]] Result<std::vector<JftReaderEntry>> entries() const;

    ~JftReader();
    JftReader(JftReader&&) noexcept;
    JftReader& operator=(JftReader&&) noexcept;

    struct Impl;

  private:
    explicit JftReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace vft::client
