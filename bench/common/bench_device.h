// BenchDevice: an in-memory IrqDevice with N MSI-X vectors whose "interrupt" is a plain eventfd write by the
// bench's producer; it only remembers which eventfd the engine armed on each vector.
#pragma once

#include "vfio/irq_device.h"

#include <atomic>
#include <cstdint>
#include <memory>

namespace irqscope::bench {

class BenchDevice final : public core::IrqDevice
{
public:
    explicit BenchDevice(uint32_t msixVectors);

    const core::DeviceInfo& info() const override { return m_info; }
    int irqInfo(uint32_t index, core::IrqInfo& out) override;
    int setIrqs(std::span<const std::byte> request) override;
    int regionRead32(uint32_t, uint64_t, uint32_t& value) override;
    int regionWrite32(uint32_t, uint64_t, uint32_t) override { return 0; }

    // The eventfd armed on msix:`sub`, or -1. Any thread.
    int eventfd(uint32_t sub) const { return m_fds[sub].load(std::memory_order_acquire); }
    uint32_t vectors() const { return m_vectors; }

private:
    core::DeviceInfo m_info;
    uint32_t m_vectors;
    std::unique_ptr<std::atomic<int>[]> m_fds;
};

} // namespace irqscope::bench
