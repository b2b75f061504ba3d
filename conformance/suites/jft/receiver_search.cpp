// Suite jft, role receiver (receiver.cpp): the search group: cursor paging returns each submitted
// resource exactly once and filters hold.
#include "receiver_groups.hpp"

namespace vft::conformance::suites::jft_suite {

using namespace std::chrono_literals;

void add_search(RoleTests& suite) {
    // Search: cursor paging returns each submitted resource exactly once.
    suite.add(
        {.id = "jft.search.paging_returns_each_once",
         .title = "Paging through search results (_count and cursor) returns every submitted note "
                  "exactly once",
         .module = "dho",
         .spec_ref = kRefSearch,
         .rules = {"JFT-API-004"}},
        [](TestContext& ctx, Outcome& out) {
            std::vector<std::string> ids;
            for (int i = 0; i < 5; ++i) {
                auto m = dho_composition(ctx);
                if (!built(out, m)) return;
                if (!submit_accepted(ctx, out, "Composition", *m,
                                     "Composition " + std::to_string(i + 1) + " of 5"))
                    return;
                ids.push_back(bare_uuid(m->identifier));
            }
            auto all = search_pages(ctx, out,
                                    v1(ctx, "Composition") + "?_count=2&_lastUpdated=" + since(ctx),
                                    "search with _count=2", 1000);
            if (!all) return;
            for (const auto& id : ids) {
                const size_t n = count_with(*all, id);
                if (!out.expect(n == 1, "paging with _count=2 over " + std::to_string(all->size()) +
                                            " results: expected Composition urn:uuid:" + id +
                                            " exactly once, got " + std::to_string(n) + " [" +
                                            kRefSearch + "]"))
                    return;
            }
            out.pass();
        });
    suite.add(
        {.id = "jft.search.last_updated_filter",
         .title = "Searching by _lastUpdated returns recent events and leaves out older ones",
         .module = "dho",
         .spec_ref = kRefSearch,
         .rules = {"JFT-API-005"}},
        [](TestContext& ctx, Outcome& out) {
            auto m = dho_composition(ctx);
            if (!built(out, m)) return;
            if (!submit_accepted(ctx, out, "Composition", *m, "Composition")) return;
            const std::string id = bare_uuid(m->identifier);
            auto recent = search_pages(
                ctx, out, v1(ctx, "Composition") + "?_count=100&_lastUpdated=" + since(ctx),
                "search _lastUpdated=" + since(ctx), 1000);
            if (!recent) return;
            if (!out.expect(count_with(*recent, id) == 1, "search _lastUpdated=" + since(ctx) +
                                                              ": expected the Composition "
                                                              "just submitted, not found [" +
                                                              kRefSearch + "]"))
                return;
            const std::string before = "lt" + format_fhir_time(run_time(ctx) - 24h);
            auto old = search_pages(ctx, out,
                                    v1(ctx, "Composition") + "?_count=100&_lastUpdated=" + before,
                                    "search _lastUpdated=" + before, 1000);
            if (!old) return;
            if (!out.expect(count_with(*old, id) == 0,
                            "search _lastUpdated=" + before +
                                ": expected no event submitted now, got the Composition just "
                                "submitted (the filter is ignored) [" +
                                kRefSearch + "]"))
                return;
            out.pass();
        });
}

}  // namespace vft::conformance::suites::jft_suite
