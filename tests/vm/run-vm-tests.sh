#!/bin/bash
# irqscope's QEMU guest tests: takes irqscope and irqscope_vm_tests from an existing build (the ci preset's by
# default) with the shared libraries they load, prepares Debian's 6.1 and 6.12 kernels (prepare-kernel.sh), packs
# an initramfs per kernel and boots each on QEMU 10 in no-IOMMU mode (rebuilt vfio.ko) and type1 mode (emulated VT-d with
# interrupt remapping) with edu, e1000e, nec-usb-xhci,msix=off and igb bound to vfio-pci, then igb's SR-IOV VFs.
# The threading configs (docs/guest-tests.md §12) boot Debian's PREEMPT_RT kernels (6.1-rt, 6.12-rt) and the stock
# 6.12 with `threadirqs` (6.12-threadirqs), in type1 mode only, with the lighter phase set (irqscope.phases=rt).
# The delivery configs (§13: 6.1-delivery, 6.12-delivery) boot the stock kernels with two vCPUs, nvme and
# qemu-xhci only, for the NVMe and xHCI delivery latency runs (irqscope.phases=delivery), after the others, alone.
# Exit 0: every run passed; 1: a failure; 77: skipped (QEMU cannot run here), with the reason.
#   env: KERNELS="6.1 6.12 6.1-rt 6.12-rt 6.12-threadirqs 6.1-delivery 6.12-delivery"  MODES="noiommu type1"
#        CACHE=build/vm-cache  BUILD=build/ci  VM_JOBS=2  SMP=1 (vCPUs of the stock configs)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/vm
KERNELS=${KERNELS:-6.1 6.12 6.1-rt 6.12-rt 6.12-threadirqs 6.1-delivery 6.12-delivery}
MODES=${MODES:-noiommu type1}
CACHE=${CACHE:-$ROOT/build/vm-cache}
BUILD=${BUILD:-$ROOT/build/ci}
LOGS=$CACHE/logs
T0=$(date +%s.%N)
stamp() { printf '[vm-tests %6.1fs] %s\n' "$(echo "$(date +%s.%N) - $T0" | bc)" "$*"; }
skip() { echo "SKIP: $*"; exit 77; }

# The guest's tools, installed by scripts/install-deps.sh (its "vm" group).
PKGS=(qemu-system-x86 busybox-static cpio kmod xz-utils zstd bc make gcc libc6-dev libelf1)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || skip "missing packages (${missing[*]}): run scripts/install-deps.sh"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
[ -x /bin/busybox ] || skip "busybox-static is not installed"
qemu-system-x86_64 -accel help 2>/dev/null | grep -q tcg || skip "this QEMU has no TCG accelerator"
# QEMU 10 (bookworm-backports) is the device model the guest tests are written against: bookworm's 7.2 has no igb
# and an e1000e unlike the real 82574. An older QEMU is a set-up mistake, not a machine that cannot run QEMU.
QEMU_VERSION=$(qemu-system-x86_64 --version | awk 'NR==1{print $4}')
if [ "${QEMU_VERSION%%.*}" -lt 10 ]; then
    echo "QEMU $QEMU_VERSION is older than 10: run scripts/install-deps.sh (it installs QEMU 10 from bookworm-backports)"
    exit 1
fi

mkdir -p "$LOGS"
# The payload is what the build already made (dynamic, with its shared libraries copied into the initramfs): a
# second, static build would cost more than everything else here together.
BINS=("$BUILD/tests/vm/irqscope_vm_tests" "$BUILD/app/irqscope")
[ -f "$BUILD/build.ninja" ] || { echo "no build in $BUILD: run cmake --preset ci first (or set BUILD=)"; exit 1; }
stamp "building irqscope and irqscope_vm_tests in $BUILD (no-op when already built)"
cmake --build "$BUILD" --target irqscope irqscope_vm_tests >"$LOGS/build.log" 2>&1 ||
    { tail -n 40 "$LOGS/build.log"; exit 1; }

