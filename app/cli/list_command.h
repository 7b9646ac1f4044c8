// `irqscope list`: the devices irqscope can measure (sim, and PCI devices bound to vfio-pci).
#pragma once

namespace irqscope::cli {

int listDevices(bool json);

} // namespace irqscope::cli
