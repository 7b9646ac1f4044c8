// XhciTrigger: one No-Op command per trigger, completed on interrupter 0's event ring (docs/dma-triggers.md §5).
#include "device/xhci_trigger.h"

#include "base/monotonic_clock.h"
#include "device/dma_poll.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace irqscope::core {

namespace {

// The spec bounds halting at 16 ms (§5.4.2 HCH); reset and CNR have no bound, so a generous one is used.
constexpr int64_t kHaltTimeoutNs = 500'000'000;
constexpr int64_t kResetTimeoutNs = 1'000'000'000;
constexpr int64_t kCommandTimeoutNs = 500'000'000;

} // namespace

XhciTrigger::XhciTrigger(IrqDevice& device)
    : m_device(device)
{
    IrqInfo msix;
    m_hasVector0 = device.irqInfo(static_cast<uint32_t>(IrqIndex::Msix), msix) == 0 && msix.eventfd() && msix.count > 0;
}

XhciTrigger::~XhciTrigger()
{
    shutdown();
}

bool XhciTrigger::canRaise(VectorId id) const
{
    return m_hasVector0 && id.index == IrqIndex::Msix && id.sub == 0;
}

std::string XhciTrigger::prefix() const
{
    return fmt::format("xHCI controller {}", m_device.info().id);
}

uint32_t XhciTrigger::read32(uint64_t offset)
{
    uint32_t v = 0;
    if (m_device.regionRead32(0, offset, v) < 0) {
        m_accessFailed = true;
        return 0xffffffff;
    }
    return v;
}

void XhciTrigger::write32(uint64_t offset, uint32_t value)
{
    if (m_device.regionWrite32(0, offset, value) < 0)
        m_accessFailed = true;
}

// CRCR, DCBAAP and ERSTBA take effect on the high dword's write in QEMU (hcd-xhci.c): low first.
void XhciTrigger::write64LowFirst(uint64_t offset, uint64_t value)
{
    write32(offset, static_cast<uint32_t>(value));
    write32(offset + 4, static_cast<uint32_t>(value >> 32));
}

std::string XhciTrigger::waitStatus(uint32_t mask, uint32_t want, int64_t timeoutNs, const char* what, bool errors)
{
    const int64_t deadline = monotonicNs() + timeoutNs;
    for (;;) {
        const uint32_t sts = read32(m_op + xhci::kUsbSts);
        if (m_accessFailed || sts == 0xffffffff)
            return fmt::format("{}: its registers cannot be read (USBSTS): the device is gone or not responding",
                               prefix());
        if (errors && (sts & (xhci::kStsHostError | xhci::kStsHcError)))
            return fmt::format("{} reports a {} (USBSTS {:#x}) {}: reset the device (echo 1 > "
                               "/sys/bus/pci/devices/{}/reset) or check it",
                               prefix(),
                               (sts & xhci::kStsHostError) ? "host system error (HSE)" : "host controller error (HCE)",
                               sts, what, m_device.info().id);
        if ((sts & mask) == want)
            return {};
        if (monotonicNs() > deadline)
            return fmt::format("{} did not finish {} within {} ms (USBSTS {:#x})", prefix(), what,
                               timeoutNs / 1'000'000, sts);
        pollPause();
    }
}

// RS=0, then HCH=1 (§4.2: a controller is reset only when halted). A controller in error (HSE) halts too.
std::string XhciTrigger::halt()
{
    const uint32_t cmd = read32(m_op + xhci::kUsbCmd);
    if (m_accessFailed)
        return fmt::format("{}: BAR0 cannot be read", prefix());
    write32(m_op + xhci::kUsbCmd, cmd & ~(xhci::kCmdRun | xhci::kCmdInte));
    return waitStatus(xhci::kStsHalted, xhci::kStsHalted, kHaltTimeoutNs, "halting (RS=0, waiting for HCH=1)", false);
}

