// Device list for the picker: the sim entry is built from a SimDevice's own GET_IRQ_INFO answers.
#include "session/device_catalog.h"

#include "sim/sim_config.h"
#include "sim/sim_device.h"

namespace irqscope::ui {

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

std::vector<core::DiscoveredDevice> listDevices(const std::string& sysfsRoot)
{
    std::vector<core::DiscoveredDevice> devices{describeSimDevice()};
    for (auto& d : core::discoverVfioDevices(sysfsRoot))
        devices.push_back(std::move(d));
    return devices;
}

} // namespace irqscope::ui
