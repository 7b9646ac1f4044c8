// CommandHandler: carries out the controller's commands (engine/command.h) on the core thread and replies to
// each one: checks the vector range, then arms and disarms (VectorArming), starts and stops triggering and sets
// the rate and mode (PlanPublisher), fires once (TriggerFiring), masks and unmasks (one SET_IRQS), resets the
// counters (TriggerBooks). A Stop it leaves to the caller: handle() returns true, and the core thread begins
// the stop and replies.
//
// Core thread only, between io_uring waits, never per completion. Commands may make syscalls (SET_IRQS,
// eventfd) and take the status mutex (through PlanPublisher::publish); they allocate nothing.
#pragma once

#include "base/vector_id.h"
#include "engine/command.h"
#include "engine/core_messages.h"
#include "engine/engine_config.h"
#include "engine/plan_publisher.h"
#include "engine/trigger_books.h"
#include "engine/trigger_firing.h"
#include "engine/vector_arming.h"
#include "vfio/irq_device.h"
#include "vfio/irq_set_request.h"

#include <array>
#include <cstdint>

namespace irqscope::core {

class CommandHandler
{
public:
    CommandHandler(IrqDevice& device, const EngineConfig& config, const VectorSlots& slots,
                   const std::array<IrqInfo, kNumPciIrqIndexes>& irqInfo, TriggerBooks& books, VectorArming& arming,
                   TriggerFiring& firing, PlanPublisher& plan, CoreMessages& messages);
    CommandHandler(const CommandHandler&) = delete;
    CommandHandler& operator=(const CommandHandler&) = delete;

    // Carries out `command` and replies. True for Stop, which it does not reply to: the caller begins the stop
    // and replies.
    bool handle(const Command& command, int64_t nowNs);

private:
    // False (and an EINVAL reply) when [start, start+count) is not within the device's vectors of the index.
    bool checkRange(const Command& command);
    void setTriggering(const Command& command, bool on);
    void triggerOnce(const Command& command, int64_t nowNs);
    void maskOrUnmask(const Command& command, bool mask, int64_t nowNs);
    void setRate(const Command& command, int64_t nowNs);
    void setMode(const Command& command, int64_t nowNs);

    IrqDevice& m_device;
    const EngineConfig& m_config;
    const VectorSlots& m_slots;
    const std::array<IrqInfo, kNumPciIrqIndexes>& m_irqInfo;
    TriggerBooks& m_books;
    VectorArming& m_arming;
    TriggerFiring& m_firing;
    PlanPublisher& m_plan;
    CoreMessages& m_messages;
    IrqSetRequest m_request;
};

} // namespace irqscope::core
