// DmaMemory: memory a device reaches by DMA at iova(): zeroed, page aligned and, on a real device, locked and
// mapped into the device's IOMMU domain for as long as the object lives (docs/dma-triggers.md §1). It must be
// released before the IrqDevice that made it, and only once the device can no longer write to it (a controller
// disabled first).
#pragma once

#include <cstddef>
#include <cstdint>

namespace irqscope::core {

class DmaMemory
{
public:
    virtual ~DmaMemory() = default;
    DmaMemory() = default;
    DmaMemory(const DmaMemory&) = delete;
    DmaMemory& operator=(const DmaMemory&) = delete;

    virtual uint8_t* data() = 0; // the CPU's view
    virtual std::size_t size() const = 0;
    virtual uint64_t iova() const = 0; // the device's address of data()[0]
};

} // namespace irqscope::core
