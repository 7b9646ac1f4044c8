// PCI vendor and device names from the pci.ids database, where Debian's pciutils/hwdata installed one.
#pragma once

#include <cstdint>
#include <string>

namespace irqscope::core {

// "Intel Corporation 82574L Gigabit Network Connection" for 8086:10d3 from the pci.ids file at `path`; the
// vendor alone when the device is not listed; "" when the file is missing or the vendor unknown.
std::string pciIdsName(uint16_t vendor, uint16_t device, const std::string& path);

// The same from the first installed of /usr/share/misc/pci.ids and /usr/share/hwdata/pci.ids.
std::string pciIdsName(uint16_t vendor, uint16_t device);

} // namespace irqscope::core
