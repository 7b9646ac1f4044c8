#!/bin/busybox sh
# /init of the irqscope test guest: loads the vfio modules (no-IOMMU or type1), binds the QEMU test devices to
# vfio-pci, runs irqscope's guest tests and the irqscope CLI, then igb's SR-IOV phases (docs/guest-tests.md §10),
# prints IRQSCOPE-VM lines on the serial console and powers off.
# Kernel command line: irqscope.mode=noiommu|type1 irqscope.bind=VVVV:DDDD,... irqscope.phases=all|rt|delivery (rt:
# the lighter set of the PREEMPT_RT and threadirqs configs, docs/guest-tests.md §12; delivery: only the NVMe and
# xHCI delivery latency runs of the two-vCPU configs, §13)
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# devpts: the guest tests run irqscope on a pseudo-terminal to see its table (forkpty).
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
# tracefs: irqscope run --observe times the host handlers through it (irq:irq_handler_entry/exit).
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
say() { echo "IRQSCOPE-VM $*"; }
MODE=noiommu
BIND=1234:11e8,8086:10d3,1033:0194,8086:10c9,1b36:0010,1b36:000d
PHASES=all
for arg in $(cat /proc/cmdline); do
    case $arg in
    irqscope.mode=*) MODE=${arg#*=} ;;
    irqscope.bind=*) BIND=${arg#*=} ;;
    irqscope.phases=*) PHASES=${arg#*=} ;;
    esac
done
say "boot kernel=$(uname -r) mode=$MODE cpus=$(grep -c ^processor /proc/cpuinfo) uptime=$(cut -d' ' -f1 /proc/uptime)"
# Whether the handlers run in threads (PREEMPT_RT, threadirqs) and which cpuidle driver runs: docs/guest-tests.md §12.
say "kernel-build $(uname -v) threadirqs=$(grep -c threadirqs /proc/cmdline) cpuidle=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null || echo none) phases=$PHASES"
RC=0
fail() { say "FAIL $*"; RC=1; }
load() {
    [ -e "/lib/modules/$1" ] || return 0
    insmod "/lib/modules/$@" || fail "insmod $*"
}
load irqbypass.ko
load vfio_virqfd.ko
if [ "$MODE" = noiommu ]; then load vfio-noiommu.ko enable_unsafe_noiommu_mode=1; else load vfio.ko; fi
load vfio_iommu_type1.ko
load vfio-pci-core.ko
load vfio-pci.ko
pci_id() { echo "$(sed 's/^0x//' $1/vendor):$(sed 's/^0x//' $1/device)"; }
# Binds one PCI device (its sysfs directory) to driver $2 through driver_override, unbinding the one it has.
bind_to() {
    dev=$1
    bdf=${dev##*/}
    [ -e $dev/driver ] && echo $bdf >$dev/driver/unbind
    echo $2 >$dev/driver_override
    echo $bdf >/sys/bus/pci/drivers_probe
    drv=$(readlink $dev/driver)
    [ "${drv##*/}" = $2 ] && say "bound $bdf $(pci_id $dev) driver=$2 group=$(basename $(readlink $dev/iommu_group))" ||
        fail "bind $bdf $(pci_id $dev) to $2"
}
for dev in /sys/bus/pci/devices/*; do
    case ",$BIND," in *",$(pci_id $dev),"*) bind_to $dev vfio-pci ;; esac
done
say "dev-vfio $(ls /dev/vfio | tr '\n' ' ')"
adduser -D -H -u 1000 user 2>/dev/null

export IRQSCOPE_VM_MODE=$MODE
# Phase A: every device above on vfio-pci, the whole suite (the VF cases skip: no VF exists yet).
# The PREEMPT_RT and threadirqs configs (§12): the differential table, the edu and e1000e measurements, the host
# counts through the CLI and the IRQ thread checks; the rest is the same code on the same kernel line.
# The delivery configs (§13): the NVMe and qemu-xhci device-raised runs with their delivery latency, nothing else.
FILTER='*'
APHASE=vfio
case $PHASES in
rt) FILTER='VmDifferential.*:VmEdu.*:VmE1000e.*:VmRt.*:VmCli.HostCountLoopbackUnchangedDeviceRaisedMovesByTheCompletions' ;;
delivery)
    FILTER='VmNvme.DeviceRaisedCompletionsOnFourVectors:VmQemuXhci.DeviceRaisedNoOpCompletionsOnVectorZero'
    APHASE=delivery
    ;;
esac
say "phase A ($APHASE): devices on vfio-pci uptime=$(cut -d" " -f1 /proc/uptime)"
IRQSCOPE_VM_PHASE=$APHASE /bin/irqscope_vm_tests --gtest_brief=0 --gtest_color=no --gtest_filter="$FILTER"
r=$?
say "gtest phase A rc=$r"
[ $r -eq 0 ] || fail "irqscope_vm_tests phase A"

# The irqscope CLI on the real devices.
cli() { /bin/irqscope "$@" >/tmp/cli.out 2>/tmp/cli.err; }
# A bad-input case: non-zero exit, exactly one line on stderr, and the device left as found (ARMED_BEFORE:
# the number of vfio actions another holder has armed meanwhile).
# Waits (up to 30 s: the CLI starts slowly under TCG on a loaded host) until edu's MSI vector is armed.
until_armed() {
    n=0
    while [ "$(grep -c "vfio-msi\[0\]($EDU)" /proc/interrupts)" != 1 ] && [ $n -lt 300 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    grep -c "vfio-msi\[0\]($EDU)" /proc/interrupts
}
ARMED_BEFORE=0
bad_input() {
    what=$1
    shift
    cli "$@"
    r=$?
    lines=$(wc -l </tmp/cli.err)
    say "cli bad-input $what rc=$r: $(head -n 1 /tmp/cli.err)"
    [ $r -ne 0 ] && [ "$lines" -eq 1 ] || fail "cli $what: rc=$r, $lines stderr lines"
    [ "$(grep -c 'vfio-' /proc/interrupts)" = "$ARMED_BEFORE" ] || fail "cli $what changed the armed vectors"
}
if [ "$PHASES" != all ]; then
    say "phases=$PHASES: the CLI shell checks and the SR-IOV phases run on the stock configs only"
elif [ -x /bin/irqscope ]; then
    cli list --json
    r=$?
    say "cli list --json rc=$r"
    sed 's/^/IRQSCOPE-VM list-json /' /tmp/cli.out
    [ $r -eq 0 ] || fail "irqscope list --json"
    # The runs on edu, e1000e and nec-xhci (loopback and device-raised, INTx both unmask ways, the multi-MSI
    # shortfall, the host counts, a non-root user) are checked by irqscope_vm_tests (vm_run_cli_test.cpp) through
    # their JSON reports; here: bad input and signals, which need a shell around the CLI.
    EDU=
    for dev in /sys/bus/pci/drivers/vfio-pci/0000:*; do
        [ "$(sed 's/^0x//' $dev/vendor):$(sed 's/^0x//' $dev/device)" = 1234:11e8 ] && EDU=${dev##*/}
    done
    [ -n "$EDU" ] || fail "edu is not bound to vfio-pci"
    if [ -n "$EDU" ]; then
        echo '{ "irqscope_profile": 1, "name": "bad", "setup": [ { "offset": "0x61", "value": 1 } ] }' >/tmp/bad.json
        bad_input malformed-profile run -d $EDU -v msi -t device -D 1s --no-live --profile /tmp/bad.json
        bad_input wrong-bdf run -d 0000:00:0f.7 -v msi -D 1s --no-live
        bad_input not-vfio run -d 0000:00:00.0 -v msi -D 1s --no-live
        bad_input vector-out-of-range run -d $EDU -v msi:4 -D 1s --no-live
        /bin/irqscope run -d $EDU -v msi -t loopback -D 60s --no-live >/dev/null 2>&1 &
        first=$!
        [ "$(until_armed)" = 1 ] || fail "the first irqscope on edu did not arm"
        ARMED_BEFORE=$(grep -c 'vfio-' /proc/interrupts)
        bad_input second-irqscope run -d $EDU -v msi -t loopback -D 1s --no-live
        ARMED_BEFORE=0
        kill -INT $first
        wait $first
        r=$?
        [ $r -eq 130 ] || fail "the first irqscope on edu exited $r (not 130) after a second one was refused"
        # Interrupted mid-run, by each signal: the device ends disarmed and a new run arms it again.
        # Exit status: 130 and 143 (disarmed, reports written: exit_codes.h), 137 for the uncatchable SIGKILL.
        for sig in INT:130 TERM:143 KILL:137; do
            want=${sig#*:}
            sig=${sig%:*}
            /bin/irqscope run -d $EDU -v msi -t loopback -D 20s --no-live >/dev/null 2>&1 &
            pid=$!
            armed=$(until_armed)
            kill -$sig $pid
            wait $pid
            r=$?
            left=$(grep -c "vfio-" /proc/interrupts)
            cli run -d $EDU -v msi -t loopback -D 1s --no-live
            again=$?
            say "cli SIG$sig mid-run: armed-before=$armed exit=$r vfio-actions-after=$left next-run-rc=$again"
            [ "$armed" = 1 ] && [ "$left" = 0 ] && [ $r -eq $want ] && [ $again -eq 0 ] || fail "SIG$sig mid-run"
        done
    fi
fi
# QEMU's nvme (docs/dma-triggers.md): interrupted mid-run by each signal, a device-raised run leaves nothing armed
# and the next run brings the controller up again (its reset comes first). No-IOMMU refuses device triggers
# (vm_nvme_test.cpp), so only type1 runs them.
NVME=
for dev in /sys/bus/pci/drivers/vfio-pci/0000:*; do [ "$(pci_id $dev)" = 1b36:0010 ] && NVME=${dev##*/}; done
[ -n "$NVME" ] || fail "QEMU's nvme is not bound to vfio-pci"
if [ -n "$NVME" ] && [ -x /bin/irqscope ] && [ "$MODE" = type1 ] && [ "$PHASES" != delivery ]; then
    for sig in INT:130 TERM:143 KILL:137; do
        want=${sig#*:}
        sig=${sig%:*}
        /bin/irqscope run -d $NVME -v msix:0-3 -t device -D 30s --no-live >/dev/null 2>/tmp/nvme-sig.err &
        pid=$!
        n=0
        while [ "$(grep -c "vfio-msix\[.\]($NVME)" /proc/interrupts)" != 4 ] && [ $n -lt 300 ]; do
            sleep 0.1
            n=$((n + 1))
        done
        armed=$(grep -c "vfio-msix\[.\]($NVME)" /proc/interrupts)
        kill -$sig $pid
        wait $pid
        r=$?
        left=$(grep -c "vfio-" /proc/interrupts)
        cli run -d $NVME -v msix:0-3 -t device -D 1s --no-live --check-accounting
        again=$?
        say "cli nvme SIG$sig mid-run: armed-before=$armed exit=$r vfio-actions-after=$left next-run-rc=$again $(head -n 1 /tmp/cli.err)"
        [ "$armed" = 4 ] && [ "$left" = 0 ] && [ $r -eq $want ] && [ $again -eq 0 ] || fail "nvme SIG$sig mid-run"
    done
fi
# Phase B (docs/guest-tests.md §10): SR-IOV with the igb PF on its kernel driver. igb and its dependencies load in
# the order prepare-kernel.sh wrote; two VFs are created with autoprobe off and bound to vfio-pci; the VF cases run
# once with the PF's interface down, then up (igb sets GPIE.Multiple_MSIX, which the VFs' interrupts need, only when
# its interface opens: pitfall 19).
IGB_PF=
for dev in /sys/bus/pci/devices/*; do [ "$(pci_id $dev)" = 8086:10c9 ] && IGB_PF=$dev; done
if [ "$PHASES" != all ]; then
    :
elif [ -n "$IGB_PF" ] && [ -e /lib/modules/igb.order ]; then
    say "phase B: SR-IOV, igb PF ${IGB_PF##*/} on igb uptime=$(cut -d" " -f1 /proc/uptime)"
    for m in $(cat /lib/modules/igb.order); do load $m.ko; done
    echo ${IGB_PF##*/} >$IGB_PF/driver/unbind
    echo >$IGB_PF/driver_override
    bind_to $IGB_PF igb
    ifname=$(ls $IGB_PF/net 2>/dev/null | head -n 1)
    echo 0 >$IGB_PF/sriov_drivers_autoprobe
    echo 2 >$IGB_PF/sriov_numvfs || fail "sriov_numvfs=2 on ${IGB_PF##*/}"
    say "sriov ${IGB_PF##*/} if=$ifname numvfs=$(cat $IGB_PF/sriov_numvfs) totalvfs=$(cat $IGB_PF/sriov_totalvfs)"
    for vf in $IGB_PF/virtfn*; do bind_to $(cd $vf && pwd -P) vfio-pci; done
    # First with the PF's interface down (igb has not set GPIE.Multiple_MSIX yet): a VF raise must reach nothing.
    IRQSCOPE_VM_PHASE=sriov-pf-down /bin/irqscope_vm_tests --gtest_brief=0 --gtest_color=no \
        --gtest_filter='VmIgbVf.NothingIsRaisedWhileThePfIsNotInMsixMode'
    r=$?
    say "gtest phase B (PF down) rc=$r"
    [ $r -eq 0 ] || fail "irqscope_vm_tests phase B with the PF down"
    ip link set dev "$ifname" up || fail "ip link set $ifname up"
    IRQSCOPE_VM_PHASE=sriov /bin/irqscope_vm_tests --gtest_brief=0 --gtest_color=no --gtest_filter='VmIgbVf.*'
    r=$?
    say "gtest phase B rc=$r"
    [ $r -eq 0 ] || fail "irqscope_vm_tests phase B"
    echo 0 >$IGB_PF/sriov_numvfs || fail "sriov_numvfs=0"
    # Phase C: the PF on vfio-pci with enable_sriov=1; the VFs come from the PF's sriov_numvfs and vfio-pci captures
    # them itself (its bus notifier sets their driver_override); autoprobe back on so they bind.
    say "phase C: SR-IOV, igb PF ${IGB_PF##*/} on vfio-pci uptime=$(cut -d" " -f1 /proc/uptime)"
    ip link set dev "$ifname" down
    bind_to $IGB_PF vfio-pci
    echo 1 >/sys/module/vfio_pci/parameters/enable_sriov || fail "vfio-pci enable_sriov=1"
    echo 1 >$IGB_PF/sriov_drivers_autoprobe
    echo 2 >$IGB_PF/sriov_numvfs || fail "sriov_numvfs=2 on ${IGB_PF##*/} (vfio-pci)"
    for vf in $IGB_PF/virtfn*; do
        vf=$(cd $vf && pwd -P)
        drv=$(readlink $vf/driver)
        say "vf ${vf##*/} driver=${drv##*/} driver_override=$(cat $vf/driver_override)"
    done
    IRQSCOPE_VM_PHASE=sriov-vfio /bin/irqscope_vm_tests --gtest_brief=0 --gtest_color=no \
        --gtest_filter='VmIgbSriovVfio.*'
    r=$?
    say "gtest phase C rc=$r"
    [ $r -eq 0 ] || fail "irqscope_vm_tests phase C"
    echo 0 >$IGB_PF/sriov_numvfs || fail "sriov_numvfs=0 (vfio-pci)"
else
    fail "phase B: no igb PF (${IGB_PF:-none}) or no igb modules"
fi

if grep -q 'vfio-' /proc/interrupts; then
    fail "vfio actions left in /proc/interrupts after every holder exited"
    grep vfio- /proc/interrupts | sed 's/^/IRQSCOPE-VM left /'
fi
say "result rc=$RC uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
