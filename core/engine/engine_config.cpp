#include "engine/engine_config.h"

#include "base/file_text.h"
#include "device/command_trigger.h"
#include "engine/cpu_setup.h"
#include "engine/outstanding_window.h"
#include "profile/device_profile.h"

#include <fmt/format.h>

#include <algorithm>

namespace irqscope::core {

std::optional<TriggerMode> parseTriggerMode(std::string_view text)
{
    if (text == "none")
        return TriggerMode::None;
    if (text == "loopback")
        return TriggerMode::Loopback;
    if (text == "device")
        return TriggerMode::Device;
    return std::nullopt;
}

std::string_view triggerModeName(TriggerMode mode)
{
    switch (mode) {
    case TriggerMode::None:
        return "none";
    case TriggerMode::Loopback:
        return "loopback";
    case TriggerMode::Device:
        return "device";
    }
    return "?";
}

std::optional<long> readRtRuntimeUs()
{
    return readInteger<long>("/proc/sys/kernel/sched_rt_runtime_us");
}

std::optional<std::string> busyPollRefusal(int fifoPriority, std::optional<long> rtRuntimeUs)
{
    if (fifoPriority <= 0 || (rtRuntimeUs && *rtRuntimeUs < 0))
        return std::nullopt;
    return fmt::format("--busy-poll with --fifo: RT throttling (sched_rt_runtime_us={}) would park the spinning "
                       "core thread ~50 ms every second; drop --fifo (busy-poll runs SCHED_OTHER) or set "
                       "/proc/sys/kernel/sched_rt_runtime_us to -1",
                       rtRuntimeUs ? fmt::format("{}", *rtRuntimeUs) : std::string("unknown"));
}

bool canDeviceRaise(const EngineConfig& config, VectorId id)
{
    if (config.commandTrigger)
        return config.commandTrigger->canRaise(id);
    return config.profile && config.profile->canRaise(id);
}

std::string deviceRaiserName(const EngineConfig& config)
{
    if (config.commandTrigger)
        return config.commandTrigger->name();
    return config.profile ? config.profile->name : std::string();
}

std::optional<std::string> coreConfigRefusal(const EngineConfig& config)
{
    if (config.triggerCpu >= 0) {
        const auto allowed = allowedCpus();
        if (std::find(allowed.begin(), allowed.end(), config.triggerCpu) == allowed.end())
            return fmt::format("--trigger-cpu: CPU {} is not in this process's allowed CPUs", config.triggerCpu);
    }
    if (config.maxOutstanding == 0 || config.maxOutstanding > OutstandingWindow::kCapacity)
        return fmt::format("max outstanding triggers per vector must be 1..{}", OutstandingWindow::kCapacity);
    if (config.triggerMode == TriggerMode::Device && !config.profile && !config.commandTrigger)
        return "--trigger device needs a device profile that says how to raise the vectors";
    if (config.busyPoll)
        return busyPollRefusal(config.fifoPriority, readRtRuntimeUs());
    return std::nullopt;
}

} // namespace irqscope::core