std::string XhciTrigger::prepare()
{
    shutdown();
    if (!m_hasVector0)
        return fmt::format("{} offers no MSI-X vector to complete on", prefix());
    m_accessFailed = false;
    const uint32_t capLength = read32(xhci::kCapLength);
    const uint32_t hcs1 = read32(xhci::kHcsParams1);
    const uint32_t hcs2 = read32(xhci::kHcsParams2);
    const uint32_t hcc1 = read32(xhci::kHccParams1);
    m_db = read32(xhci::kDbOff) & ~3u;
    m_rt = read32(xhci::kRtsOff) & ~0x1fu;
    m_op = capLength & 0xff;
    if (m_accessFailed || m_op < 0x20 || capLength == 0xffffffff || m_rt == 0 || m_db == 0 ||
        xhci::maxInterrupters(hcs1) == 0)
        return fmt::format("{}: its capability registers (CAPLENGTH {:#x}, HCSPARAMS1 {:#x}) are not an xHCI's: "
                           "is it one?",
                           prefix(), capLength, hcs1);
    const uint32_t scratchpads = xhci::maxScratchpads(hcs2);
    if (scratchpads > kMaxScratchpads)
        return fmt::format("{} wants {} scratchpad buffers, more than irqscope gives ({}): use --trigger loopback",
                           prefix(), scratchpads, kMaxScratchpads);
    if (auto error = halt(); !error.empty())
        return error;
    write32(m_op + xhci::kUsbCmd, xhci::kCmdReset);
    if (auto error = waitStatus(xhci::kStsNotReady, 0, kResetTimeoutNs, "its reset (HCRST, waiting for CNR=0)");
        !error.empty())
        return error;
    for (const int64_t deadline = monotonicNs() + kResetTimeoutNs; read32(m_op + xhci::kUsbCmd) & xhci::kCmdReset;) {
        if (m_accessFailed || monotonicNs() > deadline)
            return fmt::format("{} did not finish its reset within {} ms (USBCMD.HCRST stayed 1)", prefix(),
                               kResetTimeoutNs / 1'000'000);
        pollPause();
    }
    if (!(read32(m_op + xhci::kPageSize) & 1))
        return fmt::format("{} does not support 4 KiB pages (PAGESIZE {:#x}): not supported", prefix(),
                           read32(m_op + xhci::kPageSize));
    std::string error;
    m_dma = m_device.allocateDma((kScratchpadArrayPage + (scratchpads ? 1 + scratchpads : 0)) * 4096, error);
    if (!m_dma)
        return error;
    if (!(hcc1 & 1) && m_dma->iova() + m_dma->size() > (1ull << 32)) {
        m_dma.reset();
        return fmt::format("{} has 32-bit addressing only (HCCPARAMS1.AC64=0) and the DMA memory lies above 4 GiB",
                           prefix());
    }
    if (error = start(); error.empty())
        error = probeNoOp();
    if (!error.empty())
        shutdown();
    return error;
}

// §4.2 initialisation: MaxSlotsEn (0: no device slot is ever enabled), DCBAAP (its entry 0 points at the
// scratchpad array when the controller wants one), CRCR, interrupter 0's event ring, then RS=1 with INTE=0.
std::string XhciTrigger::start()
{
    std::memset(m_dma->data(), 0, m_dma->size());
    const uint64_t base = m_dma->iova();
    auto* dcbaa = reinterpret_cast<uint64_t*>(m_dma->data() + kDcbaaPage * 4096);
    const uint64_t scratchpadPages = (m_dma->size() / 4096) - kScratchpadArrayPage;
    if (scratchpadPages > 0) {
        auto* array = reinterpret_cast<uint64_t*>(m_dma->data() + kScratchpadArrayPage * 4096);
        for (uint64_t i = 0; i + 1 < scratchpadPages; ++i)
            array[i] = base + (kScratchpadArrayPage + 1 + i) * 4096;
        dcbaa[0] = base + kScratchpadArrayPage * 4096;
    }
    xhci::Trb* ring = commandRing();
    ring[kCommandTrbs - 1].parameter = base + kCommandRingPage * 4096;
    ring[kCommandTrbs - 1].control = xhci::trbTypeBits(xhci::kTrbLink) | xhci::kTrbToggle; // cycle 0: not yet ours
    auto* erst = reinterpret_cast<xhci::ErstEntry*>(m_dma->data() + kErstOffset);
    erst->base = base + kEventRingPage * 4096;
    erst->size = kEventTrbs;
    m_cmdEnqueue = 0;
    m_cmdCycle = true;
    m_cmdDequeue.store(0, std::memory_order_relaxed);
    m_evtDequeue = 0;
    m_evtCycle = true;
    std::atomic_thread_fence(std::memory_order_release);

    write32(m_op + xhci::kConfig, 0);
    write64LowFirst(m_op + xhci::kDcbaap, base + kDcbaaPage * 4096);
    write64LowFirst(m_op + xhci::kCrcr, (base + kCommandRingPage * 4096) | xhci::kCrcrRcs);
    const uint64_t i0 = m_rt + xhci::interrupter(0);
    write32(i0 + xhci::kIman, xhci::kImanPending); // IE=0, a stale IP cleared
    write32(i0 + xhci::kImod, 0);                  // no moderation: one message per event
    write32(i0 + xhci::kErstSz, 1);
    write64LowFirst(i0 + xhci::kErstBa, base + kErstOffset);
    // ERDP: QEMU checks the pointer on the low dword's write, so the high dword goes first.
    write32(i0 + xhci::kErdp + 4, static_cast<uint32_t>((base + kEventRingPage * 4096) >> 32));
    write32(i0 + xhci::kErdp, static_cast<uint32_t>(base + kEventRingPage * 4096) | uint32_t(xhci::kErdpBusy));
    write32(m_op + xhci::kUsbSts, xhci::kStsEint); // RW1C
    write32(m_op + xhci::kUsbCmd, xhci::kCmdRun);
    return waitStatus(xhci::kStsHalted, 0, kHaltTimeoutNs, "starting (RS=1, waiting for HCH=0)");
}

