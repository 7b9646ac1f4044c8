#!/bin/bash
# irqscope's QEMU guest tests: builds irqscope and irqscope_vm_tests static, prepares Debian's 6.1 and 6.12
# kernels (prepare-kernel.sh), packs an initramfs per kernel and boots each in no-IOMMU mode (rebuilt vfio.ko)
# and type1 mode (emulated VT-d with interrupt remapping) with edu, e1000e and nec-usb-xhci,msix=off bound to
# vfio-pci. Exit 0: every run passed; 1: a failure; 77: skipped (QEMU cannot run here), with the reason.
#   env: KERNELS="6.1 6.12"  MODES="noiommu type1"  CACHE=build/vm-cache  BUILD=build/vm-static  SKIP_APT=1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/vm
KERNELS=${KERNELS:-6.1 6.12}
MODES=${MODES:-noiommu type1}
CACHE=${CACHE:-$ROOT/build/vm-cache}
BUILD=${BUILD:-$ROOT/build/vm-static}
LOGS=$CACHE/logs
T0=$(date +%s.%N)
stamp() { printf '[vm-tests %6.1fs] %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*"; }
skip() { echo "SKIP: $*"; exit 77; }

PKGS=(qemu-system-x86 busybox-static cpio kmod xz-utils zstd bc make gcc libc6-dev libelf1)
if [ -z "${SKIP_APT:-}" ]; then
    missing=()
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        [ "$(id -u)" = 0 ] || skip "missing packages (${missing[*]}) and not root to install them"
        stamp "apt-get install --no-install-recommends ${missing[*]}"
        apt-get update -qq || skip "apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
            skip "apt-get install ${missing[*]} failed"
    fi
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
[ -x /bin/busybox ] || skip "busybox-static is not installed"
qemu-system-x86_64 -accel help 2>/dev/null | grep -q tcg || skip "this QEMU has no TCG accelerator"

mkdir -p "$LOGS"
stamp "static build of irqscope and irqscope_vm_tests in $BUILD"
# -O1: the guest measures emulated (TCG) latency, so -O3 buys nothing there and costs minutes of compile time.
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DIRQSCOPE_BUILD_GUI=OFF -DIRQSCOPE_STATIC=ON \
    >"$LOGS/cmake.log" 2>&1 || { cat "$LOGS/cmake.log"; exit 1; }
ninja -C "$BUILD" irqscope_vm_tests >"$LOGS/build.log" 2>&1 || { tail -n 40 "$LOGS/build.log"; exit 1; }
BINS=("$BUILD/tests/vm/irqscope_vm_tests")
if ninja -C "$BUILD" irqscope >"$LOGS/build.log" 2>&1; then
    BINS+=("$BUILD/app/irqscope")
else
    grep -E 'error|FAILED' "$LOGS/build.log" | head -n 10
    stamp "note: the irqscope CLI did not build; the guest runs irqscope_vm_tests only"
fi

# Both kernels are prepared at once: on a cold cache each spends most of a minute unpacking linux-source.
stamp "preparing kernels $KERNELS"
declare -A PREP
for series in $KERNELS; do
    bash "$HERE/prepare-kernel.sh" "$series" "$CACHE" >"$LOGS/prepare-$series.out" 2>"$LOGS/prepare-$series.log" &
    PREP[$series]=$!
done
for series in $KERNELS; do
    wait "${PREP[$series]}" || { cat "$LOGS/prepare-$series.log"; echo "preparing kernel $series failed"; exit 1; }
done
RC=0
SUMMARY=()
for series in $KERNELS; do
    KDIR=$(tail -n1 "$LOGS/prepare-$series.out")
    stamp "kernel $series: $(cat "$KDIR/ready")"
    INITRD=$CACHE/initramfs-$series.cpio.gz
    R=$(mktemp -d)
    chmod 0755 "$R" # the guest's / : mktemp's 0700 would lock the non-root test user out of everything
    mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,lib/modules}
    cp /bin/busybox "$R/bin/busybox"
    for ko in "$KDIR"/modules/*.ko; do strip --strip-debug -o "$R/lib/modules/$(basename "$ko")" "$ko"; done
    for b in "${BINS[@]}"; do strip -o "$R/bin/$(basename "$b")" "$b"; done
    install -m 0755 "$HERE/guest-init.sh" "$R/init"
    echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
    echo "root:x:0:" >"$R/etc/group"
    mknod -m 600 "$R/dev/console" c 5 1
    mknod -m 666 "$R/dev/null" c 1 3
    (cd "$R" && find . | sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -1 >"$INITRD"
    rm -rf "$R"
    for mode in $MODES; do
        LOG=$LOGS/$series-$mode.log
        machine=q35
        iommu=()
        # no_timer_check: on a loaded host TCG can miss the kernel's early timer-IRQ check, which then panics
        # ("timer doesn't work through Interrupt-remapped IO-APIC") before anything of ours runs.
        append="console=ttyS0 panic=-1 quiet no_timer_check irqscope.mode=$mode"
        if [ "$mode" = type1 ]; then
            machine=q35,kernel-irqchip=split
            iommu=(-device intel-iommu,intremap=on)
            append="$append intel_iommu=on"
        fi
        stamp "boot $series $mode"
        start=$(date +%s.%N)
        for attempt in 1 2; do
            set +e
            timeout 240 qemu-system-x86_64 -accel tcg -M "$machine" -m 512 -smp 1 -nodefaults -no-user-config \
                -display none -serial stdio -no-reboot -kernel "$KDIR/vmlinux" -initrd "$INITRD" -append "$append" \
                "${iommu[@]}" -device edu -device e1000e -device nec-usb-xhci,msix=off </dev/null >"$LOG" 2>&1
            qrc=$?
            set -e
            # A guest that died before /init ran is the emulator's trouble, not irqscope's: boot it once more.
            grep -aq 'IRQSCOPE-VM boot' "$LOG" && break
            stamp "$series $mode: the guest died before /init (qemu rc=$qrc), booting again"
            cp "$LOG" "$LOG.attempt$attempt"
        done
        wall=$(echo "$(date +%s.%N) - $start" | bc)
        tests=$(grep -aoE '\[  PASSED  \] [0-9]+ test' "$LOG" | grep -oE '[0-9]+' || true)
        rows=$(grep -aoE 'DIFFERENTIAL rows=[0-9]+ agree=[0-9]+' "$LOG" || true)
        if grep -aq 'IRQSCOPE-VM result rc=0' "$LOG"; then
            result=PASS
        else
            result=FAIL
            RC=1
            grep -aE 'IRQSCOPE-VM FAIL|Failure|FAILED|DIFF$|Expected|Which is|kernel panic|Kernel panic' "$LOG" |
                head -n 40 || true
            [ $qrc -eq 124 ] && echo "QEMU timed out after 240 s"
        fi
        SUMMARY+=("$series $mode: $result (${tests:-0} gtest passed; ${rows:-no differential}; ${wall}s) log $LOG")
        stamp "$series $mode: $result in ${wall}s"
    done
done
echo "== irqscope VM tests"
printf '  %s\n' "${SUMMARY[@]}"
stamp "done rc=$RC"
exit $RC
