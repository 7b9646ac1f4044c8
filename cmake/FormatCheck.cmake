# format-check fails when a C++ file differs from .clang-format (clang-format 14); format-fix rewrites them.
find_program(CLANG_FORMAT_EXE NAMES clang-format-14 clang-format)
if(NOT CLANG_FORMAT_EXE)
    message(STATUS "clang-format-14 not found: format-check and format-fix are unavailable")
    return()
endif()
foreach(mode check fix)
    add_custom_target(format-${mode}
        COMMAND "${CMAKE_COMMAND}" -DCLANG_FORMAT=${CLANG_FORMAT_EXE} -DMODE=${mode}
                -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -P "${PROJECT_SOURCE_DIR}/cmake/RunClangFormat.cmake"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
        COMMENT "clang-format (${mode})"
        VERBATIM)
endforeach()
