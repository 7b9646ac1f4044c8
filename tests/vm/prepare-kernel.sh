#!/bin/bash
# Fetches one Debian kernel with apt-get download (never installed on the host) and prepares what the guest
# needs, cached under $CACHE/$KVER: vmlinux (PVH-bootable ELF), the six vfio modules uncompressed, and vfio.ko
# rebuilt with CONFIG_VFIO_NOIOMMU (Debian ships it off; docs/guest-tests.md §3). The PREEMPT_RT series (6.1-rt,
# 6.12-rt: linux-image-rt-amd64, docs/guest-tests.md §12) boot in type1 mode only and skip the no-IOMMU rebuild,
# so they need the image package alone.
#   usage: prepare-kernel.sh 6.1|6.12|6.1-rt|6.12-rt CACHE_DIR      prints the kernel directory on its last line
set -euo pipefail
SERIES=$1
CACHE=$2
mkdir -p "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd)
log() { echo "[prepare-kernel $SERIES] $*" >&2; }

# The newest package whose name matches $1 (an ERE) that apt can install: pkgnames also lists names that only
# other packages mention (a newer -dbg or -unsigned build), which have no candidate.
newest_installable() {
    local name
    for name in $(apt-cache pkgnames "$2" | grep -E "$1" | sort -rV); do
        if apt-cache policy "$name" | awk '/Candidate:/{exit ($2 == "(none)")}'; then
            echo "$name"
            return 0
        fi
    done
}
# The image package: 6.1 is what linux-image-amd64 depends on; 6.12 is the newest 6.12.N+deb12 bookworm carries;
# the -rt series are the PREEMPT_RT flavours of the same (6.12.N+deb12-rt-amd64 is in bookworm's updates; where a
# machine has it only from bookworm-backports, the newest 6.12 -rt-amd64 of either is taken).
NOIOMMU=1
case $SERIES in
6.1) KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-6\.1\./{print $2; exit}') ;;
6.12) KPKG=$(newest_installable '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' linux-image-6.12.) ;;
6.1-rt) KPKG=$(apt-cache depends linux-image-rt-amd64 | awk '/Depends: linux-image-6\.1\./{print $2; exit}')
    NOIOMMU=0 ;;
6.12-rt) KPKG=$(newest_installable '^linux-image-6\.12\.[0-9]+\+(deb12|bpo)[.0-9]*-rt-amd64$' linux-image-6.12.)
    NOIOMMU=0 ;;
