// Helpers shared by the vft::reports sources (errors, UTC time, strict JSON parsing).
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <ctime>
#include <string>
#include <string_view>

#include "vft/core/error.hpp"

namespace vft::reports::detail {

inline Error report_error(std::string_view code, std::string message, std::string location = {},
                          std::string hint = {}) {
    Error e;
    e.code = std::string(code);
    e.message = std::move(message);
    e.location = std::move(location);
    e.hint = std::move(hint);
    return e;
}

// "2026-11-28T10:11:12Z" for a time point (seconds).
inline std::string format_utc(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}
inline std::string now_utc() {
    return format_utc(std::chrono::system_clock::now());
}

// Parses JSON strictly (iterative, UTF-8 checked); false with `offset` set when it does not.
inline bool parse_json(std::string_view text, rapidjson::Document& doc, size_t& offset) {
    doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                      text.size());
    offset = doc.HasParseError() ? doc.GetErrorOffset() : 0;
    return !doc.HasParseError();
}

}  // namespace vft::reports::detail
