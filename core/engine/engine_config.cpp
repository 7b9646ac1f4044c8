#include "engine/engine_config.h"

#include "base/file_text.h"

#include <fmt/format.h>

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

} // namespace irqscope::core
