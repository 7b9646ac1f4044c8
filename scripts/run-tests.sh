#!/usr/bin/env bash
# Runs every test irqscope has: installs the dependencies, builds the ci preset (warnings as errors, format
# check), runs its test suite, then builds the core under ThreadSanitizer and runs the threaded tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --workflow --preset ci
cmake --workflow --preset tsan
