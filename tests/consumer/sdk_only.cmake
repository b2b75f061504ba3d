# cmake -P script (CTest package.sdk_only): configures vft with -DVFT_SDK_ONLY=ON in its own build
# tree, checks the configure looked for neither the HTTP server libraries nor CLI11, builds and
# installs it, checks only the SDK was installed, and builds and runs the consumer (tests/consumer)
# against that install: the SDK is usable without the mocks' dependencies.
# Inputs: SOURCE_DIR, WORK_DIR, GENERATOR, CXX, LAUNCHER (may be empty), INPUT (a valid message).
set(build ${WORK_DIR}/build)
set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${prefix} ${WORK_DIR}/consumer)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

# No build type: the SDK is compiled without optimisation or debug information, which is quick
# and lets ccache share objects between runs.
run("configure (VFT_SDK_ONLY=ON)" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} -G ${GENERATOR}
    -DVFT_SDK_ONLY=ON -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_INSTALL_PREFIX=${prefix})

# The configure must not have looked for what only the mocks and the CLI use.
file(STRINGS ${build}/CMakeCache.txt cache)
foreach(line IN LISTS cache)
  if(line MATCHES "^(HTTPLIB_|MHD_|CLI11_DIR)")
    message(FATAL_ERROR "an SDK-only configure looked for a mocks/CLI dependency: ${line}")
  endif()
endforeach()

run("build" ${CMAKE_COMMAND} --build ${build} -j2)
run("install" ${CMAKE_COMMAND} --install ${build})

# Only the SDK: libvft, its headers and the package files; no CLI, no other vft library.
if(EXISTS ${prefix}/bin/vft)
  message(FATAL_ERROR "an SDK-only install contains the vft CLI")
endif()
file(GLOB_RECURSE libs RELATIVE ${prefix} ${prefix}/lib*/libvft*)
if(NOT libs MATCHES "libvft\\.a|libvft\\.so")
  message(FATAL_ERROR "an SDK-only install lacks libvft: ${libs}")
endif()
if(libs MATCHES "libvft_(mocks|reports|conformance)")
  message(FATAL_ERROR "an SDK-only install contains more than the SDK: ${libs}")
endif()
file(GLOB_RECURSE internal_headers ${prefix}/include/vft/internal/*)
if(internal_headers)
  message(FATAL_ERROR "the private vft_internal headers were installed: ${internal_headers}")
endif()

run("consumer" ${CMAKE_CTEST_COMMAND} --build-and-test ${SOURCE_DIR}/tests/consumer
    ${WORK_DIR}/consumer --build-generator ${GENERATOR}
    --build-options -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
    --test-command consumer ${INPUT})
message(STATUS "SDK-only build installed to ${prefix}; the consumer built and ran against it")
