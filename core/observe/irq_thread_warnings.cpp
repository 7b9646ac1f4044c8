#include "observe/irq_thread_warnings.h"

#include "base/cpu_list.h"

#include <fmt/format.h>

#include <algorithm>

namespace irqscope::core {

namespace {

bool isRealtime(const IrqThreadInfo& t)
{
    return t.policy == "SCHED_FIFO" || t.policy == "SCHED_RR";
}

std::string describe(const IrqThreadInfo& t)
{
    return fmt::format("{} (pid {}, {}{})", t.comm, t.pid, t.policy,
                       isRealtime(t) ? fmt::format(" {}", t.priority) : std::string());
}

} // namespace

int irqThreadCpu(const IrqThreadInfo& thread)
{
    const auto allowed = parseCpuList(thread.affinity);
    if (allowed && allowed->size() == 1)
        return allowed->front();
    return thread.lastCpu;
}

std::vector<std::string> irqThreadWarnings(const Snapshot& snapshot, const RunScheduling& run)
{
    std::vector<std::string> out;
    bool threaded = false;
    for (const auto& v : snapshot.vectors) {
        if (!v.irqThread)
            continue;
        threaded = true;
        const IrqThreadInfo& t = *v.irqThread;
        const int threadPriority = isRealtime(t) ? t.priority : 0;
        const int cpu = irqThreadCpu(t);
        // A new IRQ thread is SCHED_OTHER until it first runs: irq_thread() tells request_irq it is ready and only
        // then makes itself SCHED_FIFO (docs/rt-hosts.md §2). A runnable one read as SCHED_OTHER right after
        // arming may be that thread on its way: no verdict on it (the end-of-run check reads it again).
        const bool maybeStarting = !isRealtime(t) && t.state == 'R';
        if (!maybeStarting && run.coreFifoPriority > 0 && run.coreFifoPriority >= threadPriority && cpu >= 0 &&
            cpu == run.coreCpu)
            out.push_back(fmt::format(
                "{}: irqscope's core thread (SCHED_FIFO {}) is at or above IRQ thread {} on CPU {}: the handler "
                "cannot run while irqscope runs or busy-polls there; use a --fifo below {}, --irq-thread-prio above "
                "{} or --irq-thread-cpu another CPU",
                v.name, run.coreFifoPriority, describe(t), cpu, std::max(threadPriority, 1), run.coreFifoPriority));
        // An empty list is no reading, not "no CPU" (the kernel never lets a task's mask go empty).
        auto allowed = parseCpuList(t.affinity);
        if (allowed && allowed->empty())
            allowed.reset();
        const auto irqCpus = parseCpuList(t.irqAffinity);
        if (allowed && irqCpus && !irqCpus->empty() && !cpuListsIntersect(*allowed, *irqCpus))
            out.push_back(fmt::format("{}: IRQ thread {} may run on CPUs {} only, none of the CPUs its IRQ {} may fire "
                                      "on ({}): every interrupt wakes it across CPUs (isolcpus or a cpuset keeping "
                                      "kernel threads away?); --irq-thread-cpu or /proc/irq/{}/smp_affinity_list "
                                      "puts them together",
                                      v.name, describe(t), t.affinity, v.hostIrq, t.irqAffinity, v.hostIrq));
        else if (allowed && !run.onlineCpus.empty() && !cpuListsIntersect(*allowed, run.onlineCpus))
            out.push_back(fmt::format("{}: IRQ thread {} may run on CPUs {} only, none of them online ({}): its "
                                      "handler never runs; --irq-thread-cpu an online CPU",
                                      v.name, describe(t), t.affinity, formatCpuList(run.onlineCpus)));
    }
    if (threaded && run.busyPoll && !(run.rtRuntimeUs && *run.rtRuntimeUs < 0))
        out.push_back(fmt::format(
            "RT throttling is on (sched_rt_runtime_us={}) while busy-polling on a host that threads its IRQ handlers: "
            "once real-time threads have used their share of a period the IRQ threads are parked until the next "
            "one, a stall larger than anything measured; set /proc/sys/kernel/sched_rt_runtime_us to -1",
            run.rtRuntimeUs ? std::to_string(*run.rtRuntimeUs) : std::string("unknown")));
    return out;
}

} // namespace irqscope::core
