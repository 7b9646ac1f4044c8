#!/usr/bin/env bash
# Runs one fuzz target for a long time (docs/reliability.md records these runs), at the lowest CPU priority:
#   tests/fuzz/long-run.sh BUILD_DIR TARGET SECONDS [libFuzzer options...]
# e.g. tests/fuzz/long-run.sh build/fuzz sim 600. Grows a corpus in BUILD_DIR/tests/fuzz/long/TARGET (seeded from
# tests/fuzz/corpus/TARGET, which it never writes), puts crashes in BUILD_DIR/tests/fuzz/long/artifacts/ and the
# log in BUILD_DIR/tests/fuzz/long/TARGET.log, and prints libFuzzer's final statistics.
# -timeout is wall-clock time: at nice 19 on a busy machine a normal input can wait seconds for a CPU, hence 60 s.
set -euo pipefail
build=$1 target=$2 seconds=$3
shift 3
src="$(cd "$(dirname "$0")" && pwd)"
out="$build/tests/fuzz/long"
mkdir -p "$out/$target" "$out/artifacts"
log="$out/$target.log"
status=0
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} nice -n 19 "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" "$@" "$out/$target" "$src/corpus/$target" \
    >"$log" 2>&1 || status=$?
grep -E '^(#[0-9]+ +DONE|stat::|Done )' "$log" || true
echo "corpus: $(find "$out/$target" -type f | wc -l) files; exit status $status; log $log"
exit $status
