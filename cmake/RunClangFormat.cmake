# Script mode helper for the format-check / format-fix targets. Globs at build time so new files are covered.
file(GLOB_RECURSE files
    "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp"
    "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp"
    "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp"
    "${SOURCE_DIR}/tests/*.h" "${SOURCE_DIR}/tests/*.cpp"
    "${SOURCE_DIR}/bench/*.h" "${SOURCE_DIR}/bench/*.cpp")
list(FILTER files EXCLUDE REGEX "/tests/vm/work/")
if(MODE STREQUAL "fix")
    execute_process(COMMAND "${CLANG_FORMAT}" -i ${files} RESULT_VARIABLE rc)
else()
    execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${files} RESULT_VARIABLE rc)
endif()
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "clang-format ${MODE} failed: run `cmake --build <dir> --target format-fix`")
endif()
