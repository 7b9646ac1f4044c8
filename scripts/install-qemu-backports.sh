#!/usr/bin/env bash
# Installs QEMU 10 from Debian 12's bookworm-backports suite for the guest tests (tests/vm): bookworm's own QEMU 7.2
# has no igb (82576 with SR-IOV) and an e1000e that behaves unlike the real 82574 (docs/guest-tests.md).
# The suite is added by reusing the URI of the Debian source this machine already has for bookworm, read from its
# apt sources (deb822 .sources or one-line .list), so no mirror is named here. Only QEMU and what it needs come
# from backports. Idempotent; run as root (scripts/install-deps.sh calls it).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || exec sudo -E "$0" "$@"
export DEBIAN_FRONTEND=noninteractive
MIN_VERSION=1:10.0
LIST=/etc/apt/sources.list.d/irqscope-bookworm-backports.sources

installed() { dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true; }
if v=$(installed) && [ -n "$v" ] && dpkg --compare-versions "$v" ge "$MIN_VERSION"; then
  echo "install-qemu-backports: qemu-system-x86 $v present"
  exit 0
fi

# Prints "URI<TAB>SIGNED-BY" of every configured source that serves the suite "bookworm" (Debian's main archive).
bookworm_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    # deb [options] URI suite components...
    awk '$1 == "deb" {
           i = 2; opts = ""
           if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
           if ($(i + 1) == "bookworm") {
             signed = ""
             if (match(opts, /signed-by=[^] ]+/)) signed = substr(opts, RSTART + 10, RLENGTH - 10)
             print $i "\t" signed
           }
         }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Stanzas separated by blank lines; fields "Name: value", comments start with #.
    awk 'function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ / bookworm /) {
                             n = split(uris, u, " "); for (k = 1; k <= n; k++) print u[k] "\t" signed }
                           types = uris = suites = signed = "" }
         /^#/ { next }
         /^[[:space:]]*$/ { flush(); next }
         { key = tolower($1); $1 = ""; sub(/^ +/, "")
           if (key == "types:") types = $0; else if (key == "uris:") uris = $0
           else if (key == "suites:") suites = $0; else if (key == "signed-by:") signed = $0 }
         END { flush() }' "$f"
  done
}

if ! apt-cache policy 2>/dev/null | grep -q ' bookworm-backports/main '; then
  source=$(bookworm_sources | head -n1)
  [ -n "$source" ] || {
    echo "install-qemu-backports: no apt source for Debian bookworm is configured; add one, then run again" >&2
    exit 1
  }
  uri=${source%%$'\t'*}
  signed=${source#*$'\t'}
  {
    echo "# Added by irqscope's scripts/install-qemu-backports.sh: the machine's own bookworm source, backports suite."
    echo "Types: deb"
    echo "URIs: $uri"
    echo "Suites: bookworm-backports"
    echo "Components: main"
    [ -z "$signed" ] || echo "Signed-By: $signed"
  } >"$LIST"
  echo "install-qemu-backports: added bookworm-backports from the configured bookworm source ($LIST)"
fi
apt-get update -qq
# -t makes backports the target release for this one installation: qemu-system-x86 and the packages it needs
# at backports versions; nothing else on the machine moves to backports.
apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86
v=$(installed)
dpkg --compare-versions "$v" ge "$MIN_VERSION" || {
  echo "install-qemu-backports: bookworm-backports installed qemu-system-x86 $v, older than $MIN_VERSION" >&2
  exit 1
}
echo "install-qemu-backports: qemu-system-x86 $v from bookworm-backports"