void XhciTrigger::enqueueNoOp()
{
    xhci::Trb* ring = commandRing();
    xhci::Trb& trb = ring[m_cmdEnqueue];
    trb.parameter = 0;
    trb.status = 0;
    // The cycle bit is written last: the controller owns the TRB once it matches its cycle state.
    std::atomic_ref<uint32_t>(trb.control)
        .store(xhci::trbTypeBits(xhci::kTrbNoOpCommand) | (m_cmdCycle ? xhci::kTrbCycle : 0),
               std::memory_order_release);
    if (++m_cmdEnqueue == kCommandTrbs - 1) {
        // The Link TRB handed over with the current cycle; the controller follows it and toggles its cycle state.
        xhci::Trb& link = ring[kCommandTrbs - 1];
        std::atomic_ref<uint32_t>(link.control)
            .store(xhci::trbTypeBits(xhci::kTrbLink) | xhci::kTrbToggle | (m_cmdCycle ? xhci::kTrbCycle : 0),
                   std::memory_order_release);
        m_cmdEnqueue = 0;
        m_cmdCycle = !m_cmdCycle;
    }
}

// Whether the controller runs a No-Op is asked of it with interrupts off, polled.
std::string XhciTrigger::probeNoOp()
{
    enqueueNoOp();
    write32(m_db, 0); // doorbell 0, target 0: the command ring
    const int64_t deadline = monotonicNs() + kCommandTimeoutNs;
    for (;;) {
        const xhci::Trb& e = eventRing()[m_evtDequeue];
        const uint32_t control = loadDmaWord(e.control);
        if (bool(control & xhci::kTrbCycle) == m_evtCycle) {
            uint32_t completions = 0;
            const uint32_t code = xhci::completionCode(e.status);
            const uint32_t type = xhci::trbType(control);
            const uint32_t errors = consumeEvents(completions, UINT32_MAX);
            if (type == xhci::kTrbCommandCompletion && errors)
                return fmt::format("{} completed the No-Op command irqscope triggers with completion code {} (1 is "
                                   "Success): use --trigger loopback",
                                   prefix(), code);
            if (completions)
                return {};
            continue; // an event of another kind (port status change): the completion follows
        }
        const uint32_t sts = read32(m_op + xhci::kUsbSts);
        if (m_accessFailed || (sts & (xhci::kStsHostError | xhci::kStsHcError)))
            return fmt::format("{} failed running a No-Op command (USBSTS {:#x})", prefix(), sts);
        if (monotonicNs() > deadline)
            return fmt::format("{} did not complete a No-Op command within {} ms", prefix(),
                               kCommandTimeoutNs / 1'000'000);
        pollPause();
    }
}

uint32_t XhciTrigger::consumeEvents(uint32_t& completions, uint32_t maxCompletions)
{
    const uint64_t ringBase = m_dma->iova() + kCommandRingPage * 4096;
    xhci::Trb* events = eventRing();
    uint32_t consumed = 0, errors = 0;
    while (completions < maxCompletions) {
        const xhci::Trb& e = events[m_evtDequeue];
        const uint32_t control = loadDmaWord(e.control);
        if (bool(control & xhci::kTrbCycle) != m_evtCycle)
            break;
        if (xhci::trbType(control) == xhci::kTrbCommandCompletion) {
            ++completions;
            if (xhci::completionCode(e.status) != xhci::kCodeSuccess)
                ++errors;
            // The controller has taken every command up to this one: the ring has room up to it.
            const uint64_t index = (e.parameter - ringBase) / sizeof(xhci::Trb);
            if (e.parameter >= ringBase && index < kCommandTrbs - 1)
                m_cmdDequeue.store(static_cast<uint32_t>((index + 1) % (kCommandTrbs - 1)), std::memory_order_release);
        }
        if (++m_evtDequeue == kEventTrbs) {
            m_evtDequeue = 0;
            m_evtCycle = !m_evtCycle;
        }
        ++consumed;
    }
    if (consumed) {
        // ERDP with EHB written as 1 (RW1C): the controller may raise the interrupter again (§4.17.2, §5.5.2.3.3).
        const uint64_t erdp = m_dma->iova() + kEventRingPage * 4096 + uint64_t(m_evtDequeue) * sizeof(xhci::Trb);
        const uint64_t i0 = m_rt + xhci::interrupter(0);
        write32(i0 + xhci::kErdp + 4, static_cast<uint32_t>(erdp >> 32));
        write32(i0 + xhci::kErdp, static_cast<uint32_t>(erdp) | uint32_t(xhci::kErdpBusy));
        if (m_live)
            m_watch.moveTo({m_evtDequeue, m_evtCycle});
    }
    return errors;
}

