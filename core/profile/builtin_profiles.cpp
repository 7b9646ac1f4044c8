// The built-in device profiles: the simulated device, QEMU's edu, e1000e, igb and igbvf, and the generic one.
#include "profile/device_profile.h"

#include "sim/sim_config.h"

namespace irqscope::core {

namespace {

DeviceProfile makeSimProfile()
{
    using V = RegisterWrite::Value;
    DeviceProfile p;
    p.name = "sim";
    p.description = "irqscope simulated device: RAISE_MSIX/RAISE_MSI take the vector number, INTx is a level";
    auto& intx = p.indexes[static_cast<uint32_t>(IrqIndex::Intx)];
    intx.deviceRaise = true;
    intx.maxSubindex = 1;
    intx.raise = {{simreg::kBar, simreg::kIntxAssert, 1, V::Literal, 0}};
    intx.ack = {{simreg::kBar, simreg::kIntxAck, 1, V::Literal, 0}};
    auto& msi = p.indexes[static_cast<uint32_t>(IrqIndex::Msi)];
    msi.deviceRaise = true;
    msi.maxSubindex = kMaxMsiVectors;
    msi.raise = {{simreg::kBar, simreg::kRaiseMsi, 0, V::Subindex, 0}};
    auto& msix = p.indexes[static_cast<uint32_t>(IrqIndex::Msix)];
    msix.deviceRaise = true;
    msix.maxSubindex = kMaxMsixVectors;
    msix.raise = {{simreg::kBar, simreg::kRaiseMsix, 0, V::Subindex, 0}};
    return p;
}

IndexRecipe& recipeOf(DeviceProfile& p, IrqIndex index)
{
    return p.indexes[static_cast<uint32_t>(index)];
}

// QEMU edu (docs/specs/edu.rst): a write to 0x60 ORs the value into the interrupt status and raises INTx or the
// single MSI vector; a write to 0x64 clears those bits (docs/kernel-vfio-irq.md §5). 32-bit accesses only.
DeviceProfile makeEduProfile()
{
    using V = RegisterWrite::Value;
    constexpr uint64_t kRaise = 0x60, kAck = 0x64;
    DeviceProfile p;
    p.name = "edu";
    p.description = "QEMU edu: raise by writing 0x60, acknowledge by writing 0x64 (INTx and 1 MSI vector)";
    p.vendor = 0x1234;
    p.device = 0x11e8;
    for (const IrqIndex index : {IrqIndex::Intx, IrqIndex::Msi}) {
        auto& r = recipeOf(p, index);
        r.deviceRaise = true;
        r.maxSubindex = 1;
        r.raise = {{0, kRaise, 1, V::Literal, 0}};
        r.ack = {{0, kAck, 1, V::Literal, 0}};
    }
    return p;
}

// Intel 82574 (QEMU -device e1000e): 5 MSI-X vectors. IVAR routes the causes RXQ0, RXQ1, TXQ0, TXQ1 and OTHER
// (ICR bits 20..24) to vectors 0..4; EIAC auto-clears each after its message, which also auto-masks its IMS bit,
// so every raise re-enables its cause in IMS before setting it in ICS (docs/profiles.md "e1000e (Intel 82574)").
DeviceProfile makeE1000eProfile()
{
    using V = RegisterWrite::Value;
    constexpr uint64_t kCtrl = 0x0, kIcr = 0xc0, kIcs = 0xc8, kIms = 0xd0, kImc = 0xd8, kEiac = 0xdc, kIvar = 0xe4;
    constexpr uint32_t kCauses = 0x1f << 20;
    constexpr uint32_t kFirstCause = 20;
    constexpr uint32_t kCtrlReset = 1u << 26;
    DeviceProfile p;
    p.name = "e1000e";
    p.description = "Intel 82574 (QEMU e1000e): 5 MSI-X vectors, cause bits 20-24 routed by IVAR, raised through ICS";
    p.vendor = 0x8086;
    p.device = 0x10d3;
    // Mask everything, clear causes left latched (write-1-to-clear) so enabling them raises nothing, route, enable.
    // IVAR: 4 bits per cause, 0x8 = valid | vector number; bit 31 as Linux's e1000e sets it.
    p.setup = {{0, kImc, 0xffffffff, V::Literal, 0},
               {0, kIcr, 0xffffffff, V::Literal, 0},
               {0, kIvar, 0x800cba98, V::Literal, 0},
               {0, kEiac, kCauses, V::Literal, 0},
               {0, kIms, kCauses, V::Literal, 0}};
    // Teardown masks every cause, then resets the MAC (CTRL.RST): in QEMU that also stops the per-vector EITR
    // timers, whose expiry would otherwise send one more message after the run (docs/guest-tests.md pitfall 9).
    p.teardown = {{0, kImc, 0xffffffff, V::Literal, 0}, {0, kCtrl, kCtrlReset, V::Literal, 0}};
    auto& msix = recipeOf(p, IrqIndex::Msix);
    msix.deviceRaise = true;
    msix.maxSubindex = 5;
    msix.raise = {{0, kIms, 0, V::BitOfSubindex, kFirstCause}, {0, kIcs, 0, V::BitOfSubindex, kFirstCause}};
    return p;
}

// The 82576's extended interrupt registers, at the same BAR0 offsets in the physical function and in each virtual
// function (VTEICS, VTEIMS, VTEIMC, VTEIAC): docs/profiles.md "igb and igbvf".
constexpr uint64_t k82576Gpie = 0x1514, k82576Eics = 0x1520, k82576Eims = 0x1524, k82576Eimc = 0x1528,
                   k82576Eiac = 0x152c, k82576Eiam = 0x1530;

// What the PF and VF recipes share for `vectors` MSI-X vectors: teardown masks them (only them), and vector n is
// raised by re-enabling its EIMS bit (hardware that auto-masks, GPIE.EIAME with EIAM) and writing it to EICS.
void addEicsRaise(DeviceProfile& p, uint32_t vectors)
{
    using V = RegisterWrite::Value;
    p.teardown = {{0, k82576Eimc, (1u << vectors) - 1, V::Literal, 0}};
    auto& msix = recipeOf(p, IrqIndex::Msix);
    msix.deviceRaise = true;
    msix.maxSubindex = vectors;
    msix.raise = {{0, k82576Eims, 0, V::BitOfSubindex, 0}, {0, k82576Eics, 0, V::BitOfSubindex, 0}};
}

// Intel 82576 (igb; QEMU's igb): in MSI-X mode (GPIE.Multiple_MSIX) a bit written to EICS sets that EICR bit, and
// a cause bit newly set in EICR & EIMS sends vector n; EIAC auto-clears the EICR bit after the message, so the next
// raise is a new edge. GPIE comes first: QEMU takes EIAC only in MSI-X mode. EIMC/EIMS touch the PF's own 10 bits
// only: the bits above belong to the VFs once SR-IOV is on.
DeviceProfile makeIgbProfile()
{
    using V = RegisterWrite::Value;
    constexpr uint32_t kVectors = 10;
    constexpr uint32_t kAllVectors = (1u << kVectors) - 1;
    constexpr uint32_t kGpieMultipleMsix = 1u << 4, kGpieEiame = 1u << 30;
    DeviceProfile p;
    p.name = "igb";
    p.description = "Intel 82576 (igb): 10 MSI-X vectors raised through EICS";
    p.vendor = 0x8086;
    p.device = 0x10c9;
    p.setup = {{0, k82576Eimc, kAllVectors, V::Literal, 0},
               {0, k82576Gpie, kGpieMultipleMsix | kGpieEiame, V::Literal, 0},
               {0, k82576Eiac, kAllVectors, V::Literal, 0},
               {0, k82576Eiam, kAllVectors, V::Literal, 0},
               {0, k82576Eims, kAllVectors, V::Literal, 0}};
    addEicsRaise(p, kVectors);
    return p;
}

// Intel 82576 virtual function (igbvf; QEMU's igbvf): 3 MSI-X vectors, 3 bits in each of the VF's registers. QEMU
// forwards them to the PF's EICS/EIMS/EIMC/EIAC bits of that VF, which only act while the PF is in MSI-X mode
// (GPIE.Multiple_MSIX, set by whoever drives the PF).
DeviceProfile makeIgbVfProfile()
{
    using V = RegisterWrite::Value;
    constexpr uint32_t kVectors = 3;
    constexpr uint32_t kAllVectors = (1u << kVectors) - 1;
    DeviceProfile p;
    p.name = "igbvf";
    p.description = "Intel 82576 virtual function (igbvf): 3 MSI-X vectors raised through VTEICS";
    p.vendor = 0x8086;
    p.device = 0x10ca;
    p.setup = {{0, k82576Eimc, kAllVectors, V::Literal, 0},
               {0, k82576Eiac, kAllVectors, V::Literal, 0},
               {0, k82576Eims, kAllVectors, V::Literal, 0}};
    addEicsRaise(p, kVectors);
    return p;
}

DeviceProfile makeGenericProfile()
{
    DeviceProfile p;
    p.name = "generic";
    p.description = "loopback only: no register recipe is known for this device";
    return p;
}

} // namespace

const DeviceProfile& simProfile()
{
    static const DeviceProfile profile = makeSimProfile();
    return profile;
}

const DeviceProfile& genericProfile()
{
    static const DeviceProfile profile = makeGenericProfile();
    return profile;
}

const std::vector<DeviceProfile>& builtinProfiles()
{
    static const std::vector<DeviceProfile> profiles = {makeEduProfile(), makeE1000eProfile(), makeIgbProfile(),
                                                        makeIgbVfProfile()};
    return profiles;
}

const DeviceProfile& profileFor(uint32_t vendor, uint32_t device)
{
    for (const auto& p : builtinProfiles())
        if (p.vendor == vendor && p.device == device)
            return p;
    return genericProfile();
}

const DeviceProfile* builtinProfile(const std::string& name)
{
    if (name == simProfile().name)
        return &simProfile();
    if (name == genericProfile().name)
        return &genericProfile();
    for (const auto& p : builtinProfiles())
        if (p.name == name)
            return &p;
    return nullptr;
}

} // namespace irqscope::core
