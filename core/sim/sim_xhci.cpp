// SimXhci: the xhci model's controller: registers, command ring fetch, events written by DMA, interrupts after the
// latency model (docs/dma-triggers.md §5).
#include "sim/sim_xhci.h"

#include "base/monotonic_clock.h"

#include <algorithm>
#include <chrono>

namespace irqscope::core {

namespace {

uint32_t lowDword(uint64_t v)
{
    return static_cast<uint32_t>(v);
}

uint32_t highDword(uint64_t v)
{
    return static_cast<uint32_t>(v >> 32);
}

void setLowDword(uint64_t& r, uint32_t v)
{
    r = (r & ~0xffffffffull) | v;
}

void setHighDword(uint64_t& r, uint32_t v)
{
    r = (r & 0xffffffffull) | (uint64_t(v) << 32);
}

} // namespace

SimXhci::SimXhci(const SimConfig& config, SimDmaSpace& dma, RaiseFn raise)
    : m_config(config)
    , m_dma(dma)
    , m_raise(std::move(raise))
    , m_random(config.faults.seed ^ 0x78686369ULL)
{
    m_thread = std::thread([this] { run(); });
}

SimXhci::~SimXhci()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

uint32_t SimXhci::read(uint64_t offset) const
{
    std::lock_guard lock(m_mutex);
    switch (offset) {
    case xhci::kCapLength:
        return kOperational | (0x0100u << 16); // xHCI 1.0
    case xhci::kHcsParams1:
        return 64 | (kInterrupters << 8) | (4u << 24);
    case xhci::kHcsParams2:
        return 0; // no scratchpad buffers
    case xhci::kHccParams1:
        return 1; // AC64
    case xhci::kDbOff:
        return kDoorbells;
    case xhci::kRtsOff:
        return kRuntime;
    default:
        break;
    }
    if (offset >= kOperational && offset < kRuntime) {
        switch (offset - kOperational) {
        case xhci::kUsbCmd:
            return m_usbcmd;
        case xhci::kUsbSts:
            return m_usbsts;
        case xhci::kPageSize:
            return 1;
        case xhci::kCrcr:
            return m_cmdPending ? (1u << 3) : 0; // CRR; the pointer reads as 0 (§5.4.5)
        case xhci::kDcbaap:
            return lowDword(m_dcbaap);
        case xhci::kDcbaap + 4:
            return highDword(m_dcbaap);
        case xhci::kConfig:
            return m_config8;
        default:
            return 0;
        }
    }
    if (offset >= kRuntime + xhci::interrupter(0) && offset < kRuntime + xhci::interrupter(kInterrupters)) {
        const uint64_t rel = offset - kRuntime - xhci::interrupter(0);
        const Interrupter& in = m_intr[rel / 32];
        switch (rel % 32) {
        case xhci::kIman:
            return in.iman;
        case xhci::kImod:
            return in.imod;
        case xhci::kErstSz:
            return in.erstsz;
        case xhci::kErstBa:
            return lowDword(in.erstba);
        case xhci::kErstBa + 4:
            return highDword(in.erstba);
        case xhci::kErdp:
            return lowDword(in.erdp);
        case xhci::kErdp + 4:
            return highDword(in.erdp);
        default:
            return 0;
        }
    }
    return 0;
}

void SimXhci::write(uint64_t offset, uint32_t value)
{
    std::vector<uint32_t> raises;
    {
        std::lock_guard lock(m_mutex);
        if (offset >= kOperational && offset < kRuntime) {
            writeOperational(offset - kOperational, value);
        } else if (offset >= kRuntime && offset < kDoorbells) {
            writeRuntime(offset - kRuntime, value, raises);
        } else if (offset == kDoorbells && value == 0 && !(m_usbsts & xhci::kStsHalted)) {
            m_cmdPending = true; // doorbell 0, target 0: the command ring
        }
        m_stats.interrupts += raises.size();
    }
    for (uint32_t v : raises)
        m_raise(v);
    m_cv.notify_all();
}

void SimXhci::writeOperational(uint64_t offset, uint32_t value)
{
    switch (offset) {
    case xhci::kUsbCmd: {
        if (value & xhci::kCmdReset) {
            resetLocked();
            return;
        }
        const bool wasRunning = m_usbcmd & xhci::kCmdRun;
        m_usbcmd = value & (xhci::kCmdRun | xhci::kCmdInte);
        if (!wasRunning && (value & xhci::kCmdRun)) {
            if (m_config.xhciFault == SimXhciFault::HostError || (m_usbsts & xhci::kStsNotReady)) {
                m_usbsts |= xhci::kStsHostError;
                return;
            }
            m_usbsts &= ~xhci::kStsHalted;
        } else if (wasRunning && !(value & xhci::kCmdRun)) {
            m_usbsts |= xhci::kStsHalted;
            m_cmdPending = false;
            m_events.clear(); // events not yet written are dropped: a halted controller writes nothing
        }
        return;
    }
    case xhci::kUsbSts:
        m_usbsts &= ~(value & (xhci::kStsHostError | xhci::kStsEint)); // RW1C
        return;
    case xhci::kCrcr:
        setLowDword(m_crcr, value);
        return;
    case xhci::kCrcr + 4: // the ring is (re)initialised on the high dword, as in QEMU
        setHighDword(m_crcr, value);
        if (m_usbsts & xhci::kStsHalted) {
            m_cmdDequeue = m_crcr & ~0x3full;
            m_cmdCycle = m_crcr & xhci::kCrcrRcs;
        }
        return;
    case xhci::kDcbaap:
        setLowDword(m_dcbaap, value & ~0x3fu);
        return;
    case xhci::kDcbaap + 4:
        setHighDword(m_dcbaap, value);
        return;
    case xhci::kConfig:
        m_config8 = value & 0xff;
        return;
    default:
        return;
    }
}

void SimXhci::writeRuntime(uint64_t offset, uint32_t value, std::vector<uint32_t>& raises)
{
    if (offset < xhci::interrupter(0) || offset >= xhci::interrupter(kInterrupters))
        return;
    const uint32_t n = static_cast<uint32_t>((offset - xhci::interrupter(0)) / 32);
    Interrupter& in = m_intr[n];
    switch ((offset - xhci::interrupter(0)) % 32) {
    case xhci::kIman:
        in.iman = (in.iman & ~(value & xhci::kImanPending) & ~xhci::kImanEnable) | (value & xhci::kImanEnable);
        return;
    case xhci::kImod:
        in.imod = value;
        return;
    case xhci::kErstSz:
        in.erstsz = value & 0xffff;
        return;
    case xhci::kErstBa:
        setLowDword(in.erstba, value & ~0x3fu);
        return;
    case xhci::kErstBa + 4: {
        setHighDword(in.erstba, value);
        // The event ring is (re)set from its one segment table entry (QEMU takes exactly one segment).
        xhci::ErstEntry entry;
        in.ringBase = 0;
        in.ringSize = 0;
        if (in.erstsz != 1 || !m_dma.read(in.erstba, &entry, sizeof entry) || entry.size < 16 || entry.size > 4096) {
            if (in.erstsz != 0) {
                ++m_stats.dmaFaults;
                m_usbsts |= xhci::kStsHostError | xhci::kStsHalted;
                m_usbcmd &= ~xhci::kCmdRun;
            }
            return;
        }
        in.ringBase = entry.base & ~0x3full;
        in.ringSize = entry.size;
        in.enqueue = 0;
        in.cycle = true;
        return;
    }
    case xhci::kErdp:
        // EHB is RW1C; the pointer is taken as written. With EHB cleared and events still unconsumed, the
        // interrupter raises again (as QEMU's ERDP write does).
        in.erdp = (in.erdp & ~0xffffffffull) | (value & ~uint32_t(xhci::kErdpBusy)) |
                  ((value & xhci::kErdpBusy) ? 0 : (in.erdp & xhci::kErdpBusy));
        if ((value & xhci::kErdpBusy) && unconsumedLocked(n))
            raiseLocked(n, raises);
        return;
    case xhci::kErdp + 4:
        setHighDword(in.erdp, value);
        return;
    default:
        return;
    }
}

bool SimXhci::unconsumedLocked(uint32_t n) const
{
    const Interrupter& in = m_intr[n];
    if (in.ringSize == 0)
        return false;
    const uint64_t dp = (in.erdp & ~0xfull);
    return dp >= in.ringBase && dp < in.ringBase + 16ull * in.ringSize && (dp - in.ringBase) / 16 != in.enqueue;
}

// HCRST: every register to its default and every pending event gone; with the never-ready fault CNR stays set.
void SimXhci::resetLocked()
{
    m_events.clear();
    m_usbcmd = 0;
    m_usbsts = xhci::kStsHalted | (m_config.xhciFault == SimXhciFault::NeverReady ? xhci::kStsNotReady : 0);
    m_crcr = m_dcbaap = m_cmdDequeue = 0;
    m_config8 = 0;
    m_cmdCycle = true;
    m_cmdPending = false;
    m_intr.fill({});
}

// EHB set means a message was sent and not yet acknowledged: none now. IP is set either way (QEMU's
// xhci_intr_raise); with MSI-X the message clears it.
void SimXhci::raiseLocked(uint32_t n, std::vector<uint32_t>& raises)
{
    Interrupter& in = m_intr[n];
    const bool pending = in.erdp & xhci::kErdpBusy;
    in.erdp |= xhci::kErdpBusy;
    in.iman |= xhci::kImanPending;
    m_usbsts |= xhci::kStsEint;
    if (pending || !(in.iman & xhci::kImanEnable) || !(m_usbcmd & xhci::kCmdInte))
        return;
    in.iman &= ~xhci::kImanPending;
    raises.push_back(n);
}

bool SimXhci::postLocked(uint32_t n, xhci::Trb trb)
{
    Interrupter& in = m_intr[n];
    if (in.ringSize == 0)
        return false;
    const uint64_t dp = in.erdp & ~0xfull;
    if (dp < in.ringBase || dp >= in.ringBase + 16ull * in.ringSize) {
        m_usbsts |= xhci::kStsHostError; // QEMU: ERDP out of the ring kills the controller
        return false;
    }
    if ((in.enqueue + 1) % in.ringSize == (dp - in.ringBase) / 16)
        return false; // full: dropped
    trb.control = (trb.control & ~xhci::kTrbCycle) | (in.cycle ? xhci::kTrbCycle : 0);
    const uint64_t at = in.ringBase + 16ull * in.enqueue;
    xhci::Trb body = trb;
    body.control = 0;
    // The cycle dword last, with release: whoever sees the new cycle sees the rest.
    if (!m_dma.write(at, &body, 12) || !m_dma.storeRelease32(at + 12, trb.control)) {
        ++m_stats.dmaFaults;
        return false;
    }
    if (++in.enqueue == in.ringSize) {
        in.enqueue = 0;
        in.cycle = !in.cycle;
    }
    ++m_stats.events;
    return true;
}

// Takes every command TRB whose cycle bit matches the controller's cycle state; a Link TRB moves the dequeue
// pointer and toggles the cycle state when its TC flag is set. A No-Op's completion event is scheduled after the
// device latency; any other command completes with TRB Error.
void SimXhci::fetchCommandsLocked(int64_t nowNs)
{
    for (uint32_t guard = 0; guard < 4096; ++guard) {
        xhci::Trb trb;
        if (!m_dma.read(m_cmdDequeue, &trb, sizeof trb)) {
            ++m_stats.dmaFaults;
            m_usbsts |= xhci::kStsHostError;
            return;
        }
        if (bool(trb.control & xhci::kTrbCycle) != m_cmdCycle)
            return;
        if (xhci::trbType(trb.control) == xhci::kTrbLink) {
            m_cmdDequeue = trb.parameter & ~0xfull;
            if (trb.control & xhci::kTrbToggle)
                m_cmdCycle = !m_cmdCycle;
            continue;
        }
        ++m_stats.commands;
        const bool ok =
            xhci::trbType(trb.control) == xhci::kTrbNoOpCommand && m_config.xhciFault != SimXhciFault::CommandError;
        Event e;
        e.dueNs = nowNs + m_random.latencyNs(m_config.deviceLatency);
        e.trb.parameter = m_cmdDequeue;
        e.trb.status = (ok ? xhci::kCodeSuccess : xhci::kCodeTrbError) << 24;
        e.trb.control = xhci::trbTypeBits(xhci::kTrbCommandCompletion);
        m_events.push(e);
        m_cmdDequeue += sizeof(xhci::Trb);
    }
}

void SimXhci::run()
{
    std::vector<uint32_t> raises;
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        const int64_t now = monotonicNs();
        raises.clear();
        if (m_cmdPending) {
            m_cmdPending = false;
            fetchCommandsLocked(now);
        }
        for (Event e; m_events.popDue(now, e);) {
            if (e.raise) {
                // An event the host consumed already (it polled) needs no message: EHB is not set behind its back.
                if (unconsumedLocked(0))
                    raiseLocked(0, raises);
                continue;
            }
            if (!postLocked(0, e.trb)) // command completions go to the primary interrupter (§4.9.4)
                continue;
            Event r;
            r.dueNs = now + m_random.latencyNs(m_config.interruptLatency);
            r.raise = true;
            m_events.push(r);
        }
        if (!raises.empty()) {
            m_stats.interrupts += raises.size();
            lock.unlock();
            for (uint32_t v : raises)
                m_raise(v);
            lock.lock();
            continue;
        }
        if (m_cmdPending)
            continue;
        m_events.waitForNext(m_cv, lock);
    }
}

SimXhciStats SimXhci::stats() const
{
    std::lock_guard lock(m_mutex);
    SimXhciStats s = m_stats;
    s.running = !(m_usbsts & xhci::kStsHalted);
    return s;
}

} // namespace irqscope::core
