// Device ownership: which process holds a device's VFIO group node or device (cdev) node open, found through the
// /proc/<pid>/fd links. Reading other users' fd directories needs root; unreadable ones are skipped.
#pragma once

#include "vfio/discovery.h"
#include "vfio/vm_identity.h"

#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

struct DeviceOwner
{
    std::string name; // /proc/<pid>/comm, e.g. "qemu-system-x86"
    int pid = -1;
    std::string node;             // the node it holds: "/dev/vfio/12", "/dev/vfio/noiommu-0", "/dev/vfio/devices/vfio0"
    std::optional<VmIdentity> vm; // set when the owner is a VMM (vfio/vm_identity.h)
};

// The nodes through which a device can be held: its group node (DiscoveredDevice::groupPath) and, when the
// kernel offers the cdev interface, /dev/vfio/devices/vfioX from `sysfsRoot`/bus/pci/devices/BDF/vfio-dev/.
std::vector<std::string> vfioNodesOf(const DiscoveredDevice& device, const std::string& sysfsRoot = "/sys");

// The first process (lowest pid) other than `selfPid` with an fd linking to one of `nodes`; std::nullopt when
// none is found. `selfPid` < 0 means the calling process. The owner is described as a VM when it is a VMM
// (describeVmm, with `libvirtRunDir`; "" skips libvirt's pid files).
std::optional<DeviceOwner> findVfioOwner(const std::vector<std::string>& nodes, const std::string& procRoot = "/proc",
                                         int selfPid = -1, const std::string& libvirtRunDir = "/run/libvirt/qemu");

// The one-line error for an attempt to arm an owned device: names the owner (and its VM) and suggests --observe.
std::string ownedDeviceError(const std::string& bdf, const DeviceOwner& owner);

} // namespace irqscope::core