# The firmware QEMU loads for a q35 machine, as Debian's qemu-system-x86 and seabios install it (set QEMU_BIOS to
# a missing path to leave QEMU out of the guest).
QEMU_BIOS=${QEMU_BIOS:-/usr/share/seabios/bios-256k.bin}
QEMU_VAPIC=${QEMU_VAPIC:-/usr/share/qemu/kvmvapic.bin}

# Copies a dynamically linked program and every library the loader resolves for it into root $1, at the same
# paths, plus the loader itself.
copy_program() {
    local root=$1 bin=$2 lib
    strip -o "$root/bin/$(basename "$bin")" "$bin"
    for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}

# A config is a kernel series (6.1, 6.12, 6.1-rt, 6.12-rt: prepare-kernel.sh), optionally "-threadirqs" (the same
# kernel booted with threadirqs) or "-delivery" (the same kernel booted with two vCPUs and only the devices and
# tests of the delivery phase, docs/guest-tests.md §13). The stock series boot in every mode of MODES with every
# phase; the other configs in type1 only (no no-IOMMU rebuild for the RT kernels; device-raised NVMe and xHCI runs
# need type1), with the lighter phase set of docs/guest-tests.md §12 or the delivery phase.
series_of() {
    local config=${1%-threadirqs}
    echo "${config%-delivery}"
}
modes_of() {
    case $1 in
    6.1 | 6.12) echo "$MODES" ;;
    *) case " $MODES " in *" type1 "*) echo type1 ;; esac ;;
    esac
}
# Every series is prepared at once: on a cold cache each spends most of a minute unpacking linux-source.
SERIES_LIST=$(for c in $KERNELS; do series_of "$c"; done | awk '!seen[$0]++')
stamp "preparing kernels $SERIES_LIST"
declare -A PREP
for series in $SERIES_LIST; do
    bash "$HERE/prepare-kernel.sh" "$series" "$CACHE" >"$LOGS/prepare-$series.out" 2>"$LOGS/prepare-$series.log" &
    PREP[$series]=$!
done
for series in $SERIES_LIST; do
    wait "${PREP[$series]}" || { cat "$LOGS/prepare-$series.log"; echo "preparing kernel $series failed"; exit 1; }
