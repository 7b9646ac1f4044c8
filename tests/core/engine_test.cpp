// Engine tests against a recording fake device: accounting adds up, the kernel traps of docs/kernel-vfio-irq.md §3 are
// avoided, NORESIZE re-arming, disarm on stop, no allocation on the core thread after arming.
#include "engine/cpu_setup.h"
#include "engine/engine.h"
#include "engine_commands.h"
#include "recording_device.h"
#include "wait_until.h"

#include <gtest/gtest.h>

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

bool sawCall(RecordingDevice& dev, uint32_t flags, uint32_t index, uint32_t start, uint32_t count)
{
    for (const auto& c : dev.calls()) {
        if (c.flags == flags && c.index == index && c.start == start && c.count == count)
            return true;
    }
    return false;
}

CountersCopy countersOf(Engine& engine, IrqIndex index, uint32_t sub)
{
    return engine.counters(engine.slots().slot({index, sub})).read();
}

// Each of `count` MSI-X vectors from `first` has been triggered more than `times` times.
bool eachTriggeredMoreThan(Engine& engine, uint32_t first, uint32_t count, uint64_t times)
{
    for (uint32_t sub = first; sub < first + count; ++sub)
        if (countersOf(engine, IrqIndex::Msix, sub).triggered <= times)
            return false;
    return true;
}

} // namespace

TEST(EngineAccounting, LoopbackTriggersAllCompleteAndAddUp)
{
    RecordingDevice dev(1, 8, true);
    EngineConfig cfg;
    cfg.rateHz = 2000;
    // The fake device signals inside the loopback call: a trigger can only miss if the machine stalls the core
    // thread for longer than the deadline, so the deadline is one no healthy machine reaches.
    cfg.deadline = kGenerousTimeout;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 8)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 8)).error, 0);
    // As many triggers as the test needs, however long the machine takes to fire them.
    ASSERT_TRUE(waitUntil([&] { return eachTriggeredMoreThan(engine, 0, 8, 50); }));
    engine.stop();
    expectBooksBalance(engine);
    for (uint32_t sub = 0; sub < 8; ++sub) {
        const auto c = engine.counters(engine.slots().slot({IrqIndex::Msix, sub})).read();
        EXPECT_GT(c.triggered, 50u);
        EXPECT_EQ(c.missed, 0u);
        EXPECT_EQ(c.spurious, 0u);
        EXPECT_EQ(c.completed + c.coalesced, c.triggered - c.inFlight);
    }
    EXPECT_EQ(engine.status().ringDrops, 0u);
    // Every vector ends disarmed: the whole index was disabled on stop.
    EXPECT_TRUE(sawCall(dev, kLoopback, 2, 0, 0));
}

TEST(EngineAccounting, SilentLoopbackIsCountedMissedNotCompleted)
{
    // Trap 1 (docs/kernel-vfio-irq.md §3.1): a loopback of an unconfigured MSI-X vector returns 0 and signals nothing.
    RecordingDevice dev(0, 4, false);
    dev.setLoopbackWorks(false);
    EngineConfig cfg;
    cfg.rateHz = 500;
    cfg.deadline = 20ms;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 2)).error, 0);
    // Misses come one deadline after their triggers: wait for them rather than for a time.
    EXPECT_TRUE(waitUntil([&] { return (countersOf(engine, IrqIndex::Msix, 0).state & vstate::kStuck) != 0; }))
        << "repeated misses mark the vector stuck";
    ASSERT_TRUE(waitUntil([&] { return countersOf(engine, IrqIndex::Msix, 0).missed > 10; }));
    engine.stop();
    expectBooksBalance(engine);
    const auto c = engine.counters(engine.slots().slot({IrqIndex::Msix, 0})).read();
    EXPECT_GT(c.missed, 10u);
    EXPECT_EQ(c.completed, 0u);
}

TEST(EngineTraps, NeverFiresAVectorItDidNotArm)
{
    RecordingDevice dev(1, 8, true);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    const auto r = engine.execute(cmd(CommandKind::TriggerOnce, IrqIndex::Msix, 5, 1));
    EXPECT_NE(r.error, 0);
    EXPECT_NE(r.text().find("not armed"), std::string_view::npos) << r.text();
    EXPECT_FALSE(sawCall(dev, kLoopback, 2, 5, 1)) << "a loopback on an unarmed MSI-X vector returns 0: never issue it";
}

TEST(EngineTraps, NeverLoopsBackAnIntxWithoutATrigger)
{
    // Trap 2 (docs/kernel-vfio-irq.md §3.2): INTx enabled with fd -1 used to reach eventfd_signal(NULL) on loopback.
    RecordingDevice dev(1, 0, true);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    const auto r = engine.execute(cmd(CommandKind::TriggerOnce, IrqIndex::Intx, 0, 1));
    EXPECT_NE(r.error, 0);
    EXPECT_FALSE(sawCall(dev, kLoopback, 0, 0, 1));
    for (const auto& c : dev.calls())
        EXPECT_FALSE(c.index == 0 && (c.flags & VFIO_IRQ_SET_DATA_NONE) && c.count == 1);
}

TEST(EngineCommands, OutOfRangeVectorIsAClearError)
{
    RecordingDevice dev(1, 8, true);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    const auto r = engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 99999, 1));
    EXPECT_EQ(r.error, EINVAL);
    EXPECT_NE(r.text().find("out of range"), std::string_view::npos) << r.text();
    EXPECT_NE(r.text().find("msix:0-7"), std::string_view::npos) << r.text();
}

