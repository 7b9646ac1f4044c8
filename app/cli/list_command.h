// `irqscope list`: the devices irqscope can measure (sim, and PCI devices bound to vfio-pci).
#pragma once

#include <string>

namespace irqscope::cli {

// `sysfsRoot` other than "/sys" reads a fake or recorded tree and opens nothing (tests).
int listDevices(bool json, const std::string& sysfsRoot = "/sys");

} // namespace irqscope::cli
