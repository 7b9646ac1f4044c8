// openDevice(): turns the user's --device (the built-in "sim" or a PCI address) and --profile into an IrqDevice
// and the device profile used for device-raised triggers. Shared by the CLI and the dashboard.
#pragma once

#include "device/command_trigger.h"
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
    std::string vfToken;     // --vf-token: the SR-IOV VF token (a UUID) for a VF of a vfio-pci PF; "" for none
};

struct OpenedDevice
{
    std::unique_ptr<IrqDevice> device;
    // The device's command trigger (NVMe, and the sim's nvme model: docs/dma-triggers.md) when it has one and no
    // --profile replaces it; destroyed before `device` (declared after it), which disables the controller.
    std::unique_ptr<CommandTrigger> commandTrigger;
    DeviceProfile profile;

    OpenedDevice() = default;
    OpenedDevice(OpenedDevice&&) noexcept = default;
    // The old trigger goes before the old device it drives.
    OpenedDevice& operator=(OpenedDevice&& other) noexcept
    {
        commandTrigger.reset();
        device = std::move(other.device);
        commandTrigger = std::move(other.commandTrigger);
        profile = std::move(other.profile);
        error = std::move(other.error);
        return *this;
    }
    std::string error; // one line: what is wrong and what to do (device is null then)
};

OpenedDevice openDevice(const DeviceRequest& request);

// "" or the one-line error for a VF token that cannot be right whatever the device says: not a UUID, or given for
// the simulated device, which is no SR-IOV function. openDevice() checks it first; the CLI checks it with its other
// options.
std::string vfTokenRequestError(const std::string& device, const std::string& vfToken);

} // namespace irqscope::core
