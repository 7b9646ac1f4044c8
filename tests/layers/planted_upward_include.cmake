# Proves the layer check can fail: a tree whose core/vfio includes core/engine (a layer above) must be refused,
# and the same tree with the include pointing down must pass. Usage: cmake -DCHECK=<CheckLayers.cmake>
# -DWORK_DIR=<scratch dir> -P planted_upward_include.cmake
file(REMOVE_RECURSE "${WORK_DIR}")
file(WRITE "${WORK_DIR}/core/engine/engine_part.h" "#pragma once\n#include \"vfio/device_part.h\"\n")
file(WRITE "${WORK_DIR}/core/vfio/device_part.h" "#pragma once\n#include \"engine/engine_part.h\"\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${WORK_DIR} -P "${CHECK}"
    RESULT_VARIABLE planted_rc OUTPUT_VARIABLE planted_out ERROR_VARIABLE planted_out)
message("${planted_out}")
if(planted_rc EQUAL 0)
    message(FATAL_ERROR "the layer check passed a tree where core/vfio includes core/engine")
endif()
if(NOT planted_out MATCHES "core/vfio/device_part.h: core/vfio includes core/engine, a layer above it")
    message(FATAL_ERROR "the layer check failed without naming the planted include")
endif()

file(WRITE "${WORK_DIR}/core/vfio/device_part.h" "#pragma once\n#include <cstdint>\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${WORK_DIR} -P "${CHECK}" RESULT_VARIABLE clean_rc)
if(NOT clean_rc EQUAL 0)
    message(FATAL_ERROR "the layer check refused a tree whose includes only point down")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
