#!/usr/bin/env bash
# Installs, by Debian package name, everything irqscope needs to build, test and package on Debian 12.
# Idempotent; run as root (or through sudo). `--minimal` skips the VM-test, fleet and packaging tools.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E "$0" "$@"
fi

build=(
  build-essential cmake ninja-build pkg-config git
  liburing-dev libcli11-dev libfmt-dev nlohmann-json3-dev libcpp-httplib-dev
  # --web.config.file of the metrics endpoint: its YAML (yaml-cpp), TLS (OpenSSL, as cpp-httplib), bcrypt (libcrypt);
  # the openssl command makes the metrics tests' certificates at test time.
  libyaml-cpp-dev libssl-dev libcrypt-dev openssl
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang-format-14
  # The fuzz preset: clang 14 and its libFuzzer/ASan/UBSan runtimes (-fsanitize=fuzzer needs libclang-rt-14-dev).
  clang-14 libclang-rt-14-dev
  # PDF reports (cairo); HTML/PDF screenshot checks in tests/report/ (headless Chromium, pdftoppm).
  libcairo2-dev chromium poppler-utils
  # Qt 6 dashboard. Qt6Charts' CMake config needs Qt6OpenGL, hence libqt6opengl6-dev and libgl-dev.
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libgl-dev libqt6svg6 qt6-qpa-plugins
  fonts-dejavu-core xvfb xauth
  # Validators of the desktop entry and AppStream metadata (tests ui.desktop-entry and ui.metainfo).
  desktop-file-utils appstream
  # Metrics tests (tests/metrics: promtool, a real Prometheus scraping irqscope) and the packaging test
  # (tests/packaging: lintian on the .debs, man pages rendered; CPack's shlibdeps needs file).
  prometheus lintian man-db file
)
# The QEMU guest tests (tests/vm/run-vm-tests.sh): the guest's busybox, the initramfs and the no-IOMMU
# vfio.ko rebuild (kernel packages themselves are fetched with apt-get download, never installed). QEMU itself comes from
# bookworm-backports (install-qemu-backports.sh, run last).
vm=(busybox-static cpio kmod xz-utils zstd bc make gcc libc6-dev libelf1)
[ "${1:-}" = --minimal ] || build+=("${vm[@]}")

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${build[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all ${#build[@]} packages present"
[ "${1:-}" = --minimal ] || "$(dirname "$0")/install-qemu-backports.sh"
