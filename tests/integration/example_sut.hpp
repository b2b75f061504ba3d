// The SUT file an SDK example program is certified with (fixtures/sut/<name>.json, e.g.
// example-reader), with a fresh key of its own and the built program (optionally with a defect)
// as its trigger: what the role suites' tests against the example sender and reader share.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "run_support.hpp"
#include "vft/auth/key.hpp"
#include "vft/conformance/sut.hpp"

namespace vft::test {

// `name`: "example-reader" (the SUT file, its key file name; the program is example_reader),
// `program`: the built program's path, `defect`: "" or one of its --list-defects.
inline conformance::Sut example_sut(const std::filesystem::path& dir, const std::string& name,
                                    const std::string& program, const std::string& defect) {
    auto key = auth::Key::generate(auth::Algorithm::es256);
    REQUIRE(key.ok());
    const std::string key_file = name + ".key.pem";
    std::ofstream(dir / key_file) << key->private_pem();
    std::string json =
        read_text(std::filesystem::path(VFT_SOURCE_DIR) / "fixtures/sut" / (name + ".json"));
    std::string command = name;
    std::replace(command.begin(), command.end(), '-', '_');
    const std::string from = "\"" + command + " --instruction";
    const auto at = json.find(from);
    REQUIRE(at != std::string::npos);
    json.replace(at, from.size(), "\"" + program + " --instruction");
    if (!defect.empty()) {
        const auto end = json.find(key_file + "\"", at);
        REQUIRE(end != std::string::npos);
        json.insert(end + key_file.size(), " --defect " + defect);
    }
    auto sut = conformance::Sut::parse(json, dir);
    REQUIRE(sut.ok());
    return *sut;
}

}  // namespace vft::test
