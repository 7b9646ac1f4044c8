// SimHardware: the simulated device's hardware on its own thread. It owns the BAR0 register map (sim_config.h
// simreg), takes raise writes from a bounded queue, applies the device-side latency and the injected faults, and
// raises vectors through the kernel model's interrupt handlers, which signal the real eventfds. It also plays
// the kernel's virqfd: it watches the INTx unmask eventfd and runs the unmask handler when it is written.
#pragma once

#include "sim/sim_config.h"
#include "sim/sim_kernel_model.h"
#include "sim/sim_random.h"
#include "sim/sim_register_queue.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace irqscope::core {

// What the simulated hardware did. Once it has settled, raises == delivered + dropped + stuck.
struct SimHardwareStats
{
    uint64_t raises = 0;            // raise register writes taken from the queue
    uint64_t delivered = 0;         // raises that reached the kernel's interrupt handler
    uint64_t dropped = 0;           // lost to the drop fault
    uint64_t delayed = 0;           // held back by the delay fault (also counted when delivered)
    uint64_t stuck = 0;             // raises (or spurious raises) of a vector whose mask bit is stuck
    uint64_t spurious = 0;          // raised with no cause
    uint64_t queueOverflows = 0;    // raise writes refused because the hardware was swamped
    uint64_t unmaskEventfdRuns = 0; // unmask-eventfd writes that ran the unmask handler
    uint64_t signals = 0;           // eventfd signals the kernel model sent (loopback included)
    uint64_t stuckUnmasks = 0;      // INTx unmasks refused by a stuck mask
    uint64_t hostRequests = 0;      // times the simulated host asked for the device back (REQ, req-after=)
};

class SimHardware
{
public:
    // `kernel` is guarded by `kernelLock`; both outlive this object.
    SimHardware(const SimConfig& config, SimKernelModel& kernel, std::mutex& kernelLock);
    ~SimHardware(); // stops and joins the thread, closes its descriptors
    SimHardware(const SimHardware&) = delete;
    SimHardware& operator=(const SimHardware&) = delete;

    // BAR0 accesses (offset already checked: 32-bit aligned, inside the BAR). Any thread; no allocation.
    uint32_t read(uint64_t offset) const;
    void write(uint64_t offset, uint32_t value);

    // SET_IRQS changed the unmask eventfd: the thread watches the new one.
    void unmaskEventfdChanged();

    SimHardwareStats stats() const; // the counters this object keeps (not `signals`, `stuckUnmasks`)

    // Device-side state of an MSI/MSI-X vector; call with the kernel lock held.
    bool maskStuck(IrqIndex index, uint32_t vector) const;
    bool pending(IrqIndex index, uint32_t vector) const;

private:
    struct Scheduled
    {
        int64_t dueNs;
        IrqIndex index;
        uint32_t vector;
    };

    void run();
    void accept(const SimRegisterWrite& w);
    void deliver(const Scheduled& s);
    void raiseLocked(IrqIndex index, uint32_t vector); // a raise reaching the device's interrupt logic
    void spuriousRaise();
    int64_t nextSpurious(int64_t nowNs);
    void waitForWork(int64_t dueNs);
    void refreshUnmaskWatch();
    void onUnmaskEventfd();
    void wake() const;
    std::vector<uint8_t>& pendingBits(IrqIndex index);

    SimConfig m_config;
    SimKernelModel& m_kernel;
    std::mutex& m_kernelLock;

    SimRegisterQueue m_queue;
    std::vector<SimRegisterWrite> m_batch; // hardware thread only, sized once
    std::vector<Scheduled> m_scheduled;    // min-heap on dueNs, hardware thread only, reserved once
    SimRandom m_faultRandom;
    SimRandom m_spuriousRandom;
    bool m_spuriousFires = false; // whether the next spurious deadline raises or only re-reads the armed count

    std::vector<uint8_t> m_stuckMsi, m_stuckMsix;     // immutable after construction
    std::vector<uint8_t> m_pendingMsi, m_pendingMsix; // guarded by the kernel lock

    int64_t m_createdNs = 0; // when the device appeared: req-after= counts from here
    int m_wakeFd = -1;
    int m_epollFd = -1;
    int m_watchedUnmaskFd = -1; // our duplicate of the kernel's unmask eventfd
    uint64_t m_watchedGeneration = 0;

    std::atomic<uint64_t> m_raises{0}, m_delivered{0}, m_dropped{0}, m_delayed{0}, m_stuck{0}, m_spurious{0},
        m_queueOverflows{0}, m_unmaskRuns{0}, m_hostRequests{0};
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace irqscope::core
