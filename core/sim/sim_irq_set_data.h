// The payload of a struct vfio_irq_set as SimKernelModel reads it: eventfd and bool arrays and the DATA type
// (docs/kernel-vfio-irq.md §1.3). Internal to the sim's kernel model files.
#pragma once

#include "vfio/vfio_uapi.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace irqscope::core::simirq {

inline constexpr uint32_t kKnownFlags = VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK;

inline int32_t fdAt(const std::byte* data, uint32_t i)
{
    int32_t fd;
    std::memcpy(&fd, data + sizeof(int32_t) * i, sizeof fd);
    return fd;
}

inline bool boolAt(const std::byte* data, uint32_t i)
{
    return std::to_integer<uint8_t>(data[i]) != 0;
}

inline uint32_t dataType(const vfio_irq_set& h)
{
    return h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
}

// DATA_NONE, or DATA_BOOL with element i true: the loopback and mask/unmask "do it" test.
inline bool selected(const vfio_irq_set& h, const std::byte* data, uint32_t i)
{
    return dataType(h) == VFIO_IRQ_SET_DATA_NONE || (dataType(h) == VFIO_IRQ_SET_DATA_BOOL && boolAt(data, i));
}

} // namespace irqscope::core::simirq
