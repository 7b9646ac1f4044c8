// RecordingDevice: a minimal in-test IrqDevice that records every SET_IRQS call and signals loopback triggers on
// the eventfds it was given, so engine tests can see exactly which ioctls the core thread issued.
#pragma once

#include "vfio/irq_device.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <unistd.h>
#include <vector>

namespace irqscope::test {

class RecordingDevice final : public core::IrqDevice
{
public:
    struct Call
    {
        uint32_t flags, index, start, count;
    };

    RecordingDevice(uint32_t intx, uint32_t msix, bool noResize)
        : m_noResize(noResize)
    {
        m_counts[0] = intx;
        m_counts[2] = msix;
        m_fds.assign(3, std::vector<int>(2048, -1));
        m_info.id = "recording";
        m_calls.reserve(kMaxCalls); // the core thread calls setIrqs: recording must not allocate there
        m_info.numIrqs = 5;
    }

    const core::DeviceInfo& info() const override { return m_info; }

    int irqInfo(uint32_t index, core::IrqInfo& out) override
    {
        if (index >= 5)
            return -EINVAL;
        out.index = index;
        out.count = index < 3 ? m_counts[index] : 0;
        out.flags = VFIO_IRQ_INFO_EVENTFD;
        if (index == 0)
            out.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
        if (index == 2 && m_noResize)
            out.flags |= VFIO_IRQ_INFO_NORESIZE;
        return 0;
    }

    int setIrqs(std::span<const std::byte> request) override
    {
        vfio_irq_set hdr;
        std::memcpy(&hdr, request.data(), sizeof hdr);
        std::lock_guard lock(m_mutex);
        if (m_calls.size() < kMaxCalls)
            m_calls.push_back({hdr.flags, hdr.index, hdr.start, hdr.count});
        if (hdr.index > 2)
            return -EINVAL;
        auto& fds = m_fds[hdr.index];
        const uint32_t action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
        const uint32_t type = hdr.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER && type == VFIO_IRQ_SET_DATA_EVENTFD) {
            for (uint32_t i = 0; i < hdr.count; ++i) {
                int32_t fd;
                std::memcpy(&fd, request.data() + sizeof hdr + 4 * i, 4);
                fds[hdr.start + i] = fd;
            }
            return 0;
        }
        if (action == VFIO_IRQ_SET_ACTION_TRIGGER && type == VFIO_IRQ_SET_DATA_NONE) {
            if (hdr.count == 0) {
                std::fill(fds.begin(), fds.end(), -1);
                return 0;
            }
            if (!m_loopbackWorks)
                return 0; // like the kernel for an unconfigured MSI-X vector: success, nothing signalled
            for (uint32_t i = 0; i < hdr.count; ++i) {
                if (fds[hdr.start + i] >= 0) {
                    const uint64_t one = 1;
                    (void)!write(fds[hdr.start + i], &one, sizeof one);
                }
            }
            return 0;
        }
        return 0;
    }

    int regionRead32(uint32_t, uint64_t, uint32_t& value) override
    {
        value = 0;
        return 0;
    }
    int regionWrite32(uint32_t, uint64_t, uint32_t) override { return 0; }

    std::vector<Call> calls()
    {
        std::lock_guard lock(m_mutex);
        return m_calls;
    }
    void setLoopbackWorks(bool works) { m_loopbackWorks = works; }

private:
    static constexpr std::size_t kMaxCalls = 1u << 20;
    core::DeviceInfo m_info;
    uint32_t m_counts[3] = {};
    bool m_noResize;
    std::atomic<bool> m_loopbackWorks{true};
    std::mutex m_mutex;
    std::vector<Call> m_calls;
    std::vector<std::vector<int>> m_fds;
};

} // namespace irqscope::test
