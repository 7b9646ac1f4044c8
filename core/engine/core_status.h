// CoreStatus: the EngineStatus the core thread publishes for every other thread to read.
//
// Two kinds of fields. The running counters (loops, completions, allocations after arming) are relaxed atomics
// the core thread stores per loop iteration or per completion: no lock. The rest (CPU, policy, trigger mode and
// rate, why the run stopped, ...) changes rarely and holds strings, so it sits behind `m_mutex`. The core thread
// takes that mutex only off the per-completion path: at setup, when a command changes the trigger mode, rate or
// plan, when the trigger thread stalls, when the run stops (a stop reason) and at tear-down. Any thread may call
// read(), which takes the mutex for a copy.
#pragma once

#include "engine/engine.h"

#include <atomic>
#include <cstdint>
#include <mutex>

namespace irqscope::core {

class CoreStatus
{
public:
    // Any thread.
    EngineStatus read() const
    {
        EngineStatus s;
        {
            std::lock_guard lock(m_mutex);
            s = m_fixed;
        }
        s.running = m_running.load(std::memory_order_acquire);
        s.loops = m_loops.load(std::memory_order_relaxed);
        s.completions = m_completions.load(std::memory_order_relaxed);
        s.coreAllocationsAfterArm = m_allocationsAfterArm.load(std::memory_order_relaxed);
        return s;
    }
    bool running() const { return m_running.load(std::memory_order_acquire); }

    // Core thread, any time (no lock).
    void setRunning(bool on) { m_running.store(on, std::memory_order_release); }
    void countLoop() { m_loops.store(m_loops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
    void countCompletion()
    {
        m_completions.store(m_completions.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
    void setAllocationsAfterArm(uint64_t n) { m_allocationsAfterArm.store(n, std::memory_order_relaxed); }

    // Core thread, never per completion or per trigger: takes the mutex. `change(EngineStatus&)` edits the
    // rarely changing fields.
    template<class Change>
    void edit(Change&& change)
    {
        std::lock_guard lock(m_mutex);
        change(m_fixed);
    }

private:
    std::atomic<bool> m_running{false};
    std::atomic<uint64_t> m_loops{0};
    std::atomic<uint64_t> m_completions{0};
    std::atomic<uint64_t> m_allocationsAfterArm{0};
    mutable std::mutex m_mutex;
    EngineStatus m_fixed; // guarded by m_mutex; the atomics above override its counters in read()
};

} // namespace irqscope::core
