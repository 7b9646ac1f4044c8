#include "vfio/discovery.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

namespace irqscope::core {

namespace fs = std::filesystem;

namespace {

std::string readFirstLine(const fs::path& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

uint16_t readHex(const fs::path& path)
{
    const std::string text = readFirstLine(path);
    return text.empty() ? 0 : static_cast<uint16_t>(std::stoul(text, nullptr, 16));
}

} // namespace

std::optional<std::string> normalizeBdf(const std::string& text)
{
    static const std::regex full("^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
    static const std::regex shortForm("^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
    std::string out;
    if (std::regex_match(text, full))
        out = text;
    else if (std::regex_match(text, shortForm))
        out = "0000:" + text;
    else
        return std::nullopt;
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<DiscoveredDevice> describePciDevice(const std::string& bdf, const std::string& sysfsRoot)
{
    const fs::path dir = fs::path(sysfsRoot) / "bus/pci/devices" / bdf;
    std::error_code ec;
    if (!fs::exists(dir, ec))
        return std::nullopt;
    DiscoveredDevice d;
    d.bdf = bdf;
    d.vendor = readHex(dir / "vendor");
    d.device = readHex(dir / "device");
    if (fs::is_symlink(dir / "driver", ec))
        d.driver = fs::read_symlink(dir / "driver", ec).filename().string();
    if (fs::is_symlink(dir / "iommu_group", ec)) {
        const auto group = fs::read_symlink(dir / "iommu_group", ec).filename().string();
        d.iommuGroup = std::atoi(group.c_str());
        // A no-IOMMU group is named "vfio-noiommu" and its node is /dev/vfio/noiommu-N (vfio-irq-facts §1.6).
        d.noIommu = readFirstLine(dir / "iommu_group/name") == "vfio-noiommu";
        d.groupPath = fmt::format("/dev/vfio/{}{}", d.noIommu ? "noiommu-" : "", group);
    }
    if (d.driver != "vfio-pci")
        d.problem = d.driver.empty()
                        ? fmt::format("not bound to any driver: bind it with `driverctl set-override {} vfio-pci`", bdf)
                        : fmt::format("bound to {}, not vfio-pci: rebind it with `driverctl set-override {} vfio-pci`",
                                      d.driver, bdf);
    else if (d.iommuGroup < 0)
        d.problem = "no IOMMU group: enable the IOMMU (intel_iommu=on) or vfio's no-IOMMU mode";
    else if (!fs::exists(d.groupPath, ec))
        d.problem = fmt::format("{} is missing: load vfio-pci (modprobe vfio-pci)", d.groupPath);
    // MSI-X and MSI vector counts from the msi_irqs directory are only known while enabled; leave them to
    // GET_IRQ_INFO when the device is opened.
    return d;
}

std::vector<DiscoveredDevice> discoverVfioDevices(const std::string& sysfsRoot)
{
    std::vector<DiscoveredDevice> out;
    const fs::path driver = fs::path(sysfsRoot) / "bus/pci/drivers/vfio-pci";
    std::error_code ec;
    if (!fs::exists(driver, ec))
        return out;
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
