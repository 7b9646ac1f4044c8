// System probes for the benches: per-thread CPU time by kernel thread id, the process's resident set, the
// machine description printed above every table, and the real-time knobs (mlockall, SCHED_FIFO) with the reason
// when one is not permitted.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>

namespace irqscope::bench {

// CPU time (user + system) a thread of this process has used, in ns; from /proc/self/task/<tid>/schedstat.
int64_t threadCpuNs(pid_t tid);
// The calling thread's kernel id.
pid_t currentTid();
// Thread ids of this process right now (to find threads a library started: the difference of two calls).
std::set<pid_t> threadIds();

// VmRSS of this process in KiB.
int64_t rssKiB();

// One line: CPU model, CPU count, kernel, idle governor, RT throttling, load average.
std::string machineLine();

// mlockall(MCL_CURRENT | MCL_FUTURE); the reason when it is refused.
std::optional<std::string> tryLockMemory();
// Whether the calling thread could switch to SCHED_FIFO `priority` (tested on a scratch thread); the reason if not.
std::optional<std::string> fifoRefusal(int priority);

} // namespace irqscope::bench
