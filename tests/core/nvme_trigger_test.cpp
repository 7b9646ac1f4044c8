// The NVMe command trigger (docs/dma-triggers.md) against the simulated device's nvme model: a completion is in
// memory before its interrupt, both latencies have the model's lower bounds, a run's books balance and leave the
// controller disabled and nothing mapped, and every way a controller fails is one line with nothing left behind.
// Lower bounds only: no test assumes how fast the machine is.
#include "device/nvme_trigger.h"
#include "run/live_run.h"
#include "sim/sim_device.h"
#include "vfio/irq_set_request.h"

#include "wait_until.h"

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <sys/eventfd.h>
#include <unistd.h>

using namespace irqscope::core;
using irqscope::test::waitUntil;

namespace {

constexpr int64_t kNvmeDeviceNs = 2'000'000;    // doorbell -> completion in memory
constexpr int64_t kNvmeInterruptNs = 3'000'000; // completion in memory -> its MSI-X message

SimConfig nvmeSim(SimNvmeFault fault = SimNvmeFault::None)
{
    SimConfig c;
    c.model = SimModel::Nvme;
    c.msixVectors = 8;
    c.deviceLatency = {LatencyDistribution::Kind::Fixed, double(kNvmeDeviceNs), 0};
    c.interruptLatency = {LatencyDistribution::Kind::Fixed, double(kNvmeInterruptNs), 0};
    c.nvmeFault = fault;
    return c;
}

bool nvmeBalanced(const CountersCopy& c)
{
    return c.triggered == c.completed + c.coalesced + c.missed + c.inFlight;
}

std::string prepareError(SimNvmeFault fault)
{
    SimDevice device(nvmeSim(fault));
    std::string error;
    {
        NvmeTrigger trigger(device);
        error = trigger.prepare();
        EXPECT_FALSE(trigger.enabled());
    }
    EXPECT_FALSE(device.nvme()->stats().enabled);
    EXPECT_EQ(device.dmaBuffers(), 0u);
    return error;
}

} // namespace

TEST(NvmeSimModel, CompletionIsInMemoryBeforeItsInterrupt)
{
    SimDevice device(nvmeSim());
    NvmeTrigger trigger(device);
    ASSERT_EQ(trigger.prepare(), "");
    const int fd = eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(fd, 0);
    IrqSetRequest request;
    const std::array<int32_t, 2> fds{-1, fd};
    ASSERT_EQ(device.setIrqs(request.setTriggerEventfds(static_cast<uint32_t>(IrqIndex::Msix), 0, fds)), 0);
    ASSERT_EQ(trigger.setUp(1), "");

    const uint64_t before = device.nvme()->stats().ioCompletions; // the bring-up's probe completed one
    const int64_t submitted = monotonicNs();
    ASSERT_EQ(trigger.submit(1), 0);
    uint64_t count = 0;
    ASSERT_EQ(read(fd, &count, sizeof count), ssize_t(sizeof count)); // blocks until the message
    const int64_t woken = monotonicNs();
    const SimNvmeStats s = device.nvme()->stats();
    EXPECT_EQ(count, 1u);
    EXPECT_EQ(s.ioCompletions, before + 1);
    EXPECT_GE(s.lastVisibleNs - submitted, kNvmeDeviceNs);
    EXPECT_GE(s.lastInterruptNs - s.lastVisibleNs, kNvmeInterruptNs);
    EXPECT_GE(woken, s.lastInterruptNs);
    EXPECT_EQ(trigger.reap(1), 0u);

    trigger.shutdown();
    EXPECT_FALSE(device.nvme()->stats().enabled);
    EXPECT_EQ(device.nvme()->stats().ioQueues, 0u);
    EXPECT_EQ(device.dmaBuffers(), 0u);
    close(fd);
}

TEST(NvmeSimModel, QueuesOnVectorsOtherThanZeroNeedMsixAsInQemu)
{
    SimDevice device(nvmeSim());
    NvmeTrigger trigger(device);
    ASSERT_EQ(trigger.prepare(), "");
    const std::string error = trigger.setUp(2); // MSI-X is off: nothing armed
    EXPECT_NE(error.find("Create I/O Completion Queue failed with status 0x108"), std::string::npos) << error;
    EXPECT_EQ(trigger.submit(2), -ENODEV);
}

