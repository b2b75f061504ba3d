#include <fstream>
#include <iostream>
#include <sstream>

#include <vft/validate/validator.hpp>

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    std::ifstream in(argv[1]);
    std::stringstream ss;
    ss << in.rdbuf();
    auto validator = vft::Validator::create();
    if (!validator) return 2;
    const auto report = validator->validate(ss.str());
    std::cout << (report.valid() ? "valid" : "invalid") << " (" << report.spec << ")\n";
    return report.valid() ? 0 : 1;
}