std::string XhciTrigger::setUp(uint32_t sub)
{
    if (sub != 0 || !m_dma)
        return fmt::format("{} is not running", prefix());
    if (m_live)
        return {};
    const uint64_t i0 = m_rt + xhci::interrupter(0);
    // IP cleared in the same write that sets IE: a pending flag left by the probe sends no message.
    write32(i0 + xhci::kIman, xhci::kImanPending | xhci::kImanEnable);
    write32(m_op + xhci::kUsbCmd, xhci::kCmdRun | xhci::kCmdInte);
    // EHB cleared once more: a controller that set it after the probe's ERDP write (its interrupt logic running
    // behind its event writes) would otherwise never send a message. With nothing unconsumed it sends none.
    const uint64_t erdp = m_dma->iova() + kEventRingPage * 4096 + uint64_t(m_evtDequeue) * sizeof(xhci::Trb);
    write32(i0 + xhci::kErdp + 4, static_cast<uint32_t>(erdp >> 32));
    write32(i0 + xhci::kErdp, static_cast<uint32_t>(erdp) | uint32_t(xhci::kErdpBusy));
    if (m_accessFailed)
        return fmt::format("{}: BAR0 cannot be written", prefix());
    m_eventView.store(eventRing(), std::memory_order_relaxed);
    m_watch.moveTo({m_evtDequeue, m_evtCycle});
    m_live = true;
    return {};
}

void XhciTrigger::tearDown(uint32_t sub)
{
    if (sub != 0 || !m_live || !m_dma)
        return;
    m_live = false;
    m_watch.clear();
    write32(m_op + xhci::kUsbCmd, xhci::kCmdRun);
    write32(m_rt + xhci::interrupter(0) + xhci::kIman, xhci::kImanPending);
}

int XhciTrigger::submit(uint32_t sub)
{
    if (sub != 0 || !m_live)
        return -ENODEV;
    uint32_t next = m_cmdEnqueue + 1;
    if (next == kCommandTrbs - 1)
        next = 0;
    if (next == m_cmdDequeue.load(std::memory_order_acquire))
        return -EBUSY;
    enqueueNoOp();
    return m_device.regionWrite32(0, m_db, 0);
}

uint32_t XhciTrigger::reap(uint32_t sub)
{
    if (sub != 0 || !m_live)
        return 0;
    // One completion per message: EHB cleared with events still unconsumed makes the controller send another
    // message (§4.17.2; QEMU's ERDP write), so two completions that shared one message (the second posted while
    // EHB was still set) each get their own and none is left for the deadline to call missed.
    uint32_t completions = 0;
    return consumeEvents(completions, 1);
}

uint64_t XhciTrigger::nextCompletion(uint32_t sub) const
{
    return sub == 0 ? m_watch.token() : CompletionWatch::kNone;
}

bool XhciTrigger::completionVisible(uint32_t sub, uint64_t token) const
{
    const xhci::Trb* events = m_eventView.load(std::memory_order_relaxed);
    if (sub != 0 || token == CompletionWatch::kNone || !events)
        return false;
    CompletionPosition at = CompletionWatch::unpack(token);
    for (uint32_t seen = 0; seen < kEventTrbs && at.index < kEventTrbs; ++seen) {
        const uint32_t control = loadDmaWord(events[at.index].control);
        if (bool(control & xhci::kTrbCycle) != at.phase)
            return false; // not written yet (xHCI §4.9.4: the producer cycle state differs)
        if (xhci::trbType(control) == xhci::kTrbCommandCompletion)
            return true;
        if (++at.index == kEventTrbs) {
            at.index = 0;
            at.phase = !at.phase;
        }
    }
    return false;
}

void XhciTrigger::shutdown()
{
    if (!m_dma)
        return;
    tearDown(0);
    // The controller stops fetching and writing before its memory goes. If it never halts, the memory is still
    // unmapped: the IOMMU then faults its writes instead of letting them land in freed pages.
    if (!m_accessFailed)
        (void)halt();
    m_dma.reset();
}

} // namespace irqscope::core
