// Injected faults against the engine (docs/reliability.md, "Injected faults"): each fault gives a clear one-line
// message, counts that still add up, and a device left disarmed. The faults come through the ioctl seam
// (FaultInjectingDevice) over a SimDevice, whose kernel model then says exactly what is still armed.
#include "engine/cpu_setup.h"
#include "engine/engine.h"
#include "engine_commands.h"
#include "recording_device.h"
#include "sim/sim_device.h"
#include "vfio/fault_injecting_device.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace irqscope::core;
using irqscope::test::cmd;
using irqscope::test::expectBooksBalance;
using irqscope::test::kGenerousTimeout;
using irqscope::test::kLoopback;
using irqscope::test::kSetFds;
using irqscope::test::RecordingDevice;
using irqscope::test::waitUntil;
using namespace std::chrono_literals;

namespace {

SimConfig simConfig(SimKernel kernel)
{
    SimConfig c;
    c.kernel = kernel;
    c.msixVectors = 16;
    return c;
}

void expectNothingArmed(SimDevice& sim)
{
    for (IrqIndex index : {IrqIndex::Intx, IrqIndex::Msi, IrqIndex::Msix})
        for (uint32_t v = 0; v < 16; ++v)
            EXPECT_FALSE(sim.vectorState(index, v).armed) << vectorName({index, v});
    EXPECT_FALSE(sim.activeType().has_value());
    EXPECT_FALSE(sim.reqArmed());
}

uint64_t completedOf(Engine& engine, uint32_t sub)
{
    return engine.counters(engine.slots().slot({IrqIndex::Msix, sub})).read().completed;
}

// Each of msix:0..count-1 has completed more than `times` triggers.
bool eachCompletedMoreThan(Engine& engine, uint32_t count, uint64_t times)
{
    for (uint32_t sub = 0; sub < count; ++sub)
        if (completedOf(engine, sub) <= times)
            return false;
    return true;
}

std::vector<std::string> notices(Engine& engine)
{
    std::vector<std::string> out;
    EngineNotice n;
    while (engine.takeNotice(n))
        out.emplace_back(n.view());
    return out;
}

bool oneLine(std::string_view text)
{
    return !text.empty() && text.find('\n') == std::string_view::npos;
}

} // namespace

TEST(FaultArm, SetIrqsFailingHalfWayRollsBackExactlyWhatItArmed)
{
    // 6.12 (no NORESIZE): msix:0-5 around an armed msix:2 goes in two calls, [0,2) then [3,6). The second fails:
    // the first call's vectors are set in the kernel and must be de-assigned again; msix:2 stays as it was.
    SimDevice sim(simConfig(SimKernel::Linux6_12));
    FaultInjectingDevice dev(sim);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 2, 1)).error, 0);
    dev.failSetIrqs(2, kSetFds, 2, EIO);
    const auto r = engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 6));
    EXPECT_EQ(r.error, EIO);
    EXPECT_TRUE(oneLine(r.text()));
    EXPECT_NE(r.text().find("arming msix:0-5 failed: SET_IRQS returned EIO"), std::string_view::npos) << r.text();
    EXPECT_EQ(dev.injectedFailures(), 1u);
    for (uint32_t v : {0u, 1u, 3u, 4u, 5u})
        EXPECT_FALSE(sim.vectorState(IrqIndex::Msix, v).armed) << "msix:" << v << " left armed in the kernel";
    EXPECT_TRUE(sim.vectorState(IrqIndex::Msix, 2).armed);
    EXPECT_EQ(engine.counters(engine.slots().slot({IrqIndex::Msix, 2})).read().state & vstate::kArmed, vstate::kArmed);
    EXPECT_EQ(engine.counters(engine.slots().slot({IrqIndex::Msix, 0})).read().state & vstate::kArmed, 0u);
    // The vector that stayed armed still works, and a retry arms the rest.
    ASSERT_EQ(engine.execute(cmd(CommandKind::TriggerOnce, IrqIndex::Msix, 2, 1)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 6)).error, 0);
    engine.stop();
    expectBooksBalance(engine);
    expectNothingArmed(sim);
}