done
# One config: its initramfs, then one boot per mode. Writes "$LOGS/result-CONFIG-MODE" (PASS|FAIL and a summary).
run_kernel() {
    local config=$1 series KDIR INITRD R mode LOG machine iommu append start attempt qrc wall tests rows result smp
    local delivery=0 devices
    series=$(series_of "$config")
    case $config in *-delivery) delivery=1 ;; esac
    KDIR=$(tail -n1 "$LOGS/prepare-$series.out")
    stamp "kernel $config: $(cat "$KDIR/ready")"
    INITRD=$CACHE/initramfs-$config.cpio.gz
    R=$(mktemp -d)
    chmod 0755 "$R" # the guest's / : mktemp's 0700 would lock the non-root test user out of everything
    mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,lib/modules}
    cp /bin/busybox "$R/bin/busybox"
    for ko in "$KDIR"/modules/*.ko; do strip --strip-debug -o "$R/lib/modules/$(basename "$ko")" "$ko"; done
    cp "$KDIR/modules/igb.order" "$R/lib/modules/igb.order"
    for b in "${BINS[@]}"; do copy_program "$R" "$b"; done
    # A real VMM as a device's owner (docs/guest-tests.md §11): this host's QEMU with its libraries and the two
    # firmware files a paused q35 machine still loads (SeaBIOS, kvmvapic.bin).
    # The delivery configs run no VMM case: their initramfs stays at half the size.
    if [ $delivery = 1 ]; then
        :
    elif [ -f "$QEMU_BIOS" ] && [ -f "$QEMU_VAPIC" ]; then
        copy_program "$R" "$(command -v qemu-system-x86_64)"
        mkdir -p "$R$(dirname "$QEMU_BIOS")" "$R$(dirname "$QEMU_VAPIC")"
        cp "$QEMU_BIOS" "$R$QEMU_BIOS"
        cp "$QEMU_VAPIC" "$R$QEMU_VAPIC"
    else
        stamp "no $QEMU_BIOS or $QEMU_VAPIC: the guest gets no QEMU and VmQemuOwner skips"
    fi
    install -m 0755 "$HERE/guest-init.sh" "$R/init"
    echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
    echo "root:x:0:" >"$R/etc/group"
    mknod -m 600 "$R/dev/console" c 5 1
    mknod -m 666 "$R/dev/null" c 1 3
    (cd "$R" && find . | sort | cpio -o -H newc --owner=0:0 --quiet) | gzip -1 >"$INITRD"
    rm -rf "$R"
    for mode in $(modes_of "$config"); do
        LOG=$LOGS/$config-$mode.log
        # QEMU's nvme gets a 1 MiB raw namespace of random bytes; irqscope's NVMe trigger (a Verify per trigger,
        # docs/dma-triggers.md) must leave it as it was: compared after the guest powers off.
        NVME_IMG=$CACHE/nvme-$config-$mode.img
        head -c 1048576 /dev/urandom >"$NVME_IMG"
        nvme_sum=$(sha256sum "$NVME_IMG" | cut -d' ' -f1)
        machine=q35
        iommu=()
        # no_timer_check: on a loaded host TCG can miss the kernel's early timer-IRQ check, which then panics
        # ("timer doesn't work through Interrupt-remapped IO-APIC") before anything of ours runs.
        append="console=ttyS0 panic=-1 quiet no_timer_check irqscope.mode=$mode irqscope.qemu=$QEMU_VERSION"
        case $config in
        *-threadirqs) append="$append threadirqs irqscope.phases=rt" ;;
        *-rt) append="$append irqscope.phases=rt" ;;
        *-delivery) append="$append irqscope.phases=delivery" ;;
        esac
        # One vCPU: the NVMe and xHCI runs check that the run says why it has no delivery latency. The delivery
        # configs boot two, so the delivery poller (docs/dma-triggers.md §6) has a CPU of its own, in a short boot
        # with nothing but nvme and qemu-xhci (docs/guest-tests.md §13). SMP=2 gives the stock configs two as well;
        # not the default: on a loaded 2-core host, two multi-threaded TCG vCPUs made igb's 100 ms deadlines miss
        # and stalled a 6.12 guest (RCU; docs/guest-tests.md pitfall 15). The threading configs always boot one vCPU
        # (their tests assert it).
        smp=${SMP:-1}
        case $config in
        *-threadirqs | *-rt) smp=1 ;;
        *-delivery) smp=2 ;;
        esac
        devices=()
        if [ $delivery = 0 ]; then
            devices=(-device edu -device e1000e -device nec-usb-xhci,msix=off
                -device pcie-root-port,id=igbport,chassis=1 -device igb,bus=igbport)
        fi
        devices+=(-drive file="$NVME_IMG",if=none,id=nvm,format=raw -device nvme,drive=nvm,serial=irqscope
            -device qemu-xhci)
        if [ "$mode" = type1 ]; then
            machine=q35,kernel-irqchip=split
            iommu=(-device intel-iommu,intremap=on)
            append="$append intel_iommu=on"
        fi
        stamp "boot $config $mode"
        start=$(date +%s.%N)
        # A delivery boot passes in 12-16 s; a stalled one (below) should not hold CI for four minutes.
        local limit=240
        [ $delivery = 1 ] && limit=120
        for attempt in 1 2; do
            set +e
            timeout $limit qemu-system-x86_64 -accel tcg -M "$machine" -m 512 -smp "$smp" -nodefaults -no-user-config \
                -display none -serial stdio -no-reboot -kernel "$KDIR/vmlinux" -initrd "$INITRD" -append "$append" \
                "${iommu[@]}" "${devices[@]}" </dev/null >"$LOG" 2>&1
            qrc=$?
            set -e
            # A guest that died before /init ran is the emulator's trouble, not irqscope's: boot it once more.
            if grep -aq 'IRQSCOPE-VM boot' "$LOG"; then
                # So is a two-vCPU delivery guest whose idle vCPU TCG never woke (the guest kernel reports an RCU
                # stall on it, and the run waits on that CPU forever; docs/guest-tests.md pitfall 24): once more.
                if [ $delivery = 1 ] && [ $attempt = 1 ] && grep -aq 'rcu_preempt detected stalls' "$LOG"; then
                    stamp "$config $mode: TCG left a vCPU asleep (RCU stall in the guest), booting again"
                    cp "$LOG" "$LOG.attempt$attempt"
                    continue
                fi
                break
            fi
            stamp "$config $mode: the guest died before /init (qemu rc=$qrc), booting again"
            cp "$LOG" "$LOG.attempt$attempt"
        done
        wall=$(echo "$(date +%s.%N) - $start" | bc)
        # One gtest run per phase (docs/guest-tests.md §10): the passed counts add up.
        tests=$(grep -aoE '\[  PASSED  \] [0-9]+ test' "$LOG" | grep -oE '[0-9]+' | awk '{s += $1} END {print s + 0}')
        rows=$(grep -aoE 'DIFFERENTIAL rows=[0-9]+ agree=[0-9]+' "$LOG" || true)
        if [ "$(sha256sum "$NVME_IMG" | cut -d' ' -f1)" != "$nvme_sum" ]; then
            echo "IRQSCOPE-VM FAIL the NVMe namespace changed during the run" >>"$LOG"
        else
            echo "IRQSCOPE-VM nvme namespace unchanged (sha256 $nvme_sum)" >>"$LOG"
        fi
        rm -f "$NVME_IMG"
        # The delivery phase is two cases; a filter that matched fewer, or a case that skipped, proves nothing.
        if [ $delivery = 1 ] && { [ "${tests:-0}" != 2 ] || grep -aq '\[  SKIPPED \]' "$LOG"; }; then
            echo "IRQSCOPE-VM FAIL the delivery phase passed ${tests:-0} gtest cases, not its 2, or skipped one" >>"$LOG"
        fi
        if grep -aq 'IRQSCOPE-VM result rc=0' "$LOG" && ! grep -aq 'IRQSCOPE-VM FAIL' "$LOG"; then
            result=PASS
        else
            result=FAIL
            {
                # Each failure with the lines after it: the values and the message streamed into the assertion.
                grep -aE -A8 'IRQSCOPE-VM FAIL|Failure$|DIFF$|kernel panic|Kernel panic' "$LOG" | cut -c1-400 |
                    head -n 80 || true
                [ $qrc -eq 124 ] && echo "QEMU timed out after 240 s"
            } >"$LOGS/failure-$config-$mode"
        fi
        echo "$result $config $mode: $result (${tests:-0} gtest passed; ${rows:-no differential}; ${wall}s) log $LOG" \
            >"$LOGS/result-$config-$mode"
        stamp "$config $mode: $result in ${wall}s"
    done
}

# The kernels boot side by side (each QEMU is one TCG thread; VM_JOBS=1 boots them one after the other). The
# delivery configs boot afterwards, one at a time with nothing beside them: their two vCPU threads, one of them
# spinning in the delivery poller, need the host's two cores (docs/guest-tests.md §13).
rm -f "$LOGS"/result-* "$LOGS"/failure-*
SHARED=() ALONE=()
for config in $KERNELS; do
    case $config in
    *-delivery) ALONE+=("$config") ;;
    *) SHARED+=("$config") ;;
    esac
done
RUNNING=()
for config in "${SHARED[@]}"; do
    run_kernel "$config" &
    RUNNING+=($!)
    if [ ${#RUNNING[@]} -ge "${VM_JOBS:-2}" ]; then
        wait "${RUNNING[0]}" || true
        RUNNING=("${RUNNING[@]:1}")
    fi
done
for pid in "${RUNNING[@]}"; do wait "$pid" || true; done
for config in "${ALONE[@]}"; do run_kernel "$config" || true; done

RC=0
echo "== irqscope VM tests"
for config in $KERNELS; do
    for mode in $(modes_of "$config"); do
        r=$LOGS/result-$config-$mode
        if [ ! -e "$r" ]; then
            echo "  $config $mode: did not run"
            RC=1
            continue
        fi
        echo "  $(cut -d' ' -f2- "$r")"
        if [ "$(cut -d' ' -f1 "$r")" != PASS ]; then
            RC=1
            sed 's/^/    /' "$LOGS/failure-$config-$mode"
        fi
    done
done
stamp "done rc=$RC"
exit $RC
