#include "vfio/irq_device.h"

namespace irqscope::core {

VectorSlots vectorSlotsOf(IrqDevice& device)
{
    std::array<uint32_t, kNumPciIrqIndexes> counts{};
    for (uint32_t i = 0; i < kNumPciIrqIndexes; ++i) {
        IrqInfo info;
        // ERR on a conventional-PCI device answers -EINVAL rather than count 0: it is left out like an absent index.
        if (device.irqInfo(i, info) == 0 && info.eventfd())
            counts[i] = info.count;
    }
    return VectorSlots(counts);
}

} // namespace irqscope::core
