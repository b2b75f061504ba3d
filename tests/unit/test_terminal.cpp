// What the CLI prints from SUT data (cli/terminal.hpp, issue 13 item 7): control characters,
// DEL, invalid UTF-8, C1 and invisible direction controls are escaped; everything else is kept.
#include <catch2/catch.hpp>

#include <string>

#include "../../cli/terminal.hpp"
#include "vft/conformance/suite.hpp"

using vft::cli::printable;

TEST_CASE("printable escapes what could drive the terminal", "[cli][terminal]") {
    CHECK(printable("\x1b[2K\rverdict: pass\x07") == "\\x1B[2K\\x0Dverdict: pass\\x07");
    CHECK(printable("a\nb\tc\x7f") == "a\\x0Ab\\x09c\\x7F");
    CHECK(printable(std::string("nul\0end", 7)) == "nul\\x00end");
    // C1 controls as UTF-8 (U+009B CSI, U+0085 NEL) and as raw 8-bit bytes.
    CHECK(printable("\xC2\x9B"
                    "31m") == "\\u009B31m");
    CHECK(printable("\xC2\x85") == "\\u0085");
    CHECK(printable("\x9B"
                    "31m") == "\\x9B31m");
    // Direction overrides and line separators (a line could be shown reversed or split).
    CHECK(printable("\xE2\x80\xAE"
                    "ssap") == "\\u202Essap");
    CHECK(printable("\xE2\x80\xA8") == "\\u2028");
    // Overlong and surrogate encodings are not UTF-8.
    CHECK(printable("\xC0\x9B") == "\\xC0\\x9B");
    CHECK(printable("\xED\xA0\x80") == "\\xED\\xA0\\x80");
    // Ordinary text, Norwegian letters, emoji and backslashes stay as they are.
    CHECK(printable("Kåre Ødegård: ✓ 🙂 C:\\x ^[0-9]{11}$") ==
          "Kåre Ødegård: ✓ 🙂 C:\\x ^[0-9]{11}$");
}

// Issue 16: the console shows the message that decides a failure, not an earlier note such as a
// trigger's stderr tail, and no blank lines after it.
TEST_CASE("the console line of a failed test is the deciding message", "[cli][terminal]") {
    vft::conformance::Outcome o;
    o.note("trigger stderr: Traceback (most recent call last):\n  File \"adapter.py\"\n\n");
    o.note("an earlier observation");
    o.fail("the second send carried a new identifier\nfirst: urn:uuid:1\nsecond: urn:uuid:2\n\n");
    o.fail("a later failure does not move the first");
    REQUIRE(o.status() == vft::reports::Status::fail);
    REQUIRE(o.messages().size() == 4);
    CHECK(o.messages().front().rfind("the second send carried a new identifier", 0) == 0);
    CHECK(o.messages()[1].rfind("trigger stderr", 0) == 0);
    CHECK(o.messages().back() == "a later failure does not move the first");
    CHECK(
        vft::cli::deciding_message(o.messages()) ==
        "the second send carried a new identifier\n    first: urn:uuid:1\n    second: urn:uuid:2");

    // A pass overridden by a failure: the failure's message leads.
    vft::conformance::Outcome p;
    p.note("journal entry found");
    p.pass();
    p.fail("answered 500 for patient 12854812341\x1b[2K");
    CHECK(p.messages().front().rfind("answered 500", 0) == 0);
    const std::string line = vft::cli::deciding_message(p.messages());
    CHECK(line.find("12854812341") == std::string::npos);  // masked
    CHECK(line.find('\x1b') == std::string::npos);         // escaped
    CHECK(vft::cli::deciding_message({}).empty());
}
