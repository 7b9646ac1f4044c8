// CPU placement and real-time settings for the core and trigger threads: pinning, SCHED_FIFO, mlockall and the
// per-CPU PM QoS resume latency that keeps a waiting CPU out of deep idle (docs/wakeup-floor.md §1b).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace irqscope::core {

// The CPUs this process may run on (the main thread's sched_getaffinity mask).
std::vector<int> allowedCpus();

// Pins the calling thread to `cpu`. Returns a one-line error when the CPU is outside the allowed set.
std::optional<std::string> pinCurrentThread(int cpu);

// SCHED_FIFO at `priority` (1..99) for the calling thread; a one-line error (e.g. needs CAP_SYS_NICE).
std::optional<std::string> setFifo(int priority);

// "SCHED_OTHER" or "SCHED_FIFO 80": the calling thread's real policy.
std::string currentPolicy();

std::optional<std::string> lockAllMemory();

// Holds /sys/devices/system/cpu/cpuN/power/pm_qos_resume_latency_us at "n/a" ("no exit latency allowed": the
// CPU polls in idle) and restores the previous value when destroyed.
class PmQosGuard
{
public:
    PmQosGuard() = default;
    ~PmQosGuard();
    PmQosGuard(const PmQosGuard&) = delete;
    PmQosGuard& operator=(const PmQosGuard&) = delete;

    std::optional<std::string> apply(int cpu, const std::string& sysfsRoot = "/sys");
    void restore();
    bool active() const { return !m_path.empty(); }

private:
    std::string m_path;
    std::string m_previous;
};

} // namespace irqscope::core
