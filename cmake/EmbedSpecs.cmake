# Embeds every file under specs/ into the SDK so a vendor's product needs no spec files at run
# time. The generated source holds one byte array per file plus a table of (path, data, size).
function(vft_embed_specs out_cpp)
  vft_embed_files(${out_cpp} ${PROJECT_SOURCE_DIR}/specs embedded_spec_files "validate/embedded_specs.hpp")
endfunction()

# Embeds the .json and .xsd files under `dir` (or the files matching the globs given after
# `header`, e.g. *.txt *.xml) as a table returned by vft::detail::<function>() (declared in
# `header`, which defines vft::detail::EmbeddedFile).
function(vft_embed_files out_cpp dir function header)
  set(patterns ${ARGN})
  if(NOT patterns)
    set(patterns *.json *.xsd)
  endif()
  set(globs "")
  foreach(p IN LISTS patterns)
    list(APPEND globs ${dir}/${p})
  endforeach()
  file(GLOB_RECURSE spec_files CONFIGURE_DEPENDS RELATIVE ${dir} ${globs})
  # specs/upstream (the published artifacts, vendored) is input to the spec compiler, never
  # read at run time: only its compiled form (specs/compiled) ships. The exception is the
  # official KITH XSDs (upstream/kith-xsd), which libxml2 compiles as they are published.
  set(kith_xsd ${spec_files})
  list(FILTER kith_xsd INCLUDE REGEX "^upstream/kith-xsd/[^/]+\\.xsd$")
  list(FILTER spec_files EXCLUDE REGEX "^upstream/")
  # A package's JSON Schema of base R4 (vkp-r4/schemas) is no longer read by the validator (the
  # compiled R4 model judges structure); it stays in the repository for the fixture checks.
  list(FILTER spec_files EXCLUDE REGEX "^[^/]+/schemas/")
  list(APPEND spec_files ${kith_xsd})
  list(SORT spec_files)
  set(abs_files "")
  foreach(f IN LISTS spec_files)
    list(APPEND abs_files ${dir}/${f})
  endforeach()
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DSPECS_DIR=${dir} -DOUT=${out_cpp} -DFUNCTION=${function} -DHEADER=${header}
            "-DFILES=${spec_files}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_specs_script.cmake
    DEPENDS ${abs_files} ${PROJECT_SOURCE_DIR}/cmake/embed_specs_script.cmake
    COMMENT "Embedding ${dir}"
    VERBATIM)
endfunction()
