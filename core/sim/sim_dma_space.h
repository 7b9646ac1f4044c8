// SimDmaSpace: the simulated device's view of host memory: the buffers SimDevice::allocateDma handed out, each at
// an IOVA, as an IOMMU maps them (docs/dma-triggers.md §1). The simulated controller reads and writes through it;
// an access outside every buffer fails, as a DMA the IOMMU does not map faults. Buffers are plain zeroed pages.
// Thread-safe: allocate and free on any thread, accesses from the simulated hardware under one mutex, so a
// buffer freed meanwhile is never written.
#pragma once

#include "vfio/dma_memory.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace irqscope::core {

class SimDmaSpace
{
public:
    SimDmaSpace() = default;
    SimDmaSpace(const SimDmaSpace&) = delete;
    SimDmaSpace& operator=(const SimDmaSpace&) = delete;

    // `bytes` rounded up to 4 KiB pages, zeroed. The space must outlive it.
    std::unique_ptr<DmaMemory> allocate(std::size_t bytes);

    // Device side: false when [iova, iova + len) is not inside one buffer (a DMA fault).
    bool read(uint64_t iova, void* out, std::size_t len) const;
    bool write(uint64_t iova, const void* in, std::size_t len);
    // A 32-bit store with release ordering, for the completion entry's last dword (its phase bit): whoever sees
    // the new phase sees the entry's other dwords.
    bool storeRelease32(uint64_t iova, uint32_t value);

    std::size_t buffers() const;

private:
    friend class SimDmaBuffer;
    struct Buffer
    {
        uint64_t iova;
        uint8_t* data;
        std::size_t size;
    };
    uint8_t* locate(uint64_t iova, std::size_t len) const; // mutex held
    void release(uint64_t iova);

    mutable std::mutex m_mutex;
    std::vector<Buffer> m_buffers;
    uint64_t m_nextIova = 0x1000'0000;
};

} // namespace irqscope::core
