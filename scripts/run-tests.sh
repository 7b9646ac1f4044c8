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
# batches, with line tables only (-g1); the tsan build compiles only the threaded suites' test files. 20.4 min in
# all on the quiet 2-core development machine (d8450a3); each stage's seconds are in docs/reliability.md, and this
# script prints them as it goes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's wall and CPU seconds (children's user + sys), so a CI log says where the time went.
LAST_WALL=$SECONDS
LAST_CPU=0
cpu_seconds() { # cutime + cstime of this shell (proc(5) fields 16 and 17, in clock ticks)
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%d", ($14 + $15) / hz }' "/proc/$$/stat"
}
stage_done() {
  local cpu
  cpu=$(cpu_seconds)
  echo "run-tests: stage $1: $((SECONDS - LAST_WALL)) s wall, $((cpu - LAST_CPU)) CPU-s (total $SECONDS s)"
  LAST_WALL=$SECONDS
  LAST_CPU=$cpu
}

./scripts/install-deps.sh
stage_done "install-deps"
cmake --workflow --preset ci
stage_done "ci build + tests"
./tests/packaging/package-test.sh build/ci || [ $? -eq 77 ]
stage_done "packaging"
rc=0
tests/vm/run-vm-tests.sh || rc=$?
stage_done "QEMU guests"
if [ $rc -eq 77 ]; then
  echo "run-tests: the QEMU guest tests were skipped (reason above)"
elif [ $rc -ne 0 ]; then
  echo "run-tests: the QEMU guest tests failed (logs in build/vm-cache/logs)"
  exit $rc
fi
cmake --workflow --preset tsan
stage_done "tsan build + tests"
cmake --workflow --preset asan
stage_done "asan build + tests"
cmake --workflow --preset fuzz
stage_done "fuzz build + runs"
