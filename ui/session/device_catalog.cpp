// Device list for the picker: the sim entry is built from a SimDevice's own GET_IRQ_INFO answers; PCI devices
// from discovery, with owner and permission checks that also work on fake sysfs/procfs trees.
#include "session/device_catalog.h"

#include "sim/sim_config.h"
#include "sim/sim_device.h"
#include "vfio/device_owner.h"
#include "vfio/pci_ids.h"

#include <fmt/format.h>

#include <filesystem>
#include <unistd.h>

namespace irqscope::ui {

namespace fs = std::filesystem;

core::DiscoveredDevice describeSimDevice()
{
    core::SimDevice sim{core::SimConfig{}};
    core::DiscoveredDevice d;
    d.bdf = "sim";
    d.name = sim.info().description;
    d.driver = "irqscope";
    for (uint32_t i = 0; i < core::kNumPciIrqIndexes; ++i) {
        core::IrqInfo info;
        if (sim.irqInfo(i, info) == 0) {
            d.irqs[i].known = true;
            d.irqs[i].count = info.count;
            d.irqs[i].flags = info.flags;
        }
    }
    return d;
}

std::optional<core::DiscoveredDevice> describeDevice(const std::string& bdf, const DeviceRoots& roots)
{
    if (roots.real())
        return core::describePciDevice(bdf); // owner scan, then a brief open for GET_IRQ_INFO
    auto d = core::readPciDevice(bdf, roots.sysfs);
    if (!d)
        return d;
    d->name = core::pciIdsName(d->vendor, d->device);
    if (const auto owner = core::findVfioOwner(core::vfioNodesOf(*d, roots.sysfs), roots.proc)) {
        d->owner = owner->name;
        d->ownerPid = owner->pid;
        d->ownerVm = owner->vm;
    }
    if (!d->problem.empty() || !d->owner.empty() || d->groupPath.empty())
        return d;
    const std::string node = roots.devRoot + d->groupPath;
    std::error_code ec;
    if (!fs::exists(node, ec))
        d->problem = fmt::format("{} does not exist: load vfio-pci (modprobe vfio-pci) and check that the IOMMU "
                                 "is on (intel_iommu=on / amd_iommu=on)",
                                 d->groupPath);
    else if (access(node.c_str(), R_OK | W_OK) != 0)
        d->problem = fmt::format("no permission to open {}: run as root, or give your user access to it (a udev "
                                 "rule setting its group, or chown)",
                                 d->groupPath);
    return d;
}

std::vector<core::DiscoveredDevice> listDevices(const DeviceRoots& roots)
{
    std::vector<core::DiscoveredDevice> devices{describeSimDevice()};
    for (auto& d : core::discoverVfioDevices(roots.sysfs)) {
        if (roots.real()) {
            devices.push_back(std::move(d));
        } else if (auto described = describeDevice(d.bdf, roots)) {
            devices.push_back(std::move(*described));
        }
    }
    return devices;
}

} // namespace irqscope::ui
