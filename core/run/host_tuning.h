// HostTuning: what `irqscope run` changes on the host for one run and puts back on every way out
// (docs/rt-hosts.md §3): the measured vectors' IRQ threads' priority and CPU (--irq-thread-prio,
// --irq-thread-cpu) and the cpuidle states deeper than --deepest-idle-state on the measured CPUs. Applied after
// arming (the IRQ threads exist from then on) and before the first trigger.
#pragma once

#include "engine/idle_states.h"
#include "observe/host_irq.h"
#include "observe/irq_thread_tuning.h"

#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

struct HostTuningConfig
{
    std::optional<int> irqThreadPriority; // 1..99
    std::optional<int> irqThreadCpu;
    std::optional<int> deepestIdleState;
    std::string sysfsRoot = "/sys";

    bool any() const { return irqThreadPriority || irqThreadCpu || deepestIdleState; }
};

class HostTuning
{
public:
    explicit HostTuning(HostTuningConfig config, ThreadScheduler& scheduler = systemScheduler());
    ~HostTuning(); // restore()
    HostTuning(const HostTuning&) = delete;
    HostTuning& operator=(const HostTuning&) = delete;

    // `host`: the run's host IRQ tracker after arming (null on the simulated device). The measured CPUs are the
    // core CPU, the trigger CPU (-1: none), the IRQs' effective CPUs and their threads' CPUs. Returns the one-line
    // refusal (the run should end; restore() undoes what was done), else nullopt. Notes (no IRQ thread to change,
    // what was disabled) are in notes().
    std::optional<std::string> apply(const HostIrqTracker* host, int coreCpu, int triggerCpu);
    // Puts everything back; one line per thing that could not be put back.
    std::vector<std::string> restore();

    const HostTuningConfig& config() const { return m_config; }
    const std::vector<std::string>& notes() const { return m_notes; }
    // The CPUs whose idle states were limited (for the report).
    const std::vector<int>& idleCpus() const { return m_idleCpus; }

private:
    const HostTuningConfig m_config;
    IrqThreadGuard m_threads;
    IdleStateGuard m_idle;
    std::vector<std::string> m_notes;
    std::vector<int> m_idleCpus;
};

} // namespace irqscope::core
