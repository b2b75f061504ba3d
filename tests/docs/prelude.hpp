// What the doc fragments (docs/sdk.md, docs/client.md) take as given: the vendor's own
// functions and inputs. Compiled before every page's fragments by tests/docs/extract_blocks.py;
// nothing here is SDK API.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "vft/messages/journal_note.hpp"
#include "vft/model/types.hpp"

// The vendor's storage, log, journal and HTTP answer.
inline void store(const std::string&, const std::string&) {}
inline void log(const std::string&, const std::string&, const std::string&, const std::string&) {}
inline void journal(const vft::Patient&, const std::string&, const vft::JournalNote&) {}
inline void http_400(const std::string&) {}
// A received body and a built Bundle.
inline const std::string body = "{}";
inline const std::string bundle_json = "{}";
