// Escaping for the XML and HTML renderings: whatever a report holds (bodies from a hostile SUT
// included) becomes text, never markup, and never a character XML 1.0 cannot carry.
#pragma once

#include <string>
#include <string_view>

namespace vft::reports::detail {

// Escapes & < > " ' and replaces invalid UTF-8, C0 controls other than TAB/LF/CR, DEL..C1
// controls and U+FFFE/U+FFFF by U+FFFD. With `quotes` false, " and ' are kept (element text
// only, never attribute values): JSON bodies stay a third smaller.
std::string escape_markup(std::string_view text, bool quotes = true);

}  // namespace vft::reports::detail
