// SimDevice with its hardware thread: the functional checks of docs/guest-tests.md §8 (INTx automask/unmask/ack, the
// unmask eventfd, user mask with pending delivery, MSI-X routing, NORESIZE growth, multi-MSI shortfall, a 2048
// vector table), the injected faults seen through counters and eventfds, and the allocation-free hot paths.
// Every wait is bounded.
#include "base/monotonic_clock.h"
#include "engine/alloc_probe.h"
#include "sim/sim_device.h"
#include "sim_test_support.h"
#include "vfio/irq_set_request.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <dirent.h>
#include <memory>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace irqscope::core;
using namespace std::chrono_literals;
using irqscope::test::Efd;
using irqscope::test::kIntx;
using irqscope::test::kMsi;
using irqscope::test::kMsix;
using irqscope::test::openFds;
using irqscope::test::waitUntil;

namespace {

// Every raise taken has been delivered, dropped or held by a stuck mask.
bool settled(const SimDevice& d, uint64_t raises)
{
    const auto s = d.hardwareStats();
    return s.raises == raises && s.delivered + s.dropped + s.stuck == raises;
}

SimConfig config(SimKernel kernel = SimKernel::Linux6_1)
{
    SimConfig c;
    c.kernel = kernel;
    c.msiVectors = 1;
    c.msixVectors = 5;
    return c;
}

class SimHardwareTest : public ::testing::Test
{
protected:
    void start(SimConfig c) { m_dev = std::make_unique<SimDevice>(std::move(c)); }
    SimDevice& dev() { return *m_dev; }
    int set(std::span<const std::byte> r) { return m_dev->setIrqs(r); }
    int armOne(uint32_t index, uint32_t start, int fd)
    {
        const int32_t fds[1] = {fd};
        return set(req.setTriggerEventfds(index, start, fds));
    }
    void raise(uint64_t reg, uint32_t value = 1)
    {
        ASSERT_EQ(m_dev->regionWrite32(simreg::kBar, reg, value), 0);
        ++m_raises;
    }
    void ack() { ASSERT_EQ(m_dev->regionWrite32(simreg::kBar, simreg::kIntxAck, 1), 0); }
    bool waitSettled()
    {
        return waitUntil([&] { return settled(*m_dev, m_raises); });
    }

    IrqSetRequest req;
    std::unique_ptr<SimDevice> m_dev;
    uint64_t m_raises = 0;
};

} // namespace

// --- IrqDevice surface -------------------------------------------------------------------------------------------

TEST_F(SimHardwareTest, InfoAndRegisterMap)
{
    start(config(SimKernel::Linux6_12));
    EXPECT_EQ(dev().info().id, "sim");
    EXPECT_NE(dev().info().description.find("6.12"), std::string::npos);
    EXPECT_NE(dev().info().description.find("MSI-X 5"), std::string::npos);
    EXPECT_EQ(dev().info().numIrqs, 5u);
    EXPECT_EQ(dev().info().numRegions, 9u);
    uint32_t v = 0;
    EXPECT_EQ(dev().regionRead32(simreg::kBar, simreg::kId, v), 0);
    EXPECT_EQ(v, simreg::kIdValue);
    EXPECT_EQ(dev().regionRead32(simreg::kBar, simreg::kVersion, v), 0);
    EXPECT_EQ(v, 1u);
    EXPECT_EQ(dev().regionRead32(1, 0, v), -EINVAL) << "BAR 0 only";
    EXPECT_EQ(dev().regionRead32(simreg::kBar, 2, v), -EINVAL) << "32-bit aligned";
    EXPECT_EQ(dev().regionWrite32(simreg::kBar, simreg::kBarSize, 1), -EINVAL) << "beyond the BAR";
    EXPECT_EQ(dev().regionWrite32(simreg::kBar, 0x13, 1), -EINVAL);
    EXPECT_EQ(dev().regionWrite32(simreg::kBar, simreg::kId, 1), 0) << "read-only registers ignore writes";
    IrqInfo info;
    ASSERT_EQ(dev().irqInfo(kMsix, info), 0);
    EXPECT_EQ(info.flags, 0x1u);
}

// --- functional checks (docs/guest-tests.md §8) -------------------------------------------------------------------

