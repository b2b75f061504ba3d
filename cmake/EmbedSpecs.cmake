# Embeds every file under specs/ into the SDK so a vendor's product needs no spec files at run
# time. The generated source holds one byte array per file plus a table of (path, data, size).
function(vft_embed_specs out_cpp)
  file(GLOB_RECURSE spec_files CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/specs
       ${PROJECT_SOURCE_DIR}/specs/*.json ${PROJECT_SOURCE_DIR}/specs/*.xsd)
  list(SORT spec_files)
  set(abs_files "")
  foreach(f IN LISTS spec_files)
    list(APPEND abs_files ${PROJECT_SOURCE_DIR}/specs/${f})
  endforeach()
  add_custom_command(
    OUTPUT ${out_cpp}
    COMMAND ${CMAKE_COMMAND} -DSPECS_DIR=${PROJECT_SOURCE_DIR}/specs -DOUT=${out_cpp}
            "-DFILES=${spec_files}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_specs_script.cmake
    DEPENDS ${abs_files} ${PROJECT_SOURCE_DIR}/cmake/embed_specs_script.cmake
    COMMENT "Embedding spec packages"
    VERBATIM)
endfunction()
