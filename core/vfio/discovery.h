// Discovery: the PCI devices bound to vfio-pci, read from sysfs, with their IOMMU group, no-IOMMU mode and
// per-index interrupt counts, plus the built-in simulated device.
#pragma once

#include "vfio/irq_device.h"
#include "vfio/vm_identity.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace irqscope::core {

struct DiscoveredIrqIndex
{
    bool known = false; // GET_IRQ_INFO answered (needs the device to be openable); else from sysfs/config space
    uint32_t count = 0;
    uint32_t flags = 0;
};

// A PF's SR-IOV state from sysfs: how many VFs are enabled and how many it can have.
struct SriovCounts
{
    uint32_t numVfs = 0;   // sriov_numvfs
    uint32_t totalVfs = 0; // sriov_totalvfs
};

struct DiscoveredDevice
{
    std::string bdf; // "0000:01:00.0", or "sim"
    uint16_t vendor = 0;
    uint16_t device = 0;
    uint32_t pciClass = 0; // class code, e.g. 0x010802 (NVMe), 0 when unknown
    std::string name;      // from pci.ids where installed, else ""
    std::string driver;    // bound driver ("vfio-pci"), "" when unbound
    int iommuGroup = -1;
    bool noIommu = false;  // group node is /dev/vfio/noiommu-N
    std::string groupPath; // "/dev/vfio/12" or "/dev/vfio/noiommu-0"
    std::array<DiscoveredIrqIndex, kNumPciIrqIndexes> irqs{};
    std::string owner; // process holding the group, "" when free or unknown (core/observe/device_owner.h)
    int ownerPid = -1;
    std::optional<VmIdentity> ownerVm; // the VM the owner runs, when it is a VMM (vfio/vm_identity.h)
    std::string problem;               // why it cannot be opened, one line ("" when it can)
    // SR-IOV (docs/kernel-vfio-irq.md §1.8): a VF's PF (its `physfn` link) and that PF's driver; a PF's VF counts.
    std::string physicalFunction;       // the PF's BDF for a VF, "" otherwise
    std::string physicalFunctionDriver; // the PF's bound driver, "" when unbound or not a VF
    std::optional<SriovCounts> sriov;   // present for a PF (sriov_totalvfs exists)
};

// Every PCI device bound to vfio-pci. `sysfsRoot` lets tests point at a fake tree.
std::vector<DiscoveredDevice> discoverVfioDevices(const std::string& sysfsRoot = "/sys");

// One device by PCI address, whatever its driver; std::nullopt when no such device exists. With the real
// "/sys", a device bound to vfio-pci is opened briefly for GET_IRQ_INFO (known=true), and a failure to open it
// becomes its `problem`; otherwise the counts come from config space (known=false).
std::optional<DiscoveredDevice> describePciDevice(const std::string& bdf, const std::string& sysfsRoot = "/sys");

// What sysfs alone says about a device (driver, group, no-IOMMU, config-space counts); opens nothing.
std::optional<DiscoveredDevice> readPciDevice(const std::string& bdf, const std::string& sysfsRoot = "/sys");

// Interrupt counts from PCI config space: INTx from the interrupt pin, MSI from Multiple Message Capable, MSI-X
// from the table size, ERR when a PCI Express capability is present, REQ always (docs/kernel-vfio-irq.md §1.5). `known`
// stays false. A config space shorter than 64 bytes (or with no capability list) gives INTx and REQ only.
std::array<DiscoveredIrqIndex, kNumPciIrqIndexes> irqCountsFromConfig(std::span<const uint8_t> config);

// Normalises "01:00.0" to "0000:01:00.0"; std::nullopt when it is not a PCI address.
std::optional<std::string> normalizeBdf(const std::string& text);

} // namespace irqscope::core
