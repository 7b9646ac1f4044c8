// Discovery of vfio-pci devices from sysfs: ids and names, driver, IOMMU group and mode, interrupt counts from
// GET_IRQ_INFO when the device can be opened and from config space otherwise.
#include "vfio/discovery.h"

#include "base/file_text.h"
#include "vfio/device_owner.h"
#include "vfio/pci_ids.h"
#include "vfio/vfio_device.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <unistd.h>

namespace irqscope::core {

namespace fs = std::filesystem;

namespace {

// sysfs writes ids as "0x8086": stoul with base 16 takes the prefix.
uint16_t readHex(const fs::path& path)
{
    const std::string text = readFirstLine(path).value_or("");
    try {
        return text.empty() ? 0 : static_cast<uint16_t>(std::stoul(text, nullptr, 16));
    } catch (const std::exception&) {
        return 0;
    }
}

// sysfs `class`: "0x010802" (base class, subclass, programming interface).
uint32_t readClass(const fs::path& path)
{
    const std::string text = readFirstLine(path).value_or("");
    try {
        return text.empty() ? 0 : static_cast<uint32_t>(std::stoul(text, nullptr, 16) & 0xffffff);
    } catch (const std::exception&) {
        return 0;
    }
}

std::vector<uint8_t> readConfig(const fs::path& path)
{
    const std::string bytes = readWholeFile(path).value_or("");
    return {bytes.begin(), bytes.end()};
}

bool isHex(char c)
{
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// PCI config space offsets and capability ids (PCI Local Bus 3.0, PCIe base spec).
constexpr std::size_t kStatus = 0x06, kCapPointer = 0x34, kInterruptPin = 0x3d;
constexpr uint16_t kStatusCapList = 0x10;
constexpr uint8_t kCapMsi = 0x05, kCapPcie = 0x10, kCapMsix = 0x11;

std::string linkName(const fs::path& link)
{
    std::error_code ec;
    return fs::is_symlink(link, ec) ? fs::read_symlink(link, ec).filename().string() : std::string();
}

// A VF has a `physfn` link to its PF; a PF has sriov_totalvfs and sriov_numvfs (Documentation/ABI/testing/
// sysfs-bus-pci). The PF's driver decides whether the VF needs a token (docs/kernel-vfio-irq.md §1.8).
void readSriov(const fs::path& dir, DiscoveredDevice& d)
{
    d.physicalFunction = linkName(dir / "physfn");
    if (!d.physicalFunction.empty())
        d.physicalFunctionDriver = linkName(dir / "physfn/driver");
    const auto total = readInteger<uint32_t>((dir / "sriov_totalvfs").string());
    if (total)
        d.sriov = SriovCounts{readInteger<uint32_t>((dir / "sriov_numvfs").string()).value_or(0), *total};
}

} // namespace

std::optional<std::string> normalizeBdf(const std::string& text)
{
    // [DDDD:]BB:SS.F with hex digits and a function 0-7.
    std::string out = text.size() == 7 ? "0000:" + text : text;
    if (out.size() != 12 || out[4] != ':' || out[7] != ':' || out[10] != '.' || out[11] < '0' || out[11] > '7')
        return std::nullopt;
    for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (!isHex(out[i]))
            return std::nullopt;
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return out;
}

std::array<DiscoveredIrqIndex, kNumPciIrqIndexes> irqCountsFromConfig(std::span<const uint8_t> config)
{
    std::array<DiscoveredIrqIndex, kNumPciIrqIndexes> out{};
    auto u8 = [&](std::size_t at) -> uint32_t {
        return at < config.size() ? config[at] : 0;
    };
    auto u16 = [&](std::size_t at) -> uint32_t {
        return u8(at) | (u8(at + 1) << 8);
    };
    out[VFIO_PCI_INTX_IRQ_INDEX].count = u8(kInterruptPin) != 0 ? 1 : 0;
    out[VFIO_PCI_REQ_IRQ_INDEX].count = 1;
    if (!(u16(kStatus) & kStatusCapList))
        return out;
    std::size_t pos = u8(kCapPointer) & 0xfc;
    // 48 capabilities at most fit in the 192 bytes after the header: a guard against loops in a broken list.
    for (int guard = 0; pos >= 0x40 && pos + 3 < config.size() && guard < 48; ++guard) {
        const uint32_t id = u8(pos);
        const uint32_t control = u16(pos + 2);
        if (id == kCapMsi)
            out[VFIO_PCI_MSI_IRQ_INDEX].count = 1u << ((control >> 1) & 0x7); // Multiple Message Capable
        else if (id == kCapMsix)
            out[VFIO_PCI_MSIX_IRQ_INDEX].count = (control & 0x7ff) + 1; // table size - 1
        else if (id == kCapPcie)
            out[VFIO_PCI_ERR_IRQ_INDEX].count = 1;
        pos = u8(pos + 1) & 0xfc;
    }
    return out;
}

std::optional<DiscoveredDevice> readPciDevice(const std::string& bdf, const std::string& sysfsRoot)
{
    const fs::path dir = fs::path(sysfsRoot) / "bus/pci/devices" / bdf;
    std::error_code ec;
    if (bdf.empty() || !fs::exists(dir, ec))
        return std::nullopt;
    DiscoveredDevice d;
    d.bdf = bdf;
    d.vendor = readHex(dir / "vendor");
    d.device = readHex(dir / "device");
    d.pciClass = readClass(dir / "class");
    d.driver = linkName(dir / "driver");
    if (fs::is_symlink(dir / "iommu_group", ec)) {
        const auto group = fs::read_symlink(dir / "iommu_group", ec).filename().string();
        d.iommuGroup = std::atoi(group.c_str());
        // A no-IOMMU group is named "vfio-noiommu" and its node is /dev/vfio/noiommu-N (docs/kernel-vfio-irq.md §1.6).
        d.noIommu = readFirstLine(dir / "iommu_group/name") == "vfio-noiommu";
        d.groupPath = fmt::format("/dev/vfio/{}{}", d.noIommu ? "noiommu-" : "", group);
    }
    d.irqs = irqCountsFromConfig(readConfig(dir / "config"));
    readSriov(dir, d);
    const bool vfioLoaded = fs::exists(fs::path(sysfsRoot) / "bus/pci/drivers/vfio-pci", ec);
    if (d.driver != "vfio-pci") {
        const std::string bind =
            fmt::format("bind it with `driverctl set-override {0} vfio-pci` (or echo vfio-pci > "
                        "/sys/bus/pci/devices/{0}/driver_override; echo {0} > /sys/bus/pci/drivers_probe)",
                        bdf);
        d.problem = d.driver.empty() ? fmt::format("not bound to any driver: {}", bind)
                                     : fmt::format("bound to {}, not vfio-pci: {}", d.driver, bind);
        if (!vfioLoaded)
            d.problem += "; load vfio-pci first (modprobe vfio-pci)";
    } else if (d.iommuGroup < 0) {
        d.problem = "no IOMMU group: enable the IOMMU (intel_iommu=on / amd_iommu=on) or vfio's no-IOMMU mode";
    }
    return d;
}

std::optional<DiscoveredDevice> describePciDevice(const std::string& bdf, const std::string& sysfsRoot)
{
    auto d = readPciDevice(bdf, sysfsRoot);
    if (!d)
        return d;
    d->name = pciIdsName(d->vendor, d->device);
    if (sysfsRoot != "/sys")
        return d;
    // A device another process holds (a VM) is not opened: irqscope can only observe it.
    if (const auto owner = findVfioOwner(vfioNodesOf(*d))) {
        d->owner = owner->name;
        d->ownerPid = owner->pid;
        d->ownerVm = owner->vm;
    }
    if (!d->problem.empty() || !d->owner.empty())
        return d;
    // Only the real system can be opened: GET_IRQ_INFO gives the kernel's own counts and flags.
    std::string error;
    auto device = openVfioDevice(bdf, error);
    if (!device) {
        d->problem = error;
        return d;
    }
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        IrqInfo info;
        auto& out = d->irqs[i];
        // ERR on conventional PCI is -EINVAL rather than count 0 (docs/kernel-vfio-irq.md §1.2): known, and absent.
        out = {true, 0, 0};
        if (device->irqInfo(i, info) == 0)
            out = {true, info.count, info.flags};
    }
    return d;
}

std::vector<DiscoveredDevice> discoverVfioDevices(const std::string& sysfsRoot)
{
    std::vector<DiscoveredDevice> out;
    const fs::path driver = fs::path(sysfsRoot) / "bus/pci/drivers/vfio-pci";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(driver, ec)) {
        const auto name = entry.path().filename().string();
        if (!normalizeBdf(name))
            continue;
        if (auto d = describePciDevice(name, sysfsRoot))
            out.push_back(std::move(*d));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.bdf < b.bdf; });
    return out;
}

} // namespace irqscope::core