TEST(EngineCommands, GrowingANoResizeIndexDisablesAndReenables)
{
    RecordingDevice dev(0, 8, true);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 2, 2)).error, 0);
    EXPECT_TRUE(sawCall(dev, kSetFds, 2, 0, 2));
    EXPECT_TRUE(sawCall(dev, kLoopback, 2, 0, 0)) << "NORESIZE: the set cannot grow while enabled";
    EXPECT_TRUE(sawCall(dev, kSetFds, 2, 0, 4));
}

TEST(EngineCommands, GrowingAResizableIndexSetsOnlyTheNewVectors)
{
    RecordingDevice dev(0, 8, false);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 2)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 2, 2)).error, 0);
    EXPECT_TRUE(sawCall(dev, kSetFds, 2, 2, 2));
    EXPECT_FALSE(sawCall(dev, kLoopback, 2, 0, 0));
}

TEST(EngineCommands, OnlyOneInterruptTypeAtATime)
{
    RecordingDevice dev(1, 8, true);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Intx, 0, 1)).error, 0);
    const auto r = engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 1));
    EXPECT_EQ(r.error, EBUSY);
    EXPECT_NE(r.text().find("disarm intx"), std::string_view::npos) << r.text();
}

TEST(EngineCommands, MaskingMsixIsRefusedWithTheReason)
{
    RecordingDevice dev(0, 8, true);
    Engine engine(dev, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 1)).error, 0);
    const auto r = engine.execute(cmd(CommandKind::Mask, IrqIndex::Msix, 0, 1));
    EXPECT_EQ(r.error, ENOTTY);
}

TEST(EngineHotPath, CoreThreadDoesNotAllocateAfterArming)
{
    RecordingDevice dev(1, 16, true);
    EngineConfig cfg;
    cfg.rateHz = 5000;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 16)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 16)).error, 0);
    // The hot path runs for a number of completions, not for a time: before and after the commands below.
    ASSERT_TRUE(waitUntil([&] { return engine.status().completions > 100; }));
    ASSERT_EQ(engine.execute(cmd(CommandKind::SetRate, IrqIndex::Msix, 0, 1, 3000)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::TriggerOnce, IrqIndex::Msix, 3, 1)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::Disarm, IrqIndex::Msix, 8, 8)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 8, 8)).error, 0);
    const uint64_t afterCommands = engine.status().completions;
    // The instrument floor's signal, read and re-arm run on this thread too: at least two of them after arming.
    const uint64_t floorAtArm = engine.status().floorSamples;
    ASSERT_TRUE(waitUntil([&] {
        const auto s = engine.status();
        return s.completions > afterCommands + 100 && s.floorSamples >= floorAtArm + 2;
    }));
    const auto status = engine.status();
    EXPECT_GT(status.completions, 200u);
    EXPECT_EQ(status.coreAllocationsAfterArm, 0u);
    engine.stop();
}

TEST(EngineThreads, TriggerThreadOnAnotherCpuKeepsTheBooks)
{
    const auto cpus = allowedCpus();
    if (cpus.size() < 2)
        GTEST_SKIP() << "needs two CPUs for a cross-CPU trigger thread";
    RecordingDevice dev(0, 8, true);
    EngineConfig cfg;
    cfg.coreCpu = cpus[0];
    cfg.triggerCpu = cpus[1];
    cfg.rateHz = 1000;
    cfg.deadline = kGenerousTimeout; // no miss unless the machine stalls a thread for a minute
    Engine engine(dev, cfg);
    const auto err = engine.start();
    ASSERT_FALSE(err) << *err;
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 8)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 8)).error, 0);
    ASSERT_TRUE(waitUntil([&] { return countersOf(engine, IrqIndex::Msix, 0).completed > 50; }));
    ASSERT_EQ(engine.execute(cmd(CommandKind::Disarm, IrqIndex::Msix, 4, 4)).error, 0);
    // The remaining vectors keep being fired from the other CPU after the disarm.
    const uint64_t atDisarm = countersOf(engine, IrqIndex::Msix, 0).completed;
    ASSERT_TRUE(waitUntil([&] { return countersOf(engine, IrqIndex::Msix, 0).completed > atDisarm + 20; }));
    engine.stop();
    expectBooksBalance(engine);
    const auto c = engine.counters(engine.slots().slot({IrqIndex::Msix, 0})).read();
    EXPECT_GT(c.completed, 50u);
    EXPECT_EQ(c.missed, 0u);
    EXPECT_EQ(engine.status().triggerCpu, cpus[1]);
}

TEST(EngineSetup, CpuOutsideTheAllowedSetIsAOneLineError)
{
    RecordingDevice dev(0, 8, true);
    EngineConfig cfg;
    cfg.coreCpu = 4000;
    Engine engine(dev, cfg);
    const auto err = engine.start();
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("allowed CPUs"), std::string::npos) << *err;
    EXPECT_EQ(err->find('\n'), std::string::npos);
}

TEST(EngineAccounting, TriggersLeftAtStopStayInFlightNotMissed)
{
    // The deadline (a minute) outlives the stop drain (at most 0.5 s) and anything between the first trigger and
    // the stop, however slow the machine: unanswered triggers are "in flight at stop".
    RecordingDevice dev(0, 4, false);
    dev.setLoopbackWorks(false);
    EngineConfig cfg;
    cfg.rateHz = 200;
    cfg.deadline = kGenerousTimeout;
    Engine engine(dev, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 1)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 1)).error, 0);
    ASSERT_TRUE(waitUntil([&] { return countersOf(engine, IrqIndex::Msix, 0).triggered > 2; }));
    engine.stop();
    const auto c = engine.counters(engine.slots().slot({IrqIndex::Msix, 0})).read();
    EXPECT_GT(c.inFlight, 0u);
    EXPECT_EQ(c.missed, 0u);
    EXPECT_EQ(c.triggered, c.inFlight);
}
