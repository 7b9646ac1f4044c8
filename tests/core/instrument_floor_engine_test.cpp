// The instrument floor in the engine (engine/instrument_floor.h): every run measures irqscope's own wake path with
// a private eventfd, whose samples come through the same ring as the vectors' but never enter a vector's books.
// Counts are bounded by the run's own duration, never by a rate the machine is assumed to reach.
#include "base/monotonic_clock.h"
#include "engine/cpu_setup.h"
#include "engine/engine.h"
#include "engine/instrument_floor.h"
#include "engine_commands.h"
#include "sim/sim_device.h"
#include "wait_until.h"

#include <gtest/gtest.h>

#include <vector>

using namespace irqscope::core;
using irqscope::test::cmd;
using irqscope::test::expectBooksBalance;
using irqscope::test::kGenerousTimeout;
using irqscope::test::waitUntil;

namespace {

SimConfig floorEngineSim()
{
    SimConfig c;
    c.kernel = SimKernel::Linux6_12;
    c.msixVectors = 8;
    return c;
}

struct DrainedRing
{
    std::vector<Sample> floor;
    uint64_t completions = 0; // SampleKind::Completion
    uint64_t total = 0;
};

DrainedRing drainFloorRing(Engine& engine)
{
    DrainedRing d;
    Sample s;
    while (engine.samples().tryPop(s)) {
        ++d.total;
        if (s.kind == SampleKind::Floor)
            d.floor.push_back(s);
        else if (s.kind == SampleKind::Completion)
            ++d.completions;
    }
    return d;
}

// Every floor sample is one signal of one outstanding floor read: in order, never coalesced, a latency >= 0.
void expectWellFormedFloor(const std::vector<Sample>& floor)
{
    for (std::size_t i = 0; i < floor.size(); ++i) {
        SCOPED_TRACE("floor sample " + std::to_string(i));
        EXPECT_EQ(floor[i].seq, i + 1);
        EXPECT_EQ(floor[i].value, 1u) << "never signalled while the previous signal was outstanding";
        EXPECT_GT(floor[i].triggerNs, 0);
        EXPECT_GE(floor[i].latencyNs(), 0);
        if (i > 0) {
            EXPECT_GE(floor[i].triggerNs - floor[i - 1].triggerNs, kInstrumentFloorPeriodNs)
                << "at most the floor's low rate: a late signal is not caught up with a burst";
        }
    }
}

// Never more floor samples than the run's duration holds periods (the first one is due a period after setup).
void expectAtMostTheRate(uint64_t floorSamples, int64_t startNs, int64_t stopNs)
{
    EXPECT_LE(floorSamples, static_cast<uint64_t>((stopNs - startNs) / kInstrumentFloorPeriodNs) + 1);
}

uint64_t vectorCompletions(Engine& engine)
{
    uint64_t n = 0;
    for (uint32_t slot = 0; slot < engine.slots().size(); ++slot)
        n += engine.counters(slot).read().completed;
    return n;
}

} // namespace

TEST(InstrumentFloorEngine, SamplesArriveAndNeverEnterAVectorsBooks)
{
    SimDevice sim(floorEngineSim());
    EngineConfig cfg;
    cfg.rateHz = 1000;
    cfg.deadline = kGenerousTimeout; // no miss unless the machine stalls a thread for a minute
    const int64_t startNs = monotonicNs();
    Engine engine(sim, cfg);
    ASSERT_FALSE(engine.start());
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
    // Two floor periods and some vector traffic, however long the machine takes for them.
    ASSERT_TRUE(waitUntil([&] { return engine.status().floorSamples >= 2 && vectorCompletions(engine) > 20; }));
    engine.stop();
    const int64_t stopNs = monotonicNs();

    expectBooksBalance(engine);
    const auto status = engine.status();
    ASSERT_EQ(status.ringDrops, 0u);
    const DrainedRing ring = drainFloorRing(engine);
    EXPECT_EQ(ring.total, status.samplesPushed) << "floor samples are counted like every other sample";
    EXPECT_EQ(ring.floor.size(), status.floorSamples);
    EXPECT_GE(ring.floor.size(), 2u);
    EXPECT_EQ(ring.completions, vectorCompletions(engine)) << "no floor signal was taken for a vector's completion";
    // Slot 0 (intx:0, never armed here) is what a floor sample's slot field holds: its books stay empty.
    const CountersCopy intx = engine.counters(engine.slots().slot({IrqIndex::Intx, 0})).read();
    EXPECT_EQ(intx.triggered + intx.completed + intx.spurious + intx.deviceOriginated + intx.errors, 0u);
    expectWellFormedFloor(ring.floor);
    expectAtMostTheRate(ring.floor.size(), startNs, stopNs);
}

