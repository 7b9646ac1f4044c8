#include "device_options.h"

namespace irqscope::cli {

CLI::Option_group* addDeviceOptions(CLI::App& command, DeviceOptions& o, const DeviceOptionHelp& help)
{
    command.add_option("-d,--device", o.device, "sim, or the PCI address of a device bound to vfio-pci")
        ->capture_default_str();
    command.add_option("--profile", o.profile, help.profile);
    command
        .add_option("--vf-token", o.vfToken,
                    "SR-IOV VF token (a UUID) to open a VF whose PF is bound to vfio-pci: the token the PF's "
                    "owner set (VFIO_DEVICE_FEATURE_PCI_VF_TOKEN); given for such a PF with no VF open, it sets it")
        ->type_name("UUID");
    command.add_option("-v,--vectors", o.vectors, help.vectors)->capture_default_str();
    command.add_option("-c,--cpu", o.cpu, "CPU the core thread is pinned to (default: the first allowed)");
    auto* sim = command.add_option_group("Simulated device", "Options of --device sim");
    sim->add_option("--sim-kernel", o.simKernel, "Kernel whose SET_IRQS semantics the sim models: 6.1 or 6.12")
        ->check(CLI::IsMember({"6.1", "6.12"}))
        ->capture_default_str();
    sim->add_option("--sim-msix", o.simMsix, "MSI-X table size of the sim (0-2048)")
        ->check(CLI::Range(0, 2048))
        ->capture_default_str();
    sim->add_option("--sim-msi", o.simMsi, "MSI vectors of the sim (1, 2, 4, 8, 16 or 32)")
        ->check(CLI::IsMember({0, 1, 2, 4, 8, 16, 32}))
        ->capture_default_str();
    sim->add_option("--sim-faults", o.simFaults, help.simFaults);
    return sim;
}

core::DeviceRequest deviceRequest(const DeviceOptions& o)
{
    core::DeviceRequest request;
    request.device = o.device;
    request.profilePath = o.profile;
    request.vfToken = o.vfToken;
    if (o.device == "sim") {
        request.sim.kernel = *core::parseSimKernel(o.simKernel); // checked by the option
        request.sim.msixVectors = o.simMsix;
        request.sim.msiVectors = o.simMsi;
    }
    return request;
}

std::string checkVfTokenOption(const DeviceOptions& o)
{
    return core::vfTokenRequestError(o.device, o.vfToken);
}

std::string parseSimFaultsOption(const std::string& text, core::SimFaults& faults)
{
    if (text.empty())
        return {};
    std::string error;
    const auto parsed = core::parseSimFaults(text, error);
    if (!parsed)
        return "--sim-faults: " + error;
    faults = *parsed;
    return {};
}

} // namespace irqscope::cli
