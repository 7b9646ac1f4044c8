#!/usr/bin/env bash
# Runs every test irqscope has: installs the dependencies, builds the ci preset (warnings as errors, format
# check), runs its test suite, packages that build (two .debs: installed, checked, removed again; about a
# minute), then builds the core under ThreadSanitizer and runs the threaded tests, then
# the suite under AddressSanitizer + UndefinedBehaviorSanitizer (halt_on_error, detect_leaks), then the fuzz
# targets (clang-14 libFuzzer): every corpus input once, and 15 s of fuzzing per target.
#
# What the asan preset leaves out, to stay inside CI's 30 minutes on 2 cores: the "threaded" label (the same
# suites again as one test each: their cases already ran one by one), the HTML/PDF screenshot check (Chromium,
# not our code) and the GUI (not built under the sanitizers; its model is Qt's). Seconds measured on the
# 2-core development machine are in docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --workflow --preset ci
./tests/packaging/package-test.sh build/ci || [ $? -eq 77 ]
cmake --workflow --preset tsan
cmake --workflow --preset asan
cmake --workflow --preset fuzz
