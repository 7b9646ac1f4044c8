// Busy-poll mode (EngineConfig::busyPoll, `irqscope run --busy-poll`): the core thread never sleeps in the kernel,
// keeps the books and does not allocate; SCHED_FIFO is refused while RT throttling would park the spinner.
#include "engine/engine.h"
#include "engine_commands.h"
#include "recording_device.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <string>

using namespace irqscope::core;
using irqscope::test::cmd;
using irqscope::test::kGenerousTimeout;
using irqscope::test::RecordingDevice;
using irqscope::test::waitUntil;

TEST(BusyPoll, FifoIsRefusedWhileRtThrottlingIsOn)
{
    EXPECT_FALSE(busyPollRefusal(0, 950000));         // SCHED_OTHER spinner: never throttled
    EXPECT_FALSE(busyPollRefusal(80, -1));            // throttling off: the user's choice
    const auto refusal = busyPollRefusal(80, 950000); // parked 50 ms of every second
    ASSERT_TRUE(refusal);
    EXPECT_NE(refusal->find("sched_rt_runtime_us=950000"), std::string::npos) << *refusal;
    EXPECT_NE(refusal->find("drop --fifo"), std::string::npos) << *refusal;
    EXPECT_EQ(refusal->find('\n'), std::string::npos);
    EXPECT_TRUE(busyPollRefusal(80, std::nullopt)); // unreadable sysctl: assume the default (throttling on)
}

TEST(BusyPoll, EngineWithFifoFailsToStartWithOneLine)
{
    const auto rt = readRtRuntimeUs();
    if (rt && *rt < 0)
        GTEST_SKIP() << "RT throttling is off here (sched_rt_runtime_us=-1), so FIFO busy-poll is allowed";
    RecordingDevice dev(0, 4, true);
    EngineConfig cfg;
    cfg.busyPoll = true;
    cfg.fifoPriority = 10;
    Engine engine(dev, cfg);
    const auto err = engine.start();
    ASSERT_TRUE(err.has_value());
    EXPECT_NE(err->find("--busy-poll with --fifo"), std::string::npos) << *err;
    EXPECT_EQ(err->find('\n'), std::string::npos);
}

TEST(BusyPoll, CoreThreadSpinsKeepsTheBooksAndDoesNotAllocate)
{
    RecordingDevice dev(1, 4, true);
    EngineConfig cfg;
    cfg.busyPoll = true;
    cfg.rateHz = 1000;
    cfg.deadline = kGenerousTimeout; // the fake device answers at once: only a stalled machine could miss
    Engine engine(dev, cfg);
    const auto err = engine.start();
    ASSERT_FALSE(err) << *err;
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 1)).error, 0);
    // A number of completions before and after a disarm, however long the machine takes for them.
    ASSERT_TRUE(waitUntil([&] { return engine.status().completions > 100; }));
    ASSERT_EQ(engine.execute(cmd(CommandKind::Disarm, IrqIndex::Msix, 2, 2)).error, 0);
    const uint64_t atDisarm = engine.status().completions;
    ASSERT_TRUE(waitUntil([&] { return engine.status().completions > atDisarm + 20; }));
    const auto status = engine.status();
    engine.stop();
    EXPECT_GT(status.completions, 100u);
    // A blocking core thread loops about once per completion; a spinning one many times more.
    EXPECT_GT(status.loops, 20 * status.completions) << "the core thread slept in the kernel";
    EXPECT_EQ(status.coreAllocationsAfterArm, 0u);
    for (uint32_t slot = 0; slot < engine.slots().size(); ++slot) {
        const CountersCopy c = engine.counters(slot).read();
        EXPECT_EQ(c.triggered, c.completed + c.coalesced + c.missed + c.inFlight)
            << vectorName(engine.slots().id(slot));
    }
    const CountersCopy c0 = engine.counters(engine.slots().slot({IrqIndex::Msix, 0})).read();
    EXPECT_EQ(c0.missed, 0u);
}
