// SimXhci: the simulated device's `xhci` model (docs/dma-triggers.md §5): a small xHCI controller behind BAR0 laid
// out as QEMU's (capabilities at 0, operational registers at 0x40, runtime at 0x1000, doorbells at 0x2000) with
// USBCMD/USBSTS (RS, HCRST, INTE; HCH, HSE, CNR, EINT), CRCR, DCBAAP, CONFIG and 16 interrupters (IMAN, IMOD,
// ERSTSZ, ERSTBA, ERDP with EHB). Doorbell 0 makes it fetch the command ring through the SimDmaSpace, following
// Link TRBs and their toggle-cycle flag; a No-Op's Command Completion event is written to interrupter 0's event
// ring `deviceLatency` after the doorbell, and its MSI-X message follows `interruptLatency` later. As in QEMU's
// hcd-xhci.c: an interrupter whose EHB is set sends no new message until the host clears EHB through ERDP, which
// sends one if events are still unconsumed; IMAN.IE and USBCMD.INTE gate every message; command completions go to
// interrupter 0. Faults: CNR never clears, HSE at RS=1, commands completing with TRB Error.
//
// Thread-safety: read()/write() from any thread; a worker thread posts events. The raise callback runs on the
// worker thread without this object's lock held.
#pragma once

#include "base/xhci_spec.h"
#include "sim/sim_config.h"
#include "sim/sim_dma_space.h"
#include "sim/sim_due_queue.h"
#include "sim/sim_random.h"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace irqscope::core {

struct SimXhciStats
{
    uint64_t commands = 0;   // command TRBs fetched (Link TRBs not counted)
    uint64_t events = 0;     // event TRBs written to memory
    uint64_t interrupts = 0; // MSI-X messages sent
    uint64_t dmaFaults = 0;  // accesses outside every mapped buffer
    bool running = false;    // USBSTS.HCH == 0
};

class SimXhci
{
public:
    static constexpr uint32_t kBarSize = 0x4000;
    static constexpr uint64_t kOperational = 0x40, kRuntime = 0x1000, kDoorbells = 0x2000;
    static constexpr uint32_t kInterrupters = 16;
    using RaiseFn = std::function<void(uint32_t vector)>;

    SimXhci(const SimConfig& config, SimDmaSpace& dma, RaiseFn raise);
    ~SimXhci();
    SimXhci(const SimXhci&) = delete;
    SimXhci& operator=(const SimXhci&) = delete;

    uint32_t read(uint64_t offset) const;
    void write(uint64_t offset, uint32_t value);
    SimXhciStats stats() const;

private:
    struct Interrupter
    {
        uint32_t iman = 0, imod = 0, erstsz = 0;
        uint64_t erstba = 0, erdp = 0;
        uint64_t ringBase = 0;
        uint32_t ringSize = 0, enqueue = 0;
        bool cycle = true;
    };
    struct Event
    {
        int64_t dueNs = 0;
        bool raise = false; // false: write the event TRB; true: send interrupter 0's message
        xhci::Trb trb;
    };

    void run();
    void writeOperational(uint64_t offset, uint32_t value);
    void writeRuntime(uint64_t offset, uint32_t value, std::vector<uint32_t>& raises);
    void resetLocked();
    void fetchCommandsLocked(int64_t nowNs);
    bool postLocked(uint32_t n, xhci::Trb trb); // false: the event ring is full or not set up
    void raiseLocked(uint32_t n, std::vector<uint32_t>& raises);
    bool unconsumedLocked(uint32_t n) const;

    SimConfig m_config;
    SimDmaSpace& m_dma;
    RaiseFn m_raise;
    SimRandom m_random;

    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    uint32_t m_usbcmd = 0, m_usbsts = xhci::kStsHalted, m_config8 = 0;
    uint64_t m_crcr = 0, m_dcbaap = 0;
    uint64_t m_cmdDequeue = 0;
    bool m_cmdCycle = true;
    bool m_cmdPending = false;
    std::array<Interrupter, kInterrupters> m_intr{};
    SimDueQueue<Event> m_events{1024};
    SimXhciStats m_stats;
    bool m_stop = false;
    std::thread m_thread;
};

} // namespace irqscope::core
