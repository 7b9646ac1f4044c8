// TriggerThread: fires the trigger plan from another CPU (--trigger-cpu), so that cross-CPU latency can be
// measured. It tells the core thread about every firing through an SPSC ring of TriggerRecords, pushed before
// the trigger fires so that the completion always finds its trigger.
#pragma once

#include "engine/engine_config.h"
#include "engine/trigger_plan.h"
#include "engine/vector_id.h"
#include "vfio/irq_set_request.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace irqscope::core {

class CoreThread;

class TriggerThread
{
public:
    TriggerThread(CoreThread& core, const VectorSlots& slots, const EngineConfig& config);
    ~TriggerThread();
    TriggerThread(const TriggerThread&) = delete;
    TriggerThread& operator=(const TriggerThread&) = delete;

    std::optional<std::string> start();
    void stop();
    // Called by the core thread after publishing a plan: returns once this thread fires from that plan (or a
    // newer one), so that a vector removed from the plan is never fired again (bounded wait).
    void waitForGeneration(uint64_t generation);

private:
    void run();

    CoreThread& m_core;
    const VectorSlots& m_slots;
    const EngineConfig& m_config;
    std::atomic<bool> m_stop{false};
    std::atomic<uint64_t> m_seenGeneration{0};
    std::vector<uint64_t> m_issued; // per slot, firings since start (compared with the core's resolved count)
    PlanView m_view;
    IrqSetRequest m_request;
    std::thread m_thread;
    std::atomic<int> m_startState{0}; // 0 starting, 1 running, 2 failed
    std::string m_startError;
};

} // namespace irqscope::core
