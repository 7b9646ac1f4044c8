#include "vfio/irq_set_request.h"

#include <algorithm>
#include <cstring>

namespace irqscope::core {

vfio_irq_set* IrqSetRequest::header()
{
    return reinterpret_cast<vfio_irq_set*>(m_buffer.data());
}

std::span<const std::byte> IrqSetRequest::finish(std::size_t payloadBytes)
{
    const std::size_t size = kIrqSetHeaderSize + payloadBytes;
    header()->argsz = static_cast<uint32_t>(size);
    return {m_buffer.data(), size};
}

std::span<const std::byte> IrqSetRequest::setTriggerEventfds(uint32_t index, uint32_t start,
                                                             std::span<const int32_t> fds)
{
    const std::size_t n = std::min(fds.size(), kMaxElements);
    *header() = {0, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index, start, static_cast<uint32_t>(n)};
    std::memcpy(m_buffer.data() + kIrqSetHeaderSize, fds.data(), n * sizeof(int32_t));
    return finish(n * sizeof(int32_t));
}

std::span<const std::byte> IrqSetRequest::setUnmaskEventfd(uint32_t index, int32_t fd)
{
    *header() = {0, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, index, 0, 1};
    std::memcpy(m_buffer.data() + kIrqSetHeaderSize, &fd, sizeof fd);
    return finish(sizeof fd);
}

std::span<const std::byte> IrqSetRequest::disableIndex(uint32_t index)
{
    *header() = {0, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0};
    return finish(0);
}

std::span<const std::byte> IrqSetRequest::loopback(uint32_t index, uint32_t start, uint32_t count)
{
    *header() = {0, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, start, count};
    return finish(0);
}

std::span<const std::byte> IrqSetRequest::mask(uint32_t index, uint32_t start, uint32_t count)
{
    *header() = {0, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, index, start, count};
    return finish(0);
}

std::span<const std::byte> IrqSetRequest::unmask(uint32_t index, uint32_t start, uint32_t count)
{
    *header() = {0, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index, start, count};
    return finish(0);
}

std::span<const std::byte> IrqSetRequest::raw(uint32_t flags, uint32_t index, uint32_t start, uint32_t count,
                                              std::span<const std::byte> payload, int64_t argsz)
{
    const std::size_t n = std::min(payload.size(), m_buffer.size() - kIrqSetHeaderSize);
    *header() = {0, flags, index, start, count};
    if (n) // an empty span may have no data pointer, and memcpy's source must never be null
        std::memcpy(m_buffer.data() + kIrqSetHeaderSize, payload.data(), n);
    auto span = finish(n);
    if (argsz >= 0)
        header()->argsz = static_cast<uint32_t>(argsz);
    return span;
}

} // namespace irqscope::core
