// FaultInjectingDevice: an IrqDevice decorator that makes chosen ioctls fail, stall or go silent, so that the
// engine's error and exit paths run against real device semantics underneath (usually a SimDevice, whose kernel
// model then shows exactly what is still armed). It sits on the same seam as the real backend, so every fault
// reaches the engine the way a kernel error would: as a return value of setIrqs or a region access.
//
// It lives in core/ rather than tests/ so that the fuzz targets and benchmarks, which link irqscope_core but not
// the test sources, can use the same faults; it costs nothing unless constructed. Every method is thread-safe
// (the core and trigger threads call the device at once) and the forwarding path never allocates.
#pragma once

#include "vfio/irq_device.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace irqscope::core {

class FaultInjectingDevice final : public IrqDevice
{
public:
    explicit FaultInjectingDevice(IrqDevice& inner);
    ~FaultInjectingDevice() override;
    FaultInjectingDevice(const FaultInjectingDevice&) = delete;
    FaultInjectingDevice& operator=(const FaultInjectingDevice&) = delete;

    const DeviceInfo& info() const override { return m_inner.info(); }
    int irqInfo(uint32_t index, IrqInfo& out) override;
    int setIrqs(std::span<const std::byte> request) override;
    int regionRead32(uint32_t region, uint64_t offset, uint32_t& value) override;
    int regionWrite32(uint32_t region, uint64_t offset, uint32_t value) override;
    std::unique_ptr<DmaMemory> allocateDma(std::size_t bytes, std::string& error) override
    {
        return m_inner.allocateDma(bytes, error);
    }

    // The `nth` (1-based) SET_IRQS call on `index` whose flags equal `flags` returns -`error` without reaching
    // the inner device, as a kernel failing in that call before changing anything would. One rule at a time.
    void failSetIrqs(uint32_t index, uint32_t flags, uint32_t nth, int error);
    // Successful DATA_EVENTFD|ACTION_TRIGGER calls on `index` leave the caller's eventfds unreadable: the fd
    // numbers it passed are replaced (dup2) by a write-only descriptor after the inner device took its own
    // reference, so every read the caller issues on them completes with -EBADF while the inner device signals
    // the eventfd nobody reads any more.
    void breakEventfdReads(uint32_t index);
    // Loopback triggers (DATA_NONE|ACTION_TRIGGER, count > 0) wait `delay` before reaching the inner device.
    void delayLoopbacks(std::chrono::nanoseconds delay);
    // Loopback triggers block until releaseStall(): a trigger stuck in the kernel.
    void stallLoopbacks();
    void releaseStall();
    // The host took the device away (surprise removal): every index is disabled on the inner device, then every
    // call fails with -ENODEV.
    void reclaim();

    uint64_t loopbacksStarted() const { return m_loopbacksStarted.load(std::memory_order_acquire); }
    uint64_t injectedFailures() const { return m_injected.load(std::memory_order_relaxed); }
    // setIrqs calls in progress (a stalled trigger is one until released); the destructor waits for 0.
    uint32_t callsInside() const { return m_inside.load(std::memory_order_acquire); }

private:
    int forwardSetIrqs(std::span<const std::byte> request);

    IrqDevice& m_inner;
    std::mutex m_ruleMutex; // failSetIrqs rule and its counter; taken only while a rule is set
    std::atomic<bool> m_ruleSet{false};
    uint32_t m_ruleIndex = 0, m_ruleFlags = 0, m_ruleNth = 0, m_ruleSeen = 0;
    int m_ruleError = 0;
    std::atomic<int32_t> m_breakIndex{-1};
    int m_badFd = -1;
    std::atomic<int64_t> m_loopbackDelayNs{0};
    std::mutex m_stallMutex;
    std::condition_variable m_stallCv;
    std::atomic<bool> m_stalled{false};
    std::atomic<bool> m_gone{false};
    std::atomic<uint64_t> m_loopbacksStarted{0};
    std::atomic<uint64_t> m_injected{0};
    std::atomic<uint32_t> m_inside{0};
};

} // namespace irqscope::core
