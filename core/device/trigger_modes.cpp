#include "device/trigger_modes.h"

#include "profile/device_profile.h"

namespace irqscope::core {

OfferedTriggers offeredTriggers(const DiscoveredDevice& device)
{
    OfferedTriggers out;
    out.modes.emplace_back("loopback");
    const DeviceProfile& profile = device.bdf == "sim" ? simProfile() : profileFor(device.vendor, device.device);
    if (&profile != &genericProfile() && profile.raisesAny()) {
        out.modes.emplace_back("device");
        out.deviceProfile = profile.name;
    }
    return out;
}

std::string offeredTriggersText(const OfferedTriggers& triggers)
{
    std::string out;
    for (const auto& mode : triggers.modes) {
        out += (out.empty() ? "" : ",") + mode;
        if (mode == "device")
            out += "(" + triggers.deviceProfile + ")";
    }
    return out;
}

} // namespace irqscope::core
