# Runs CMD, checks its exit code is EXPECT, when MATCH is set that its output matches MATCH, and
# when NOMATCH is set that its output (stdout and stderr) does not match NOMATCH anywhere (e.g. an
# unmasked fødselsnummer). INPUT, when set, is fed to standard input.
if(INPUT)
  execute_process(COMMAND ${CMD} INPUT_FILE ${INPUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
else()
  execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endif()
if(NOT rc EQUAL EXPECT)
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(MATCH AND NOT "${out}${err}" MATCHES "${MATCH}")
  message(FATAL_ERROR "output does not match '${MATCH}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOMATCH AND "${out}${err}" MATCHES "${NOMATCH}")
  message(FATAL_ERROR "output matches '${NOMATCH}', which must not appear (matched '${CMAKE_MATCH_0}')\nstdout:\n${out}\nstderr:\n${err}")
endif()