TEST_F(SimHardwareTest, IntxAutomaskUnmaskAckCycle)
{
    start(config());
    Efd trigger;
    ASSERT_EQ(armOne(kIntx, 0, trigger.fd()), 0);
    raise(simreg::kIntxAssert);
    EXPECT_EQ(trigger.wait(), 1u) << "device raise signals";
    EXPECT_TRUE(dev().vectorState(IrqIndex::Intx, 0).masked) << "automasked";
    uint32_t status = 0;
    ASSERT_EQ(dev().regionRead32(simreg::kBar, simreg::kIntxStatus, status), 0);
    EXPECT_EQ(status, 1u);

    raise(simreg::kIntxAssert);
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(trigger.take(), 0u) << "a second raise while masked gives no signal";

    EXPECT_EQ(set(req.unmask(kIntx)), 0);
    EXPECT_EQ(trigger.take(), 1u) << "UNMASK while the level is asserted fires again";
    EXPECT_TRUE(dev().intxMasked());

    ack();
    EXPECT_FALSE(dev().intxLevel());
    EXPECT_EQ(set(req.unmask(kIntx)), 0);
    EXPECT_EQ(trigger.take(), 0u) << "ack, then unmask: quiet";
    EXPECT_FALSE(dev().intxMasked());

    raise(simreg::kIntxAssert);
    EXPECT_EQ(trigger.wait(), 1u) << "the next raise signals again";
    ASSERT_EQ(dev().regionRead32(simreg::kBar, simreg::kRaiseCount, status), 0);
    EXPECT_EQ(status, 3u);
}

TEST_F(SimHardwareTest, IntxUnmaskEventfdVariant)
{
    start(config());
    Efd trigger, unmask;
    ASSERT_EQ(armOne(kIntx, 0, trigger.fd()), 0);
    ASSERT_EQ(set(req.setUnmaskEventfd(kIntx, unmask.fd())), 0);
    raise(simreg::kIntxAssert);
    ASSERT_EQ(trigger.wait(), 1u);

    unmask.write1(); // without an ack: the handler finds the level asserted and signals again
    EXPECT_EQ(trigger.wait(), 1u);
    EXPECT_TRUE(dev().intxMasked());

    ack();
    unmask.write1();
    ASSERT_TRUE(waitUntil([&] { return dev().hardwareStats().unmaskEventfdRuns == 2; }));
    EXPECT_FALSE(dev().intxMasked());
    EXPECT_EQ(trigger.take(), 0u);
    EXPECT_EQ(unmask.take(), 0u) << "the virqfd drains the unmask eventfd";

    raise(simreg::kIntxAssert);
    EXPECT_EQ(trigger.wait(), 1u);

    ASSERT_EQ(set(req.setUnmaskEventfd(kIntx, -1)), 0) << "teardown with fd -1";
    ack();
    unmask.write1();
    // A barrier instead of a sleep: a new unmask eventfd, written after the old one. The hardware thread watches
    // its eventfds level-triggered, so once it has run the new one's unmask it has seen the old one too, had it
    // still been watching it.
    Efd later;
    ASSERT_EQ(set(req.setUnmaskEventfd(kIntx, later.fd())), 0);
    EXPECT_TRUE(dev().intxMasked()) << "removed: writes to the old unmask eventfd do nothing";
    later.write1();
    ASSERT_TRUE(waitUntil([&] { return dev().hardwareStats().unmaskEventfdRuns == 3; }));
    EXPECT_EQ(unmask.take(), 1u) << "removed: the old unmask eventfd is not drained";
    EXPECT_EQ(dev().hardwareStats().unmaskEventfdRuns, 3u) << "removed: it ran no unmask";
    EXPECT_FALSE(dev().intxMasked()) << "the new unmask eventfd unmasked";
}

TEST_F(SimHardwareTest, UserMaskHoldsARaisePendingAndUnmaskDeliversIt)
{
    start(config());
    Efd trigger;
    ASSERT_EQ(armOne(kIntx, 0, trigger.fd()), 0);
    ASSERT_EQ(set(req.mask(kIntx)), 0);
    raise(simreg::kIntxAssert);
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(trigger.take(), 0u) << "masked: held off";
    EXPECT_TRUE(dev().vectorState(IrqIndex::Intx, 0).pending);
    EXPECT_EQ(set(req.unmask(kIntx)), 0);
    EXPECT_EQ(trigger.take(), 1u) << "UNMASK delivers the pending raise";
}

