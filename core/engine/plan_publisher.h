// PlanPublisher: what is triggered, how and how fast, and who fires it. It holds the trigger mode and rate, builds
// the plan (the vectors irqscope triggers) from the books' triggering flags, and either schedules it for the core
// thread's own firing (schedule()) or publishes it to the trigger thread (--trigger-cpu), which it starts,
// supervises (a stall is noticed once) and stops.
//
// Core thread only. publish() runs on commands and at stop, never per completion or per trigger: it takes the
// status mutex (the published mode and rate) and, with a trigger thread, waits up to 1 s for that thread to
// leave the old plan, so that a vector leaving the plan is torn down only once nothing can fire it any more.
#pragma once

#include "engine/core_messages.h"
#include "engine/core_status.h"
#include "engine/engine_config.h"
#include "engine/trigger_books.h"
#include "engine/trigger_plan.h"

#include <memory>
#include <optional>
#include <string>

namespace irqscope::core {

class CoreThread;
class TriggerThread;

class PlanPublisher
{
public:
    PlanPublisher(const EngineConfig& config, const TriggerBooks& books, CoreStatus& status, CoreMessages& messages);
    ~PlanPublisher();
    PlanPublisher(const PlanPublisher&) = delete;
    PlanPublisher& operator=(const PlanPublisher&) = delete;

    TriggerMode mode() const { return m_mode; }
    double rateHz() const { return m_rateHz; }
    // The plan as the core thread fires it (no trigger thread), and when the next firing is due.
    const PlanView& view() const { return m_view; }
    TriggerSchedule& schedule() { return m_schedule; }
    const TriggerSchedule& schedule() const { return m_schedule; }
    // The plan as the trigger thread reads it.
    const TriggerPlan& plan() const { return m_plan; }
    bool hasTriggerThread() const { return m_triggerThread != nullptr; }

    // Setup: starts the trigger thread on config.triggerCpu (when set), before the core thread stops allocating.
    std::optional<std::string> startTriggerThread(CoreThread& core, const VectorSlots& slots);
    void setMode(TriggerMode mode) { m_mode = mode; }
    void setRate(double hz) { m_rateHz = hz; }
    // Rebuilds the plan from the books (vectors that are triggering; the books keep "triggering" only on armed
    // vectors) and publishes it.
    void publish(int64_t nowNs);
    // The run is stopping: from now on the plan is empty.
    void stopFiring(int64_t nowNs);
    // Every scan interval: notices (once) a trigger thread that has made no progress for 1 s.
    void superviseTriggerThread(int64_t nowNs);
    // Tear-down: ends the trigger thread, or leaves it behind (detached, leaked) when it is stuck in a trigger.
    void stopTriggerThread();

private:
    const EngineConfig& m_config;
    const TriggerBooks& m_books;
    CoreStatus& m_status;
    CoreMessages& m_messages;
    TriggerMode m_mode;
    double m_rateHz;
    bool m_firingStopped = false;
    bool m_stallReported = false;
    PlanView m_view;
    TriggerPlan m_plan;
    TriggerSchedule m_schedule;
    std::unique_ptr<TriggerThread> m_triggerThread;
};

} // namespace irqscope::core