TEST(InstrumentFloorEngine, MeasuredWithNothingArmed)
{
    // Every run has its floor, even one that only waits (a passive vector, or before the first arm).
    SimDevice sim(floorEngineSim());
    const int64_t startNs = monotonicNs();
    Engine engine(sim, EngineConfig{});
    ASSERT_FALSE(engine.start());
    ASSERT_TRUE(waitUntil([&] { return engine.status().floorSamples >= 2; }));
    engine.stop();
    const int64_t stopNs = monotonicNs();
    const DrainedRing ring = drainFloorRing(engine);
    EXPECT_EQ(ring.total, ring.floor.size()) << "nothing but floor samples";
    EXPECT_EQ(ring.floor.size(), engine.status().floorSamples);
    for (uint32_t slot = 0; slot < engine.slots().size(); ++slot)
        EXPECT_EQ(engine.counters(slot).read().completed, 0u);
    expectWellFormedFloor(ring.floor);
    expectAtMostTheRate(ring.floor.size(), startNs, stopNs);
}

TEST(InstrumentFloorEngine, TriggerThreadSignalsItBetweenItsFirings)
{
    const auto cpus = allowedCpus();
    if (cpus.size() < 2)
        GTEST_SKIP() << "needs two CPUs for a cross-CPU trigger thread";
    SimDevice sim(floorEngineSim());
    EngineConfig cfg;
    cfg.coreCpu = cpus[0];
    cfg.triggerCpu = cpus[1];
    cfg.rateHz = 1000;
    cfg.deadline = kGenerousTimeout;
    const int64_t startNs = monotonicNs();
    Engine engine(sim, cfg);
    const auto err = engine.start();
    ASSERT_FALSE(err) << *err;
    ASSERT_EQ(engine.execute(cmd(CommandKind::Arm, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_EQ(engine.execute(cmd(CommandKind::StartTriggering, IrqIndex::Msix, 0, 4)).error, 0);
    ASSERT_TRUE(waitUntil([&] { return engine.status().floorSamples >= 2 && vectorCompletions(engine) > 20; }));
    engine.stop();
    const int64_t stopNs = monotonicNs();
    expectBooksBalance(engine);
    ASSERT_EQ(engine.status().ringDrops, 0u);
    const DrainedRing ring = drainFloorRing(engine);
    EXPECT_EQ(ring.floor.size(), engine.status().floorSamples);
    EXPECT_EQ(ring.completions, vectorCompletions(engine));
    expectWellFormedFloor(ring.floor);
    expectAtMostTheRate(ring.floor.size(), startNs, stopNs);
}

TEST(InstrumentFloorEngine, BusyPollMeasuresItToo)
{
    SimDevice sim(floorEngineSim());
    EngineConfig cfg;
    cfg.busyPoll = true;
    Engine engine(sim, cfg);
    if (const auto err = engine.start())
        GTEST_SKIP() << "busy poll not available here: " << *err;
    ASSERT_TRUE(waitUntil([&] { return engine.status().floorSamples >= 2; }));
    engine.stop();
    expectWellFormedFloor(drainFloorRing(engine).floor);
}