TEST_F(SimHardwareTest, MsiRaiseSignalsItsVectorAndAnUnarmedVectorNothing)
{
    start(config());
    Efd e;
    ASSERT_EQ(armOne(kMsi, 0, e.fd()), 0);
    raise(simreg::kRaiseMsi, 0);
    EXPECT_EQ(e.wait(), 1u);
    ASSERT_EQ(armOne(kMsi, 0, -1), 0);
    raise(simreg::kRaiseMsi, 0);
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(e.take(), 0u) << "a vector with no trigger: nothing";
    EXPECT_EQ(dev().signals(IrqIndex::Msi), 1u);
}

class SimHardwareKernels : public SimHardwareTest, public ::testing::WithParamInterface<SimKernel>
{};

TEST_P(SimHardwareKernels, MsixPerVectorRouting)
{
    start(config(GetParam()));
    std::array<Efd, 5> efds;
    std::array<int32_t, 5> fds{};
    for (size_t i = 0; i < efds.size(); ++i)
        fds[i] = efds[i].fd();
    ASSERT_EQ(set(req.setTriggerEventfds(kMsix, 0, fds)), 0);
    for (uint32_t v = 0; v < 5; ++v) {
        raise(simreg::kRaiseMsix, v);
        EXPECT_EQ(efds[v].wait(), 1u) << v;
        for (uint32_t other = 0; other < 5; ++other)
            EXPECT_EQ(efds[other].take(), 0u) << "vector " << v << " signalled " << other;
    }
    raise(simreg::kRaiseMsix, 7); // beyond the table: the device has no such vector
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(dev().signals(IrqIndex::Msix), 5u);
}

TEST_P(SimHardwareKernels, NoresizeGrowBehaviour)
{
    start(config(GetParam()));
    const bool dynamic = GetParam() == SimKernel::Linux6_12;
    IrqInfo info;
    ASSERT_EQ(dev().irqInfo(kMsix, info), 0);
    EXPECT_EQ(info.noResize(), !dynamic);
    Efd e0, e3;
    ASSERT_EQ(armOne(kMsix, 0, e0.fd()), 0);
    if (dynamic) {
        EXPECT_EQ(armOne(kMsix, 3, e3.fd()), 0) << "dynamic MSI-X adds the vector live";
    } else {
        EXPECT_EQ(armOne(kMsix, 3, e3.fd()), -EINVAL) << "NORESIZE";
        // QEMU's NORESIZE path: disable the index, re-enable with every vector.
        ASSERT_EQ(set(req.disableIndex(kMsix)), 0);
        const int32_t fds[4] = {e0.fd(), -1, -1, e3.fd()};
        ASSERT_EQ(set(req.setTriggerEventfds(kMsix, 0, fds)), 0);
    }
    raise(simreg::kRaiseMsix, 3);
    EXPECT_EQ(e3.wait(), 1u);
    raise(simreg::kRaiseMsix, 0);
    EXPECT_EQ(e0.wait(), 1u);
}

TEST_P(SimHardwareKernels, MultiMsiShortfallWithAndWithoutRemapping)
{
    for (const bool remap : {false, true}) {
        SimConfig c = config(GetParam());
        c.msiVectors = 16;
        c.interruptRemapping = remap;
        start(c);
        std::array<Efd, 16> efds;
        std::array<int32_t, 16> fds{};
        for (size_t i = 0; i < efds.size(); ++i)
            fds[i] = efds[i].fd();
        EXPECT_EQ(set(req.setTriggerEventfds(kMsi, 0, std::span<const int32_t>(fds).first(2))), remap ? 0 : 1);
        EXPECT_EQ(dev().activeType().has_value(), remap);
        if (!remap) {
            EXPECT_EQ(set(req.setTriggerEventfds(kMsi, 0, std::span<const int32_t>(fds).first(1))), 0)
                << "retry with the count returned";
            raise(simreg::kRaiseMsi, 0);
            EXPECT_EQ(efds[0].wait(), 1u);
            continue;
        }
        ASSERT_EQ(set(req.disableIndex(kMsi)), 0);
        ASSERT_EQ(set(req.setTriggerEventfds(kMsi, 0, fds)), 0);
        raise(simreg::kRaiseMsi, 15);
        EXPECT_EQ(efds[15].wait(), 1u);
        EXPECT_EQ(efds[0].take(), 0u);
    }
}

