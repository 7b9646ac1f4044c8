#include "engine/trigger_firing.h"

#include "base/monotonic_clock.h"
#include "device/command_trigger.h"
#include "profile/device_profile.h"

#include <cerrno>

namespace irqscope::core {

TriggerFiring::TriggerFiring(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                             TriggerBooks& books, const VectorArming& arming, PlanPublisher& plan,
                             DeviceLoss& deviceLoss)
    : m_device(device)
    , m_config(config)
    , m_slots(slots)
    , m_books(books)
    , m_arming(arming)
    , m_plan(plan)
    , m_deviceLoss(deviceLoss)
{}

void TriggerFiring::fireDue(int64_t nowNs)
{
    TriggerSchedule& schedule = m_plan.schedule();
    const PlanView& view = m_plan.view();
    if (!schedule.active() || view.count == 0)
        return;
    uint32_t fired = 0;
    while (schedule.nextDueNs() <= nowNs && fired < view.count) {
        const uint32_t position = schedule.take(nowNs);
        if (position < view.count)
            fireOne(view.slots[position], monotonicNs());
        ++fired;
    }
}

bool TriggerFiring::fireOne(uint32_t slot, int64_t nowNs)
{
    // Traps 1 and 2 (docs/kernel-vfio-irq.md §3): only vectors in irqscope's own armed map are fired, never
    // one whose trigger eventfd it has not set; the kernel's 0 for an unconfigured MSI/MSI-X vector, or for an
    // INTx with no trigger, would otherwise read as "signalled".
    if (!m_arming.armed(slot))
        return false;
    const TriggerMode mode = m_plan.mode();
    // One trigger in flight at a time where one completion can hide another: a device-raised INTx (the line stays
    // asserted), and a command trigger, whose device may announce several completions with one message
    // (docs/dma-triggers.md §3): with one command outstanding, each message is exactly one completion.
    const bool oneAtATime =
        (m_slots.id(slot).index == IrqIndex::Intx || m_config.commandTrigger) && mode == TriggerMode::Device;
    const uint32_t inFlight = m_books.inFlight(slot);
    if (inFlight >= m_config.maxOutstanding || (oneAtATime && inFlight != 0)) {
        m_books.recordSkipped(slot);
        return false;
    }
    const uint64_t seq = m_books.recordTrigger(slot, nowNs, false);
    if (const int rc = fire(slot, m_request, mode); rc < 0) {
        m_books.recordFailedTrigger(slot, seq, -rc, nowNs);
        m_deviceLoss.note(rc, "a trigger");
        return false;
    }
    return true;
}

int TriggerFiring::fire(uint32_t slot, IrqSetRequest& request, TriggerMode mode) const
{
    const VectorId id = m_slots.id(slot);
    if (mode == TriggerMode::Loopback) {
        // DATA_NONE|ACTION_TRIGGER on one vector (docs/kernel-vfio-irq.md §1.3).
        const int rc = m_device.setIrqs(request.loopback(static_cast<uint32_t>(id.index), id.sub));
        return rc > 0 ? -EIO : rc;
    }
    if (mode == TriggerMode::Device && m_config.commandTrigger) {
        // One command whose completion raises the vector (docs/dma-triggers.md §3).
        if (!m_config.commandTrigger->canRaise(id))
            return -EOPNOTSUPP;
        return m_config.commandTrigger->submit(id.sub);
    }
    if (mode == TriggerMode::Device && m_config.profile) {
        const auto& recipe = m_config.profile->recipe(id.index);
        if (!m_config.profile->canRaise(id))
            return -EOPNOTSUPP;
        for (const auto& w : recipe.raise) {
            if (const int rc = m_device.regionWrite32(w.region, w.offset, w.valueFor(id.sub)); rc < 0)
                return rc;
        }
        return 0;
    }
    return -EOPNOTSUPP;
}

void TriggerFiring::drainRecords()
{
    TriggerRecord records[64];
    for (;;) {
        const std::size_t n = m_records.popBatch(records, 64);
        for (std::size_t i = 0; i < n; ++i) {
            const TriggerRecord& r = records[i];
            if (r.slot >= m_books.slots())
                continue;
            switch (r.kind) {
            case TriggerRecord::Kind::Fired:
                m_books.recordThreadTrigger(r.slot, r.triggerNs);
                break;
            case TriggerRecord::Kind::Failed:
                // The Fired record of this firing came first; mark that entry so it resolves as missed.
                m_books.recordFailedThreadTrigger(r.slot, r.triggerNs, r.error);
                m_deviceLoss.note(-r.error, "a trigger");
                break;
            case TriggerRecord::Kind::Skipped:
                m_books.recordSkipped(r.slot);
                break;
            }
        }
        if (n < 64)
            break;
    }
}

} // namespace irqscope::core
