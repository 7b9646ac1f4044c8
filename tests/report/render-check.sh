#!/usr/bin/env bash
# Renders the HTML report with headless Chromium and the PDF report with pdftoppm, from one simulated run, and
# checks that the screenshots show drawn charts (not blank pages). Usage: render-check.sh IRQSCOPE OUTDIR
# Leaves OUTDIR/{report.html,report.pdf,html.png,pdf-N.png} for people to look at. Exit 77 (skipped) when
# chromium or pdftoppm is missing (scripts/install-deps.sh installs both).
set -euo pipefail
irqscope=${1:?usage: render-check.sh IRQSCOPE OUTDIR}
out=${2:?usage: render-check.sh IRQSCOPE OUTDIR}
for tool in chromium pdftoppm; do
  if ! command -v "$tool" >/dev/null; then
    echo "render-check: $tool not installed (scripts/install-deps.sh): skipped"
    exit 77
  fi
done
rm -rf "$out" && mkdir -p "$out"

# A run with something to show: a latency tail, drops (missed) and spurious completions.
"$irqscope" run --device sim --vectors msix:0-3 --trigger device --rate 300 --duration 3s --deadline 20ms \
  --sim-latency lognormal:15us,0.7 --sim-faults drop=0.02,spurious=20,seed=11 --no-live \
  --record "$out/run.irqrec" --html "$out/live.html" >/dev/null
"$irqscope" report "$out/run.irqrec" --html "$out/report.html" --pdf "$out/report.pdf"
cmp "$out/live.html" "$out/report.html" # the recording renders the live run's report

timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$out/profile" \
  --window-size=1040,2600 --screenshot="$out/html.png" "file://$(realpath "$out/report.html")" >/dev/null 2>&1
pdftoppm -r 72 -png "$out/report.pdf" "$out/pdf"
rm -rf "$out/profile"

fail=0
check() { # file, minimum bytes: a blank page compresses to a few KiB, drawn charts do not
  local size
  size=$(stat -c %s "$1" 2>/dev/null || echo 0)
  if [ "$size" -lt "$2" ]; then
    echo "render-check: $1 is $size bytes (expected at least $2): charts not drawn?"
    fail=1
  else
    echo "render-check: $1 ($size bytes)"
  fi
}
check "$out/html.png" 60000
pages=$(ls "$out"/pdf-*.png 2>/dev/null | wc -l)
if [ "$pages" -lt 2 ]; then
  echo "render-check: the PDF has $pages page(s), expected at least 2"
  fail=1
fi
for p in "$out"/pdf-*.png; do
  check "$p" 12000
done
exit $fail