*) log "unknown series $SERIES"; exit 2 ;;
esac
[ -n "$KPKG" ] || { log "no kernel package found for $SERIES (apt-get update?)"; exit 2; }
KVER=${KPKG#linux-image-}
KABI=${KVER%-amd64}
KDIR=$CACHE/$KVER
# A cache prepared before the igb modules were part of the payload is prepared again.
if [ -e "$KDIR/ready" ] && [ -e "$KDIR/modules/igb.ko" ] && { [ $NOIOMMU = 0 ] || [ -e "$KDIR/modules/vfio-noiommu.ko" ]; }; then
    log "cached: $KDIR"
    echo "$KDIR"
    exit 0
fi
PKGVER=$(apt-cache policy "$KPKG" | awk '/Candidate:/{print $2; exit}')
want=("$KPKG=$PKGVER")
if [ $NOIOMMU = 1 ]; then
    KBUILD_PKG=$(apt-cache show "linux-headers-$KVER=$PKGVER" | awk -F': ' '/^Depends:/{print $2; exit}' |
        tr ',|' '\n\n' | awk '$1 ~ /^linux-kbuild-/{print $1; exit}')
    want+=("linux-headers-$KVER=$PKGVER" "linux-headers-$KABI-common=$PKGVER" "$KBUILD_PKG=$PKGVER"
        "linux-source-$SERIES=$PKGVER")
fi
log "$KPKG $PKGVER (${KBUILD_PKG:-no no-IOMMU rebuild})"

cd "$CACHE/debs"
missing=()
for w in "${want[@]}"; do
    name=${w%%=*}
    ls "${name}_${PKGVER//:/%3a}"_*.deb >/dev/null 2>&1 || missing+=("$w")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get download ${missing[*]}"
    apt-get download "${missing[@]}" >&2
fi
# Several versions of one package may sit side by side in debs/ (6.12.N and 6.12.N+1): take the one wanted.
deb() { ls "$1"_"${PKGVER//:/%3a}"_*.deb 2>/dev/null | head -n1 || true; }

rm -rf "$KDIR.tmp" && mkdir -p "$KDIR.tmp"/{img,kb,src,noiommu,mod}
T=$KDIR.tmp
log "extracting the image (vmlinuz, config, vfio modules)"
dpkg-deb --fsys-tarfile "$(deb "$KPKG")" | tar -x -C "$T/img" --wildcards './boot/vmlinuz-*' './boot/config-*' \
    './lib/modules/*/kernel/drivers/vfio/*' './lib/modules/*/kernel/virt/lib/*'
M=$T/img/lib/modules/$KVER/kernel
for m in virt/lib/irqbypass drivers/vfio/vfio_virqfd drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 \
    drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci; do
    base=$(basename "$m")
    if [ -e "$M/$m.ko" ]; then cp "$M/$m.ko" "$T/mod/"
    elif [ -e "$M/$m.ko.xz" ]; then xz -dc "$M/$m.ko.xz" >"$T/mod/$base.ko"
    elif [ -e "$M/$m.ko.zst" ]; then zstd -qdc "$M/$m.ko.zst" >"$T/mod/$base.ko"
    else log "note: $m is not a module in $KVER (built in or absent)"; fi
done

# igb.ko (the 82576 PF driver, for the SR-IOV phase: docs/guest-tests.md §10) and every module it needs. The
# package ships no modules.dep (depmod writes it at install time), so the closure comes from each module's own
# "depends" field (modinfo), looked up in the package's file list; a dependency the kernel has built in
# (modules.builtin) needs no file.
dpkg-deb -c "$(deb "$KPKG")" | awk '{print $NF}' | grep -E '^\./lib/modules/.*\.ko(\.xz|\.zst)?$' >"$T/ko-list"
dpkg-deb --fsys-tarfile "$(deb "$KPKG")" | tar -x -C "$T/img" --wildcards './lib/modules/*/modules.builtin'
done_mods=" "
order=()
extract_module() { # $1: module name (- and _ alike); prints its decompressed path, "" when built in
    local name=${1//-/_} path
    path=$(awk -v n="$name" '{f=$0; sub(/.*\//, "", f); sub(/\.ko(\.xz|\.zst)?$/, "", f); gsub(/-/, "_", f)
        if (f == n) {print; exit}}' "$T/ko-list")
    if [ -z "$path" ]; then
        if grep -q "/${1//_/[-_]}\.ko\$" "$T/img/lib/modules/$KVER/modules.builtin"; then return 0; fi
        log "module $1 is neither in the package nor built in"
        return 1
    fi
    dpkg-deb --fsys-tarfile "$(deb "$KPKG")" | tar -x -C "$T/img" "$path"
    case $path in
    *.xz) xz -dc "$T/img/$path" >"$T/mod/$name.ko" ;;
    *.zst) zstd -qdc "$T/img/$path" >"$T/mod/$name.ko" ;;
    *) cp "$T/img/$path" "$T/mod/$name.ko" ;;
    esac
    echo "$T/mod/$name.ko"
}
# Depth first, dependencies before the module that needs them: the load order /init follows (modules/igb.order).
add_module() {
    local m=${1//-/_} ko d
    case $done_mods in *" $m "*) return 0 ;; esac
    done_mods="$done_mods$m "
    ko=$(extract_module "$m") || return 1
    [ -n "$ko" ] || return 0
    for d in $(modinfo -F depends "$ko" | tr ',' ' '); do add_module "$d" || return 1; done
    order+=("$m")
}
add_module igb || exit 1
printf '%s\n' "${order[@]}" >"$T/mod/igb.order"
log "igb modules (load order): ${order[*]}"

