// NvmeController: the controller half of irqscope's NVMe command trigger (docs/dma-triggers.md §3): reset, bring-up
// with an admin queue, admin commands polled to completion, I/O queue pairs created and deleted, disable. All of
// it runs outside the measurement's hot path (controller thread at prepare, core thread at arm and disarm), polls
// with short sleeps, and bounds every wait by CAP.TO.
//
// The DMA buffer (one, from IrqDevice::allocateDma) holds the admin SQ and CQ, the Identify page and `pairs` I/O
// queue pairs; it is released by disable(), after the controller has stopped, and by the destructor.
#pragma once

#include "base/nvme_spec.h"
#include "vfio/irq_device.h"

#include <cstdint>
#include <memory>
#include <string>

namespace irqscope::core {

class NvmeController
{
public:
    // Entries of every I/O queue irqscope creates (capped by CAP.MQES + 1): more than the engine's outstanding
    // window (64), so a queue is never full while the books allow another trigger.
    static constexpr uint32_t kIoQueueEntries = 128;

    explicit NvmeController(IrqDevice& device);
    ~NvmeController(); // disable()
    NvmeController(const NvmeController&) = delete;
    NvmeController& operator=(const NvmeController&) = delete;

    // Reads CAP and disables the controller (CC.EN=0, CSTS.RDY=0 waited for): whatever a previous user left
    // running stops here. "" or one line.
    std::string reset();
    // After reset(): DMA memory for the admin queue and `pairs` I/O queue pairs, CC.EN=1, CSTS.RDY waited for
    // (CSTS.CFS is an error), Identify Controller, then one Verify on a queue pair without interrupts: a
    // controller that cannot run the trigger's command is refused here, before any vector is armed. "" or one
    // line; on failure the controller is disabled and nothing is mapped.
    std::string enable(uint32_t pairs);
    // Create I/O CQ `qid` on MSI-X `vector` (interrupts on or off), then I/O SQ `qid` on it. "" or one line.
    std::string createPair(uint32_t qid, uint32_t vector, bool interrupts = true);
    // Delete I/O SQ then CQ `qid` (the SQ first: a CQ in use cannot go). "" or one line.
    std::string deletePair(uint32_t qid);
    // CC.EN=0, CSTS.RDY=0 waited for, DMA memory released. Idempotent.
    void disable();

    bool enabled() const { return m_dma != nullptr; }
    uint32_t pairs() const { return m_pairs; }
    uint32_t queueEntries() const { return m_ioEntries; }
    uint32_t doorbellStride() const { return m_stride; }
    // The I/O queue memory of pair `qid` (1-based).
    nvme::SubmissionEntry* submissionQueue(uint32_t qid);
    nvme::CompletionEntry* completionQueue(uint32_t qid);
    IrqDevice& device() { return m_device; }
    // Admin commands that completed (each one's completion interrupts on vector 0).
    uint64_t adminCompletions() const { return m_adminCompletions; }

    // The trigger's command (Verify, one block of namespace 1, no data): nvme_trigger.cpp and the probe.
    static nvme::SubmissionEntry verifyCommand(uint16_t cid);

private:
    std::string waitReady(bool ready);
    std::string probeVerify();
    // Submits on the admin queue and polls its CQ; "" or one line naming `what`.
    std::string admin(nvme::SubmissionEntry cmd, const char* what);
    uint64_t read64(uint64_t offset);
    uint32_t read32(uint64_t offset);
    void write32(uint64_t offset, uint32_t value);
    void write64(uint64_t offset, uint64_t value);
    std::string prefix() const;

    IrqDevice& m_device;
    uint64_t m_cap = 0;
    uint32_t m_stride = 4;
    int64_t m_timeoutNs = 500'000'000;
    uint32_t m_ioEntries = kIoQueueEntries;
    uint32_t m_pairs = 0;
    std::unique_ptr<DmaMemory> m_dma;
    uint32_t m_adminTail = 0, m_adminHead = 0;
    bool m_adminPhase = true;
    uint16_t m_adminCid = 0;
    uint64_t m_adminCompletions = 0;
    bool m_accessFailed = false; // a BAR access failed: the device is gone or unusable
};

} // namespace irqscope::core
