// The kernel threads that run vfio IRQ handlers on a host that threads them (PREEMPT_RT, or `threadirqs`):
// finding a host IRQ's thread and reading its scheduling (docs/rt-hosts.md §1). Parsing is separate from reading
// so that recorded /proc texts test it.
#pragma once

#include "base/sched_policy.h"
#include "stats/snapshot.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace irqscope::core {

// The fields of /proc/PID/stat irqscope uses. The comm (field 2) is in parentheses and may itself hold spaces
// and parentheses, so the fields after it are counted from the last ')'.
struct ProcStat
{
    std::string comm;
    char state = '?';   // field 3: R running or runnable, S sleeping, D, Z, ...
    int lastCpu = -1;   // field 39, processor
    int rtPriority = 0; // field 40, rt_priority
    int policy = 0;     // field 41, policy (SCHED_OTHER 0, SCHED_FIFO 1, SCHED_RR 2, ...)
};
std::optional<ProcStat> parseProcStat(std::string_view text);

// The Cpus_allowed_list line of a /proc/PID/status text ("" when it has none).
std::string cpusAllowedList(std::string_view statusText);

// Whether `comm` names the handler thread of `irq`: the kernel names it "irq/N-ACTION" and cuts it to 15
// characters, so only the "irq/N-" prefix is reliable. The secondary thread of a split handler ("irq/N-s-...")
// matches too; primaryIrqThread prefers the primary.
bool isIrqThreadComm(std::string_view comm, int irq);

// The thread's facts from its stat and status texts, its IRQ's smp_affinity_list text, or nullopt when the stat
// text does not parse.
std::optional<IrqThreadInfo> irqThreadFromTexts(int pid, std::string_view stat, std::string_view status,
                                                std::string_view irqAffinity);

// Finds and reads the handler threads of host IRQs under a procfs root. Finding needs a pass over every
// /proc/PID/comm, so each IRQ's pid is remembered and the pass is made again only for an IRQ not looked for
// before (a thread is created with its IRQ's action, so one that is not there then is not coming) or whose
// thread went away. Not thread-safe: one owner (HostIrqTracker, under its mutex).
class IrqThreadFinder
{
public:
    explicit IrqThreadFinder(std::string procRoot = "/proc");

    // The thread of each of `irqs` that has one (by IRQ number).
    std::map<int, IrqThreadInfo> read(const std::vector<int>& irqs);

private:
    std::optional<IrqThreadInfo> readPid(int pid, int irq) const;
    void scan(const std::set<int>& irqs);

    const std::string m_procRoot;
    std::map<int, int> m_pids; // IRQ -> pid of its thread
    std::set<int> m_lookedFor; // IRQs a scan has looked for
};

} // namespace irqscope::core
