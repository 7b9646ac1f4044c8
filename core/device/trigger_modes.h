// Which trigger modes a device offers: loopback always (SET_IRQS with DATA_NONE), device-raised where a built-in
// profile matches its PCI ids (profileFor) and can raise at least one vector. Above vfio/ (discovery) and
// profile/ (the profiles), so that `irqscope list` and the dashboard's picker say the same thing.
#pragma once

#include "vfio/discovery.h"

#include <string>
#include <vector>

namespace irqscope::core {

struct OfferedTriggers
{
    std::vector<std::string> modes; // "loopback", then "device" when a profile can raise
    std::string deviceProfile;      // the built-in profile behind "device", "" when none
};

// For the simulated device (bdf "sim") the sim's own profile; for a PCI device the built-in profile of its ids.
OfferedTriggers offeredTriggers(const DiscoveredDevice& device);

// "loopback" or "loopback,device(e1000e)": the table column.
std::string offeredTriggersText(const OfferedTriggers& triggers);

} // namespace irqscope::core