TEST_P(SimHardwareKernels, MsixTableOf2048Vectors)
{
    SimConfig c = config(GetParam());
    c.msixVectors = 2048;
    start(c);
    Efd shared, last;
    std::vector<int32_t> fds(2048, shared.fd());
    fds.back() = last.fd();
    ASSERT_EQ(set(req.setTriggerEventfds(kMsix, 0, fds)), 0);
    IrqInfo info;
    ASSERT_EQ(dev().irqInfo(kMsix, info), 0);
    EXPECT_EQ(info.count, 2048u);
    EXPECT_EQ(set(req.loopback(kMsix, 0, 2048)), 0);
    EXPECT_EQ(shared.take(), 2047u) << "a read returns the sum of the signals";
    EXPECT_EQ(last.take(), 1u);
    raise(simreg::kRaiseMsix, 2047);
    EXPECT_EQ(last.wait(), 1u);
    EXPECT_EQ(set(req.loopback(kMsix, 2048)), -EINVAL);
    EXPECT_EQ(set(req.disableIndex(kMsix)), 0);
}

TEST_P(SimHardwareKernels, LoopbackUnmaskAndRegisterWritesDoNotAllocate)
{
    start(config(GetParam()));
    Efd trigger, msix;
    ASSERT_EQ(armOne(kIntx, 0, trigger.fd()), 0);
    IrqSetRequest prepared;
    const auto loopback = prepared.loopback(kIntx, 0);
    const uint64_t before = threadAllocations();
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(dev().setIrqs(loopback), 0);
        EXPECT_EQ(dev().setIrqs(req.unmask(kIntx)), 0);
        EXPECT_EQ(dev().regionWrite32(simreg::kBar, simreg::kIntxAck, 1), 0);
        EXPECT_EQ(dev().regionWrite32(simreg::kBar, simreg::kRaiseMsix, 0), 0);
    }
    EXPECT_EQ(threadAllocations() - before, 0u);
    EXPECT_EQ(trigger.take(), 100u) << "each loopback signalled synchronously in the calling thread";
}

TEST_F(SimHardwareTest, FixedDeviceLatencyIsApplied)
{
    SimConfig c = config();
    c.deviceLatency = {LatencyDistribution::Kind::Fixed, 3e6, 0};
    start(c);
    Efd e;
    ASSERT_EQ(armOne(kMsix, 0, e.fd()), 0);
    const int64_t t0 = monotonicNs();
    raise(simreg::kRaiseMsix, 0);
    ASSERT_EQ(e.wait(), 1u);
    EXPECT_GE(monotonicNs() - t0, 3'000'000);
}

TEST_F(SimHardwareTest, DestructorJoinsAndClosesEveryDuplicate)
{
    Efd trigger, unmask;
    const int before = openFds();
    start(config());
    ASSERT_EQ(armOne(kIntx, 0, trigger.fd()), 0);
    ASSERT_EQ(set(req.setUnmaskEventfd(kIntx, unmask.fd())), 0);
    raise(simreg::kIntxAssert);
    ASSERT_EQ(trigger.wait(), 1u);
    m_dev.reset();
    EXPECT_EQ(openFds(), before);
}

// --- faults ------------------------------------------------------------------------------------------------------

TEST_F(SimHardwareTest, FaultDropLosesRaises)
{
    SimConfig c = config();
    c.faults.dropProbability = 1;
    start(c);
    Efd e;
    ASSERT_EQ(armOne(kMsix, 0, e.fd()), 0);
    for (int i = 0; i < 20; ++i)
        raise(simreg::kRaiseMsix, 0);
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(dev().hardwareStats().dropped, 20u);
    EXPECT_EQ(e.take(), 0u);
}

