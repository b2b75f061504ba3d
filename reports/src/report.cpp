// Verdict and summary rules of the evidence bundle (DESIGN.md). JSON I/O is in report_json.cpp.
#include "vft/reports/report.hpp"

namespace vft::reports {

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::pass:
            return "pass";
        case Status::fail:
            return "fail";
        case Status::skip:
            return "skip";
        case Status::omit:
            return "omit";
        case Status::error:
            return "error";
    }
    return "error";
}

std::string_view to_string(Verdict v) noexcept {
    switch (v) {
        case Verdict::pass:
            return "pass";
        case Verdict::fail:
            return "fail";
        case Verdict::incomplete:
            return "incomplete";
    }
    return "incomplete";
}

std::optional<Status> status_from_string(std::string_view s) noexcept {
    for (Status x : {Status::pass, Status::fail, Status::skip, Status::omit, Status::error})
        if (to_string(x) == s) return x;
    return std::nullopt;
}

std::optional<Verdict> verdict_from_string(std::string_view s) noexcept {
    for (Verdict x : {Verdict::pass, Verdict::fail, Verdict::incomplete})
        if (to_string(x) == s) return x;
    return std::nullopt;
}

Verdict compute_verdict(const std::vector<TestResult>& tests) {
    bool any_mandatory = false, failed = false, incomplete = false;
    for (const auto& t : tests) {
        if (!t.mandatory || t.status == Status::omit) continue;
        any_mandatory = true;
        if (t.status == Status::fail) failed = true;
        if (t.status == Status::skip || t.status == Status::error) incomplete = true;
    }
    if (failed) return Verdict::fail;
    // A run in which no mandatory test applied certifies nothing.
    if (incomplete || !any_mandatory) return Verdict::incomplete;
    return Verdict::pass;
}

Summary compute_summary(const std::vector<TestResult>& tests) {
    Summary s;
    for (const auto& t : tests) {
        switch (t.status) {
            case Status::pass:
                ++s.pass;
                break;
            case Status::fail:
                ++s.fail;
                break;
            case Status::skip:
                ++s.skip;
                break;
            case Status::omit:
                ++s.omit;
                break;
            case Status::error:
                ++s.error;
                break;
        }
        if (t.mandatory && t.status != Status::omit) {
            ++s.mandatory;
            if (t.status == Status::pass) ++s.mandatory_passed;
        }
    }
    return s;
}

}  // namespace vft::reports
