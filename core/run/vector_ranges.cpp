#include "run/vector_ranges.h"

#include <fmt/format.h>

namespace irqscope::core {

std::string resolveVectorRange(VectorRange& r, const VectorSlots& slots, const std::string& device)
{
    const uint32_t available = slots.count(r.index);
    const auto name = irqIndexName(r.index);
    if (r.all())
        r.count = available;
    if (available == 0)
        return fmt::format("{} is not available: {} has no {} vectors (see `irqscope list`)", formatVectorSpec({r}),
                           device, name);
    if (r.count == 0 || r.start >= available || r.count > available - r.start)
        return fmt::format("{} is out of range: {} has {} {} vector{} ({}:0-{})", formatVectorSpec({r}), device,
                           available, name, available == 1 ? "" : "s", name, available - 1);
    return {};
}

std::string checkProfileCanRaise(const VectorRange& r, const DeviceProfile& profile)
{
    for (uint32_t sub = r.start; sub < r.start + r.count; ++sub) {
        if (!profile.canRaise({r.index, sub}))
            return fmt::format("profile '{}' does not say how to raise {}:{}: use --trigger loopback, or a --profile "
                               "that does",
                               profile.name, irqIndexName(r.index), sub);
    }
    return {};
}

std::string checkCommandTriggerCanRaise(const VectorRange& r, const CommandTrigger& trigger)
{
    for (uint32_t sub = r.start; sub < r.start + r.count; ++sub) {
        if (!trigger.canRaise({r.index, sub}))
            return fmt::format("the {} trigger cannot raise {}:{}: no command completion of the controller is "
                               "delivered on it (nvme: MSI-X vectors that get a queue; xhci: msix:0 only, "
                               "docs/dma-triggers.md); use --trigger loopback for it",
                               trigger.name(), irqIndexName(r.index), sub);
    }
    return {};
}

} // namespace irqscope::core
