#include "vfio/fault_injecting_device.h"

#include "vfio/irq_set_request.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

namespace irqscope::core {

FaultInjectingDevice::FaultInjectingDevice(IrqDevice& inner)
    : m_inner(inner)
{}

FaultInjectingDevice::~FaultInjectingDevice()
{
    releaseStall();
    while (m_inside.load(std::memory_order_acquire) != 0)
        std::this_thread::yield();
    if (m_badFd >= 0)
        close(m_badFd);
}

int FaultInjectingDevice::irqInfo(uint32_t index, IrqInfo& out)
{
    if (m_gone.load(std::memory_order_acquire))
        return -ENODEV;
    return m_inner.irqInfo(index, out);
}

int FaultInjectingDevice::setIrqs(std::span<const std::byte> request)
{
    m_inside.fetch_add(1, std::memory_order_acq_rel);
    const int rc = forwardSetIrqs(request);
    m_inside.fetch_sub(1, std::memory_order_acq_rel);
    return rc;
}

int FaultInjectingDevice::forwardSetIrqs(std::span<const std::byte> request)
{
    if (m_gone.load(std::memory_order_acquire))
        return -ENODEV;
    if (request.size() < kIrqSetHeaderSize)
        return m_inner.setIrqs(request);
    vfio_irq_set h;
    std::memcpy(&h, request.data(), kIrqSetHeaderSize);
    if (m_ruleSet.load(std::memory_order_acquire)) {
        std::lock_guard lock(m_ruleMutex);
        if (m_ruleSet.load(std::memory_order_relaxed) && h.index == m_ruleIndex && h.flags == m_ruleFlags &&
            ++m_ruleSeen == m_ruleNth) {
            m_ruleSet.store(false, std::memory_order_release);
            m_injected.fetch_add(1, std::memory_order_relaxed);
            return -m_ruleError;
        }
    }
    const uint32_t type = h.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    const uint32_t action = h.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    if (type == VFIO_IRQ_SET_DATA_NONE && action == VFIO_IRQ_SET_ACTION_TRIGGER && h.count > 0) {
        m_loopbacksStarted.fetch_add(1, std::memory_order_acq_rel);
        if (const int64_t delay = m_loopbackDelayNs.load(std::memory_order_relaxed); delay > 0)
            std::this_thread::sleep_for(std::chrono::nanoseconds(delay));
        if (m_stalled.load(std::memory_order_acquire)) {
            std::unique_lock lock(m_stallMutex);
            m_stallCv.wait(lock, [this] { return !m_stalled.load(std::memory_order_acquire); });
        }
        if (m_gone.load(std::memory_order_acquire))
            return -ENODEV;
    }
    const int rc = m_inner.setIrqs(request);
    if (rc == 0 && type == VFIO_IRQ_SET_DATA_EVENTFD && action == VFIO_IRQ_SET_ACTION_TRIGGER &&
        static_cast<int32_t>(h.index) == m_breakIndex.load(std::memory_order_acquire) && m_badFd >= 0) {
        for (uint32_t i = 0; i < h.count && kIrqSetHeaderSize + 4 * (i + 1) <= request.size(); ++i) {
            int32_t fd;
            std::memcpy(&fd, request.data() + kIrqSetHeaderSize + 4 * i, sizeof fd);
            if (fd >= 0)
                dup2(m_badFd, fd);
        }
    }
    return rc;
}

int FaultInjectingDevice::regionRead32(uint32_t region, uint64_t offset, uint32_t& value)
{
    if (m_gone.load(std::memory_order_acquire))
        return -ENODEV;
    return m_inner.regionRead32(region, offset, value);
}

int FaultInjectingDevice::regionWrite32(uint32_t region, uint64_t offset, uint32_t value)
{
    if (m_gone.load(std::memory_order_acquire))
        return -ENODEV;
    return m_inner.regionWrite32(region, offset, value);
}

void FaultInjectingDevice::failSetIrqs(uint32_t index, uint32_t flags, uint32_t nth, int error)
{
    std::lock_guard lock(m_ruleMutex);
    m_ruleIndex = index;
    m_ruleFlags = flags;
    m_ruleNth = nth;
    m_ruleSeen = 0;
    m_ruleError = error;
    m_ruleSet.store(nth > 0, std::memory_order_release);
}

void FaultInjectingDevice::breakEventfdReads(uint32_t index)
{
    if (m_badFd < 0)
        m_badFd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    m_breakIndex.store(static_cast<int32_t>(index), std::memory_order_release);
}

void FaultInjectingDevice::delayLoopbacks(std::chrono::nanoseconds delay)
{
    m_loopbackDelayNs.store(delay.count(), std::memory_order_relaxed);
}

void FaultInjectingDevice::stallLoopbacks()
{
    std::lock_guard lock(m_stallMutex);
    m_stalled.store(true, std::memory_order_release);
}

void FaultInjectingDevice::releaseStall()
{
    {
        std::lock_guard lock(m_stallMutex);
        m_stalled.store(false, std::memory_order_release);
    }
    m_stallCv.notify_all();
}

void FaultInjectingDevice::reclaim()
{
    // vfio-pci's teardown on removal: every interrupt index is disabled and the REQ/ERR triggers released
    // (docs/kernel-vfio-irq.md §2.8); "already off" answers are expected and ignored.
    IrqSetRequest request;
    for (uint32_t index = 0; index < kNumPciIrqIndexes; ++index) {
        if (index == static_cast<uint32_t>(IrqIndex::Err) || index == static_cast<uint32_t>(IrqIndex::Req)) {
            const int32_t off = -1;
            (void)m_inner.setIrqs(request.setTriggerEventfds(index, 0, std::span<const int32_t>(&off, 1)));
        } else {
            (void)m_inner.setIrqs(request.disableIndex(index));
        }
    }
    m_gone.store(true, std::memory_order_release);
    releaseStall();
}

} // namespace irqscope::core
