#!/usr/bin/env bash
# The man pages against the binaries: every long option a command's --help lists is documented in its man page,
# and every long option the page mentions exists. Also renders each page with man's warnings on.
#   usage: man-options-check.sh IRQSCOPE_BIN PAGES_DIR [IRQSCOPE_GUI_BIN]
set -euo pipefail
BIN=$1
PAGES=$2
GUI=${3:-}
rc=0

# Option names may hold dots (--web.config.file, exporter-toolkit's spelling); a sentence's full stop is not one.
options_of() { grep -oE -- '(^|[ ,])--[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)*' | tr -d ' ,' | sort -u; }
page_options() { grep -oE -- '\\-\\-[a-zA-Z][a-zA-Z0-9]*((\\-|\.)[a-zA-Z0-9]+)*' "$1" | sed 's/\\-/-/g' | sort -u; }

check() { # PAGE HELP_OPTIONS...
    local page=$1
    shift
    local helped
    helped=$(printf '%s\n' "$@" | sort -u)
    local documented
    documented=$(page_options "$page")
    for o in $helped; do
        grep -qxF -- "$o" <<<"$documented" || { echo "$(basename "$page"): $o (in --help) is not documented"; rc=1; }
    done
    for o in $documented; do
        grep -qxF -- "$o" <<<"$helped" || { echo "$(basename "$page"): $o is documented but no --help lists it"; rc=1; }
    done
    if command -v man >/dev/null; then
        local warnings
        warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
        [ -z "$warnings" ] || { echo "$(basename "$page"): $warnings"; rc=1; }
    fi
}

cli=$("$BIN" --help | options_of)
for sub in list run report replay exporter; do
    cli+=$'\n'$("$BIN" "$sub" --help | options_of)
done
# Others' options the page names: systemctl's --now (SERVICE).
check "$PAGES/irqscope.1" $cli --now
if [ -n "$GUI" ]; then
    check "$PAGES/irqscope-gui.1" $(QT_QPA_PLATFORM=offscreen "$GUI" --help 2>/dev/null | options_of)
fi
[ $rc -eq 0 ] && echo "man pages and --help agree"
exit $rc
