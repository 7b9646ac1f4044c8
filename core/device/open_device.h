// openDevice(): turns the user's --device (the built-in "sim" or a PCI address) and --profile into an IrqDevice
// and the device profile used for device-raised triggers. Shared by the CLI and the dashboard.
#pragma once

#include "profile/device_profile.h"
#include "sim/sim_config.h"
#include "vfio/irq_device.h"

#include <memory>
#include <string>

namespace irqscope::core {

struct DeviceRequest
{
    std::string device = "sim";
    SimConfig sim;
    std::string profilePath; // empty: the built-in profile for the device's PCI ids (or loopback-only)
};

struct OpenedDevice
{
    std::unique_ptr<IrqDevice> device;
    DeviceProfile profile;
    std::string error; // one line: what is wrong and what to do (device is null then)
};

OpenedDevice openDevice(const DeviceRequest& request);

} // namespace irqscope::core
