// Files compiled into a library (cmake/EmbedSpecs.cmake writes the tables).
#pragma once

#include <cstddef>

namespace vft::detail {

struct EmbeddedFile {
    const char* path;  // relative to the embedded folder, e.g. "vkp-r4/package.json"
    const char* data;
    size_t size;
};

// The SDK's tables (in libvft), null-terminated (last entry has path == nullptr).
// specs/: the specification packages.
const EmbeddedFile* embedded_spec_files();
// specs/compiled/*.model: the compiled FHIR model.
const EmbeddedFile* embedded_compiled_model();

}  // namespace vft::detail

namespace vft::internal {
using EmbeddedFile = vft::detail::EmbeddedFile;
}  // namespace vft::internal
