#include "sim/sim_dma_space.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

namespace irqscope::core {

constexpr std::size_t kSimPage = 4096;

class SimDmaBuffer final : public DmaMemory
{
public:
    SimDmaBuffer(SimDmaSpace& space, uint8_t* data, std::size_t size, uint64_t iova)
        : m_space(space)
        , m_data(data)
        , m_size(size)
        , m_iova(iova)
    {}
    ~SimDmaBuffer() override
    {
        m_space.release(m_iova); // unmapped before it is freed: no device write lands in freed memory
        std::free(m_data);
    }
    uint8_t* data() override { return m_data; }
    std::size_t size() const override { return m_size; }
    uint64_t iova() const override { return m_iova; }

private:
    SimDmaSpace& m_space;
    uint8_t* m_data;
    std::size_t m_size;
    uint64_t m_iova;
};

std::unique_ptr<DmaMemory> SimDmaSpace::allocate(std::size_t bytes)
{
    const std::size_t size = std::max<std::size_t>(kSimPage, (bytes + kSimPage - 1) / kSimPage * kSimPage);
    auto* data = static_cast<uint8_t*>(std::aligned_alloc(kSimPage, size));
    if (!data)
        return nullptr;
    std::memset(data, 0, size);
    std::lock_guard lock(m_mutex);
    const uint64_t iova = m_nextIova;
    m_nextIova += size + kSimPage; // a gap: an access running off one buffer never lands in the next
    m_buffers.push_back({iova, data, size});
    return std::make_unique<SimDmaBuffer>(*this, data, size, iova);
}

uint8_t* SimDmaSpace::locate(uint64_t iova, std::size_t len) const
{
    for (const auto& b : m_buffers)
        if (iova >= b.iova && len <= b.size && iova - b.iova <= b.size - len)
            return b.data + (iova - b.iova);
    return nullptr;
}

bool SimDmaSpace::read(uint64_t iova, void* out, std::size_t len) const
{
    std::lock_guard lock(m_mutex);
    const uint8_t* p = locate(iova, len);
    if (p)
        std::memcpy(out, p, len);
    return p != nullptr;
}

bool SimDmaSpace::write(uint64_t iova, const void* in, std::size_t len)
{
    std::lock_guard lock(m_mutex);
    uint8_t* p = locate(iova, len);
    if (p)
        std::memcpy(p, in, len);
    return p != nullptr;
}

bool SimDmaSpace::storeRelease32(uint64_t iova, uint32_t value)
{
    std::lock_guard lock(m_mutex);
    uint8_t* p = iova % 4 == 0 ? locate(iova, 4) : nullptr;
    if (p)
        std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(p)).store(value, std::memory_order_release);
    return p != nullptr;
}

std::size_t SimDmaSpace::buffers() const
{
    std::lock_guard lock(m_mutex);
    return m_buffers.size();
}

void SimDmaSpace::release(uint64_t iova)
{
    std::lock_guard lock(m_mutex);
    std::erase_if(m_buffers, [iova](const Buffer& b) { return b.iova == iova; });
}

} // namespace irqscope::core
