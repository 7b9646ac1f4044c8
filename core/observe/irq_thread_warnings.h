// The setups on a threading host (PREEMPT_RT, `threadirqs`) that ruin a measurement, each as one line
// (docs/rt-hosts.md §2). Pure decisions on a snapshot's IRQ threads and the run's scheduling facts.
#pragma once

#include "stats/snapshot.h"

#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

struct RunScheduling
{
    int coreCpu = -1;                // the CPU irqscope's core thread is pinned to
    int coreFifoPriority = 0;        // its SCHED_FIFO priority; 0 = SCHED_OTHER
    bool busyPoll = false;           // the core thread spins instead of sleeping
    std::optional<long> rtRuntimeUs; // kernel.sched_rt_runtime_us (-1: RT throttling off; nullopt: unreadable)
    std::vector<int> onlineCpus;     // /sys/devices/system/cpu/online; empty = unknown
};

// The CPU a thread runs on: the only CPU it may run on, else the one it last ran on; -1 when unknown.
int irqThreadCpu(const IrqThreadInfo& thread);

// One line per problem, vectors in snapshot order:
//  - inversion: the core thread is SCHED_FIFO at or above the IRQ thread's priority (a SCHED_OTHER thread counts as
//    below every FIFO priority) and both run on the same CPU: the handler cannot run while irqscope runs or spins;
//  - the IRQ thread's affinity shares no CPU with the CPUs its IRQ may fire on, or with the online CPUs
//    (isolcpus or cpuset confining kernel threads away from the IRQ's CPU): every wakeup crosses CPUs, or never
//    comes;
//  - RT throttling on (sched_rt_runtime_us != -1) while busy-polling on a threading host, once.
std::vector<std::string> irqThreadWarnings(const Snapshot& snapshot, const RunScheduling& run);

} // namespace irqscope::core