TEST(NvmeTriggerFailures, ControllerThatNeverBecomesReadyIsOneLine)
{
    const std::string error = prepareError(SimNvmeFault::NeverReady);
    EXPECT_NE(error.find("did not become ready within CAP.TO (500 ms)"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(NvmeTriggerFailures, FatalStatusIsOneLine)
{
    const std::string error = prepareError(SimNvmeFault::Fatal);
    EXPECT_NE(error.find("CSTS.CFS=1"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(NvmeTriggerFailures, CommandErrorStatusIsOneLine)
{
    const std::string error = prepareError(SimNvmeFault::CommandError);
    EXPECT_NE(error.find("refuses the Verify command"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(NvmeTriggerFailures, NoVerifyCommandIsOneLine)
{
    const std::string error = prepareError(SimNvmeFault::NoVerify);
    EXPECT_NE(error.find("status 0x1)"), std::string::npos) << error;
}

TEST(NvmeTriggerFailures, LiveRunRefusesAnUnreadyControllerBeforeArming)
{
    DeviceRequest request;
    request.sim = nvmeSim(SimNvmeFault::NeverReady);
    OpenedDevice opened = openDevice(request);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    LiveRun run(opened, config);
    const auto error = run.startEngine();
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("did not become ready"), std::string::npos) << *error;
    auto* sim = static_cast<SimDevice*>(opened.device.get());
    EXPECT_FALSE(sim->activeType()); // nothing armed
    EXPECT_EQ(sim->dmaBuffers(), 0u);
}

TEST(NvmeTriggerRun, DeviceRaisedRunBalancesAndLeavesTheControllerDisabled)
{
    DeviceRequest request;
    request.sim = nvmeSim();
    OpenedDevice opened = openDevice(request);
    ASSERT_TRUE(opened.device && opened.commandTrigger) << opened.error;
    auto* sim = static_cast<SimDevice*>(opened.device.get());
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    config.engine.rateHz = 200;
    // A deadline no stall of a loaded machine reaches: the test is about the books, not about speed.
    config.engine.deadline = std::chrono::seconds(10);
    LiveRun run(opened, config);
    std::string parseError;
    auto ranges = *parseVectorSpec("msix:0-3", parseError);
    ASSERT_EQ(run.resolve(ranges), "");
    ASSERT_FALSE(run.startEngine());
    ASSERT_EQ(run.arm(ranges), "");
    ASSERT_EQ(sim->nvme()->stats().ioQueues, 4u);
    ASSERT_EQ(run.startTriggering(ranges), "");
    run.startAggregator();
    ASSERT_TRUE(waitUntil([&] {
        for (uint32_t sub = 0; sub < 4; ++sub)
            if (run.engine().counters(run.engine().slots().slot({IrqIndex::Msix, sub})).read().completed < 10)
                return false;
        return true;
    }));
    const LiveRunEnd end = run.stop();
    ASSERT_TRUE(end.final);
    for (const auto& v : end.final->vectors) {
        if (v.id.index != IrqIndex::Msix || v.id.sub >= 4)
            continue;
        EXPECT_TRUE(nvmeBalanced(v.counters)) << v.name;
        EXPECT_EQ(v.counters.missed, 0u) << v.name;
        EXPECT_EQ(v.counters.spurious, 0u) << v.name;
        EXPECT_EQ(v.counters.errors, 0u) << v.name;
        EXPECT_GT(v.counters.completed, 0u) << v.name;
        // One command in flight per vector: every message is one completion, none coalesced (the rate's 5 ms
        // period equals the model's latency, so without the rule completions overlap).
        EXPECT_EQ(v.counters.coalesced, 0u) << v.name;
        EXPECT_EQ(v.counters.completed + v.counters.inFlight, v.counters.triggered) << v.name;
        // The trigger -> eventfd latency covers the device's time and the interrupt's.
        EXPECT_GE(v.latency.minNs, kNvmeDeviceNs + kNvmeInterruptNs) << v.name;
        EXPECT_EQ(v.counters.state & vstate::kArmed, 0u) << v.name;
    }
    // The admin queue's completions (queue set-up) went to vector 0 before the first trigger: the device's own.
    uint64_t vectorZeroOwn = 0;
    for (const auto& v : end.final->vectors)
        if (v.id == VectorId{IrqIndex::Msix, 0})
            vectorZeroOwn = v.counters.deviceOriginated;
    EXPECT_GE(vectorZeroOwn, 1u);
    EXPECT_GT(opened.commandTrigger->vectorZeroMessages(), 0u);
    const SimNvmeStats s = sim->nvme()->stats();
    EXPECT_FALSE(s.enabled);
    EXPECT_EQ(s.ioQueues, 0u);
    EXPECT_EQ(sim->dmaBuffers(), 0u);
}

TEST(NvmeTriggerRun, RangesTheTriggerCannotRaiseAreOneLine)
{
    DeviceRequest request;
    request.sim = nvmeSim();
    OpenedDevice opened = openDevice(request);
    LiveRunConfig config;
    config.engine.triggerMode = TriggerMode::Device;
    LiveRun run(opened, config);
    std::string parseError;
    auto ranges = *parseVectorSpec("msi:0", parseError);
    const std::string error = run.resolve(ranges);
    EXPECT_NE(error.find("the nvme trigger cannot raise msi:0"), std::string::npos) << error;
}
