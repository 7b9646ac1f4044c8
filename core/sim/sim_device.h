// SimDevice: the embedded default device. SimKernelModel gives it the kernel's exact SET_IRQS semantics; a
// simulated-hardware thread raises vectors by signalling the real eventfds, after the configured device-side
// latency and through the injected faults, when irqscope writes the raise registers of BAR0 (sim_config.h).
#pragma once

#include "sim/sim_config.h"
#include "sim/sim_kernel_model.h"
#include "vfio/irq_device.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace irqscope::core {

// What the simulated hardware did, for tests and the curious.
struct SimHardwareStats
{
    uint64_t raises = 0;         // raise register writes taken
    uint64_t dropped = 0;        // lost to the drop fault
    uint64_t delayed = 0;        // held back by the delay fault
    uint64_t stuck = 0;          // raises of a vector whose mask is stuck
    uint64_t spurious = 0;       // raised with no cause
    uint64_t queueOverflows = 0; // register writes refused because the hardware queue was full
    uint64_t signals = 0;        // eventfd signals sent by the kernel model (loopback included)
};

class SimDevice final : public IrqDevice
{
public:
    explicit SimDevice(SimConfig config);
    ~SimDevice() override;
    SimDevice(const SimDevice&) = delete;
    SimDevice& operator=(const SimDevice&) = delete;

    const DeviceInfo& info() const override { return m_info; }
    int irqInfo(uint32_t index, IrqInfo& out) override;
    int setIrqs(std::span<const std::byte> request) override;
    int regionRead32(uint32_t region, uint64_t offset, uint32_t& value) override;
    int regionWrite32(uint32_t region, uint64_t offset, uint32_t value) override;

    const SimConfig& config() const { return m_config; }
    SimHardwareStats hardwareStats() const;
    bool intxMasked() const;
    bool intxLevel() const;

private:
    struct Write
    {
        uint64_t offset;
        uint32_t value;
        int64_t atNs;
    };
    struct Scheduled
    {
        int64_t dueNs;
        IrqIndex index;
        uint32_t vector;
        bool operator>(const Scheduled& o) const { return dueNs > o.dueNs; }
    };

    void run();
    void take(const Write& w, int64_t nowNs);
    void deliver(const Scheduled& s);
    int64_t sampleLatency();
    bool stuck(IrqIndex index, uint32_t vector) const;
    void wake();

    SimConfig m_config;
    DeviceInfo m_info;
    mutable std::mutex m_mutex; // the kernel model and the write queue
    SimKernelModel m_kernel;

    static constexpr std::size_t kQueue = 4096;
    std::array<Write, kQueue> m_queue{};
    std::size_t m_queueHead = 0;
    std::size_t m_queueSize = 0;

    std::vector<Scheduled> m_scheduled; // min-heap, hardware thread only
    std::mt19937_64 m_rng;
    std::vector<std::pair<IrqIndex, uint32_t>> m_stuck;
    std::atomic<uint64_t> m_raises{0}, m_dropped{0}, m_delayed{0}, m_stuckRaises{0}, m_spurious{0}, m_overflows{0},
        m_raiseCount{0};
    int m_wakeFd = -1;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace irqscope::core
