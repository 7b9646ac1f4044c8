#include "device/open_device.h"

#include "base/nvme_spec.h"
#include "base/xhci_spec.h"
#include "device/nvme_trigger.h"
#include "device/xhci_trigger.h"
#include "profile/profile_file.h"
#include "sim/sim_device.h"
#include "vfio/device_owner.h"
#include "vfio/discovery.h"
#include "vfio/vf_token.h"
#include "vfio/vfio_device.h"

#include <fmt/format.h>

namespace irqscope::core {

std::string vfTokenRequestError(const std::string& device, const std::string& vfToken)
{
    if (auto error = vfTokenUsageError(vfToken); !error.empty())
        return error;
    if (device == "sim" && !vfToken.empty())
        return "--vf-token is for an SR-IOV VF (or PF) bound to vfio-pci; the simulated device is neither: drop "
               "--vf-token";
    return {};
}

OpenedDevice openDevice(const DeviceRequest& request)
{
    OpenedDevice out;
    const auto bdf = request.device == "sim" ? std::nullopt : normalizeBdf(request.device);
    if (request.device != "sim" && !bdf) {
        out.error = fmt::format("'{}' is not a device: use sim or a PCI address such as 0000:01:00.0 (see `irqscope "
                                "list`)",
                                request.device);
        return out;
    }
    // The VF token is checked before anything is touched.
    if (out.error = vfTokenRequestError(request.device, request.vfToken); !out.error.empty())
        return out;
    // A --profile is used for every device, the simulated one included, and a malformed one is reported before
    // the device is touched.
    if (!request.profilePath.empty()) {
        auto profile = loadProfileFile(request.profilePath, out.error);
        if (!profile)
            return out;
        out.profile = std::move(*profile);
    }
    if (request.device == "sim") {
        out.device = std::make_unique<SimDevice>(request.sim);
        if (request.profilePath.empty() && request.sim.model == SimModel::Nvme) {
            out.profile = genericProfile();
            out.profile.name = "nvme";
            out.commandTrigger = std::make_unique<NvmeTrigger>(*out.device);
        } else if (request.profilePath.empty() && request.sim.model == SimModel::Xhci) {
            out.profile = genericProfile();
            out.profile.name = "xhci";
            out.commandTrigger = std::make_unique<XhciTrigger>(*out.device);
        } else if (request.profilePath.empty()) {
            out.profile = simProfile();
        }
        return out;
    }
    // A device another process holds (a VM) cannot be armed: name the owner and point at --observe.
    if (const auto pci = readPciDevice(*bdf)) {
        if (const auto owner = findVfioOwner(vfioNodesOf(*pci))) {
            out.error = ownedDeviceError(*bdf, *owner);
            return out;
        }
    }
    out.device = openVfioDevice(*bdf, out.error, VfioOpenOptions{request.vfToken});
    if (!out.device)
        return out;
    if (request.profilePath.empty()) {
        const auto pci = readPciDevice(*bdf);
        out.profile = pci ? profileFor(pci->vendor, pci->device) : genericProfile();
        if (pci && pci->pciClass == nvme::kPciClass && &profileFor(pci->vendor, pci->device) == &genericProfile()) {
            // An NVMe controller: its interrupts announce command completions (docs/dma-triggers.md §3).
            out.profile.name = "nvme";
            out.commandTrigger = std::make_unique<NvmeTrigger>(*out.device);
        } else if (pci && pci->pciClass == xhci::kPciClass &&
                   &profileFor(pci->vendor, pci->device) == &genericProfile()) {
            // An xHCI controller: a No-Op command's completion event raises interrupter 0 (docs/dma-triggers.md §5).
            out.profile.name = "xhci";
            out.commandTrigger = std::make_unique<XhciTrigger>(*out.device);
        }
    }
    return out;
}

} // namespace irqscope::core
