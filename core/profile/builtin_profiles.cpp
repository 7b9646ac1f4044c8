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

} // namespace irqscope::core
