// XhciTrigger: the CommandTrigger of USB xHCI controllers (PCI class 0c:03:30, e.g. QEMU's qemu-xhci) and of the
// simulated device's xhci model (docs/dma-triggers.md §5). The controller is reset and started with a command
// ring, interrupter 0's event ring and no device slot; a trigger is one No-Op command (TRB type 23), which changes
// nothing on the bus or in the controller, and its Command Completion event raises interrupter 0's MSI-X vector.
// Command completion events go to the primary interrupter only (xHCI §4.9.4 / §4.17.1; QEMU: every command
// completion is posted to interrupter 0), so msix:0 is the one vector this trigger raises.
#pragma once

#include "base/xhci_spec.h"
#include "device/command_trigger.h"
#include "device/completion_watch.h"
#include "vfio/irq_device.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace irqscope::core {

class XhciTrigger final : public CommandTrigger
{
public:
    static constexpr uint32_t kCommandTrbs = 256; // one page; the last is the Link TRB back to the first
    static constexpr uint32_t kEventTrbs = 256;   // one page, one segment
    static constexpr uint32_t kMaxScratchpads = 256;

    // `device` must outlive this object. Nothing is touched until prepare().
    explicit XhciTrigger(IrqDevice& device);
    ~XhciTrigger() override; // shutdown()
    XhciTrigger(const XhciTrigger&) = delete;
    XhciTrigger& operator=(const XhciTrigger&) = delete;

    const std::string& name() const override { return m_name; }
    bool canRaise(VectorId id) const override;
    // Halt, HCRST, CNR=0 waited for; DCBAA, command ring and interrupter 0's event ring in DMA memory; RS=1 with
    // interrupts off; one No-Op polled to completion (a controller that cannot run it is refused here). "" or one
    // line; on failure the controller is halted and nothing is mapped.
    std::string prepare() override;
    std::string setUp(uint32_t sub) override; // interrupter 0: IMAN.IE=1, then USBCMD.INTE=1
    void tearDown(uint32_t sub) override;     // USBCMD.INTE=0, IMAN.IE=0
    int submit(uint32_t sub) override;        // a No-Op on the command ring, doorbell 0
    uint32_t reap(uint32_t sub) override;     // one completion consumed, ERDP moved with EHB cleared
    void shutdown() override;                 // RS=0, HCH=1 waited for, DMA memory released
    // Nothing: the set-up's No-Op completes with interrupts off, and IMAN.IP is cleared before IE is set.
    uint64_t vectorZeroMessages() const override { return 0; }
    uint64_t nextCompletion(uint32_t sub) const override;
    // From the named event TRB on, the events already written (cycle bit = the consumer cycle state) include a
    // Command Completion event: another kind of event (a port status change) before it is skipped, as reap does.
    bool completionVisible(uint32_t sub, uint64_t token) const override;

    bool running() const { return m_dma != nullptr; }

private:
    uint32_t read32(uint64_t offset);
    void write32(uint64_t offset, uint32_t value);
    void write64LowFirst(uint64_t offset, uint64_t value);
    std::string waitStatus(uint32_t mask, uint32_t want, int64_t timeoutNs, const char* what, bool errors = true);
    std::string halt();
    std::string start();
    std::string probeNoOp();
    void enqueueNoOp();
    // Consumes the events in memory up to `maxCompletions` command completions and moves ERDP; returns how many
    // of those completions carried an error code.
    uint32_t consumeEvents(uint32_t& completions, uint32_t maxCompletions);
    std::string prefix() const;

    xhci::Trb* commandRing() { return reinterpret_cast<xhci::Trb*>(m_dma->data() + kCommandRingPage * 4096); }
    xhci::Trb* eventRing() { return reinterpret_cast<xhci::Trb*>(m_dma->data() + kEventRingPage * 4096); }

    static constexpr uint64_t kDcbaaPage = 0, kErstOffset = 2048, kCommandRingPage = 1, kEventRingPage = 2,
                              kScratchpadArrayPage = 3;

    IrqDevice& m_device;
    std::string m_name = "xhci";
    bool m_hasVector0 = false;
    uint64_t m_op = 0, m_rt = 0, m_db = 0; // operational, runtime and doorbell register offsets in BAR0
    bool m_accessFailed = false;
    std::unique_ptr<DmaMemory> m_dma;
    bool m_live = false; // interrupter 0 armed (setUp)
    // Command ring: firing thread; its dequeue index comes from the completions the core thread reaps.
    uint32_t m_cmdEnqueue = 0;
    bool m_cmdCycle = true;
    std::atomic<uint32_t> m_cmdDequeue{0};
    // Event ring: core thread (controller thread during prepare).
    uint32_t m_evtDequeue = 0;
    bool m_evtCycle = true;
    // For the delivery poller: the event ring's dequeue position while interrupter 0 is set up, and the ring.
    CompletionWatch m_watch;
    std::atomic<const xhci::Trb*> m_eventView{nullptr};
};

} // namespace irqscope::core
