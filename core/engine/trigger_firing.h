// TriggerFiring: firing triggers and entering them in the books. On the core thread (no --trigger-cpu) fireDue()
// fires the plan's vectors whose turn has come; triggerOnce commands use fireOne(). With a trigger thread, that
// thread fires through fire() and tells the core thread through the record ring, which drainRecords() enters in
// the books (before any completion of those triggers is harvested).
//
// fireDue(), fireOne() and drainRecords(): core thread only, per trigger: no allocation, no lock, no syscall
// beyond the trigger itself (a SET_IRQS loopback or the profile's register writes). fire(): any thread, with its
// own IrqSetRequest. pushRecord(): the trigger thread only (single producer).
#pragma once

#include "base/vector_id.h"
#include "engine/device_loss.h"
#include "engine/engine_config.h"
#include "engine/plan_publisher.h"
#include "engine/spsc_ring.h"
#include "engine/trigger_books.h"
#include "engine/vector_arming.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <cstdint>

namespace irqscope::core {

// What a trigger thread tells the core thread about each firing (pushed before the trigger is fired).
struct TriggerRecord
{
    enum class Kind : uint8_t
    {
        Fired,   // fired at triggerNs
        Failed,  // the firing at triggerNs failed with `error`
        Skipped, // not fired: the vector's outstanding window was full
    };
    uint32_t slot = 0;
    Kind kind = Kind::Fired;
    int32_t error = 0;
    int64_t triggerNs = 0;
};

class TriggerFiring
{
public:
    TriggerFiring(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots, TriggerBooks& books,
                  const VectorArming& arming, PlanPublisher& plan, DeviceLoss& deviceLoss);
    TriggerFiring(const TriggerFiring&) = delete;
    TriggerFiring& operator=(const TriggerFiring&) = delete;

    // Fires every vector of the core thread's plan that is due at `nowNs` (at most one round of the plan).
    void fireDue(int64_t nowNs);
    // Fires one armed vector unless its window is full (counted skipped). True if it was fired.
    bool fireOne(uint32_t slot, int64_t nowNs);
    // Enters the trigger thread's records in the books.
    void drainRecords();

    // Any thread: raises the vector once, as `mode` says. 0 or -errno.
    int fire(uint32_t slot, IrqSetRequest& request, TriggerMode mode) const;
    bool pushRecord(const TriggerRecord& record) { return m_records.tryPush(record); }

private:
    IrqDevice& m_device;
    const EngineConfig& m_config;
    const VectorSlots& m_slots;
    TriggerBooks& m_books;
    const VectorArming& m_arming;
    PlanPublisher& m_plan;
    DeviceLoss& m_deviceLoss;
    IrqSetRequest m_request;
    SpscRing<TriggerRecord> m_records{1u << 16};
};

} // namespace irqscope::core
