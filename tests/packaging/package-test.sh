#!/usr/bin/env bash
# Packaging test (run by scripts/run-tests.sh after the ci preset's build, as root on Debian 12): builds the two
# .debs with cpack from BUILD_DIR (a release-type build with the GUI), installs them with dpkg -i, checks the
# installed files (irqscope --version, a 1 s run on the simulated device, irqscope-gui --version, lintian with no
# errors, desktop-file-validate, appstreamcli validate, both man pages render without warnings, bash completion,
# the systemd unit), then removes the packages again. Exit 77 (skipped) when not root or without dpkg/lintian.
#   usage: tests/packaging/package-test.sh [BUILD_DIR]   (default build/ci)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build/ci}" && pwd)
START=$SECONDS

skip() { echo "package-test: SKIPPED: $*"; exit 77; }
fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
step() { echo "package-test: [$((SECONDS - START)) s] $*"; }

[ "$(id -u)" -eq 0 ] || skip "dpkg -i needs root"
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps lintian desktop-file-validate appstreamcli man; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh)"
done
[ -x "$BUILD/app/irqscope" ] || fail "$BUILD has no built irqscope: build it first (cmake --workflow --preset ci)"
grep -q 'IRQSCOPE_BUILD_GUI:BOOL=ON' "$BUILD/CMakeCache.txt" || fail "$BUILD is built without the GUI"
for pkg in irqscope irqscope-gui; do
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        fail "$pkg is already installed on this machine: remove it first (apt-get remove $pkg); this test removes what it installs"
    fi
done

OUT=$(mktemp -d)
installed=0
cleanup() {
    if [ "$installed" = 1 ]; then
        dpkg --purge irqscope-gui irqscope >/dev/null || echo "package-test: could not remove the packages" >&2
    fi
    rm -rf "$OUT"
}
trap cleanup EXIT

step "cpack -G DEB in $BUILD"
(cd "$BUILD" && cpack -G DEB -B "$OUT" >"$OUT/cpack.log" 2>&1) || { cat "$OUT/cpack.log"; fail "cpack"; }
CLI_DEB=$(ls "$OUT"/irqscope_*.deb)
GUI_DEB=$(ls "$OUT"/irqscope-gui_*.deb)
for deb in "$CLI_DEB" "$GUI_DEB"; do
    echo "  $(basename "$deb"): $(du -k "$deb" | cut -f1) KiB; Depends: $(dpkg-deb -f "$deb" Depends)"
done
dpkg-deb -f "$CLI_DEB" Depends | grep -qi 'qt' && fail "the irqscope (CLI) package depends on Qt"
dpkg-deb -f "$CLI_DEB" Depends | grep -q 'libcpp-httplib' || fail "shlibdeps missed libcpp-httplib in irqscope's Depends"
dpkg-deb -f "$GUI_DEB" Depends | grep -q 'libqt6widgets6' || fail "shlibdeps missed Qt in irqscope-gui's Depends"

step "lintian"
lintian --fail-on error "$CLI_DEB" "$GUI_DEB" | tee "$OUT/lintian.txt" ||
    fail "lintian reports errors (E: lines above)"
grep -q '^E:' "$OUT/lintian.txt" && fail "lintian reports errors"

step "dpkg -i"
installed=1
if ! dpkg -i "$CLI_DEB" "$GUI_DEB" >"$OUT/dpkg.log" 2>&1; then
    cat "$OUT/dpkg.log"
    echo "package-test: dpkg -i left dependencies open: apt-get install -f"
    DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >/dev/null || fail "apt-get install -f"
fi
dpkg-query -W -f='${Status}\n' irqscope irqscope-gui | grep -vq 'install ok installed' && fail "not installed"

step "installed files"
[ "$(/usr/bin/irqscope --version)" = "irqscope $(dpkg-deb -f "$CLI_DEB" Version)" ] ||
    fail "irqscope --version says '$(/usr/bin/irqscope --version)'"
/usr/bin/irqscope run --device sim --vectors msix:0-3 --rate 1000 --duration 1s --no-live --json "$OUT/run.json" \
    --check-accounting >"$OUT/run.txt" || { cat "$OUT/run.txt"; fail "a 1 s sim run from the installed irqscope (exit 4: unbalanced)"; }
grep -q '"schema": "irqscope.report"' "$OUT/run.json" || fail "the installed irqscope wrote no JSON report"
echo "  1 s sim run from /usr/bin/irqscope: balanced, report written"
[ "$(QT_QPA_PLATFORM=offscreen /usr/bin/irqscope-gui --version 2>/dev/null)" = "irqscope-gui $(dpkg-deb -f "$GUI_DEB" Version)" ] ||
    fail "irqscope-gui --version"
desktop-file-validate /usr/share/applications/irqscope-gui.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net /usr/share/metainfo/io.github.irqscope.irqscope-gui.metainfo.xml ||
    fail "appstreamcli validate"
# The pages as packaged (a slim image's dpkg may exclude /usr/share/man from installs: then they are taken from
# the .debs themselves).
dpkg-deb -x "$CLI_DEB" "$OUT/x" && dpkg-deb -x "$GUI_DEB" "$OUT/x"
for page in irqscope irqscope-gui; do
    file="/usr/share/man/man1/$page.1.gz"
    [ -f "$file" ] || file="$OUT/x$file"
    warnings=$(MANWIDTH=80 man --warnings -l "$file" 2>&1 >"$OUT/$page.txt")
    [ -z "$warnings" ] || fail "man $page: $warnings"
    grep -q '^NAME' "$OUT/$page.txt" && grep -q '^SEE ALSO' "$OUT/$page.txt" || fail "man -l $page renders no page"
    echo "  man $page: $(wc -l <"$OUT/$page.txt") lines"
done
bash -c 'source /usr/share/bash-completion/completions/irqscope && complete -p irqscope' | grep -q _irqscope ||
    fail "bash completion"
[ -f /usr/share/irqscope/grafana/irqscope-dashboard.json ] || fail "Grafana dashboard not installed"
UNIT=/lib/systemd/system/irqscope-exporter@.service
[ -f "$UNIT" ] || fail "systemd unit not installed"
# systemd-analyze verify needs a running systemd (it resolves the unit's aliases through it).
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
    cp "$UNIT" "$OUT/irqscope-exporter@0000:01:00.0.service"
    analyzed=$(systemd-analyze verify "$OUT/irqscope-exporter@0000:01:00.0.service" 2>&1 || true)
    [ -z "$analyzed" ] || fail "systemd-analyze verify: $analyzed"
fi

step "dpkg --purge"
dpkg --purge irqscope-gui irqscope >/dev/null
installed=0
[ ! -e /usr/bin/irqscope ] && [ ! -e /usr/bin/irqscope-gui ] || fail "files left after removal"
step "passed"
