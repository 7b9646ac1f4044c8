// VfioDevice: the real vfio-pci backend: container + group (type1v2 or no-IOMMU), device fd,
// GET_INFO / GET_IRQ_INFO / SET_IRQS / region access.
#pragma once

#include "vfio/irq_device.h"

#include <memory>
#include <string>

namespace irqscope::core {

struct VfioOpenOptions
{
    // The SR-IOV VF token (a canonical UUID), appended to the device name as " vf_token=UUID": needed to open a VF
    // whose PF is bound to vfio-pci; given for such a PF with no VF open, it sets the token its VFs will need
    // (docs/kernel-vfio-irq.md §1.8). Empty: none.
    std::string vfToken;
};

// Opens the vfio-pci device at `bdf`. On failure returns nullptr and sets `error` to one line that says what is
// wrong and what to do (no such device, not bound to vfio-pci, /dev/vfio missing, permissions, group busy, a
// missing, wrong or needless VF token...). A malformed token is refused before anything is opened.
std::unique_ptr<IrqDevice> openVfioDevice(const std::string& bdf, std::string& error,
                                          const VfioOpenOptions& options = {});

} // namespace irqscope::core
