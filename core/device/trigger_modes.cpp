#include "device/trigger_modes.h"

#include "base/nvme_spec.h"
#include "base/xhci_spec.h"
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
    } else if (device.bdf != "sim" && device.pciClass == nvme::kPciClass) {
        // NVMe: a Verify command per trigger (docs/dma-triggers.md §3); needs type1 (§2).
        out.modes.emplace_back("device");
        out.deviceProfile = "nvme";
    } else if (device.bdf != "sim" && device.pciClass == xhci::kPciClass &&
               device.irqs[static_cast<size_t>(IrqIndex::Msix)].count > 0) {
        // xHCI: a No-Op command per trigger, msix:0 only (docs/dma-triggers.md §5); needs type1 (§2). Without
        // MSI-X (nec-usb-xhci,msix=off) there is no vector its completions raise that irqscope can arm for it.
        out.modes.emplace_back("device");
        out.deviceProfile = "xhci";
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
