#include "engine/engine_config.h"

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

} // namespace irqscope::core
