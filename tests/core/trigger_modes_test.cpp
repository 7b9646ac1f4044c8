// The trigger modes a device offers: loopback always, device-raised where a built-in profile for its ids can raise.
#include "device/trigger_modes.h"
#include "profile/device_profile.h"

#include <gtest/gtest.h>

using namespace irqscope::core;

namespace {

DiscoveredDevice triggerModesDevice(const std::string& bdf, uint16_t vendor, uint16_t device)
{
    DiscoveredDevice d;
    d.bdf = bdf;
    d.vendor = vendor;
    d.device = device;
    return d;
}

} // namespace

TEST(TriggerModes, SimOffersDeviceRaiseWithItsProfile)
{
    const auto t = offeredTriggers(triggerModesDevice("sim", 0, 0));
    EXPECT_EQ(t.modes, (std::vector<std::string>{"loopback", "device"}));
    EXPECT_EQ(t.deviceProfile, simProfile().name);
    EXPECT_EQ(offeredTriggersText(t), "loopback,device(" + simProfile().name + ")");
}

TEST(TriggerModes, AKnownPciIdOffersItsBuiltinProfile)
{
    // The e1000e (82574L, 8086:10d3) has a built-in profile; the name comes from profileFor, not from here.
    const auto& profile = profileFor(0x8086, 0x10d3);
    ASSERT_NE(&profile, &genericProfile()) << "the e1000e profile is built in";
    const auto t = offeredTriggers(triggerModesDevice("0000:00:03.0", 0x8086, 0x10d3));
    EXPECT_EQ(t.modes, (std::vector<std::string>{"loopback", "device"}));
    EXPECT_EQ(t.deviceProfile, profile.name);
    EXPECT_EQ(offeredTriggersText(t), "loopback,device(" + profile.name + ")");
}

TEST(TriggerModes, AnUnknownPciIdIsLoopbackOnly)
{
    ASSERT_EQ(&profileFor(0x1b36, 0x0010), &genericProfile());
    const auto t = offeredTriggers(triggerModesDevice("0000:00:05.0", 0x1b36, 0x0010));
    EXPECT_EQ(t.modes, (std::vector<std::string>{"loopback"}));
    EXPECT_EQ(t.deviceProfile, "");
    EXPECT_EQ(offeredTriggersText(t), "loopback");
}

TEST(TriggerModes, EveryBuiltinProfileThatRaisesIsOffered)
{
    // Whatever profiles are built in (one more lands on another branch), each one that can raise is offered.
    for (const auto& p : builtinProfiles()) {
        const auto t = offeredTriggers(
            triggerModesDevice("0000:00:06.0", static_cast<uint16_t>(p.vendor), static_cast<uint16_t>(p.device)));
        EXPECT_EQ(t.deviceProfile, profileFor(p.vendor, p.device).name) << p.name;
        EXPECT_EQ(t.modes.size(), 2u) << p.name;
    }
}

TEST(TriggerModes, AnXhciOffersItsNoOpTriggerOnlyWithMsix)
{
    DiscoveredDevice d = triggerModesDevice("0000:00:06.0", 0x1b36, 0x000d);
    d.pciClass = 0x0c0330;
    EXPECT_EQ(offeredTriggersText(offeredTriggers(d)), "loopback") << "no MSI-X: nothing its completions raise";
    d.irqs[static_cast<size_t>(IrqIndex::Msix)].count = 16;
    EXPECT_EQ(offeredTriggersText(offeredTriggers(d)), "loopback,device(xhci)");
}
