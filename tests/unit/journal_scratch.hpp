// A journal file in a scratch directory of its own, removed afterwards.
#pragma once

#include <string>

#include "../support/scratch.hpp"

struct ScratchDb : vft::test::Scratch {
    ScratchDb() : Scratch("journal") {}
    [[nodiscard]] std::string path() const { return (dir / "journal.db").string(); }
};
