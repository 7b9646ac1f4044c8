// The devices the picker offers: the built-in simulated device first, then every PCI device bound to vfio-pci
// as discovery describes it (with the reason when it cannot be opened, and who holds it).
#pragma once

#include "vfio/discovery.h"

#include <string>
#include <vector>

namespace irqscope::ui {

// The simulated device as a discovery entry (its GET_IRQ_INFO answers, never a problem).
core::DiscoveredDevice describeSimDevice();

// sim, then discoverVfioDevices(sysfsRoot).
std::vector<core::DiscoveredDevice> listDevices(const std::string& sysfsRoot = "/sys");

} // namespace irqscope::ui
