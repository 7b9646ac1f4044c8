// The delivery decision (docs/observer.md "Delivery"): who could post at all, then what the trace saw, then what
// the host's facts and the count say.
#include "observe/irq_delivery.h"

#include <fmt/format.h>

namespace irqscope::core {

const char* deliveryName(ObservedDelivery delivery)
{
    switch (delivery) {
    case ObservedDelivery::HostHandled:
        return "host-handled";
    case ObservedDelivery::Posted:
        return "posted";
    case ObservedDelivery::LikelyPosted:
        return "likely-posted";
    case ObservedDelivery::Unknown:
        break;
    }
    return "unknown";
}

DeliveryVerdict decideDelivery(const DeliveryContext& c, VectorId vector, const std::optional<IrteEvent>& irte,
                               std::optional<bool> countMoving)
{
    using D = ObservedDelivery;
    const auto noPosting = whyNoPosting(c.facts);
    if (!c.owner) {
        if (noPosting)
            return {D::HostHandled, "no owner seen, and " + *noPosting};
        return {D::Unknown, "no owner seen (other users' processes need root): cannot tell whether a VM posts it"};
    }
    if (!c.owner->vm)
        return {D::HostHandled,
                fmt::format("the owner ({}) is no VM: vfio-pci's handler signals its eventfd", c.owner->name)};
    const VmIdentity& vm = *c.owner->vm;
    if (vm.accelerator != "kvm")
        return {D::HostHandled, fmt::format("the VM runs without KVM ({}): {} reads the eventfd, nothing is posted",
                                            vm.accelerator, vm.vmm)};
    if (vector.index == IrqIndex::Intx)
        return {D::HostHandled, "INTx is never posted: vfio-pci offers KVM an interrupt bypass for MSI and MSI-X only"};
    // A count that moves is the host's handler running: whatever else says, those interrupts were not posted (the
    // trace up to 6.16 does not show an IRTE going back to remapped mode for an MSI aimed at several vCPUs).
    if (irte && irte->posted() && countMoving != true)
        return {D::Posted,
                fmt::format("posted to vCPU {} (guest vector 0x{:x}, kvm:kvm_pi_irte_update): the host's handler "
                            "does not run, so /proc/interrupts cannot count it",
                            irte->vcpu, irte->guestVector)};
    if (noPosting)
        return {D::HostHandled, *noPosting};
    if (countMoving == true)
        return {D::HostHandled, "the host's handler ran (its count moves): not posted, or not always (an MSI aimed "
                                "at several vCPUs stays remapped)"};
    if (irte)
        return {D::HostHandled, "kvm:kvm_pi_irte_update: its IRTE went back to remapped mode (not posted)"};
    if (!canPost(c.facts))
        return {D::Unknown, "the host's posting facts are incomplete (" + postingFactsText(c.facts) + ")"};
    if (!countMoving)
        return {D::Unknown, "KVM can post it: whether it does shows from the second sample on (does its count move?)"};
    return {D::LikelyPosted, "KVM can post it (posted interrupts on, no count in /proc): the guest may take "
                             "interrupts the host never sees"};
}

} // namespace irqscope::core
