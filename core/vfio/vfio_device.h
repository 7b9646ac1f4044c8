// VfioDevice: the real vfio-pci backend: container + group (type1v2 or no-IOMMU), device fd,
// GET_INFO / GET_IRQ_INFO / SET_IRQS / region access.
#pragma once

#include "vfio/irq_device.h"

#include <memory>
#include <string>

namespace irqscope::core {

// Opens the vfio-pci device at `bdf`. On failure returns nullptr and sets `error` to one line that says what is
// wrong and what to do (no such device, not bound to vfio-pci, /dev/vfio missing, permissions, group busy...).
std::unique_ptr<IrqDevice> openVfioDevice(const std::string& bdf, std::string& error);

} // namespace irqscope::core