# The ELF vmlinux inside the bzImage boots through QEMU's PVH entry and skips the in-guest decompression.
VMLINUZ=$T/img/boot/vmlinuz-$KVER
if grep -q '^CONFIG_KERNEL_XZ=y' "$T/img/boot/config-$KVER"; then magic='\xfd7zXZ\x00'; dec=(xz -dcq --single-stream)
else magic='\x28\xb5\x2f\xfd'; dec=(zstd -dcq); fi
off=$(LC_ALL=C grep -aboP "$magic" "$VMLINUZ" | awk -F: 'NR==1{print $1}')
tail -c +$((off + 1)) "$VMLINUZ" >"$T/payload"
"${dec[@]}" "$T/payload" >"$T/vmlinux" 2>/dev/null || true # zstd exits 1 on the bytes after the frame
rm -f "$T/payload"
if [ "$(head -c4 "$T/vmlinux" | od -An -tx1 | tr -d ' ')" != 7f454c46 ]; then
    log "vmlinux extraction failed: booting the bzImage"
    cp "$VMLINUZ" "$T/vmlinux"
fi

if [ $NOIOMMU = 1 ]; then
    log "building vfio.ko with CONFIG_VFIO_NOIOMMU from linux-source-$SERIES (drivers/vfio only)"
    for p in "$(deb "linux-headers-$KVER")" "$(deb "linux-headers-$KABI-common")" "$(deb "$KBUILD_PKG")"; do
        dpkg -x "$p" "$T/kb"
    done
    KB=$T/kb/usr/src/linux-headers-$KVER
    sed -i "s#^include /usr/src/#include $T/kb/usr/src/#" "$KB/Makefile"
    dpkg-deb --fsys-tarfile "$(deb "linux-source-$SERIES")" | tar -xO "./usr/src/linux-source-$SERIES.tar.xz" >"$T/src.tar.xz"
    tar -xJf "$T/src.tar.xz" -C "$T/src" "linux-source-$SERIES/drivers/vfio"
    rm -f "$T/src.tar.xz"
    SRCV=$T/src/linux-source-$SERIES/drivers/vfio
    cp "$SRCV"/*.c "$SRCV"/*.h "$T/noiommu/"
    {
        echo "obj-m := vfio.o"
        # vfio.ko's object list as the kernel's own Makefile has it (continuation lines joined).
        sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$SRCV/Makefile" | grep -E '^vfio-(y|\$\(CONFIG_[A-Z0-9_]+\))[[:space:]]*[+:]?='
        echo "ccflags-y := -DCONFIG_VFIO_NOIOMMU=1"
    } >"$T/noiommu/Kbuild"
    make -s -C "$KB" M="$T/noiommu" CONFIG_DEBUG_INFO_BTF_MODULES= -j2 modules >&2
    # The rebuilt module must export the same symbol CRCs as the stock one, or vfio-pci-core refuses it.
    if ! diff <(awk '{print $2, $1}' "$T/noiommu/Module.symvers" | sort) \
        <(awk '$3=="drivers/vfio/vfio"{print $2, $1}' "$KB/Module.symvers" | sort) >/dev/null; then
        log "the rebuilt vfio.ko exports different CRCs than the stock one"
        exit 1
    fi
    cp "$T/noiommu/vfio.ko" "$T/mod/vfio-noiommu.ko"
fi

rm -rf "$KDIR" && mkdir -p "$KDIR"
mv "$T/vmlinux" "$KDIR/vmlinux"
mv "$T/mod" "$KDIR/modules"
cp "$T/img/boot/config-$KVER" "$KDIR/config"
echo "$KPKG $PKGVER" >"$KDIR/ready"
rm -rf "$T"
log "ready: $KDIR"
echo "$KDIR"
