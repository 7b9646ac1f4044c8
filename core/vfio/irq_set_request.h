// IrqSetRequest: builds struct vfio_irq_set requests in a preallocated buffer, so that arming, triggering and
// unmasking from the core thread never allocate.
#pragma once

#include "vfio/vfio_uapi.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace irqscope::core {

class IrqSetRequest
{
public:
    static constexpr std::size_t kMaxElements = kMaxMsixVectors;

    // DATA_EVENTFD|ACTION_TRIGGER for subindexes [start, start + fds.size()); fd -1 de-assigns or skips.
    std::span<const std::byte> setTriggerEventfds(uint32_t index, uint32_t start, std::span<const int32_t> fds);
    // DATA_EVENTFD|ACTION_UNMASK: the unmask eventfd (INTx only; fd -1 removes it: docs/kernel-vfio-irq.md §2.4).
    std::span<const std::byte> setUnmaskEventfd(uint32_t index, int32_t fd);
    // DATA_NONE|ACTION_TRIGGER with count 0: disables the whole index (docs/kernel-vfio-irq.md §1.3).
    std::span<const std::byte> disableIndex(uint32_t index);
    // DATA_NONE|ACTION_TRIGGER on [start, start + count): loopback trigger (docs/kernel-vfio-irq.md §1.3).
    std::span<const std::byte> loopback(uint32_t index, uint32_t start, uint32_t count = 1);
    // DATA_NONE|ACTION_MASK / ACTION_UNMASK.
    std::span<const std::byte> mask(uint32_t index, uint32_t start = 0, uint32_t count = 1);
    std::span<const std::byte> unmask(uint32_t index, uint32_t start = 0, uint32_t count = 1);
    // Any combination, for tests and the fuzzer: the payload is copied after the header, argsz set to match
    // unless `argsz` is given.
    std::span<const std::byte> raw(uint32_t flags, uint32_t index, uint32_t start, uint32_t count,
                                   std::span<const std::byte> payload, int64_t argsz = -1);

private:
    std::span<const std::byte> finish(std::size_t payloadBytes);
    vfio_irq_set* header();

    alignas(8) std::array<std::byte, kIrqSetHeaderSize + kMaxElements * sizeof(int32_t)> m_buffer{};
};

} // namespace irqscope::core
