#include "vfio/irq_device.h"

namespace irqscope::core {

std::unique_ptr<DmaMemory> IrqDevice::allocateDma(std::size_t, std::string& error)
{
    error = "this device cannot do DMA for irqscope (device-raised command triggers need DMA memory)";
    return nullptr;
}

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
