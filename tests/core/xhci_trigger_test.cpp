// The xHCI command trigger (docs/dma-triggers.md §5) against the simulated device's xhci model: a No-Op's
// completion event is in memory before its interrupt, the command ring wraps through its Link TRB, a run on msix:0
// balances its books and leaves the controller halted and nothing mapped, other vectors are refused in one line,
// and every way a controller fails is one line with nothing left behind. Lower bounds only.
#include "device/xhci_trigger.h"
#include "run/live_run.h"
#include "sim/sim_device.h"
#include "vfio/irq_set_request.h"

#include "wait_until.h"

#include <gtest/gtest.h>

#include <cerrno>

using namespace irqscope::core;
using irqscope::test::waitUntil;

namespace {

constexpr int64_t kXhciDeviceNs = 2'000'000;    // doorbell -> event in memory
constexpr int64_t kXhciInterruptNs = 3'000'000; // event in memory -> its MSI-X message

SimConfig xhciSim(SimXhciFault fault = SimXhciFault::None)
{
    SimConfig c;
    c.model = SimModel::Xhci;
    c.msixVectors = 16;
    c.deviceLatency = {LatencyDistribution::Kind::Fixed, double(kXhciDeviceNs), 0};
    c.interruptLatency = {LatencyDistribution::Kind::Fixed, double(kXhciInterruptNs), 0};
    c.xhciFault = fault;
    return c;
}

std::string xhciPrepareError(SimXhciFault fault)
{
    SimDevice device(xhciSim(fault));
    std::string error;
    {
        XhciTrigger trigger(device);
        error = trigger.prepare();
        EXPECT_FALSE(trigger.running());
    }
    EXPECT_FALSE(device.xhci()->stats().running);
    EXPECT_EQ(device.dmaBuffers(), 0u);
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    return error;
}

} // namespace

TEST(XhciTriggerDriver, NoOpsWrapTheCommandAndEventRingsAndHaltAtShutdown)
{
    SimDevice device(xhciSim());
    XhciTrigger trigger(device);
    ASSERT_EQ(trigger.prepare(), "");
    EXPECT_TRUE(device.xhci()->stats().running);
    EXPECT_EQ(device.xhci()->stats().interrupts, 0u); // the probe's No-Op completed with interrupts off
    EXPECT_EQ(trigger.submit(0), -ENODEV);            // not set up yet
    ASSERT_EQ(trigger.setUp(0), "");
    // More commands than either ring holds, one at a time: the Link TRB's toggle and the event ring's wrap are
    // both crossed. Without MSI-X enabled no message is sent, so completions are awaited in memory by reaping.
    const uint64_t before = device.xhci()->stats().events;
    const uint32_t total = 2 * XhciTrigger::kEventTrbs + 3;
    for (uint32_t i = 0; i < total; ++i) {
        ASSERT_EQ(trigger.submit(0), 0) << i;
        ASSERT_TRUE(waitUntil([&] { return device.xhci()->stats().events >= before + i + 1; })) << i;
        EXPECT_EQ(trigger.reap(0), 0u) << i;
    }
    EXPECT_EQ(device.xhci()->stats().commands, total + 1); // and the probe
    EXPECT_EQ(device.xhci()->stats().dmaFaults, 0u);
    trigger.tearDown(0);
    trigger.shutdown();
    EXPECT_FALSE(device.xhci()->stats().running);
    EXPECT_EQ(device.dmaBuffers(), 0u);
}

TEST(XhciTriggerDriver, FullCommandRingIsBusyNotOverwritten)
{
    // Nothing is reaped: the driver knows of no completed command after the probe's, so the ring fills.
    SimDevice device(xhciSim());
    XhciTrigger trigger(device);
    ASSERT_EQ(trigger.prepare(), "");
    ASSERT_EQ(trigger.setUp(0), "");
    uint32_t accepted = 0;
    while (trigger.submit(0) == 0)
        ++accepted;
    EXPECT_EQ(accepted,
              XhciTrigger::kCommandTrbs - 2); // all but the Link TRB and the one gap that tells full from empty
    EXPECT_EQ(trigger.submit(0), -EBUSY);
}

