#!/usr/bin/env bash
# Runs every test irqscope has: installs the dependencies, builds the ci preset (warnings as errors, format
# check), runs its test suite, packages that build (two .debs: installed, checked, removed again; about a
# minute), boots the ci build in QEMU guests against the real vfio-pci driver (tests/vm; exit 77 = QEMU cannot
# run here, reported and not a failure), then builds the core under ThreadSanitizer and runs the threaded
# tests, then the suite under AddressSanitizer + UndefinedBehaviorSanitizer (halt_on_error, detect_leaks), then
# the fuzz targets (clang-14 libFuzzer): every corpus input once, and 6 s of fuzzing per target.
#
# What the asan preset leaves out, to stay inside CI's 30 minutes on 2 cores: the "threaded" label (the same
# suites again as one test each: their cases already ran one by one), the HTML/PDF screenshot check (Chromium,
# not our code) and the GUI (not built under the sanitizers; its model is Qt's). The CI presets compile in unity
# batches. 14.6 min in all on the 2-core development machine; each stage's seconds are in docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --workflow --preset ci
./tests/packaging/package-test.sh build/ci || [ $? -eq 77 ]
rc=0
tests/vm/run-vm-tests.sh || rc=$?
if [ $rc -eq 77 ]; then
  echo "run-tests: the QEMU guest tests were skipped (reason above)"
elif [ $rc -ne 0 ]; then
  echo "run-tests: the QEMU guest tests failed (logs in build/vm-cache/logs)"
  exit $rc
fi
cmake --workflow --preset tsan
cmake --workflow --preset asan
cmake --workflow --preset fuzz
