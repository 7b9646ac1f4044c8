// The options `irqscope run` and `irqscope exporter` share: which device (and profile), which vectors, the core
// CPU, and the simulated device's shape. Each command adds its own on top (run: --sim-latency, --sim-no-remap;
// exporter: --sim-device-rate).
#pragma once

#include "device/open_device.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace irqscope::cli {

struct DeviceOptions
{
    std::string device = "sim";
    std::string profile;
    std::string vectors;
    int cpu = -1;
    std::string simKernel = "6.1";
    uint32_t simMsix = 64;
    uint32_t simMsi = 8;
    std::string simFaults;
    std::string vfToken; // --vf-token UUID
};

// The options with a command's own defaults.
inline DeviceOptions deviceOptionsWith(std::string vectors, uint32_t simMsix)
{
    DeviceOptions options;
    options.vectors = std::move(vectors);
    options.simMsix = simMsix;
    return options;
}

// The help texts that differ between the commands.
struct DeviceOptionHelp
{
    const char* profile;
    const char* vectors;
    const char* simFaults;
};

// Adds -d/--device, --profile, --vf-token, -v/--vectors and -c/--cpu to `command`, and --sim-kernel, --sim-msix,
// --sim-msi and --sim-faults to its "Simulated device" group, which it returns for the command's own sim options.
CLI::Option_group* addDeviceOptions(CLI::App& command, DeviceOptions& options, const DeviceOptionHelp& help);

// The request for openDevice(): the device, the profile and, for the sim, its kernel model and table sizes.
// --sim-faults is parsed apart (parseSimFaultsOption) so that each command checks its options in its own order.
core::DeviceRequest deviceRequest(const DeviceOptions& options);

// "" or the one-line usage error for --vf-token: not a UUID, or given for the simulated device (which is no
// SR-IOV function). Checked before anything is opened.
std::string checkVfTokenOption(const DeviceOptions& options);

// Parses --sim-faults into `faults` when given; "" or the one-line usage error ("--sim-faults: ...").
std::string parseSimFaultsOption(const std::string& text, core::SimFaults& faults);

} // namespace irqscope::cli