TEST(XhciTriggerFailures, ControllerWhoseCnrNeverClearsIsOneLine)
{
    const std::string error = xhciPrepareError(SimXhciFault::NeverReady);
    EXPECT_NE(error.find("waiting for CNR=0"), std::string::npos) << error;
}

TEST(XhciTriggerFailures, HostSystemErrorIsOneLine)
{
    const std::string error = xhciPrepareError(SimXhciFault::HostError);
    EXPECT_NE(error.find("host system error (HSE)"), std::string::npos) << error;
}

TEST(XhciTriggerFailures, CommandCompletionCodeOtherThanSuccessIsOneLine)
{
    const std::string error = xhciPrepareError(SimXhciFault::CommandError);
    EXPECT_NE(error.find("completion code 5"), std::string::npos) << error;
}

TEST(XhciTriggerFailures, LiveRunRefusesAControllerThatNeverBecomesReadyBeforeArming)
{
    DeviceRequest request;
    request.sim = xhciSim(SimXhciFault::NeverReady);
    OpenedDevice opened = openDevice(request);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    LiveRun run(opened, config);
    const auto error = run.startEngine();
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("CNR"), std::string::npos) << *error;
    auto* sim = static_cast<SimDevice*>(opened.device.get());
    EXPECT_FALSE(sim->activeType());
    EXPECT_EQ(sim->dmaBuffers(), 0u);
}

TEST(XhciTriggerRun, DeviceRaisedRunOnVectorZeroBalancesAndLeavesTheControllerHalted)
{
    DeviceRequest request;
    request.sim = xhciSim();
    OpenedDevice opened = openDevice(request);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    EXPECT_EQ(opened.profile.name, "xhci");
    auto* sim = static_cast<SimDevice*>(opened.device.get());
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    config.engine.rateHz = 200;
    LiveRun run(opened, config);
    std::string parseError;
    auto ranges = *parseVectorSpec("msix:0", parseError);
    ASSERT_EQ(run.resolve(ranges), "");
    ASSERT_FALSE(run.startEngine());
    ASSERT_EQ(run.arm(ranges), "");
    ASSERT_EQ(run.startTriggering(ranges), "");
    run.startAggregator();
    ASSERT_TRUE(waitUntil([&] {
        return run.engine().counters(run.engine().slots().slot({IrqIndex::Msix, 0})).read().completed >= 20;
    }));
    const LiveRunEnd end = run.stop();
    ASSERT_TRUE(end.final);
    bool seen = false;
    for (const auto& v : end.final->vectors) {
        if (v.id != VectorId{IrqIndex::Msix, 0})
            continue;
        seen = true;
        const CountersCopy& c = v.counters;
        EXPECT_EQ(c.triggered, c.completed + c.coalesced + c.missed + c.inFlight);
        EXPECT_EQ(c.missed, 0u);
        EXPECT_EQ(c.spurious, 0u);
        EXPECT_EQ(c.errors, 0u);
        EXPECT_GE(c.completed, 20u);
        // The event is in memory before any message announces it. A completion posted while EHB was still set
        // is announced by the ERDP write that acknowledges the one before it, which may come before its own
        // interrupt latency has passed: the device's time is the bound.
        EXPECT_GE(v.latency.minNs, kXhciDeviceNs);
        EXPECT_EQ(c.state & vstate::kArmed, 0u);
    }
    EXPECT_TRUE(seen);
    EXPECT_FALSE(sim->xhci()->stats().running);
    EXPECT_EQ(sim->dmaBuffers(), 0u);
    EXPECT_EQ(sim->xhci()->stats().dmaFaults, 0u);
}

TEST(XhciTriggerRun, VectorsOtherThanZeroAreRefusedInOneLine)
{
    DeviceRequest request;
    request.sim = xhciSim();
    OpenedDevice opened = openDevice(request);
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    LiveRun run(opened, config);
    std::string parseError;
    auto ranges = *parseVectorSpec("msix:0-1", parseError);
    const std::string error = run.resolve(ranges);
    EXPECT_NE(error.find("the xhci trigger cannot raise msix:1"), std::string::npos) << error;
    EXPECT_NE(error.find("msix:0 only"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}