TEST_F(SimHardwareTest, FaultDropIsDeterministicForASeed)
{
    auto dropped = [this](uint64_t seed) {
        SimConfig c = config();
        c.faults.dropProbability = 0.5;
        c.faults.seed = seed;
        start(c);
        m_raises = 0;
        Efd e;
        EXPECT_EQ(armOne(kMsix, 0, e.fd()), 0);
        for (int i = 0; i < 200; ++i)
            raise(simreg::kRaiseMsix, 0);
        EXPECT_TRUE(waitSettled());
        const auto s = dev().hardwareStats();
        EXPECT_EQ(s.delivered + s.dropped, 200u);
        EXPECT_EQ(e.take(), s.delivered);
        return s.dropped;
    };
    const uint64_t first = dropped(7);
    EXPECT_GT(first, 50u);
    EXPECT_LT(first, 150u);
    EXPECT_EQ(dropped(7), first);
}

TEST_F(SimHardwareTest, FaultDelayHoldsRaisesBack)
{
    SimConfig c = config();
    c.faults.delayProbability = 1;
    c.faults.delayNs = 20'000'000;
    start(c);
    Efd e;
    ASSERT_EQ(armOne(kMsix, 0, e.fd()), 0);
    const int64_t t0 = monotonicNs();
    raise(simreg::kRaiseMsix, 0);
    ASSERT_EQ(e.wait(), 1u);
    EXPECT_GE(monotonicNs() - t0, 20'000'000);
    EXPECT_EQ(dev().hardwareStats().delayed, 1u);
}

TEST_F(SimHardwareTest, FaultSpuriousRaisesArmedVectorsWithoutCause)
{
    SimConfig c = config();
    c.faults.spuriousRateHz = 2000;
    start(c);
    Efd armed;
    const int32_t fds[2] = {-1, armed.fd()};
    ASSERT_EQ(set(req.setTriggerEventfds(kMsix, 0, fds)), 0);
    EXPECT_GE(armed.wait(), 1u) << "signalled with no raise written";
    ASSERT_TRUE(waitUntil([&] { return dev().hardwareStats().spurious >= 5; }));
    EXPECT_EQ(dev().hardwareStats().raises, 0u);
    ASSERT_EQ(set(req.disableIndex(kMsix)), 0);
}

TEST_F(SimHardwareTest, FaultStuckMaskMsixVectorNeverFires)
{
    SimConfig c = config();
    c.faults.stuckMask = {"msix:1"};
    start(c);
    Efd e0, e1;
    const int32_t fds[2] = {e0.fd(), e1.fd()};
    ASSERT_EQ(set(req.setTriggerEventfds(kMsix, 0, fds)), 0);
    raise(simreg::kRaiseMsix, 1);
    raise(simreg::kRaiseMsix, 0);
    EXPECT_EQ(e0.wait(), 1u);
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(e1.take(), 0u);
    EXPECT_EQ(dev().hardwareStats().stuck, 1u);
    const auto state = dev().vectorState(IrqIndex::Msix, 1);
    EXPECT_TRUE(state.masked);
    EXPECT_TRUE(state.pending);
    EXPECT_TRUE(state.armed);
    EXPECT_FALSE(dev().vectorState(IrqIndex::Msix, 0).masked);
}

TEST_F(SimHardwareTest, FaultStuckMaskIntxStaysMaskedAfterUnmask)
{
    SimConfig c = config();
    c.faults.stuckMask = {"intx:0"};
    start(c);
    Efd trigger;
    ASSERT_EQ(armOne(kIntx, 0, trigger.fd()), 0);
    raise(simreg::kIntxAssert);
    ASSERT_EQ(trigger.wait(), 1u);
    ack();
    EXPECT_EQ(set(req.unmask(kIntx)), 0);
    EXPECT_TRUE(dev().intxMasked()) << "stuck";
    EXPECT_EQ(dev().hardwareStats().stuckUnmasks, 1u);
    raise(simreg::kIntxAssert);
    ASSERT_TRUE(waitSettled());
    EXPECT_EQ(trigger.take(), 0u);
    EXPECT_TRUE(dev().vectorState(IrqIndex::Intx, 0).pending);
}

INSTANTIATE_TEST_SUITE_P(SimHardware, SimHardwareKernels, ::testing::Values(SimKernel::Linux6_1, SimKernel::Linux6_12),
                         [](const auto& p) { return p.param == SimKernel::Linux6_1 ? "k6_1" : "k6_12"; });
