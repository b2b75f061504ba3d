// What the CLI prints from SUT data (cli/terminal.hpp, issue 13 item 7): control characters,
// DEL, invalid UTF-8, C1 and invisible direction controls are escaped; everything else is kept.
#include <catch2/catch.hpp>

#include <string>

#include "../../cli/terminal.hpp"

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
