// TuningInfo: what a report records about how the measuring CPU was tuned (PM QoS, idle and frequency governors,
// NUMA node, RT throttling, scheduling policies) beside SystemInfo, plus the uname fields cyclictest reports.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace irqscope::core {

struct TuningInfo
{
    std::string sysname;        // uname -s
    std::string kernelVersion;  // uname -v
    int coreCpu = -1;           // the CPU the figures below are about
    int numaNode = -1;          // of coreCpu; -1 when unknown
    std::string resumeLatency;  // coreCpu's per-CPU PM QoS resume latency limit ("n/a", "0", ... µs)
    std::string idleGovernor;   // cpuidle governor
    std::string freqGovernor;   // coreCpu's cpufreq governor ("" without cpufreq)
    long rtRuntimeUs = 0;       // kernel.sched_rt_runtime_us (-1: RT throttling off)
    long rtPeriodUs = 0;        // kernel.sched_rt_period_us
    std::string processPolicy;  // scheduling policy of the controlling thread ("SCHED_OTHER")
    std::string realtimeKernel; // "1" when /sys/kernel/realtime says PREEMPT_RT, else "0"
};

// Reads the figures of `coreCpu` (-1: CPU 0). Missing files leave their fields empty or -1.
TuningInfo collectTuningInfo(int coreCpu);

nlohmann::json tuningJson(const TuningInfo& tuning);
TuningInfo tuningFromJson(const nlohmann::json& json); // throws nlohmann::json::exception on a wrong shape

} // namespace irqscope::core
