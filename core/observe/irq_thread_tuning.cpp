#include "observe/irq_thread_tuning.h"

#include "base/cpu_list.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <sched.h>

namespace irqscope::core {

namespace {

class SystemScheduler final : public ThreadScheduler
{
public:
    int getScheduler(int pid, int& policy, int& priority) override
    {
        sched_param param{};
        policy = sched_getscheduler(pid);
        if (policy < 0 || sched_getparam(pid, &param) != 0)
            return errno;
        priority = param.sched_priority;
        return 0;
    }
    int setScheduler(int pid, int policy, int priority) override
    {
        sched_param param{};
        param.sched_priority = priority;
        return sched_setscheduler(pid, policy, &param) == 0 ? 0 : errno;
    }
    int getAffinity(int pid, std::vector<int>& cpus) override
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(pid, sizeof set, &set) != 0)
            return errno;
        cpus.clear();
        for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
            if (CPU_ISSET(cpu, &set))
                cpus.push_back(cpu);
        return 0;
    }
    int setAffinity(int pid, const std::vector<int>& cpus) override
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (const int cpu : cpus)
            if (cpu >= 0 && cpu < CPU_SETSIZE)
                CPU_SET(cpu, &set);
        return sched_setaffinity(pid, sizeof set, &set) == 0 ? 0 : errno;
    }
};

std::string why(int err)
{
    if (err == EPERM)
        return "not permitted (needs CAP_SYS_NICE: run as root)";
    if (err == ESRCH)
        return "the thread is gone";
    return std::strerror(err);
}

} // namespace

ThreadScheduler& systemScheduler()
{
    static SystemScheduler scheduler;
    return scheduler;
}

IrqThreadGuard::IrqThreadGuard(ThreadScheduler& scheduler)
    : m_scheduler(scheduler)
{}

IrqThreadGuard::~IrqThreadGuard()
{
    restore();
}

std::optional<std::string> IrqThreadGuard::apply(const std::vector<IrqThreadTarget>& threads,
                                                 std::optional<int> priority, std::optional<int> cpu)
{
    for (const auto& t : threads) {
        Saved saved;
        saved.target = t;
        if (int err = m_scheduler.getScheduler(t.pid, saved.policy, saved.priority); err != 0)
            return fmt::format("cannot read the scheduling of {} (pid {}): {}", t.name, t.pid, why(err));
        std::vector<int> before;
        if (cpu) {
            if (int err = m_scheduler.getAffinity(t.pid, before); err != 0)
                return fmt::format("cannot read the CPU affinity of {} (pid {}): {}", t.name, t.pid, why(err));
        }
        if (priority) {
            const int policy = saved.policy == SCHED_RR ? SCHED_RR : SCHED_FIFO;
            if (int err = m_scheduler.setScheduler(t.pid, policy, *priority); err != 0)
                return fmt::format("--irq-thread-prio {}: the kernel refused it for {} (pid {}): {}", *priority, t.name,
                                   t.pid, err == EINVAL ? "invalid priority (use 1..99)" : why(err));
            saved.scheduling = true;
            m_saved.push_back(saved);
        }
        if (cpu) {
            if (int err = m_scheduler.setAffinity(t.pid, {*cpu}); err != 0)
                return fmt::format("--irq-thread-cpu {}: the kernel refused it for {} (pid {}): {}", *cpu, t.name,
                                   t.pid, err == EINVAL ? "no such online CPU in its allowed set" : why(err));
            Saved affinity;
            affinity.target = t;
            affinity.affinity = before;
            m_saved.push_back(affinity);
        }
    }
    return std::nullopt;
}

std::vector<std::string> IrqThreadGuard::restore()
{
    std::vector<std::string> failures;
    for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
        const auto& t = it->target;
        int err = 0;
        if (it->scheduling)
            err = m_scheduler.setScheduler(t.pid, it->policy, it->policy == SCHED_OTHER ? 0 : it->priority);
        else if (!it->affinity.empty())
            err = m_scheduler.setAffinity(t.pid, it->affinity);
        if (err != 0 && err != ESRCH)
            failures.push_back(fmt::format("cannot restore the {} of {} (pid {}): {}",
                                           it->scheduling ? "priority" : "CPU affinity " + formatCpuList(it->affinity),
                                           t.name, t.pid, why(err)));
    }
    m_saved.clear();
    return failures;
}

} // namespace irqscope::core