TEST(FaultArm, NoResizeReenableFailingLeavesNothingArmed)
{
    // 6.1 (NORESIZE): growing msix:0-1 to msix:0-3 disables the index and re-enables it with all four. If the
    // re-enable fails, msix:0-1 are off in the kernel too, and irqscope must say so in its own state.
    SimDevice sim(simConfig(SimKernel::Linux6_1));
    FaultInjectingDevice dev(sim);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    dev.failSetIrqs(2, kSetFds, 1, ENOSPC);
    const auto r = engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 2, 2));
    EXPECT_EQ(r.error, ENOSPC);
    EXPECT_TRUE(oneLine(r.text())) << r.text();
    for (uint32_t v = 0; v < 4; ++v) {
        EXPECT_FALSE(sim.vectorState(IrqIndex::Msix, v).armed);
        EXPECT_EQ(engine.counters(engine.slots().slot({IrqIndex::Msix, v})).read().state & vstate::kArmed, 0u);
    }
    engine.stop();
    expectNothingArmed(sim);
}

TEST(FaultArm, SecondIndexFailingStillEndsWithEverythingDisarmed)
{
    // Several indexes: MSI-X armed and triggering, then ERR fails to arm. Stopping disarms all of it.
    SimDevice sim(simConfig(SimKernel::Linux6_1));
    FaultInjectingDevice dev(sim);
    EngineConfig cfg;
    cfg.rateHz = 1000;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
    dev.failSetIrqs(3, kSetFds, 1, EFAULT);
    const auto r = engine.execute(cmd(CommandKind::Arm, IrqIndex::Err, 0, 1));
    EXPECT_EQ(r.error, EFAULT);
    EXPECT_NE(r.text().find("arming err:0-0 failed: SET_IRQS returned EFAULT"), std::string_view::npos) << r.text();
    // MSI-X keeps measuring after the failed ERR arm: a completion after it, however long the machine takes.
    const uint64_t atFailure = completedOf(engine, 0);
    EXPECT_TRUE(waitUntil([&] { return completedOf(engine, 0) > atFailure; }));
    engine.stop();
    expectBooksBalance(engine);
    EXPECT_GT(completedOf(engine, 0), 0u);
    expectNothingArmed(sim);
}

TEST(FaultRuntime, EventfdReadsThatKeepFailingGiveTheVectorUp)
{
    // Every io_uring read of msix's eventfds completes with res = -EBADF: counted, then the vector is disarmed
    // with a notice instead of the loop spinning on failed reads.
    SimDevice sim(simConfig(SimKernel::Linux6_1));
    FaultInjectingDevice dev(sim);
    dev.breakEventfdReads(2);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    // The reads fail as soon as they are queued, with no signal needed: the vectors go before any trigger.
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    const uint32_t slot = engine.slots().slot({IrqIndex::Msix, 0});
    const uint32_t other = engine.slots().slot({IrqIndex::Msix, 1});
    // Both vectors give up, each on its own schedule (under ASan msix:1 was seen still trying after msix:0 went).
    const auto disarmed = [&](uint32_t s) {
        return (engine.counters(s).read().state & vstate::kArmed) == 0;
    };
    std::vector<std::string> n;
    ASSERT_TRUE(waitUntil([&] {
        for (auto& text : notices(engine))
            n.push_back(std::move(text));
        return disarmed(slot) && disarmed(other) && n.size() >= 2;
    }));
    ASSERT_EQ(n.size(), 2u);
    for (const auto& text : n) {
        EXPECT_TRUE(oneLine(text));
        EXPECT_NE(text.find("reading its eventfd failed 8 times in a row (EBADF"), std::string::npos) << text;
    }
    const auto c = engine.counters(slot).read();
    EXPECT_EQ(c.errors, 8u);
    EXPECT_EQ(c.lastErrno, EBADF);
    EXPECT_TRUE(engine.running()) << "one broken vector does not end the run";
    EXPECT_FALSE(sim.vectorState(IrqIndex::Msix, 0).armed);
    engine.stop();
    expectBooksBalance(engine);
    expectNothingArmed(sim);
}

