// BenchDevice: GET_IRQ_INFO for one MSI-X index, SET_IRQS that records eventfds and signals loopback triggers.
#include "common/bench_device.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace irqscope::bench {

BenchDevice::BenchDevice(uint32_t msixVectors)
    : m_vectors(msixVectors)
    , m_fds(std::make_unique<std::atomic<int>[]>(msixVectors))
{
    m_info.id = "bench";
    m_info.description = "irqscope bench device (eventfds written by the bench producer)";
    m_info.numIrqs = 5;
    for (uint32_t i = 0; i < m_vectors; ++i)
        m_fds[i].store(-1, std::memory_order_relaxed);
}

int BenchDevice::irqInfo(uint32_t index, core::IrqInfo& out)
{
    if (index >= 5)
        return -EINVAL;
    out.index = index;
    out.count = index == static_cast<uint32_t>(core::IrqIndex::Msix) ? m_vectors : 0;
    out.flags = VFIO_IRQ_INFO_EVENTFD;
    return 0;
}

int BenchDevice::setIrqs(std::span<const std::byte> request)
{
    vfio_irq_set hdr;
    std::memcpy(&hdr, request.data(), sizeof hdr);
    if (hdr.index != static_cast<uint32_t>(core::IrqIndex::Msix))
        return -EINVAL;
    const uint32_t action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    const uint32_t type = hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    if (action != VFIO_IRQ_SET_ACTION_TRIGGER)
        return -EINVAL;
    if (hdr.start > m_vectors || hdr.count > m_vectors - hdr.start)
        return -EINVAL;
    if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
        for (uint32_t i = 0; i < hdr.count; ++i) {
            int32_t fd;
            std::memcpy(&fd, request.data() + sizeof hdr + sizeof fd * i, sizeof fd);
            m_fds[hdr.start + i].store(fd, std::memory_order_release);
        }
        return 0;
    }
    if (type == VFIO_IRQ_SET_DATA_NONE) {
        if (hdr.count == 0) {
            for (uint32_t i = 0; i < m_vectors; ++i)
                m_fds[i].store(-1, std::memory_order_release);
            return 0;
        }
        for (uint32_t i = 0; i < hdr.count; ++i) {
            const int fd = eventfd(hdr.start + i);
            const uint64_t one = 1;
            if (fd >= 0 && write(fd, &one, sizeof one) != sizeof one)
                return -errno;
        }
        return 0;
    }
    return -EINVAL;
}

int BenchDevice::regionRead32(uint32_t, uint64_t, uint32_t& value)
{
    value = 0;
    return 0;
}

} // namespace irqscope::bench
