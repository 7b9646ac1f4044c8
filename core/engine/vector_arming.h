// VectorArming: which vectors irqscope has set a trigger eventfd on, and the SET_IRQS transactions that change
// that. arm() enables an index (or adds vectors to an enabled one, or re-enables a NORESIZE index) and, when a
// call fails, undoes exactly what it did, so the device is left as before the command; disarm() removes
// vectors (disabling the index with the last one) and resolves their outstanding triggers. It also unmasks an
// INTx line after the kernel automasked it (through the unmask eventfd it set up, or one SET_IRQS).
//
// Core thread only. arm()/disarm() run on commands, at tear-down and when a vector is given up on: they make
// SET_IRQS and eventfd syscalls, and disarm() of a triggered vector publishes the trigger plan first
// (PlanPublisher::publish: the status mutex). No allocation.
// unmaskIntx() runs per INTx interrupt: a ring write, or one SET_IRQS when the unmask eventfd is unavailable.
// The per-completion helpers (isCurrent, queueRead, readCount) are inline and do no syscall.
#pragma once

#include "base/vector_id.h"
#include "engine/command.h"
#include "engine/completion_ring.h"
#include "engine/core_messages.h"
#include "engine/device_loss.h"
#include "engine/engine_config.h"
#include "engine/plan_publisher.h"
#include "engine/req_watch.h"
#include "engine/trigger_books.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <array>
#include <cstdint>
#include <memory>

namespace irqscope::core {

class VectorArming
{
public:
    // `irqInfo`: GET_IRQ_INFO of each index. Ring files 0..slots-1 are the vectors', `unmaskFile` the INTx
    // unmask eventfd's.
    VectorArming(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                 const std::array<IrqInfo, kNumPciIrqIndexes>& irqInfo, CompletionRing& ring, uint32_t unmaskFile,
                 TriggerBooks& books, PlanPublisher& plan, CoreMessages& messages, const ReqWatch& reqWatch,
                 DeviceLoss& deviceLoss);
    ~VectorArming();
    VectorArming(const VectorArming&) = delete;
    VectorArming& operator=(const VectorArming&) = delete;

    // Commands: replies to `command` (range already checked). `quiet`: no reply. `atStop`: triggers still in
    // flight stay counted in flight (the final books), not missed.
    void arm(const Command& command);
    void disarm(const Command& command, bool quiet = false, bool atStop = false);
    void disarmAll(); // tear-down: every armed vector, quietly, atStop
    // After a kernel automask of the INTx line (docs/kernel-vfio-irq.md §2.4): ack the device's cause (profile)
    // and unmask.
    void unmaskIntx(uint32_t slot, int64_t nowNs);

    // Per completion.
    bool armed(uint32_t slot) const { return m_vectors[slot].armed; }
    // A read completion tagged with `generation` belongs to the vector's current arming.
    bool isCurrent(uint32_t slot, uint32_t generation) const
    {
        return generation == (m_vectors[slot].generation & 0xffffff) && m_vectors[slot].armed;
    }
    // The eventfd count the vector's last read returned.
    uint64_t readCount(uint32_t slot) const { return m_readBuffers[2 * slot + (m_vectors[slot].generation & 1)]; }
    void queueRead(uint32_t slot)
    {
        const ArmedVector& v = m_vectors[slot];
        m_ring.queueRead(slot, &m_readBuffers[2 * slot + (v.generation & 1)],
                         CqeTag::encode(CqeKind::VectorRead, v.generation & 0xffffff, slot));
    }
    // Consecutive failed eventfd reads: note one (returns the run's length) or a good read.
    uint32_t noteReadError(uint32_t slot) { return ++m_vectors[slot].readErrors; }
    void noteReadOk(uint32_t slot) { m_vectors[slot].readErrors = 0; }

private:
    struct ArmedVector
    {
        int eventfd = -1;
        uint32_t generation = 0; // bumped at every arm and disarm: completions of an older arming are dropped
        bool armed = false;
        uint32_t readErrors = 0; // consecutive failed eventfd reads
    };

    // arm() after its eventfds exist: the SET_IRQS calls; 0, -errno, or a positive multi-MSI shortfall.
    int setTriggers(const Command& command, bool mustReenable, uint32_t& failedAt);
    // arm() failed: de-assign what the calls before the failing one set, close the new eventfds.
    void undoArm(const Command& command, bool mustReenable, uint32_t failedAt);
    void setUpIntxUnmask();

    IrqDevice& m_device;
    const EngineConfig& m_config;
    const VectorSlots& m_slots;
    const std::array<IrqInfo, kNumPciIrqIndexes>& m_irqInfo;
    CompletionRing& m_ring;
    const uint32_t m_unmaskFile;
    TriggerBooks& m_books;
    PlanPublisher& m_plan;
    CoreMessages& m_messages;
    const ReqWatch& m_reqWatch;
    DeviceLoss& m_deviceLoss;

    std::unique_ptr<ArmedVector[]> m_vectors;
    std::unique_ptr<uint64_t[]> m_readBuffers; // two per slot, by generation parity
    std::array<uint32_t, kNumPciIrqIndexes> m_armedPerIndex{};
    std::array<uint32_t, kNumPciIrqIndexes> m_enabledCount{}; // start+count of the enabling call (NORESIZE)
    IrqSetRequest m_request;
    int m_unmaskEventfd = -1;
    const uint64_t m_one = 1;
};

} // namespace irqscope::core