TEST(FaultRuntime, FullSampleRingDropsAreCountedAndTheBooksStillBalance)
{
    // No consumer drains a 64-sample ring: every sample beyond it is dropped and counted; the counters, which
    // do not go through the ring, still balance, and every sample is either in the ring or counted dropped.
    RecordingDevice dev(0, 8, true);
    EngineConfig cfg;
    cfg.rateHz = 2000;
    cfg.sampleRingCapacity = 64;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 8)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 8)).error, 0);
    // Past the ring's 64 samples by more than 100, however long the machine takes to fire them.
    ASSERT_TRUE(waitUntil([&] { return engine.status().ringDrops > 100; }));
    engine.stop();
    expectBooksBalance(engine);
    const auto status = engine.status();
    EXPECT_EQ(status.samplesPushed, 64u);
    EXPECT_GT(status.ringDrops, 100u);
    uint64_t completed = 0, missed = 0;
    for (uint32_t sub = 0; sub < 8; ++sub) {
        const auto c = engine.counters(engine.slots().slot({IrqIndex::Msix, sub})).read();
        completed += c.completed;
        missed += c.missed;
    }
    // Samples offered: one per completion and per miss, plus an Armed and a Disarmed event per vector, plus the
    // instrument floor's (engine/instrument_floor.h), which go through the same ring.
    EXPECT_EQ(status.samplesPushed + status.ringDrops, completed + missed + 16 + status.floorSamples);
    Sample s;
    uint64_t inRing = 0;
    while (engine.samples().tryPop(s))
        ++inRing;
    EXPECT_EQ(inRing, status.samplesPushed);
}

TEST(FaultRuntime, DeviceReclaimedMidRunStopsTheRunDisarmed)
{
    // The host takes the device away: every ioctl answers ENODEV. The run stops at once, says why, and the
    // books still balance (what was in flight stays in flight).
    SimDevice sim(simConfig(SimKernel::Linux6_1));
    FaultInjectingDevice dev(sim);
    EngineConfig cfg;
    cfg.rateHz = 1000;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
    // Measuring before the device goes away: completions on every vector, however long the machine takes.
    ASSERT_TRUE(waitUntil([&] { return eachCompletedMoreThan(engine, 4, 20); }));
    dev.reclaim();
    ASSERT_TRUE(waitUntil([&] { return !engine.running(); })) << "the run must end by itself";
    engine.stop();
    const auto status = engine.status();
    EXPECT_TRUE(status.deviceLost);
    EXPECT_FALSE(status.hostRequest);
    EXPECT_TRUE(oneLine(status.stopReason));
    EXPECT_EQ(status.stopReason, "the device went away mid-run (a trigger failed with ENODEV)");
    expectBooksBalance(engine);
    for (uint32_t sub = 0; sub < 4; ++sub) {
        const auto c = engine.counters(engine.slots().slot({IrqIndex::Msix, sub})).read();
        EXPECT_GT(c.completed, 20u);
        EXPECT_EQ(c.state & vstate::kArmed, 0u);
    }
    expectNothingArmed(sim);
}

TEST(FaultReq, HostRequestStopsTheRunCleanlyAndDisarms)
{
    SimDevice sim(simConfig(SimKernel::Linux6_12));
    EngineConfig cfg;
    cfg.rateHz = 1000;
    Engine engine(sim, cfg);
    ASSERT_FALSE(engine.start());
    EXPECT_TRUE(engine.status().reqWatched);
    EXPECT_TRUE(sim.reqArmed()) << "the REQ index is armed whenever the device offers it";
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_TRUE(waitUntil([&] { return completedOf(engine, 0) > 20; }));
    ASSERT_TRUE(sim.requestDevice());
    ASSERT_TRUE(waitUntil([&] { return !engine.running(); }));
    engine.stop();
    const auto status = engine.status();
    EXPECT_TRUE(status.hostRequest);
    EXPECT_EQ(status.stopReason, "the host asked for the device back (VFIO REQ interrupt)");
    expectBooksBalance(engine);
    EXPECT_GT(completedOf(engine, 0), 20u);
    expectNothingArmed(sim);
}

