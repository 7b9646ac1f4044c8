// TriggerThread: fires the trigger plan from another CPU (--trigger-cpu), so that cross-CPU latency can be
// measured. It tells the core thread about every firing through an SPSC ring of TriggerRecords, pushed before
// the trigger fires so that the completion always finds its trigger.
#pragma once

#include "base/vector_id.h"
#include "engine/engine_config.h"
#include "engine/trigger_plan.h"
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
    // Asks the thread to end and waits up to `timeoutNs` for it. False if it did not end in time (stalled in a
    // trigger or starved of CPU): it is then detached, and this object must be leaked, not destroyed, since the
    // thread still uses it when it wakes (it touches nothing else once it sees the stop).
    bool stop(int64_t timeoutNs = 1'000'000'000);
    // Called by the core thread after publishing a plan: returns true once no firing from an older plan can
    // happen any more (the thread has seen the new plan, or is not between its last plan check and the end of a
    // firing). False if that did not happen within `timeoutNs`: a firing is stuck.
    bool waitForGeneration(uint64_t generation, int64_t timeoutNs = 1'000'000'000);
    // CLOCK_MONOTONIC of the thread's last loop iteration (it sleeps at most 1 ms between iterations).
    int64_t heartbeatNs() const { return m_heartbeatNs.load(std::memory_order_acquire); }

private:
    void run();
    void fireNext(TriggerSchedule& schedule, int64_t now);

    CoreThread& m_core;
    const VectorSlots& m_slots;
    const EngineConfig& m_config;
    std::atomic<bool> m_stop{false};
    std::atomic<uint64_t> m_seenGeneration{0};
    std::atomic<bool> m_firing{false}; // between the last plan check and the end of a firing
    std::atomic<int64_t> m_heartbeatNs{0};
    std::atomic<bool> m_exited{false};
    std::vector<uint64_t> m_issued; // per slot, firings since start (compared with the core's resolved count)
    PlanView m_view;
    IrqSetRequest m_request;
    std::thread m_thread;
    std::atomic<int> m_startState{0}; // 0 starting, 1 running, 2 failed
    std::string m_startError;
};

} // namespace irqscope::core
