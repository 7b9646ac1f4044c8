// TuningInfo: reading the CPU tuning figures from sysfs and procfs, and their JSON form.
#include "report/tuning_info.h"

#include "base/file_text.h"
#include "base/number_text.h"
#include "base/sched_policy.h"
#include "engine/engine_config.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <sched.h>
#include <sys/utsname.h>

namespace irqscope::core {

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
            t.numaNode = parseInteger<int>(std::string_view(name).substr(4)).value_or(-1);
            break;
        }
    }
    t.resumeLatency = readFirstLine(cpuDir + "/power/pm_qos_resume_latency_us").value_or("");
    t.idleGovernor = readFirstLine("/sys/devices/system/cpu/cpuidle/current_governor_ro").value_or("");
    if (t.idleGovernor.empty())
        t.idleGovernor = readFirstLine("/sys/devices/system/cpu/cpuidle/current_governor").value_or("");
    t.freqGovernor = readFirstLine(cpuDir + "/cpufreq/scaling_governor").value_or("");
    t.rtRuntimeUs = readRtRuntimeUs().value_or(0);
    t.rtPeriodUs = readInteger<long>("/proc/sys/kernel/sched_rt_period_us").value_or(0);
    t.processPolicy = schedPolicyName(sched_getscheduler(0));
    t.realtimeKernel = readFirstLine("/sys/kernel/realtime") == "1" ? "1" : "0";
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
