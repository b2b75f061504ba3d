// Fuzzes the KITH readers (MsgHead + Dialogmelding, AppRec) on the same bytes; whatever a reader
// accepts must also survive the builder, which may refuse it but must not crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vft/kith/apprec.hpp"
#include "vft/kith/dialog_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view xml(reinterpret_cast<const char*>(data), size);
    if (auto m = vft::kith::read_dialog_message(xml)) {
        (void)vft::kith::build_dialog_message(*m);
        (void)vft::kith::build_apprec(vft::kith::apprec_for(*m, vft::kith::AppRecStatus::ok, {},
                                                            vft::kith::AppRecVersion::v1_1));
    }
    if (auto a = vft::kith::read_apprec(xml)) (void)vft::kith::build_apprec(*a);
    return 0;
}
