// TuningInfo: reading the CPU tuning figures from sysfs and procfs, and their JSON form.
#include "report/tuning_info.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sched.h>
#include <sys/utsname.h>

namespace irqscope::core {

namespace {

std::string firstLine(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

long numberOr(const std::string& text, long fallback)
{
    try {
        return text.empty() ? fallback : std::stol(text);
    } catch (const std::exception&) {
        return fallback;
    }
}

std::string policyName(int policy)
{
    switch (policy) {
    case SCHED_OTHER:
        return "SCHED_OTHER";
    case SCHED_FIFO:
        return "SCHED_FIFO";
    case SCHED_RR:
        return "SCHED_RR";
    case SCHED_BATCH:
        return "SCHED_BATCH";
    case SCHED_IDLE:
        return "SCHED_IDLE";
    default:
        return fmt::format("policy {}", policy);
    }
}

} // namespace

TuningInfo collectTuningInfo(int coreCpu)
{
    TuningInfo t;
    utsname u{};
    if (uname(&u) == 0) {
        t.sysname = u.sysname;
        t.kernelVersion = u.version;
    }
    t.coreCpu = coreCpu >= 0 ? coreCpu : 0;
    const std::string cpuDir = fmt::format("/sys/devices/system/cpu/cpu{}", t.coreCpu);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(cpuDir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("node", 0) == 0 && name.size() > 4) {
            t.numaNode = static_cast<int>(numberOr(name.substr(4), -1));
            break;
        }
    }
    t.resumeLatency = firstLine(cpuDir + "/power/pm_qos_resume_latency_us");
    t.idleGovernor = firstLine("/sys/devices/system/cpu/cpuidle/current_governor_ro");
    if (t.idleGovernor.empty())
        t.idleGovernor = firstLine("/sys/devices/system/cpu/cpuidle/current_governor");
    t.freqGovernor = firstLine(cpuDir + "/cpufreq/scaling_governor");
    t.rtRuntimeUs = numberOr(firstLine("/proc/sys/kernel/sched_rt_runtime_us"), 0);
    t.rtPeriodUs = numberOr(firstLine("/proc/sys/kernel/sched_rt_period_us"), 0);
    t.processPolicy = policyName(sched_getscheduler(0));
    t.realtimeKernel = firstLine("/sys/kernel/realtime") == "1" ? "1" : "0";
    return t;
}

nlohmann::json tuningJson(const TuningInfo& t)
{
    return {{"sysname", t.sysname},
            {"kernel_version", t.kernelVersion},
            {"core_cpu", t.coreCpu},
            {"numa_node", t.numaNode},
            {"pm_qos_resume_latency_us", t.resumeLatency},
            {"cpuidle_governor", t.idleGovernor},
            {"cpufreq_governor", t.freqGovernor},
            {"sched_rt_runtime_us", t.rtRuntimeUs},
            {"sched_rt_period_us", t.rtPeriodUs},
            {"controller_policy", t.processPolicy},
            {"realtime_kernel", t.realtimeKernel}};
}

TuningInfo tuningFromJson(const nlohmann::json& j)
{
    TuningInfo t;
    t.sysname = j.at("sysname").get<std::string>();
    t.kernelVersion = j.at("kernel_version").get<std::string>();
    t.coreCpu = j.at("core_cpu").get<int>();
    t.numaNode = j.at("numa_node").get<int>();
    t.resumeLatency = j.at("pm_qos_resume_latency_us").get<std::string>();
    t.idleGovernor = j.at("cpuidle_governor").get<std::string>();
    t.freqGovernor = j.at("cpufreq_governor").get<std::string>();
    t.rtRuntimeUs = j.at("sched_rt_runtime_us").get<long>();
    t.rtPeriodUs = j.at("sched_rt_period_us").get<long>();
    t.processPolicy = j.at("controller_policy").get<std::string>();
    t.realtimeKernel = j.at("realtime_kernel").get<std::string>();
    return t;
}

} // namespace irqscope::core
