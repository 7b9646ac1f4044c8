#include "run/host_tuning.h"

#include "base/cpu_list.h"
#include "base/vector_id.h"
#include "observe/irq_thread_warnings.h"

#include <fmt/format.h>

#include <set>

namespace irqscope::core {

HostTuning::HostTuning(HostTuningConfig config, ThreadScheduler& scheduler)
    : m_config(std::move(config))
    , m_threads(scheduler)
    , m_idle(m_config.sysfsRoot)
{}

HostTuning::~HostTuning()
{
    restore();
}

std::optional<std::string> HostTuning::apply(const HostIrqTracker* host, int coreCpu, int triggerCpu)
{
    const auto threaded = host ? host->threads() : std::vector<HostIrqTracker::ThreadedVector>{};
    if (m_config.irqThreadPriority || m_config.irqThreadCpu) {
        if (threaded.empty()) {
            m_notes.push_back(fmt::format(
                "{}: no IRQ thread serves the measured vectors ({}): nothing changed",
                m_config.irqThreadPriority ? "--irq-thread-prio" : "--irq-thread-cpu",
                host ? "this host runs their handlers in hard interrupt context; a PREEMPT_RT kernel or the "
                       "threadirqs boot option threads them"
                     : "the simulated device has no host IRQs"));
        } else {
            std::vector<IrqThreadTarget> targets;
            for (const auto& t : threaded)
                targets.push_back({t.thread.pid, fmt::format("{} ({})", vectorName(t.id), t.thread.comm)});
            if (auto err = m_threads.apply(targets, m_config.irqThreadPriority, m_config.irqThreadCpu))
                return err;
        }
    }
    if (m_config.deepestIdleState) {
        std::set<int> cpus;
        if (coreCpu >= 0)
            cpus.insert(coreCpu);
        if (triggerCpu >= 0)
            cpus.insert(triggerCpu);
        if (host)
            for (const int cpu : host->irqCpus())
                cpus.insert(cpu);
        for (const auto& t : threaded) {
            const int cpu = m_config.irqThreadCpu ? *m_config.irqThreadCpu : irqThreadCpu(t.thread);
            if (cpu >= 0)
                cpus.insert(cpu);
        }
        m_idleCpus.assign(cpus.begin(), cpus.end());
        if (auto err = m_idle.apply(m_idleCpus, *m_config.deepestIdleState))
            return err;
        const auto disabled = m_idle.disabledStates();
        std::string list;
        for (const auto& d : disabled)
            list += (list.empty() ? "" : "; ") + d;
        m_notes.push_back(
            fmt::format("--deepest-idle-state {} on CPUs {}: {}", *m_config.deepestIdleState, formatCpuList(m_idleCpus),
                        disabled.empty() ? std::string("no deeper state was enabled") : "disabled " + list));
    }
    return std::nullopt;
}

std::vector<std::string> HostTuning::restore()
{
    auto failures = m_idle.restore();
    for (auto& f : m_threads.restore())
        failures.push_back(std::move(f));
    return failures;
}

} // namespace irqscope::core
