#!/bin/busybox sh
# /init of the irqscope test guest: loads the vfio modules (no-IOMMU or type1), binds the QEMU test devices to
# vfio-pci, runs irqscope's guest tests and the irqscope CLI, prints IRQSCOPE-VM lines on the serial console and
# powers off. Kernel command line: irqscope.mode=noiommu|type1 irqscope.bind=VVVV:DDDD,...
/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "IRQSCOPE-VM $*"; }
MODE=noiommu
BIND=1234:11e8,8086:10d3,1033:0194
for arg in $(cat /proc/cmdline); do
    case $arg in
    irqscope.mode=*) MODE=${arg#*=} ;;
    irqscope.bind=*) BIND=${arg#*=} ;;
    esac
done
say "boot kernel=$(uname -r) mode=$MODE uptime=$(cut -d' ' -f1 /proc/uptime)"
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
for dev in /sys/bus/pci/devices/*; do
    id="$(sed 's/^0x//' $dev/vendor):$(sed 's/^0x//' $dev/device)"
    bdf=${dev##*/}
    case ",$BIND," in *",$id,"*) ;; *) continue ;; esac
    [ -e $dev/driver ] && echo $bdf >$dev/driver/unbind
    echo vfio-pci >$dev/driver_override
    echo $bdf >/sys/bus/pci/drivers_probe
    drv=$(readlink $dev/driver)
    [ "${drv##*/}" = vfio-pci ] && say "bound $bdf $id group=$(basename $(readlink $dev/iommu_group))" ||
        fail "bind $bdf $id"
done
say "dev-vfio $(ls /dev/vfio | tr '\n' ' ')"
adduser -D -H -u 1000 user 2>/dev/null

export IRQSCOPE_VM_MODE=$MODE
/bin/irqscope_vm_tests --gtest_brief=0 --gtest_color=no
r=$?
say "gtest rc=$r"
[ $r -eq 0 ] || fail "irqscope_vm_tests"

if [ -x /bin/irqscope ]; then
    /bin/irqscope list --json >/tmp/list.json 2>/tmp/list.err
    r=$?
    say "cli list --json rc=$r"
    sed 's/^/IRQSCOPE-VM list-json /' /tmp/list.json
    sed 's/^/IRQSCOPE-VM list-err /' /tmp/list.err
    [ $r -eq 0 ] || fail "irqscope list --json"
    for dev in /sys/bus/pci/drivers/vfio-pci/0000:*; do
        bdf=${dev##*/}
        /bin/irqscope run -d $bdf -t loopback -D 1s --no-live --json /tmp/run-$bdf.json >/tmp/run.out 2>&1
        r=$?
        say "cli run $bdf loopback rc=$r: $(tail -n 3 /tmp/run.out | tr '\n' ' ')"
    done
fi
if grep -q 'vfio-' /proc/interrupts; then
    fail "vfio actions left in /proc/interrupts after every holder exited"
    grep vfio- /proc/interrupts | sed 's/^/IRQSCOPE-VM left /'
fi
say "result rc=$RC uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
