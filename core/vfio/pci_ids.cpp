// A streaming lookup in pci.ids: vendor lines "VVVV  Name", device lines "\tDDDD  Name", subsystems "\t\t...".
#include "vfio/pci_ids.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace irqscope::core {

std::string pciIdsName(uint16_t vendor, uint16_t device, const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return {};
    const std::string vendorKey = fmt::format("{:04x}  ", vendor);
    const std::string deviceKey = fmt::format("\t{:04x}  ", device);
    std::string vendorName;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        if (vendorName.empty()) {
            if (line.starts_with("C "))
                break; // the device class section follows the vendors
            if (line.starts_with(vendorKey))
                vendorName = line.substr(vendorKey.size());
            continue;
        }
        if (line[0] != '\t')
            break; // the next vendor: the device is not listed
        if (line.starts_with(deviceKey))
            return vendorName + " " + line.substr(deviceKey.size());
    }
    return vendorName;
}

std::string pciIdsName(uint16_t vendor, uint16_t device)
{
    for (const char* path : {"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"}) {
        std::error_code ec;
        if (std::filesystem::exists(path, ec))
            return pciIdsName(vendor, device, path);
    }
    return {};
}

} // namespace irqscope::core
