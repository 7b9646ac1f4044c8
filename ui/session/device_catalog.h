// The devices the picker offers: the built-in simulated device first, then every PCI device bound to vfio-pci
// as discovery describes it, with the reason when it cannot be opened (not bound to vfio-pci, no IOMMU group, no
// permission on its group node) and who holds it (then the dashboard offers observer mode).
#pragma once

#include "vfio/discovery.h"

#include <optional>
#include <string>
#include <vector>

namespace irqscope::ui {

// Where discovery looks. The real system ("/sys", "/proc", devices under "/dev") opens a bound device briefly
// for GET_IRQ_INFO (describePciDevice()); other roots are fake trees (tests, --sysfs-root/--proc-root): nothing
// is opened, and the group node is looked for under `devRoot` + "/dev/vfio/N".
struct DeviceRoots
{
    std::string sysfs = "/sys";
    std::string proc = "/proc";
    std::string devRoot; // prefix of /dev paths ("" = the real /dev)

    bool real() const { return sysfs == "/sys" && proc == "/proc" && devRoot.empty(); }
};

// The simulated device as a discovery entry (its GET_IRQ_INFO answers, never a problem).
core::DiscoveredDevice describeSimDevice();

// One PCI device: what sysfs says, its owner (a process holding its VFIO nodes open) and, when nothing else is
// wrong, whether its group node exists and is accessible. std::nullopt when there is no such device.
std::optional<core::DiscoveredDevice> describeDevice(const std::string& bdf, const DeviceRoots& roots);

// sim, then every device bound to vfio-pci under `roots`.
std::vector<core::DiscoveredDevice> listDevices(const DeviceRoots& roots = {});

} // namespace irqscope::ui
