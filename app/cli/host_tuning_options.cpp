#include "host_tuning_options.h"

#include "base/cpu_list.h"
#include "base/file_text.h"
#include "base/privileges.h"
#include "base/vector_id.h"
#include "cli_support.h"
#include "engine/engine_config.h"
#include "exit_codes.h"
#include "observe/irq_thread_warnings.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <linux/capability.h>

namespace irqscope::cli {

using namespace irqscope::core;

void addHostTuningOptions(CLI::App& run, HostTuningOptions& o)
{
    run.add_option("--irq-thread-prio", o.irqThreadPrio,
                   "On a host that threads IRQ handlers (PREEMPT_RT, threadirqs): run the measured vectors' IRQ "
                   "threads at this SCHED_FIFO priority (1-99) for the run, then restore them")
        ->check(CLI::Range(1, 99));
    run.add_option("--irq-thread-cpu", o.irqThreadCpu,
                   "Run the measured vectors' IRQ threads on this CPU for the run, then restore their affinity")
        ->check(CLI::Range(0, 8191));
    run.add_option("--deepest-idle-state", o.deepestIdleState,
                   "Disable the cpuidle states deeper than N on the measured CPUs for the run (0: only the "
                   "shallowest), then restore them")
        ->check(CLI::Range(0, 1000));
    run.add_option("--sysfs-root", o.sysfsRoot,
                   "sysfs tree whose CPU idle states --deepest-idle-state changes (a fake tree for tests)")
        ->capture_default_str();
}

HostTuningConfig hostTuningConfig(const HostTuningOptions& o)
{
    HostTuningConfig config;
    if (o.irqThreadPrio > 0)
        config.irqThreadPriority = o.irqThreadPrio;
    if (o.irqThreadCpu >= 0)
        config.irqThreadCpu = o.irqThreadCpu;
    if (o.deepestIdleState >= 0)
        config.deepestIdleState = o.deepestIdleState;
    config.sysfsRoot = o.sysfsRoot;
    return config;
}

uint64_t hostTuningCapabilities(const HostTuningOptions& o)
{
    return (o.irqThreadPrio > 0 || o.irqThreadCpu >= 0 ? capabilityBit(CAP_SYS_NICE) : 0) |
           (o.deepestIdleState >= 0 ? capabilityBit(CAP_DAC_OVERRIDE) : 0);
}

std::optional<int> applyHostTuning(HostTuning& tuning, LiveRun& live, RunDescription& run)
{
    if (!tuning.config().any())
        return std::nullopt;
    const auto& status = live.engine().status();
    if (auto err = tuning.apply(live.hostIrqs(), status.coreCpu, status.triggerCpu))
        return fail(kExitFailure, *err);
    for (const auto& note : tuning.notes()) {
        std::fprintf(stderr, "irqscope: %s\n", note.c_str());
        run.hostTuning.push_back(note);
    }
    // The tracker shows the threads as they run now.
    live.refreshHostIrqs();
    return std::nullopt;
}

Snapshot irqThreadSnapshot(const LiveRun& live)
{
    Snapshot s;
    if (!live.hostIrqs())
        return s;
    for (const auto& t : live.hostIrqs()->threads()) {
        VectorSnapshot v;
        v.id = t.id;
        v.name = vectorName(t.id);
        v.hostIrq = t.irq;
        v.hostCpu = t.cpu;
        v.irqThread = t.thread;
        s.vectors.push_back(std::move(v));
    }
    return s;
}

void warnAboutIrqThreads(const Snapshot& snapshot, const LiveRun& live, const WarningContext& context,
                         RunDescription& run)
{
    RunScheduling sched;
    sched.coreCpu = live.engine().status().coreCpu;
    sched.coreFifoPriority = context.fifo;
    sched.busyPoll = context.busyPoll;
    sched.rtRuntimeUs = readRtRuntimeUs();
    sched.onlineCpus = parseCpuList(readFirstLine(context.sysfsRoot + "/devices/system/cpu/online").value_or(""))
                           .value_or(std::vector<int>{});
    for (auto& line : irqThreadWarnings(snapshot, sched)) {
        if (std::find(run.warnings.begin(), run.warnings.end(), line) != run.warnings.end())
            continue;
        std::fprintf(stderr, "irqscope: warning: %s\n", line.c_str());
        run.warnings.push_back(std::move(line));
    }
}

void restoreHostTuning(HostTuning& tuning)
{
    for (const auto& line : tuning.restore())
        std::fprintf(stderr, "irqscope: warning: %s\n", line.c_str());
}

} // namespace irqscope::cli
