// `irqscope run`'s host options for threading hosts (docs/rt-hosts.md): --irq-thread-prio, --irq-thread-cpu,
// --deepest-idle-state and --sysfs-root, applied after arming and put back on every way out; and the warnings
// about IRQ threads, printed once the vectors are armed and kept for the reports.
#pragma once

#include "report/json_report.h"
#include "run/host_tuning.h"
#include "run/live_run.h"

#include <cstdint>
#include <optional>
#include <string>

namespace CLI {
class App;
} // namespace CLI

namespace irqscope::cli {

struct HostTuningOptions
{
    int irqThreadPrio = 0;     // 0: leave it
    int irqThreadCpu = -1;     // -1: leave it
    int deepestIdleState = -1; // -1: leave the idle states
    std::string sysfsRoot = "/sys";
};

void addHostTuningOptions(CLI::App& run, HostTuningOptions& options);
core::HostTuningConfig hostTuningConfig(const HostTuningOptions& options);
// The capabilities the restore at the end still needs once the rest are dropped: CAP_SYS_NICE to put an IRQ
// thread's priority back up, CAP_DAC_OVERRIDE for the idle states' sysfs files.
uint64_t hostTuningCapabilities(const HostTuningOptions& options);

// Applies the tuning (after arming, before the first trigger) and prints its notes; the exit code when the kernel
// refused something (one line), else nullopt. Keeps what it did in `run.hostTuning`.
std::optional<int> applyHostTuning(core::HostTuning& tuning, core::LiveRun& live, core::RunDescription& run);

// The IRQ thread warnings of the run so far (docs/rt-hosts.md §2); the new ones are printed (one line each) and
// added to `run.warnings`.
struct WarningContext
{
    int fifo = 0;
    bool busyPoll = false;
    std::string sysfsRoot = "/sys";
};
void warnAboutIrqThreads(const core::Snapshot& snapshot, const core::LiveRun& live, const WarningContext& context,
                         core::RunDescription& run);
// The snapshot of the IRQ threads the run's host IRQ tracker saw at arming (empty on the simulated device).
core::Snapshot irqThreadSnapshot(const core::LiveRun& live);

// Puts the host back; prints a warning line per thing that could not be put back.
void restoreHostTuning(core::HostTuning& tuning);

} // namespace irqscope::cli