TEST(FaultReq, ReqAfterOptionRaisesTheRequestFromTheSimHardware)
{
    SimConfig config = simConfig(SimKernel::Linux6_1);
    config.faults.reqAfterNs = 150'000'000;
    SimDevice sim(config);
    Engine engine(sim, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    ASSERT_TRUE(waitUntil([&] { return !engine.running(); }));
    EXPECT_TRUE(engine.status().hostRequest);
    // The sim's thread counts its request after signalling it: the engine can have stopped on the signal before
    // the count moved (seen with two busy loops on the machine's two CPUs), so the count is waited for.
    EXPECT_TRUE(waitUntil([&] { return sim.hardwareStats().hostRequests >= 1; }));
    engine.stop();
    expectNothingArmed(sim);
}

TEST(FaultReq, ReqIsNotArmableAsAMeasuredVector)
{
    SimDevice sim(simConfig(SimKernel::Linux6_1));
    Engine engine(sim, EngineConfig{});
    ASSERT_FALSE(engine.start());
    const auto r = engine.execute(cmd(CommandKind::Arm, IrqIndex::Req, 0, 1));
    EXPECT_EQ(r.error, EBUSY);
    EXPECT_TRUE(oneLine(r.text()));
    EXPECT_NE(r.text().find("host asks for the device back"), std::string_view::npos) << r.text();
    EXPECT_TRUE(sim.reqArmed()) << "the watch is unchanged";
    engine.stop();
    EXPECT_FALSE(sim.reqArmed());
}

TEST(FaultReq, DeviceWithoutReqRunsWithoutTheWatch)
{
    RecordingDevice dev(0, 4, true); // offers no REQ index (count 0)
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    EXPECT_FALSE(engine.status().reqWatched);
    engine.stop();
}

TEST(FaultTrigger, NoTriggerIsFiredAfterDisarmBegins)
{
    // A trigger thread stuck inside a firing while the core thread disarms that vector: the disarm must wait for
    // the firing to end, so the kernel never sees a trigger after the disable (the suspected cause of the QEMU
    // e1000e abort). The stuck firing is released at least 300 ms later; the disable must come after it.
    const auto cpus = allowedCpus();
    if (cpus.size() < 2)
        GTEST_SKIP() << "needs two CPUs for a trigger thread";
    RecordingDevice rec(0, 4, true);
    FaultInjectingDevice dev(rec);
    EngineConfig cfg;
    cfg.coreCpu = cpus[0];
    cfg.triggerCpu = cpus[1];
    cfg.rateHz = 1000;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_TRUE(waitUntil([&] { return dev.loopbacksStarted() > 10; }));
    const auto stalledAt = std::chrono::steady_clock::now();
    dev.stallLoopbacks();
    const uint64_t before = dev.loopbacksStarted();
    ASSERT_TRUE(waitUntil([&] { return dev.loopbacksStarted() > before; })) << "the trigger thread is now stuck";
    const uint64_t token = engine.post(cmd(CommandKind::Disarm, IrqIndex::Msix, 0, 4));
    ASSERT_NE(token, 0u);
    std::this_thread::sleep_for(300ms); // the disarm waits on the stuck firing meanwhile
    dev.releaseStall();
    const auto r = engine.waitResult(token, kGenerousTimeout);
    ASSERT_TRUE(r.has_value());
    // How long the firing was held is this run's measurement, not the 300 ms asked for: a loaded machine
    // stretches it.
    const auto held = std::chrono::steady_clock::now() - stalledAt;
    EXPECT_EQ(r->error, 0) << r->text();
    engine.stop();
    const auto calls = rec.calls();
    std::size_t disable = calls.size();
    for (std::size_t i = 0; i < calls.size(); ++i) {
        if (calls[i].flags == kLoopback && calls[i].index == 2 && calls[i].count == 0) {
            disable = i;
            break;
        }
    }
    ASSERT_LT(disable, calls.size()) << "the index was disabled";
    bool firedAfterDisable = false;
    for (std::size_t i = disable; i < calls.size(); ++i)
        firedAfterDisable = firedAfterDisable || (calls[i].flags == kLoopback && calls[i].count > 0);
    const auto n = notices(engine);
    // The engine waits up to 1 s for a stuck firing (and calls a trigger thread idle for 1 s stalled), then
    // reports it and goes on without it. Held well under that (700 ms leaves 300 ms for the scheduling around
    // the measurement), the disarm must have waited for the firing and nothing is reported. Held longer by the
    // machine, the engine may rightly have gone on without the firing, but then it must have said so.
    if (held < 700ms) {
        EXPECT_FALSE(firedAfterDisable) << "a loopback after the disable (call " << disable << ")";
        EXPECT_TRUE(n.empty()) << "a firing held "
                               << std::chrono::duration_cast<std::chrono::milliseconds>(held).count()
                               << " ms is slow, not stalled";
    } else if (firedAfterDisable) {
        EXPECT_FALSE(n.empty()) << "a loopback after the disable, with no stall reported";
    }
    expectBooksBalance(engine);
}

TEST(FaultTrigger, StalledTriggerThreadIsReportedAndStopDoesNotHang)
{
    const auto cpus = allowedCpus();
    if (cpus.size() < 2)
        GTEST_SKIP() << "needs two CPUs for a trigger thread";
    SimDevice sim(simConfig(SimKernel::Linux6_1));
    FaultInjectingDevice dev(sim);
    EngineConfig cfg;
    cfg.coreCpu = cpus[0];
    cfg.triggerCpu = cpus[1];
    cfg.rateHz = 1000;
    {
        Engine engine(dev, cfg);
        ASSERT_FALSE(engine.start());
        ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
        ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
        ASSERT_TRUE(waitUntil([&] { return dev.loopbacksStarted() > 10; }));
        dev.stallLoopbacks();
        // Detected while running: no heartbeat for a second.
        ASSERT_TRUE(waitUntil([&] { return engine.status().triggerStalled; }));
        auto n = notices(engine);
        ASSERT_EQ(n.size(), 1u);
        EXPECT_TRUE(oneLine(n[0]));
        EXPECT_NE(n[0].find("has made no progress for"), std::string::npos) << n[0];
        // Stop does not hang on it: bounded waits, then the thread is left behind and every vector disarmed. The
        // firing cannot return before releaseStall() below, so a stop that waited for it would never return:
        // that stop returned with the firing still inside the device is the proof, whatever the machine's speed.
        engine.stop();
        EXPECT_GT(dev.callsInside(), 0u) << "stop returned only once the stuck firing did";
        const auto status = engine.status();
        EXPECT_TRUE(status.triggerAbandoned);
        n = notices(engine);
        ASSERT_EQ(n.size(), 1u);
        EXPECT_NE(n[0].find("did not stop within 1 s"), std::string::npos) << n[0];
        expectBooksBalance(engine);
        expectNothingArmed(sim);
        // Let the abandoned firing return before the engine goes (it then touches only its own leaked object).
        dev.releaseStall();
        ASSERT_TRUE(waitUntil([&] { return dev.callsInside() == 0; }));
        std::this_thread::sleep_for(20ms);
    }
}

TEST(FaultSetup, PmQosIsHeldForTheRunAndRestoredOnExit)
{
    // --pm-qos used to be accepted and reported but never applied.
    RecordingDevice dev(0, 2, true);
    EngineConfig cfg;
    cfg.coreCpu = allowedCpus().front();
    cfg.pmQos = true;
    const std::string path =
        "/sys/devices/system/cpu/cpu" + std::to_string(cfg.coreCpu) + "/power/pm_qos_resume_latency_us";
    const auto read = [&] {
        std::ifstream in(path);
        std::string line;
        std::getline(in, line);
        return line;
    };
    if (access(path.c_str(), W_OK) != 0)
        GTEST_SKIP() << path << " is not writable here (needs root and per-CPU PM QoS)";
    const std::string before = read();
    {
        Engine engine(dev, cfg);
        const auto err = engine.start();
        ASSERT_FALSE(err) << *err;
        EXPECT_EQ(read(), "n/a");
        engine.stop();
        EXPECT_EQ(read(), before) << "restored when the engine stops";
    }
}
