# Build options carried by interface targets that each irqscope target links, so that no global flag is changed
# (cpp-best-practices/cmake_template style).
add_library(irqscope_options INTERFACE)
add_library(irqscope::options ALIAS irqscope_options)
target_compile_features(irqscope_options INTERFACE cxx_std_20)
target_compile_definitions(irqscope_options INTERFACE _GNU_SOURCE)

add_library(irqscope_warnings INTERFACE)
add_library(irqscope::warnings ALIAS irqscope_warnings)
target_compile_options(irqscope_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align
    -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations -Wundef)
if(IRQSCOPE_WERROR)
    target_compile_options(irqscope_warnings INTERFACE -Werror)
endif()

if(IRQSCOPE_SANITIZE)
    if(IRQSCOPE_SANITIZE MATCHES "thread" AND IRQSCOPE_SANITIZE MATCHES "address")
        message(FATAL_ERROR "ThreadSanitizer cannot be combined with AddressSanitizer: use separate presets")
    endif()
    target_compile_options(irqscope_options INTERFACE -fsanitize=${IRQSCOPE_SANITIZE} -fno-omit-frame-pointer
        -fno-sanitize-recover=all)
    target_link_options(irqscope_options INTERFACE -fsanitize=${IRQSCOPE_SANITIZE})
    target_compile_definitions(irqscope_options INTERFACE IRQSCOPE_SANITIZER=1)
endif()

if(IRQSCOPE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "IRQSCOPE_FUZZ needs clang (libFuzzer): use the fuzz preset (clang-14)")
    endif()
    # Coverage instrumentation everywhere; only the fuzz targets link libFuzzer's main (-fsanitize=fuzzer).
    target_compile_options(irqscope_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(IRQSCOPE_STATIC)
    if(IRQSCOPE_SANITIZE)
        message(FATAL_ERROR "IRQSCOPE_STATIC cannot be combined with sanitizers")
    endif()
    target_link_options(irqscope_options INTERFACE -static)
endif()
